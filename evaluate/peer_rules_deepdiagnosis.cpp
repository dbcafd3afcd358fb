// DeepDiagnosis' eight symptoms (ICSE'22, callback/callbacks.py @ 500b017;
// ../shared/reference/peer-techniques.md §3): checks every epoch; loss,
// unchanged-tensor and saturation checks every 5th epoch (N = 5); accuracy
// window 20 (FRQ). A symptom fires on a trace when its condition holds at some
// check (DeepDiagnosis stops training at the first one; we run all of them).
// Symptoms flag training problems; they do not name a fault type.
#include <cmath>

#include "evaluate/peer_inputs.h"

namespace dynfault::evaluate {
namespace {

constexpr size_t kWindow = 5, kAccuracyWindow = 20;

bool bad(double v) { return !std::isfinite(v) || v == 0.0; }

// Any layer of a series meeting `test` at some epoch.
template <typename Test>
bool any_layer(const RunInputs& run, const char* name, size_t from, size_t to, Test test) {
  const LayerSeries* s = run.layers(name);
  if (!s) return false;
  for (size_t e = from; e < to; ++e)
    for (size_t l = 0; l < s->layers.size(); ++l)
      if (test(run.layer_at(*s, e, l))) return true;
  return false;
}

bool numerical_error(const RunInputs& run) {
  for (size_t e = 0; e < run.epochs(); ++e) {
    const double loss = run.at("train_loss", e), acc = run.at("train_acc", e);
    if (!std::isfinite(loss) || bad(acc)) return true;
  }
  return any_layer(run, "activation_mean", 0, run.epochs(), bad) || any_layer(run, "weight_mean", 0, run.epochs(), bad) ||
         any_layer(run, "grad_mean_abs", 0, run.epochs(), bad);
}

// The last `window` values identical (DeepDiagnosis: mean == max of the window).
bool constant_window(const std::vector<double>& v, size_t end, size_t window) {
  if (end + 1 < window) return false;
  for (size_t i = end + 1 - window; i < end; ++i)
    if (v[i] != v[end]) return false;
  return true;
}

bool unchanged_weight(const RunInputs& run) {
  const LayerSeries* w = run.layers("weight_mean");
  for (size_t e = kWindow - 1; e < run.epochs(); e += kWindow)
    for (size_t l = 0; l < w->layers.size(); ++l) {
      std::vector<double> v(e + 1);
      for (size_t i = 0; i <= e; ++i) v[i] = run.layer_at(*w, i, l);
      if (constant_window(v, e, kWindow)) return true;
    }
  return false;
}

bool saturated_activation(const RunInputs& run) {
  // saturated_share is logged only for models with sigmoid/tanh layers: absent -> cannot fire.
  for (size_t e = kWindow - 1; e < run.epochs(); e += kWindow)
    if (any_layer(run, "saturated_share", e, e + 1, [](double s) { return s > 0.5; })) return true;
  return false;
}

bool dead_node(const RunInputs& run) {
  // dead_relu_share is logged only for models with ReLU layers: absent -> cannot fire.
  return run.epochs() > 0 &&
         any_layer(run, "dead_relu_share", run.epochs() - 1, run.epochs(), [](double s) { return s >= 0.7; });
}

bool out_of_range(const RunInputs& run) {
  // Epoch 0, the linear-output test (output span > 10 x label span); the
  // activation-range tests need the last layer's activation, which traces do not name.
  const double label_span = run.at("label_max", 0) - run.at("label_min", 0);
  const double output_span = run.at("output_max", 0) - run.at("output_min", 0);
  return label_span > 0 && output_span > 10 * label_span;
}

bool loss_not_decreasing(const RunInputs& run) {
  const std::vector<double> loss = run.series("train_loss");
  for (size_t e = kWindow - 1; e < run.epochs(); e += kWindow)
    if (constant_window(loss, e, kWindow)) return true;
  return false;
}

bool accuracy_not_increasing(const RunInputs& run) {
  const std::vector<double> acc = run.series("train_acc");
  for (size_t e = kAccuracyWindow - 1; e < run.epochs(); e += kAccuracyWindow)
    if (constant_window(acc, e, kAccuracyWindow)) return true;
  return false;
}

bool vanishing_gradient(const RunInputs& run) {
  return any_layer(run, "grad_mean_abs", 0, run.epochs(), [](double g) { return g < 1e-7; });
}

}  // namespace

const std::vector<PeerRule>& deepdiagnosis_rules() {
  static const std::vector<PeerRule> rules = {
      {"numerical_error", "loss NaN/Inf, accuracy NaN/Inf/0, or a layer's mean output, mean weight or mean |gradient| NaN/Inf/0",
       {"train_loss", "train_acc", "layers:activation_mean", "layers:weight_mean", "layers:grad_mean_abs"},
       &numerical_error},
      {"unchanged_weight", "every 5 epochs: a layer's mean weight identical over the last 5", {"layers:weight_mean"},
       &unchanged_weight},
      {"saturated_activation", "every 5 epochs: a sigmoid/tanh layer with > 50 % of pre-activations |x| >= 5",
       {"layers:grad_norm"}, &saturated_activation},
      {"dead_node", "last epoch: a ReLU layer with >= 70 % of outputs <= 0", {"layers:grad_norm"}, &dead_node},
      {"out_of_range", "epoch 0: last-layer output span > 10 x label span",
       {"label_min", "label_max", "output_min", "output_max"}, &out_of_range},
      {"loss_not_decreasing", "every 5 epochs: the last 5 training losses identical", {"train_loss"},
       &loss_not_decreasing},
      {"accuracy_not_increasing", "every 20 epochs: the last 20 training accuracies identical", {"train_acc"},
       &accuracy_not_increasing},
      {"vanishing_gradient", "a layer's mean |gradient| < 1e-7", {"layers:grad_mean_abs"}, &vanishing_gradient},
  };
  return rules;
}

}  // namespace dynfault::evaluate
