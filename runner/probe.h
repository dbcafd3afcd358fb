#pragma once
// Per-epoch probes (LibTorch; runner-internal). A probe declares its channels
// and per-layer series, watches the real training steps and measures at the
// end of every epoch. One probe per file, runner/probes/<name>.cpp, defining
// DYNFAULT_PROBE(<name>, help) and its DYNFAULT_PROBE_CHANNELS; the build
// generates from that folder both the factory table the trainer uses and the
// torch-free catalogue (core/probe_catalogue.h) that `--probes` and evaluate's
// channel sets read. Adding a probe is one file (plus its test).
//
// Contract: a probe never changes training. It must not draw from the
// training random streams (it gets its own generator), must not modify
// parameters, .grad() or BatchNorm statistics (measure in eval mode and restore
// the module mode), and must not rescale the learning rate.
#include <torch/torch.h>

#include <array>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/program_spec.h"
#include "runner/model.h"
#include "runner/optimizers.h"

namespace dynfault::runner {

struct ChannelDef {
  std::string name;
  std::string unit;
};

struct LayerSeriesDef {
  std::string name;
  std::string unit;
  std::vector<std::string> layers;  // column names (LayerInfo::name)
};

// What a probe sees of the run. Built once per run by the trainer.
struct ProbeContext {
  ProbeContext(const ProgramSpec& s, KerasModelImpl& m, const Optimizer& o) : spec(s), model(m), optimizer(o) {}
  const ProgramSpec& spec;  // the scaled spec being trained
  KerasModelImpl& model;
  const Optimizer& optimizer;
  std::vector<ParamGroup> groups;     // trainable tensors per layer, in layer order
  std::vector<torch::Tensor> params;  // all trainable tensors, flattened from groups
  std::vector<size_t> param_group;    // params[i] belongs to groups[param_group[i]]
  // Fixed probe batch: the first P training samples, the same for every epoch.
  torch::Tensor probe_x, probe_y;
  // Range of the whole training target array (DeepDiagnosis' out-of-range
  // check compares it with the last layer's output range).
  double label_min = 0, label_max = 0;
  uint64_t seed = 0;    // the run's seed; probes derive their own streams from it
  int hvp_vectors = kDefaultHvpVectors;  // Rademacher vectors per CF measurement
};

// Performance of the epoch that just finished (flags like acc_gap read it).
struct EpochPerformance {
  int64_t epoch = 0;
  double train_loss = 0, train_acc = 0, val_loss = 0, val_acc = 0;
};

// One epoch's measurement: values in the order of channels() and, per series
// in the order of layer_series(), one value per layer.
struct ProbeRow {
  std::vector<double> channels;
  std::vector<std::vector<double>> series;
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::vector<ChannelDef> channels(const ProbeContext& ctx) const = 0;
  virtual std::vector<LayerSeriesDef> layer_series(const ProbeContext& ctx) const = 0;
  // Before the first update; values go to Trace::at_init.
  virtual std::map<std::string, double> at_init(ProbeContext& ctx) { return {}; }
  virtual void on_epoch_begin(ProbeContext& ctx, int64_t epoch) {}
  // After the backward pass of a training step, before clipping and the
  // update: the step's gradients are in ctx.params[i].grad() (undefined for
  // tensors the loss does not reach). Read-only.
  virtual void on_step(ProbeContext& ctx, int64_t step, bool last_step_of_epoch) {}
  virtual ProbeRow on_epoch_end(ProbeContext& ctx, const EpochPerformance& perf) = 0;
};

// Eval mode for a measurement (Dropout off, BatchNorm on running statistics);
// restores the previous mode on scope exit.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalModeGuard() { module_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

// ---- element scans --------------------------------------------------------
// Probe statistics are computed by plain loops over a tensor's elements in
// double precision: one pass for several statistics instead of one ATen op
// (and one pass over memory) each. For small models the per-op dispatch
// dominates the cost of a probe; for large ones the number of passes does.
// Loops run in element order, so results are deterministic.
template <typename F>
void for_each_value(const torch::Tensor& t, F&& f) {
  if (t.scalar_type() == torch::kFloat32) {
    const torch::Tensor c = t.contiguous();
    const float* p = c.data_ptr<float>();
    for (int64_t i = 0, n = c.numel(); i < n; ++i) f(static_cast<double>(p[i]));
  } else {
    const torch::Tensor c = t.to(torch::kFloat64).contiguous();
    const double* p = c.data_ptr<double>();
    for (int64_t i = 0, n = c.numel(); i < n; ++i) f(p[i]);
  }
}

// Calls f(a_i, b_i) for two tensors of the same number of elements.
template <typename F>
void for_each_pair(const torch::Tensor& a, const torch::Tensor& b, F&& f) {
  TORCH_CHECK(a.numel() == b.numel(), "for_each_pair: sizes differ");
  if (a.scalar_type() == torch::kFloat32 && b.scalar_type() == torch::kFloat32) {
    const torch::Tensor x = a.contiguous(), y = b.contiguous();
    const float* p = x.data_ptr<float>();
    const float* q = y.data_ptr<float>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) f(static_cast<double>(p[i]), static_cast<double>(q[i]));
  } else {
    const torch::Tensor x = a.to(torch::kFloat64).contiguous(), y = b.to(torch::kFloat64).contiguous();
    const double* p = x.data_ptr<double>();
    const double* q = y.data_ptr<double>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) f(p[i], q[i]);
  }
}

// Sums of N per-element terms, `terms(x)` returning std::array<double, N>,
// over 8 interleaved partial sums (element i goes to lane i mod 8) that are
// added in lane order at the end. One accumulator per term would make every
// addition wait for the previous one (~4 cycles); eight independent chains
// keep the adder busy, so the scan runs several times faster, and the result is
// still a fixed function of the data. Used for the large scans (activations of
// a whole probe batch); small ones keep the plain loops above.
template <size_t N, typename F>
std::array<double, N> lane_sums(const torch::Tensor& t, F&& terms) {
  constexpr int64_t kLanes = 8;
  double acc[N][kLanes] = {};
  auto run = [&](const auto* p, int64_t n) {
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) {
        const std::array<double, N> v = terms(static_cast<double>(p[i + j]));
        for (size_t k = 0; k < N; ++k) acc[k][j] += v[k];
      }
    for (; i < n; ++i) {
      const std::array<double, N> v = terms(static_cast<double>(p[i]));
      for (size_t k = 0; k < N; ++k) acc[k][i % kLanes] += v[k];
    }
  };
  if (t.scalar_type() == torch::kFloat32) {
    const torch::Tensor c = t.contiguous();
    run(c.data_ptr<float>(), c.numel());
  } else {
    const torch::Tensor c = t.to(torch::kFloat64).contiguous();
    run(c.data_ptr<double>(), c.numel());
  }
  std::array<double, N> out{};
  for (size_t k = 0; k < N; ++k)
    for (int64_t j = 0; j < kLanes; ++j) out[k] += acc[k][j];
  return out;
}

// ---- declaration -------------------------------------------------------------
// Each macro stands on one line: core/CMakeLists.txt reads them with
// file(STRINGS) into the catalogue, so their arguments are string literals.
//   DYNFAULT_PROBE(name, "help") { return std::make_unique<...>(); }
//     defines the probe's factory; name = the file's name.
//   DYNFAULT_PROBE_CHANNELS(name, "a,b,prefix_*")
//     channels of the probe's evaluation set (evaluate/channel_sets.h); may
//     repeat, the lists are joined.
#define DYNFAULT_PROBE(name, help) std::unique_ptr<::dynfault::runner::Probe> make_probe_##name()
#define DYNFAULT_PROBE_CHANNELS(name, channels)

// Throws dynfault::Error for an unknown name.
std::unique_ptr<Probe> make_probe(const std::string& name);
// Names of the probe files linked in (the generated table), sorted.
std::vector<std::string> linked_probes();

// ---- CF building blocks (probes/cf.cpp; the HVP tests use them) -------------

// Hessian-vector products of `loss` w.r.t. `params` by double reverse mode,
// one per vector set in `vectors` (each aligned with params), reusing one
// first-order graph. Parameters the loss does not reach give zero blocks.
std::vector<std::vector<torch::Tensor>> hessian_vector_products(const torch::Tensor& loss,
                                                                const std::vector<torch::Tensor>& params,
                                                                const std::vector<std::vector<torch::Tensor>>& vectors,
                                                                std::vector<torch::Tensor>* gradient = nullptr);

// Rademacher (±1) vectors shaped like params (same dtype), one bit of `bits`
// per entry: a standard-specified engine, so the vectors are the same on every
// platform and LibTorch version.
std::vector<torch::Tensor> rademacher_like(const std::vector<torch::Tensor>& params, std::mt19937_64& bits);

// The CF measurement on the probe batch in eval mode, `hvp_vectors` fresh
// Rademacher vectors from a generator seeded with `vector_seed`.
struct CurvatureMeasurement {
  double hvp_norm = 0;               // mean_k ‖Hv_k‖ over all parameters
  double hvp_norm_spread = 0;        // std_k ‖Hv_k‖, ddof = 1 (NaN for K = 1): the estimator's noise

  double hutchinson_trace = 0;       // mean_k v_kᵀ H v_k
  double grad_std = 0;               // population std of all gradient elements on the probe batch
  std::vector<double> layer_hvp_norm;          // per group: mean_k ‖(Hv_k)_l‖
  std::vector<double> layer_hutchinson_trace;  // per group: mean_k v_lᵀ (Hv_k)_l
};
CurvatureMeasurement measure_curvature(ProbeContext& ctx, uint64_t vector_seed);

}  // namespace dynfault::runner
