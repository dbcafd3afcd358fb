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

// The identity's program and architecture are the spec's; the trace records the identity,
// the probe settings (hvp_vectors, probe_batch) and the recurrent path among it.
struct RunRequest : RunIdentity {
  ProgramSpec spec;            // the spec to train (a mutant spec for mutants)
  int threads = 1;             // LibTorch intra-op threads
  // Stop the run when this rule says terminate after the probe it reads
  // (docs/triage.md); the caller has checked that the rule fits the run.
  std::shared_ptr<const triage::Rule> triage;
};

// Trains and probes. Never throws for problems of the program itself: a spec
// that cannot be built, a shape mismatch or an exception before the first epoch
// gives a Crashed trace (metadata + error, zero epochs); a failure after some
// epochs gives a Failed trace with the epochs logged so far.
Trace train_and_trace(const RunRequest& request);

// A few timed steps of one run, from which the cost model (campaign/cost_model.h)
// extrapolates a whole run: the request's data and model at its scale, then
// two epochs of at most kCalibrationSteps steps each on the first samples and
// a validation pass on at most kCalibrationValidation samples, with the
// request's probes; the second epoch is the one measured (the first pays
// one-time allocations). Seconds are wall time on this machine.
inline constexpr int64_t kCalibrationSteps = 3;
inline constexpr int64_t kCalibrationValidation = 64;
struct Calibration {
  double prepare_seconds = 0;     // data generation and model construction
  double init_probe_seconds = 0;  // the probes' measurement before the first update
  double step_seconds = 0;        // one training step, the probes' per-step work included
  double validation_seconds = 0;  // one validation pass over the whole validation split
  double epoch_probe_seconds = 0; // the probes' epoch-end measurements
  int64_t steps_per_epoch = 0, epochs = 0;  // of the scaled spec
  std::string error;              // the program could not be built or trained ("" when calibrated)

  // One whole run: every epoch trained (no early stop or divergence).
  double run_seconds() const {
    return prepare_seconds + init_probe_seconds +
           static_cast<double>(epochs) *
               (static_cast<double>(steps_per_epoch) * step_seconds + validation_seconds + epoch_probe_seconds);
  }
};
Calibration calibrate(const RunRequest& request);

// Library versions recorded in every trace (libtorch, hdf5, dynfault).
std::map<std::string, std::string> library_versions();

}  // namespace dynfault::runner
