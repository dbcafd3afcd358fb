#pragma once
// The one scratch-directory helper of every test binary: a fresh directory with
// a unique name (mkdtemp: parallel ctest runs and repeated runs never share
// one), named after the running test for readable leftovers, and removed when
// the object goes out of scope — which includes a failed ASSERT_* returning
// early from the test body.
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace dynfault_test {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "") {
    std::string name = "dynfault";
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
      name += std::string("-") + info->test_suite_name() + "." + info->name();
    if (!tag.empty()) name += "-" + tag;
    for (char& c : name)
      if (c == '/') c = '_';  // parameterised test names contain '/'
    std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;  // never throw from a destructor; a leftover is only a leftover
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& child) const { return (path_ / child).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace dynfault_test
