#pragma once
// The runner's public, LibTorch-free entry point: train one program (original
// or mutant spec) once and return its trace. Including this header does not
// pull in LibTorch; train_and_trace is defined in libdynfault_runner.so, which
// `dynfault run` and the campaign workers load through runner/library.h.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/run_identity.h"
#include "core/program_spec.h"
#include "core/trace.h"
#include "triage/rule.h"

namespace dynfault::runner {

// The identity's program and architecture are the spec's; the trace records the identity.
struct RunRequest : RunIdentity {
  ProgramSpec spec;            // the spec to train (a mutant spec for mutants)
  int threads = 1;             // LibTorch intra-op threads
  int hvp_vectors = 4;         // Rademacher vectors per CF measurement
  int probe_batch = 64;        // samples in the fixed CF/OF probe batch
  // Stop the run when this rule says terminate after the probe it reads
  // (docs/triage.md); the caller has checked that the rule fits the run.
  std::shared_ptr<const triage::Rule> triage;
};

// Trains and probes. Never throws for problems of the program itself: a spec
// that cannot be built, a shape mismatch or an exception before the first epoch
// gives a Crashed trace (metadata + error, zero epochs); a failure after some
// epochs gives a Failed trace with the epochs logged so far.
Trace train_and_trace(const RunRequest& request);

// Library versions recorded in every trace (libtorch, hdf5, dynfault).
std::map<std::string, std::string> library_versions();

}  // namespace dynfault::runner
