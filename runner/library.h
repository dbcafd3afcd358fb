#pragma once
// The LibTorch runner as a shared library, libdynfault_runner.so, loaded on
// demand: the dynfault binary links no LibTorch, so the commands that do not
// train start in milliseconds. Torch-free: the binary reaches the runner's
// train_and_trace (run.h) only through runner_library().
#include <cstddef>
#include <string>

#include "runner/run.h"

namespace dynfault::runner {

// What the library exports, through its one C symbol dynfault_runner_library.
struct RunnerLibrary {
  // The library's build: one from another build (other layouts of RunRequest
  // and Trace) is refused instead of crashing.
  const char* version;
  size_t request_size;
  size_t trace_size;
  Trace (*train_and_trace)(const RunRequest& request);
  Calibration (*calibrate)(const RunRequest& request);  // the cost model's timed steps
};

// Where the library is: $DYNFAULT_RUNNER_LIBRARY, else beside the binary,
// <bin>/../runner/ in the build tree or <bin>/../lib/dynfault/ installed.
std::string runner_library_path();

// dlopen()s the library on first use, once per process (a campaign worker
// does so before forking its task children, which share its pages). Throws
// dynfault::Error naming the path when it is missing or from another build.
const RunnerLibrary& runner_library();

}  // namespace dynfault::runner

extern "C" const dynfault::runner::RunnerLibrary* dynfault_runner_library();
