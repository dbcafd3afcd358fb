// The one symbol libdynfault_runner.so exports (runner/library.map): what the
// torch-free loader (runner/library.cpp) checks and calls.
#include "runner/library.h"

#include "core/version.h"

extern "C" const dynfault::runner::RunnerLibrary* dynfault_runner_library() {
  static const dynfault::runner::RunnerLibrary library = {
      dynfault::kVersion, sizeof(dynfault::runner::RunRequest), sizeof(dynfault::Trace),
      &dynfault::runner::train_and_trace, &dynfault::runner::calibrate};
  return &library;
}
