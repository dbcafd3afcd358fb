// OF probe: optimizer, activation and system channels. The 31-column V2
// callback's quantities (trace-metrics.md) computed from the real training
// steps' gradients (no extra passes) and one eval-mode pass on the probe
// batch, plus the per-layer inputs of AutoTrainer's and DeepDiagnosis' rules.
// Names and the mapping onto the published columns: docs/trace-format.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "core/process_stats.h"
#include "runner/probe.h"

namespace dynfault::runner {

namespace {

// V2's hard-coded thresholds (trace-metrics.md).
constexpr double kLargeWeight = 10.0;
constexpr double kAutoTrainerLargeWeight = 5.0;  // AutoTrainer/DeepFD large_weight: |w| > 5
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

double resident_mib() {
  const long kb = current_rss_kb();
  return kb > 0 ? static_cast<double>(kb) / 1024.0 : std::nan("");
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
// Statistics of one tensor's elements from one scan (probe.h), in double.
struct ElementStats {
  double n = 0, sum = 0, abs_sum = 0, sum_sq = 0;
  double max_abs = 0;
  bool has_nan = false;
  int64_t nan = 0, zero = 0, large = 0;  // large: |x| > kLargeWeight (NaN is not large)
  int64_t over_5 = 0;                     // |x| > kAutoTrainerLargeWeight
  double mean() const { return n > 0 ? sum / n : std::nan(""); }
};
ElementStats scan(const torch::Tensor& t) {
  ElementStats s;
  for_each_value(t, [&s](double x) {
    s.n += 1;
    s.sum += x;
    s.abs_sum += std::fabs(x);
    s.sum_sq += x * x;
    if (std::isnan(x)) {
      ++s.nan;
      s.has_nan = true;
    } else {
      s.max_abs = std::max(s.max_abs, std::fabs(x));
    }
    if (x == 0) ++s.zero;
    if (std::fabs(x) > kLargeWeight) ++s.large;
    if (std::fabs(x) > kAutoTrainerLargeWeight) ++s.over_5;
  });
  return s;
}
// Population std (ddof = 0) around a known mean: a second pass, as numpy does.
double population_std(const torch::Tensor& t, double mean_value, double n) {
  if (n == 0) return std::nan("");
  const double ss = lane_sums<1>(t, [mean_value](double x) {
    return std::array<double, 1>{(x - mean_value) * (x - mean_value)};
  })[0];
  return std::sqrt(ss / n);
}
// Element loops for tensors of one floating type, both contiguous and of the
// same size; false (nothing done) otherwise, and the caller uses ATen.
bool same_layout(const torch::Tensor& a, const torch::Tensor& b) {
  const auto type = a.scalar_type();
  return (type == torch::kFloat32 || type == torch::kFloat64) && b.scalar_type() == type && a.device().is_cpu() &&
         b.device().is_cpu() && a.is_contiguous() && b.is_contiguous() && a.numel() == b.numel();
}
template <typename T>
void add_elements(T* __restrict sum, const T* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) sum[i] += x[i];
}
bool accumulate(torch::Tensor& sum, const torch::Tensor& x) {
  if (!same_layout(sum, x)) return false;
  if (x.scalar_type() == torch::kFloat32) add_elements(sum.data_ptr<float>(), x.data_ptr<float>(), x.numel());
  else add_elements(sum.data_ptr<double>(), x.data_ptr<double>(), x.numel());
  return true;
}
bool copy_into(torch::Tensor& target, const torch::Tensor& x) {
  if (!same_layout(target, x) || target.sizes() != x.sizes()) return false;
  std::memcpy(target.data_ptr(), x.data_ptr(), static_cast<size_t>(x.numel()) * x.element_size());
  return true;
}
// buffer = a copy of x, reusing buffer's memory when it fits.
void keep_copy(torch::Tensor& buffer, const torch::Tensor& x) {
  if (!buffer.defined() || !copy_into(buffer, x)) buffer = x.detach().clone();
}
// numpy's min and max (NaN propagates); NaN for an empty tensor.
std::pair<double, double> value_range(const torch::Tensor& t) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  bool nan = false, any = false;
  for_each_value(t, [&](double x) {
    any = true;
    if (std::isnan(x)) nan = true;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  });
  if (nan || !any) return {std::nan(""), std::nan("")};
  return {lo, hi};
}
template <typename Pred>
double count_if(const torch::Tensor& t, Pred pred) {
  double c = 0;
  for_each_value(t, [&](double x) { c += pred(x) ? 1 : 0; });
  return c;
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
        {"learning_rate", "1"},  // V2 adjusted_lr rescaled the lr; we log it (the trainer rescales only under --of-compat v2)
        {"grad_global_norm", "loss/param"},
        {"grad_zero_share", "fraction"},
        {"sys_cpu_percent", "%"},
        {"sys_rss_mb", "MiB"},
        // Peer-technique rule inputs (docs/peers.md): AutoTrainer's large
        // weight, DeepDiagnosis' out-of-range check.
        {"weight_abs_over_5_count", "count"},
        {"label_min", "param"},
        {"label_max", "param"},
        {"output_min", "activation"},
        {"output_max", "activation"},
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
    // Buffers live across epochs (refilled in place); the flags say what this epoch filled.
    grad_sum_.resize(n);
    grad_first_.resize(n);
    grad_last_.resize(n);
    weights_at_begin_.resize(n);
    sum_seen_.assign(n, 0);
    first_seen_.assign(n, 0);
    last_seen_.assign(n, 0);
    steps_ = 0;
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < n; ++i) keep_copy(weights_at_begin_[i], ctx.params[i]);
  }

  // Runs every training step, so it avoids per-tensor ATen calls where it can
  // (for a small model they cost as much as the step's own update): sums and
  // copies go through element loops into buffers kept across epochs. The sums
  // round exactly as Tensor::add_ would.
  void on_step(ProbeContext& ctx, int64_t step, bool last) override {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < ctx.params.size(); ++i) {
      const torch::Tensor& g = ctx.params[i].grad();
      if (!g.defined()) continue;
      if (!sum_seen_[i]) {
        keep_copy(grad_sum_[i], g);
        sum_seen_[i] = 1;
      } else if (!accumulate(grad_sum_[i], g)) {
        grad_sum_[i].add_(g);
      }
      if (steps_ == 0) {
        keep_copy(grad_first_[i], g);
        first_seen_[i] = 1;
      }
      if (last) {
        keep_copy(grad_last_[i], g);
        last_seen_[i] = 1;
      }
    }
    ++steps_;
  }

  ProbeRow on_epoch_end(ProbeContext& ctx, const EpochPerformance& perf) override {
    torch::NoGradGuard no_grad;
    ProbeRow row;
    auto& c = row.channels;

    // --- weights: every floating tensor of the model, trainable or not (Keras get_weights()).
    int64_t large = 0, over_5 = 0, nan_weights = 0;
    double numel = 0, w_sum = 0;
    std::vector<torch::Tensor> all_weights;
    for (const auto& p : ctx.model.parameters()) all_weights.push_back(p);
    for (const auto& b : ctx.model.buffers())
      if (b.is_floating_point()) all_weights.push_back(b);
    for (const auto& w : all_weights) {
      const ElementStats st = scan(w);
      large += st.large;
      over_5 += st.over_5;
      nan_weights += st.nan;
      numel += st.n;
      w_sum += st.sum;
    }
    // numpy's mean and population std over all weights (only their NaN-ness
    // reaches a channel: the cons_* flags).
    const double mean_weight = numel > 0 ? w_sum / numel : std::nan("");
    double w_centered = 0;
    for (const auto& w : all_weights)
      for_each_value(w, [&](double x) { w_centered += (x - mean_weight) * (x - mean_weight); });
    const double std_weight = numel > 0 ? std::sqrt(w_centered / numel) : std::nan("");

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
      const std::string& act = infos[i].activation;
      // V2 reads config['activation']: only layer classes that have one (not wrappers).
      const bool v2_activation = types_with_activation_attribute().count(infos[i].type) > 0;
      const bool saturable_layer = saturable(infos[i]);
      // DeepDiagnosis: pre-activation |x| >= 5, read through the monotone
      // activation: sigmoid(x) outside [σ(-5), σ(5)], |tanh(x)| >= tanh(5).
      const double hi = act == "sigmoid" ? 1.0 / (1.0 + std::exp(-kSaturationBound)) : std::tanh(kSaturationBound);
      const double lo = act == "sigmoid" ? 1.0 - hi : -hi;
      const double n = static_cast<double>(out.numel());
      const auto [sum, nonpositive, beyond_bound, pre_saturated] = lane_sums<4>(out, [hi, lo](double x) {
        return std::array<double, 4>{x, x <= 0 ? 1.0 : 0.0, std::fabs(x) >= kSaturationBound ? 1.0 : 0.0,
                                     (x >= hi || x <= lo) ? 1.0 : 0.0};
      });
      const double m = n > 0 ? sum / n : std::nan("");
      const double sd = population_std(out, m, n);
      layer_act_mean.push_back(m);
      layer_act_std.push_back(sd);
      if (v2_activation) {
        act_means.push_back(m);
        act_stds.push_back(sd);
      }
      if (act == "relu") {
        if (v2_activation) {
          relu_dead += nonpositive;
          relu_total += n;
        }
        layer_dead.push_back(n > 0 ? nonpositive / n : std::nan(""));
      }
      if (v2_activation && (act == "sigmoid" || act == "tanh")) {  // V2: post-activation values beyond ±5
        sat_count += beyond_bound;
        sat_total += n;
      }
      if (saturable_layer) layer_saturated.push_back(n > 0 ? pre_saturated / n : std::nan(""));
    }

    // --- gradients of the real training steps.
    std::vector<double> mean_norms;  // V2 gradient_*: per-tensor L2 norms of the epoch-mean gradient
    double first_abs_sum = 0, first_max_abs = 0, first_numel = 0;
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
      double unchanged = 0, p_sum = 0;
      for_each_pair(p, weights_at_begin_[i], [&](double now, double before) {
        p_sum += now;
        unchanged += now == before ? 1 : 0;
      });
      layer_wsum[l] += p_sum;
      layer_wnumel[l] += static_cast<double>(p.numel());
      layer_unchanged[l] += unchanged;
      if (sum_seen_[i] && steps_ > 0)
        mean_norms.push_back(std::sqrt(scan(grad_sum_[i]).sum_sq) / static_cast<double>(steps_));
      if (first_seen_[i] && grad_first_[i].numel() > 0) {
        const ElementStats st = scan(grad_first_[i]);
        first_any = true;
        first_abs_sum += st.abs_sum;
        first_max_abs = std::max(first_max_abs, st.max_abs);
        first_max_nan = first_max_nan || st.has_nan;
        first_numel += st.n;
        first_nan += st.nan;
      }
      if (last_seen_[i]) {
        const ElementStats st = scan(grad_last_[i]);
        if (st.n > 0) {
          last_means.push_back(st.mean());
          last_stds.push_back(population_std(grad_last_[i], st.mean(), st.n));
        }
        layer_sq[l] += st.sum_sq;
        layer_abs[l] += st.abs_sum;
        layer_zero[l] += static_cast<double>(st.zero);
        layer_numel[l] += st.n;
        global_sq += st.sum_sq;
        zero_total += static_cast<double>(st.zero);
        grad_numel += st.n;
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
    const double first_max = first_max_nan ? std::nan("") : first_max_abs;  // numpy's max propagates NaN

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
    c.push_back(static_cast<double>(over_5));
    c.push_back(ctx.label_min);
    c.push_back(ctx.label_max);
    const auto [out_min, out_max] =
        outputs.empty() ? std::pair<double, double>{std::nan(""), std::nan("")} : value_range(outputs.back());
    c.push_back(out_min);
    c.push_back(out_max);

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
  std::vector<char> sum_seen_, first_seen_, last_seen_;  // per tensor: this epoch's steps (first, last) had a gradient
  int64_t steps_ = 0;
  double previous_train_loss_ = 0;
  bool epoch_seen_ = false;
};

}  // namespace

// System resources, the 11 extended columns of the published V2 schema
// (hardware ones also under their imported sys_* names), and this probe's
// global gradient norm and learning rate. Its other channels are rule inputs,
// not evaluation features.
DYNFAULT_PROBE_CHANNELS(of, "of_*,sys_*,gradient_max,gradient_min,gradient_median,adjusted_lr")
DYNFAULT_PROBE_CHANNELS(of, "mean_activation,std_activation,mean_grad,std_grad")
DYNFAULT_PROBE_CHANNELS(of, "cpu_utilization,memory_usage,gpu_memory_utilization,learning_rate,grad_global_norm")
DYNFAULT_PROBE(of, "optimizer/system: V2 callback columns, gradient and activation statistics, per-layer rule inputs") {
  return std::make_unique<OptimizerProbe>();
}

}  // namespace dynfault::runner
