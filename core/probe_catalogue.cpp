#include "core/probe_catalogue.h"

namespace dynfault {

bool ProbeDeclaration::claims(const std::string& channel) const {
  for (const auto& c : channels) {
    if (!c.empty() && c.back() == '*') {
      if (channel.compare(0, c.size() - 1, c, 0, c.size() - 1) == 0) return true;
    } else if (c == channel) {
      return true;
    }
  }
  return false;
}

const ProbeDeclaration* find_probe(std::string_view name) {
  for (const auto& d : probe_catalogue())
    if (d.name == name) return &d;
  return nullptr;
}

std::string probe_choices() {
  std::string out = "a comma-separated list of ";
  for (const auto& d : probe_catalogue()) out += d.name + ", ";
  return out + "or none";
}

}  // namespace dynfault
