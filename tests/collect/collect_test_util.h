#pragma once
// Helpers shared by the collect tests: scratch folders, the Deep4ge sample,
// small synthetic traces and CSVs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/trace.h"
#include "tests/support/temp_dir.h"

namespace dynfault::collect::testing {
namespace fs = std::filesystem;

// A fresh folder removed at the end of the test (tests/support/temp_dir.h).
using ScratchDir = dynfault_test::TempDir;

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

inline std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The published sample lives beside the repository; a user's clone has none.
inline fs::path sample_dir() { return fs::path(DYNFAULT_SOURCE_DIR) / ".." / "shared" / "datasets" / "deep4ge-sample"; }
#define REQUIRE_DEEP4GE_SAMPLE()                                               \
  if (!fs::exists(sample_dir() / "manifest.csv"))                              \
  GTEST_SKIP() << "Deep4ge sample not found at " << sample_dir().string()

// Files of a folder (names), to check that a failed command left nothing behind.
inline std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A small dynfault-style trace.
inline Trace synthetic_trace(const std::string& run_id, const std::string& program, const std::string& category,
                             size_t epochs, double offset = 0) {
  Trace t;
  t.run_id = run_id;
  t.program = program;
  t.architecture = "FFNN";
  t.category = category;
  t.mutant_id = category.empty() ? "" : program + "-" + category + "-m1";
  t.operator_name = category.empty() ? "" : "change_something";
  t.parameters = category.empty() ? "{}" : R"({"factor":2})";
  t.repeat = 1;
  t.seed = 42;
  t.probes = "of";
  t.scale = "smoke";
  t.set_channels({"train_loss", "train_acc", "val_loss", "val_acc", "adjusted_lr", "sys_cpu_utilization"},
                 {"1", "1", "1", "1", "1", "%"});
  for (size_t e = 0; e < epochs; ++e)
    t.append_epoch({1.0 / (e + 1) + offset, 0.5 + 0.01 * e, 1.1 / (e + 1), 0.4 + 0.01 * e, 0.001 * (e + 1), 10.0 + e});
  return t;
}

}  // namespace dynfault::collect::testing
