#include "core/seed.h"

#include "core/error.h"

namespace dynfault {

uint64_t parse_unsigned(std::string_view option, const std::string& text, uint64_t min, uint64_t max) {
  const std::string name(option);
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    throw Error(name, "must be " + range + ", got '" + text + "'");
  uint64_t value = 0;
  try {
    value = std::stoull(text);
  } catch (const std::exception&) {
    throw Error(name, "must be " + range + ", got '" + text + "'");
  }
  if (value < min || value > max) throw Error(name, "must be " + range + ", got " + text);
  return value;
}

}  // namespace dynfault
