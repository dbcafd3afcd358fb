// OF probe: optimizer, activation and system channels. The 31-column V2
// callback's quantities (trace-metrics.md) computed from the real training
// steps' gradients (no extra passes) and one eval-mode pass on the probe
// batch, plus the per-layer inputs of AutoTrainer's and DeepDiagnosis' rules.
// Names and the mapping onto the published columns: docs/trace-format.md.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>

#include "runner/probe.h"

namespace dynfault::runner {

DYNFAULT_PROBE_FILE_TAG(of)

namespace {

// V2's hard-coded thresholds (trace-metrics.md).
constexpr double kLargeWeight = 10.0;
constexpr double kAccGap = 0.1;
constexpr double kOscillation = 0.01;
constexpr double kDeadReluShare = 0.7;
constexpr double kSaturationBound = 5.0;
constexpr double kSaturatedShare = 0.5;
constexpr double kVanishMeanAbs = 1e-4;
constexpr double kExplodeMaxAbs = 70.0;

// Keras layer classes with an `activation` attribute (V2's hasattr test).
const std::set<std::string>& types_with_activation_attribute() {
  static const std::set<std::string> types = {
      "Dense",           "Activation",      "Conv1D",          "Conv2D",          "Conv3D",
      "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D",
      "DepthwiseConv2D", "LocallyConnected1D", "LocallyConnected2D", "SimpleRNN", "LSTM",
      "GRU",             "ConvLSTM1D",      "ConvLSTM2D",      "ConvLSTM3D"};
  return types;
}
bool is_recurrent(const std::string& type) {
  return type == "SimpleRNN" || type == "LSTM" || type == "GRU" || type.rfind("ConvLSTM", 0) == 0;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return std::nan("");
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double median(std::vector<double> v) {  // numpy.median
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}
double mean(const std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double population_std(const std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  const double m = mean(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size()));
}
double item(const torch::Tensor& t) { return t.item<double>(); }

// Reductions over tensors that can hold tens of millions of activations: ATen's
// Welford std_mean and bool -> int64 sums are 4-7x slower than plain float sums
// on one core, so these use the fast kernels (exact for counts below 2^31).
int64_t count_true(const torch::Tensor& mask) {
  if (mask.numel() < (int64_t{1} << 31)) return mask.view(torch::kUInt8).sum(torch::kInt32).item<int64_t>();
  return mask.sum().item<int64_t>();
}
struct MeanStd {
  double mean, std;  // population std (ddof = 0), two passes
};
MeanStd mean_std(const torch::Tensor& x) {
  const double n = static_cast<double>(x.numel());
  if (n == 0) return {std::nan(""), std::nan("")};
  const double m = item(x.sum()) / n;
  return {m, item((x - m).norm()) / std::sqrt(n)};
}

class OptimizerProbe : public Probe {
 public:
  std::vector<ChannelDef> channels(const ProbeContext&) const override {
    return {
        // The V2 columns, same names and definitions (sources differ: see docs/trace-format.md).
        {"large_weight_count", "count"},
        {"acc_gap_too_big", "flag"},
        {"loss_oscillation", "flag"},
        {"dying_relu", "flag"},
        {"gradient_vanish", "flag"},
        {"gradient_explode", "flag"},
        {"decrease_acc_count", "flag"},
        {"increase_loss_count", "flag"},
        {"cons_mean_weight_count", "flag"},
        {"cons_std_weight_count", "flag"},
        {"nan_weight_count", "count"},
        {"nan_gradients_count", "count"},
        {"saturated_activation", "flag"},
        {"mean_gradient", "loss/param"},
        {"gradient_std", "loss/param"},
        {"gradient_max", "loss/param"},
        {"gradient_min", "loss/param"},
        {"gradient_median", "loss/param"},
        {"mean_activation", "activation"},
        {"std_activation", "activation"},
        {"mean_grad", "loss/param"},
        {"std_grad", "loss/param"},
        // Differently defined than any V2 column, hence other names.
        {"learning_rate", "1"},  // V2 adjusted_lr rescaled the lr; we only log it
        {"grad_global_norm", "loss/param"},
        {"grad_zero_share", "fraction"},
        {"sys_cpu_percent", "%"},
        {"sys_rss_mb", "MiB"},
    };
  }

  std::vector<LayerSeriesDef> layer_series(const ProbeContext& ctx) const override {
    std::vector<std::string> groups, all, relu, squashing;
    for (const auto& g : ctx.groups) groups.push_back(g.layer);
    const auto& infos = ctx.model.layer_infos();
    for (size_t i = 0; i < infos.size(); ++i) {
      all.push_back(infos[i].name);
      if (infos[i].activation == "relu") relu.push_back(infos[i].name);
      if (saturable(infos[i])) squashing.push_back(infos[i].name);
    }
    std::vector<LayerSeriesDef> out = {
        {"grad_norm", "loss/param", groups},           {"grad_mean_abs", "loss/param", groups},
        {"grad_zero_share", "fraction", groups},       {"weight_mean", "param", groups},
        {"unchanged_weight_share", "fraction", groups}, {"activation_mean", "activation", all},
        {"activation_std", "activation", all},
    };
    if (!relu.empty()) out.push_back({"dead_relu_share", "fraction", relu});
    if (!squashing.empty()) out.push_back({"saturated_share", "fraction", squashing});
    return out;
  }

  void on_epoch_begin(ProbeContext& ctx, int64_t) override {
    wall_start_ = std::chrono::steady_clock::now();
    cpu_start_ = process_cpu_seconds();
    const size_t n = ctx.params.size();
    grad_sum_.assign(n, torch::Tensor());
    grad_first_.assign(n, torch::Tensor());
    grad_last_.assign(n, torch::Tensor());
    steps_ = 0;
    torch::NoGradGuard no_grad;
    weights_at_begin_.clear();
    for (const auto& p : ctx.params) weights_at_begin_.push_back(p.detach().clone());
  }

  void on_step(ProbeContext& ctx, int64_t step, bool last) override {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < ctx.params.size(); ++i) {
      const torch::Tensor& g = ctx.params[i].grad();
      if (!g.defined()) continue;
      if (grad_sum_[i].defined()) grad_sum_[i].add_(g);
      else grad_sum_[i] = g.detach().clone();
      if (steps_ == 0) grad_first_[i] = g.detach().clone();
      if (last) grad_last_[i] = g.detach().clone();
    }
    ++steps_;
  }

  ProbeRow on_epoch_end(ProbeContext& ctx, const EpochPerformance& perf) override {
    torch::NoGradGuard no_grad;
    ProbeRow row;
    auto& c = row.channels;

    // --- weights: every floating tensor of the model, trainable or not (Keras get_weights()).
    // One pass per statistic, accumulated in float64 without copying the weights.
    int64_t large = 0, nan_weights = 0;
    double numel = 0, w_sum = 0, w_sq = 0;
    std::vector<torch::Tensor> all_weights;
    for (const auto& p : ctx.model.parameters()) all_weights.push_back(p);
    for (const auto& b : ctx.model.buffers())
      if (b.is_floating_point()) all_weights.push_back(b);
    for (const auto& w : all_weights) {
      if (w.numel() == 0) continue;
      large += count_true(w.abs().gt(kLargeWeight));
      nan_weights += count_true(w.isnan());
      numel += static_cast<double>(w.numel());
      w_sum += item(w.sum(torch::kDouble));
      w_sq += item(w.square().sum(torch::kDouble));
    }
    // numpy's mean/std: NaN exactly when a NaN or both infinities (mean) or any
    // non-finite value (std) is present, which is all the cons_* flags read.
    const double mean_weight = numel > 0 ? w_sum / numel : std::nan("");
    const bool all_finite = std::isfinite(w_sq);  // a NaN or ±inf weight makes the sum of squares non-finite
    const double std_weight = numel > 0 && all_finite
                                  ? std::sqrt(std::max(0.0, w_sq / numel - mean_weight * mean_weight))
                                  : std::nan("");

    // --- one eval-mode pass on the probe batch, every layer's output kept.
    std::vector<torch::Tensor> outputs;
    {
      EvalModeGuard eval(ctx.model);
      ctx.model.set_record_outputs(true);
      ctx.model.forward(ctx.probe_x);
      outputs = ctx.model.recorded_outputs();
      ctx.model.set_record_outputs(false);
    }
    const auto& infos = ctx.model.layer_infos();
    if (outputs.size() != infos.size())
      throw std::runtime_error("OF probe: model recorded " + std::to_string(outputs.size()) + " outputs for " +
                               std::to_string(infos.size()) + " layers");
    double relu_dead = 0, relu_total = 0, sat_count = 0, sat_total = 0;
    std::vector<double> act_means, act_stds, layer_act_mean, layer_act_std, layer_dead, layer_saturated;
    for (size_t i = 0; i < infos.size(); ++i) {
      const torch::Tensor& out = outputs[i];
      const double total = static_cast<double>(out.numel());
      const auto [m, s] = mean_std(out);
      layer_act_mean.push_back(m);
      layer_act_std.push_back(s);
      if (types_with_activation_attribute().count(infos[i].type)) {
        act_means.push_back(m);
        act_stds.push_back(s);
      }
      const std::string& act = infos[i].activation;
      // V2 reads config['activation']: only layer classes that have one (not wrappers).
      const bool v2_activation = types_with_activation_attribute().count(infos[i].type) > 0;
      if (act == "relu") {
        const double dead = static_cast<double>(count_true(out.le(0)));
        if (v2_activation) {
          relu_dead += dead;
          relu_total += total;
        }
        layer_dead.push_back(total > 0 ? dead / total : std::nan(""));
      }
      if (v2_activation && (act == "sigmoid" || act == "tanh")) {  // V2: post-activation values beyond ±5
        sat_count += static_cast<double>(count_true(out.abs().ge(kSaturationBound)));
        sat_total += total;
      }
      if (saturable(infos[i])) {
        // DeepDiagnosis: pre-activation |x| >= 5, read through the monotone
        // activation: sigmoid(x) outside [σ(-5), σ(5)], |tanh(x)| >= tanh(5).
        const double hi = act == "sigmoid" ? 1.0 / (1.0 + std::exp(-kSaturationBound)) : std::tanh(kSaturationBound);
        const double lo = act == "sigmoid" ? 1.0 - hi : -hi;
        const double n_sat = static_cast<double>(count_true(out.ge(hi).logical_or_(out.le(lo))));
        layer_saturated.push_back(total > 0 ? n_sat / total : std::nan(""));
      }
    }

    // --- gradients of the real training steps.
    std::vector<double> mean_norms;  // V2 gradient_*: per-tensor L2 norms of the epoch-mean gradient
    double first_abs_sum = 0, first_max_abs = -std::numeric_limits<double>::infinity(), first_numel = 0;
    int64_t first_nan = 0;
    bool first_any = false, first_max_nan = false;
    std::vector<double> last_means, last_stds;
    const size_t n_groups = ctx.groups.size();
    std::vector<double> layer_sq(n_groups, 0), layer_abs(n_groups, 0), layer_zero(n_groups, 0),
        layer_numel(n_groups, 0), layer_wsum(n_groups, 0), layer_wnumel(n_groups, 0), layer_unchanged(n_groups, 0);
    double global_sq = 0, zero_total = 0, grad_numel = 0;
    for (size_t i = 0; i < ctx.params.size(); ++i) {
      const size_t l = ctx.param_group[i];
      const torch::Tensor& p = ctx.params[i];
      layer_wsum[l] += item(p.sum(torch::kDouble));
      layer_wnumel[l] += static_cast<double>(p.numel());
      layer_unchanged[l] += static_cast<double>(count_true(p.eq(weights_at_begin_[i])));
      // Reductions straight on the float tensors (no float64 copies: these can be large).
      if (grad_sum_[i].defined() && steps_ > 0)
        mean_norms.push_back(item(grad_sum_[i].norm()) / static_cast<double>(steps_));
      if (grad_first_[i].defined() && grad_first_[i].numel() > 0) {
        const torch::Tensor& g = grad_first_[i];
        first_any = true;
        first_abs_sum += item(g.norm(1));
        const double mx = std::max(item(g.max()), -item(g.min()));
        if (std::isnan(mx)) first_max_nan = true;
        else first_max_abs = std::max(first_max_abs, mx);
        first_numel += static_cast<double>(g.numel());
        first_nan += count_true(g.isnan());
      }
      if (grad_last_[i].defined()) {
        const torch::Tensor& g = grad_last_[i];
        const double numel_g = static_cast<double>(g.numel());
        if (numel_g > 0) {
          const MeanStd ms = mean_std(g);
          last_means.push_back(ms.mean);
          last_stds.push_back(ms.std);
        }
        const double norm = item(g.norm());
        const double zeros = static_cast<double>(count_true(g.eq(0)));
        layer_sq[l] += norm * norm;
        layer_abs[l] += item(g.norm(1));
        layer_zero[l] += zeros;
        layer_numel[l] += numel_g;
        global_sq += norm * norm;
        zero_total += zeros;
        grad_numel += numel_g;
      } else {  // the loss does not reach this tensor: its gradient is zero
        const double numel_p = static_cast<double>(p.numel());
        layer_zero[l] += numel_p;
        layer_numel[l] += numel_p;
        zero_total += numel_p;
        grad_numel += numel_p;
      }
    }

    const double train_acc = perf.train_acc, train_loss = perf.train_loss;
    // V2 compares with `last_metrics`, which it never updates: the value is
    // compared with itself (always 1; the cons_* flags are 0 only for NaN).
    const double last_acc = train_acc, last_loss = train_loss;
    const double first_mean_abs = first_numel > 0 ? first_abs_sum / first_numel : std::nan("");
    const double first_max = first_max_nan ? std::nan("") : first_max_abs;

    c.push_back(static_cast<double>(large));
    c.push_back(std::fabs(train_acc - perf.val_acc) > kAccGap ? 1 : 0);
    c.push_back(epoch_seen_ && std::fabs(previous_train_loss_ - train_loss) > kOscillation ? 1 : 0);
    c.push_back(relu_total > 0 && relu_dead / relu_total > kDeadReluShare ? 1 : 0);
    c.push_back(first_any && first_mean_abs < kVanishMeanAbs ? 1 : 0);
    c.push_back(first_any && first_max > kExplodeMaxAbs ? 1 : 0);
    c.push_back(last_acc > train_acc ? 0 : 1);
    c.push_back(last_loss < train_loss ? 0 : 1);
    c.push_back(mean_weight == mean_weight ? 1 : 0);
    c.push_back(std_weight == std_weight ? 1 : 0);
    c.push_back(static_cast<double>(nan_weights));
    c.push_back(static_cast<double>(first_nan));
    c.push_back(sat_total > 0 && sat_count / sat_total > kSaturatedShare ? 1 : 0);
    c.push_back(mean(mean_norms));
    c.push_back(population_std(mean_norms));
    c.push_back(mean_norms.empty() ? std::nan("") : *std::max_element(mean_norms.begin(), mean_norms.end()));
    c.push_back(mean_norms.empty() ? std::nan("") : *std::min_element(mean_norms.begin(), mean_norms.end()));
    c.push_back(median(mean_norms));
    c.push_back(mean(act_means));
    c.push_back(mean(act_stds));
    c.push_back(mean(last_means));
    c.push_back(mean(last_stds));
    c.push_back(ctx.optimizer.learning_rate());
    c.push_back(std::sqrt(global_sq));
    c.push_back(grad_numel > 0 ? zero_total / grad_numel : std::nan(""));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
    c.push_back(wall > 0 ? 100.0 * (process_cpu_seconds() - cpu_start_) / wall : std::nan(""));
    c.push_back(resident_mib());

    auto per_layer = [&](const std::vector<double>& num, const std::vector<double>& den) {
      std::vector<double> v(n_groups);
      for (size_t l = 0; l < n_groups; ++l) v[l] = den[l] > 0 ? num[l] / den[l] : std::nan("");
      return v;
    };
    std::vector<double> layer_norm(n_groups);
    for (size_t l = 0; l < n_groups; ++l) layer_norm[l] = std::sqrt(layer_sq[l]);
    row.series = {layer_norm,
                  per_layer(layer_abs, layer_numel),
                  per_layer(layer_zero, layer_numel),
                  per_layer(layer_wsum, layer_wnumel),
                  per_layer(layer_unchanged, layer_wnumel),
                  layer_act_mean,
                  layer_act_std};
    if (!layer_dead.empty()) row.series.push_back(layer_dead);
    if (!layer_saturated.empty()) row.series.push_back(layer_saturated);

    previous_train_loss_ = train_loss;
    epoch_seen_ = true;
    return row;
  }

 private:
  // A layer whose output is sigmoid/tanh of a pre-activation (not a recurrent
  // cell's gated output), so the pre-activation can be read through it.
  static bool saturable(const LayerInfo& info) {
    return (info.activation == "sigmoid" || info.activation == "tanh") && !is_recurrent(info.type);
  }

  std::chrono::steady_clock::time_point wall_start_;
  double cpu_start_ = 0;
  std::vector<torch::Tensor> grad_sum_, grad_first_, grad_last_, weights_at_begin_;
  int64_t steps_ = 0;
  double previous_train_loss_ = 0;
  bool epoch_seen_ = false;
};

const RegisterProbe kRegisterOptimizer(
    "of", "optimizer/system: V2 callback columns, gradient and activation statistics, per-layer rule inputs",
    [] { return std::make_unique<OptimizerProbe>(); });

}  // namespace
}  // namespace dynfault::runner
