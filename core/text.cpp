#include "core/text.h"

#include <cstdio>
#include <sstream>

namespace dynfault {

std::string format_g17(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

std::string format_g(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

std::string format_significant(double value, int digits) {
  if (value != value) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

std::string format_fixed(double value, int decimals) {
  if (value != value) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) names.push_back(item);
  return names;
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

}  // namespace dynfault
