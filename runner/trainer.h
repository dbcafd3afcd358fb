#pragma once
// The training loop behind train_and_trace (LibTorch; runner-internal):
// Keras fit() semantics — per-epoch shuffle, batches in order with the last
// partial batch kept, logged loss = sample-weighted mean of the batch losses
// (regularization included), metrics on the training batches as they are
// trained, validation after each epoch — plus the probes of probe.h.
#include <torch/torch.h>

#include <functional>
#include <memory>

#include "programs/data/program_data.h"
#include "core/trace.h"
#include "runner/losses.h"
#include "runner/model.h"
#include "runner/optimizers.h"
#include "runner/probe.h"
#include "runner/run.h"

namespace dynfault::runner {

// A core dataset tensor as a float32 torch tensor of the same shape.
torch::Tensor to_torch(const Tensor& t);

// Everything one run trains on. Built by prepare_run; throws on any problem
// (unbuildable spec, bad data recipe, unknown optimizer).
struct PreparedRun {
  ProgramSpec spec;  // the request's spec with its scale applied
  torch::Tensor train_x, train_y, val_x, val_y;
  std::shared_ptr<KerasModelImpl> model;
  std::unique_ptr<Optimizer> optimizer;
  AccuracyKind accuracy_kind = AccuracyKind::None;
};
// Data from derive_seed(seed, "data"), weights from derive_seed(seed, "init").
PreparedRun prepare_run(const RunRequest& request);

// The probes' view of a prepared run (probe.h): its parameter groups, the probe
// batch (the first request.probe_batch training samples), the label range, the
// seed and request.hvp_vectors. train() builds its probes' context with it.
ProbeContext probe_context(PreparedRun& run, const RunRequest& request);

// Runs `work`; returns "" or the first line of what it threw (LibTorch's message
// without its backtrace): how a run's, a calibration's or a study's failure is told (run.cpp).
std::string error_line(const std::function<void()>& work);

// Process-wide settings for training (run.cpp): LibTorch and OpenBLAS threads,
// denormals flushed to zero, freed memory kept in the heap.
void tune_process(int threads);

// Where a run's time goes, for the cost model's calibration (runner::calibrate):
// the probes' measurements before the first update, then per epoch the
// training steps (with the probes' per-step work), the validation pass and the
// probes' epoch-end measurements.
struct TrainTiming {
  struct Epoch {
    double steps = 0, validation = 0, probes = 0;
  };
  double init_probes = 0;
  std::vector<Epoch> epochs;
};

// Trains, appending one row per finished epoch to `trace` (channels and
// layer series; sets at_init, unstable, first_unstable_epoch). Throws on
// failure; the trace then holds the epochs finished so far. `timing`, when
// given, receives the phase times (three clock reads per epoch).
void train(PreparedRun& run, const RunRequest& request, Trace& trace, TrainTiming* timing = nullptr);

// One forward pass and the batch's Keras loss (mean over the batch, without
// weight penalties), with Keras' logits substitution for the cross-entropies.
struct BatchLoss {
  torch::Tensor prediction, loss;
};
BatchLoss forward_loss(KerasModelImpl& model, const LossSpec& loss, const torch::Tensor& x, const torch::Tensor& y);

// A run that threw: before its first finished epoch it is Crashed (identity,
// outcome and the one-line error only); after >= 1 epoch it is Failed and
// keeps the epochs logged so far.
void record_failure(Trace& trace, const std::string& message);

// Loss and accuracy over a whole split in eval mode without gradients,
// evaluated in chunks; Keras' evaluate() up to float rounding.
struct SplitScore {
  double loss = 0;
  double accuracy = 0;
};
SplitScore evaluate_split(KerasModelImpl& model, const ProgramSpec& spec, AccuracyKind kind, const torch::Tensor& x,
                          const torch::Tensor& y);

// Divergence rule: a loss above this, or non-finite, marks the run unstable.
inline constexpr double kUnstableLoss = 1e6;

}  // namespace dynfault::runner
