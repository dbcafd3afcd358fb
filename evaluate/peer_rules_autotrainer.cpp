// AutoTrainer's five training-problem rules (ICSE'21, utils/monitor.py @ aafa2a4;
// ../shared/reference/peer-techniques.md §2): checks every 3rd epoch (checktype
// epoch_3), loss/accuracy conditions from 30 % of the epochs on (judgment_point),
// parameters of reproduce.py. A rule fires on a trace when its condition holds
// at some check. Rules flag training problems; they do not name a fault type.
#include <cmath>

#include "evaluate/peer_inputs.h"

namespace dynfault::evaluate {
namespace {

constexpr double kBeta1 = 1e-3, kBeta2 = 1e-4, kBeta3 = 70, kGamma = 0.7, kZeta = 0.03, kEta = 0.2, kDelta = 0.01;
constexpr size_t kCheckGap = 3;

bool is_check(size_t epoch) { return (epoch + 1) % kCheckGap == 0; }
bool after_judgment_point(const RunInputs& run, size_t epoch) {
  return static_cast<double>(epoch) >= 0.3 * static_cast<double>(run.epochs());
}
std::vector<double> prefix(const std::vector<double>& v, size_t epoch) {
  return std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(epoch + 1));
}

// rho = |g_first| / |g_last| from the first and last trainable layers' gradient norms.
bool gradient_ratio(const RunInputs& run, size_t epoch, double& rho, double& first) {
  const LayerSeries* g = run.layers("grad_norm");
  if (!g) return false;
  first = run.layer_at(*g, epoch, 0);
  rho = first / run.layer_at(*g, epoch, g->layers.size() - 1);
  return true;
}

bool vanishing(const RunInputs& run) {
  for (size_t e = 0; e < run.epochs(); ++e) {
    double rho, first;
    if (is_check(e) && gradient_ratio(run, e, rho, first) && rho < kBeta1 && first < kBeta2) return true;
  }
  return false;
}

bool exploding(const RunInputs& run) {
  for (size_t e = 0; e < run.epochs(); ++e) {
    if (!is_check(e)) continue;
    double rho, first;
    if (gradient_ratio(run, e, rho, first) && rho > kBeta3) return true;
    // Numerical explosion, reported by AutoTrainer as "explode" too.
    const double loss = run.at("train_loss", e), val = run.at("val_loss", e);
    if (!std::isfinite(loss) || (run.has("val_loss") && (!std::isfinite(val) || val >= 1e5))) return true;
    if (run.at("nan_weight_count", e) > 0 || run.at("nan_gradients_count", e) > 0) return true;
  }
  return false;
}

bool dying_relu(const RunInputs& run) {
  for (size_t e = 0; e < run.epochs(); ++e)
    if (is_check(e) && run.at("grad_zero_share", e) >= kGamma) return true;
  return false;
}

bool oscillating(const RunInputs& run) {
  const std::vector<double> acc = run.series("train_acc");
  for (size_t e = 0; e < run.epochs(); ++e)
    if (is_check(e) && after_judgment_point(run, e) && autotrainer_oscillates(prefix(acc, e), kZeta, kEta)) return true;
  return false;
}

bool slow_convergence(const RunInputs& run) {
  const std::vector<double> acc = run.series("train_acc"), val = run.series("val_acc");
  for (size_t e = 0; e < run.epochs(); ++e)
    if (is_check(e) && after_judgment_point(run, e) && largest_increase(prefix(val, e)) < kDelta &&
        largest_increase(prefix(acc, e)) < kDelta)
      return true;
  return false;
}

}  // namespace

const std::vector<PeerRule>& autotrainer_rules() {
  static const std::vector<PeerRule> rules = {
      {"vanishing_gradient", "rho = |g_first|/|g_last| < 1e-3 and |g_first| < 1e-4", {"layers:grad_norm"}, &vanishing},
      {"exploding_gradient", "rho > 70, or NaN/Inf loss, weight or gradient, or val_loss >= 1e5",
       {"layers:grad_norm", "train_loss", "nan_weight_count", "nan_gradients_count"}, &exploding},
      {"dying_relu", "share of exactly-zero gradient entries >= 0.7", {"grad_zero_share"}, &dying_relu},
      {"oscillating_loss", "train_acc oscillation: pairs with max - min >= 0.03 number >= 0.2 x epochs",
       {"train_acc"}, &oscillating},
      {"slow_convergence", "largest one-epoch gain of val_acc and of train_acc < 0.01", {"train_acc", "val_acc"},
       &slow_convergence},
  };
  return rules;
}

}  // namespace dynfault::evaluate
