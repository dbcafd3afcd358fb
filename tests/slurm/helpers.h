#pragma once
// Shared helpers of the slurm tests: running a command
// with extra environment and capturing its output, files.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace slurm_test {
namespace fs = std::filesystem;

using dynfault_test::TempDir;  // tests/support/temp_dir.h

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& text, bool executable = false) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
  if (executable) fs::permissions(path, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
}

using Process = dynfault_test::ChildProcess;

// Runs to completion (timeout 120 s); returns the exit status, output in `out`.
inline int run(const std::vector<std::string>& argv, std::string& out,
               const std::map<std::string, std::string>& env = {}) {
  char pattern[] = "/tmp/dynfault-slurm-out-XXXXXX";
  const int fd = ::mkstemp(pattern);
  ::close(fd);
  int status;
  {
    Process p(argv, env, pattern);
    status = p.wait(120);
  }
  out = read_file(pattern);
  ::unlink(pattern);
  return status;
}

inline size_t count_lines(const std::string& text) {
  size_t n = 0;
  for (const char c : text) n += c == '\n';
  return n;
}

}  // namespace slurm_test
