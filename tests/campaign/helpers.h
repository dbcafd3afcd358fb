#pragma once
// Shared helpers of the campaign tests.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/program_spec.h"
#include "core/trace.h"

namespace campaign_test {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    path_ = fs::temp_directory_path() / ("dynfault_campaign_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& child) const { return (path_ / child).string(); }

 private:
  fs::path path_;
};

inline dynfault::ProgramZoo zoo() { return dynfault::ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs"); }

}  // namespace campaign_test
namespace fs = std::filesystem;
