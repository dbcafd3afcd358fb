#pragma once
// Shared by the libFuzzer targets of fuzz/: every reader of outside bytes
// reads a path, so each input is written to a scratch file of its own (one
// directory per process, removed at exit), and the one outcome allowed
// besides success is a dynfault::Error: any other exception escaping a reader
// is a bug (the CLI would report "internal error", exit 2), so it aborts and
// libFuzzer saves the input.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"

namespace dynfault_fuzz {

inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "dynfault-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    static std::string keep = pattern;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(keep, ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

inline std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const std::filesystem::path p = scratch() / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                             static_cast<std::streamsize>(size));
  return p.string();
}

// Runs `read`; a dynfault::Error is the expected refusal of bad bytes, and
// anything else aborts with the exception's text.
template <class F>
int expect_only_dynfault_errors(F&& read) {
  try {
    read();
  } catch (const dynfault::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: a reader let through a non-dynfault exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}

}  // namespace dynfault_fuzz
