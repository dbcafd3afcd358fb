// Keras 2.15 losses (keras/losses.py + keras/backend.py) and the `accuracy`
// metric resolution (keras/engine/compile_utils.py), over LibTorch tensors.
#include "runner/losses.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace dynfault::runner {
namespace {

constexpr double kEpsilon = 1e-7;  // keras.backend.epsilon()

std::string sizes_string(const torch::Tensor& t) {
  std::string s = "(";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + ")";
}

// Keras' match_dtype_and_rank + squeeze_or_expand_dimensions: a target of rank
// one less than the prediction gets a trailing axis; a target with one extra
// trailing axis of size 1 loses it. The rest broadcasts as in TF.
torch::Tensor conform_target(const torch::Tensor& target, const torch::Tensor& prediction) {
  torch::Tensor t = target.to(prediction.scalar_type());
  if (t.dim() == prediction.dim() - 1) t = t.unsqueeze(-1);
  else if (t.dim() == prediction.dim() + 1 && t.size(-1) == 1) t = t.squeeze(-1);
  return t;
}

// Keras hinge losses accept {0,1} labels and convert them to {-1,1}.
torch::Tensor maybe_convert_labels(const torch::Tensor& t) {
  const bool binary = torch::logical_or(t.eq(0), t.eq(1)).all().item<bool>();
  return binary ? 2.0 * t - 1.0 : t;
}

torch::Tensor l2_normalize(const torch::Tensor& x) {
  return x * torch::rsqrt(torch::clamp_min(x.square().sum(-1, true), 1e-12));
}

// tf.nn.sigmoid_cross_entropy_with_logits: max(x, 0) - x*z + log(1 + exp(-|x|)).
torch::Tensor sigmoid_ce_with_logits(const torch::Tensor& logits, const torch::Tensor& labels) {
  return torch::clamp_min(logits, 0) - logits * labels + torch::log1p(torch::exp(-logits.abs()));
}

// Per-sample (last axis reduced) loss, before the mean over the batch.
torch::Tensor per_sample_loss(const LossSpec& loss, const torch::Tensor& y_pred, const torch::Tensor& target,
                              const torch::Tensor& keras_logits) {
  const std::string& name = loss.name;
  // Keras backend._get_logits: an output produced by sigmoid/softmax is replaced by its logits.
  const bool use_keras_logits = keras_logits.defined();
  const torch::Tensor& logits = use_keras_logits ? keras_logits : y_pred;
  const bool from_logits = use_keras_logits || loss.from_logits;

  if (name == "sparse_categorical_crossentropy") {
    const int64_t classes = y_pred.size(-1);
    torch::Tensor labels = target.to(torch::kLong);
    if (labels.dim() == y_pred.dim() && labels.size(-1) == 1) labels = labels.squeeze(-1);
    std::vector<int64_t> out_sizes(y_pred.sizes().begin(), y_pred.sizes().end() - 1);
    if (labels.numel() * classes != y_pred.numel())
      throw Error("loss " + name, "target shape " + sizes_string(target) + " does not match prediction shape " +
                                      sizes_string(y_pred));
    labels = labels.reshape({-1});
    if (labels.numel() > 0) {
      const int64_t lo = labels.min().item<int64_t>(), hi = labels.max().item<int64_t>();
      if (lo < 0 || hi >= classes)
        throw Error("loss " + name, "label " + std::to_string(lo < 0 ? lo : hi) + " is outside [0, " +
                                        std::to_string(classes) + ")");
    }
    torch::Tensor log_probs = from_logits ? torch::log_softmax(logits.reshape({-1, classes}), -1)
                                          : torch::log(torch::clamp(y_pred.reshape({-1, classes}), kEpsilon, 1 - kEpsilon));
    // from probabilities Keras takes log(clip(p)) as "logits" of a softmax CE: log_softmax of those.
    if (!from_logits) log_probs = torch::log_softmax(log_probs, -1);
    return -log_probs.gather(1, labels.unsqueeze(1)).squeeze(1).reshape(out_sizes);
  }

  torch::Tensor t;
  try {
    t = conform_target(target, y_pred);
    (void)torch::broadcast_tensors({t, y_pred});
  } catch (const c10::Error&) {
    throw Error("loss " + name, "target shape " + sizes_string(target) + " does not match prediction shape " +
                                    sizes_string(y_pred));
  }

  if (name == "mse") return (y_pred - t).square().mean(-1);
  if (name == "mae") return (y_pred - t).abs().mean(-1);
  if (name == "mean_absolute_percentage_error")
    return 100.0 * ((t - y_pred).abs() / torch::clamp_min(t.abs(), kEpsilon)).mean(-1);
  if (name == "mean_squared_logarithmic_error")
    return (torch::log(torch::clamp_min(y_pred, kEpsilon) + 1.0) - torch::log(torch::clamp_min(t, kEpsilon) + 1.0))
        .square()
        .mean(-1);
  if (name == "binary_crossentropy") {
    if (from_logits) return sigmoid_ce_with_logits(logits, t).mean(-1);
    torch::Tensor p = torch::clamp(y_pred, kEpsilon, 1 - kEpsilon);
    return -(t * torch::log(p + kEpsilon) + (1 - t) * torch::log(1 - p + kEpsilon)).mean(-1);
  }
  if (name == "categorical_crossentropy") {
    if (from_logits) return -(t * torch::log_softmax(logits, -1)).sum(-1);
    torch::Tensor p = y_pred / y_pred.sum(-1, true);  // Keras rescales the class probabilities to sum 1
    p = torch::clamp(p, kEpsilon, 1 - kEpsilon);
    return -(t * torch::log(p)).sum(-1);
  }
  if (name == "hinge") return torch::clamp_min(1.0 - maybe_convert_labels(t) * y_pred, 0).mean(-1);
  if (name == "squared_hinge") return torch::clamp_min(1.0 - maybe_convert_labels(t) * y_pred, 0).square().mean(-1);
  if (name == "categorical_hinge") {
    torch::Tensor pos = (t * y_pred).sum(-1);
    torch::Tensor neg = std::get<0>(((1.0 - t) * y_pred).max(-1));
    return torch::clamp_min(neg - pos + 1.0, 0);
  }
  if (name == "kl_divergence") {
    torch::Tensor tc = torch::clamp(t, kEpsilon, 1), pc = torch::clamp(y_pred, kEpsilon, 1);
    return (tc * torch::log(tc / pc)).sum(-1);
  }
  if (name == "poisson") return (y_pred - t * torch::log(y_pred + kEpsilon)).mean(-1);
  if (name == "huber") {
    const double delta = 1.0;
    torch::Tensor err = (y_pred - t).abs();
    return torch::where(err <= delta, 0.5 * err.square(), delta * err - 0.5 * delta * delta).mean(-1);
  }
  if (name == "log_cosh") {
    torch::Tensor x = y_pred - t;
    return (x + torch::softplus(-2.0 * x) - std::log(2.0)).mean(-1);
  }
  if (name == "cosine_similarity") return -(l2_normalize(t) * l2_normalize(y_pred)).sum(-1);
  throw Error("loss " + name, "unknown loss");
}

}  // namespace

torch::Tensor keras_loss(const LossSpec& loss, const torch::Tensor& prediction, const torch::Tensor& target) {
  return keras_loss(loss, prediction, target, torch::Tensor());
}

torch::Tensor keras_loss(const LossSpec& loss, const torch::Tensor& prediction, const torch::Tensor& target,
                         const torch::Tensor& keras_logits) {
  if (prediction.dim() < 1) throw Error("loss " + loss.name, "prediction has no batch axis");
  const bool cross_entropy = loss.name == "binary_crossentropy" || loss.name == "categorical_crossentropy" ||
                             loss.name == "sparse_categorical_crossentropy";
  // Keras only looks for logits in the cross-entropies.
  const torch::Tensor logits = cross_entropy ? keras_logits : torch::Tensor();
  // SUM_OVER_BATCH_SIZE: the sum of the per-sample losses over their number.
  return per_sample_loss(loss, prediction, target, logits).mean();
}

AccuracyKind resolve_accuracy(const ProgramSpec& spec, const std::vector<int64_t>& output_shape,
                              const std::vector<int64_t>& target_shape) {
  const auto& m = spec.metrics;
  const bool has_accuracy = std::find(m.begin(), m.end(), "accuracy") != m.end() ||
                            std::find(m.begin(), m.end(), "acc") != m.end();
  if (has_accuracy) {
    // keras/engine/compile_utils.py get_metric_function (shapes include the batch axis there).
    const size_t y_p_rank = output_shape.size() + 1, y_t_rank = target_shape.size() + 1;
    const int64_t y_p_last = output_shape.empty() ? -1 : output_shape.back();
    const int64_t y_t_last = target_shape.empty() ? -1 : target_shape.back();
    if (y_p_last == 1) return AccuracyKind::Binary;
    if (y_t_rank < y_p_rank || (y_t_last == 1 && y_p_last > 1)) return AccuracyKind::SparseCategorical;
    return AccuracyKind::Categorical;
  }
  auto is_mape = [](const std::string& s) {
    return s == "MeanAbsolutePercentageError" || s == "mape" || s == "mean_absolute_percentage_error";
  };
  if (m.size() == 1 && is_mape(m[0])) return AccuracyKind::OneMinusMape;
  // CategoricalAccuracy / SparseCategoricalAccuracy objects, regression metrics or
  // none: the published callback found no 'accuracy' key and logged NaN.
  return AccuracyKind::None;
}

double accuracy(AccuracyKind kind, const torch::Tensor& prediction, const torch::Tensor& target) {
  torch::NoGradGuard no_grad;
  switch (kind) {
    case AccuracyKind::None:
      return std::numeric_limits<double>::quiet_NaN();
    case AccuracyKind::Binary: {
      torch::Tensor t = conform_target(target, prediction);
      torch::Tensor hit = (prediction > 0.5).to(prediction.scalar_type()).eq(t);
      return hit.to(torch::kFloat64).mean().item<double>();
    }
    case AccuracyKind::Categorical: {
      torch::Tensor t = conform_target(target, prediction);
      return prediction.argmax(-1).eq(t.argmax(-1)).to(torch::kFloat64).mean().item<double>();
    }
    case AccuracyKind::SparseCategorical: {
      torch::Tensor t = target.to(torch::kFloat64);
      if (t.dim() == prediction.dim()) t = t.squeeze(-1);
      return prediction.argmax(-1).to(torch::kFloat64).eq(t).to(torch::kFloat64).mean().item<double>();
    }
    case AccuracyKind::OneMinusMape: {
      LossSpec mape{"mean_absolute_percentage_error", false};
      return 1.0 - keras_loss(mape, prediction, target).item<double>() / 100.0;
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace dynfault::runner
