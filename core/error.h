#pragma once
// The one error type users see. Its message is a single line "<where>: <problem>";
// the CLI prints it and exits non-zero, so every throw site names the file or
// object at fault.
#include <stdexcept>
#include <string>

namespace dynfault {

class Error : public std::runtime_error {
 public:
  Error(const std::string& where, const std::string& problem)
      : std::runtime_error(where.empty() ? problem : where + ": " + problem) {}
};

}  // namespace dynfault
