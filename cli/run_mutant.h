#pragma once
// `dynfault run --program P --mutant ID --repeats N`: N runs of the original and
// N of the mutant, then DeepCrime's kill verdict (docs/kill.md).
#include <string>

#include "runner/run.h"

namespace dynfault::cli {

struct MutantRunOptions {
  std::string mutant_id;
  int repeats = 0;
  std::string out;  // optional corpus file with every trace and its verdict
};

// `base` carries the original spec, seed, probes, scale and threads. Prints the
// verdict as JSON on stdout.
void run_mutant_repeats(const runner::RunRequest& base, const MutantRunOptions& options);

}  // namespace dynfault::cli
