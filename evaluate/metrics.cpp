#include "evaluate/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/error.h"

namespace dynfault::evaluate {

double accuracy(const std::vector<int>& y_true, const std::vector<int>& y_pred) {
  if (y_true.empty()) throw Error("accuracy", "no samples");
  size_t hit = 0;
  for (size_t i = 0; i < y_true.size(); ++i) hit += y_true[i] == y_pred[i];
  return double(hit) / double(y_true.size());
}

double balanced_accuracy(const std::vector<int>& y_true, const std::vector<int>& y_pred) {
  if (y_true.empty()) throw Error("balanced accuracy", "no samples");
  std::map<int, std::pair<size_t, size_t>> per_class;  // class -> (correct, total)
  for (size_t i = 0; i < y_true.size(); ++i) {
    auto& c = per_class[y_true[i]];
    c.second += 1;
    c.first += y_true[i] == y_pred[i];
  }
  double sum = 0;
  for (const auto& [cls, c] : per_class) sum += double(c.first) / double(c.second);
  return sum / double(per_class.size());
}

namespace {
// Indices sorted by decreasing score (stable, so equal scores keep data order;
// the order inside a tie block never changes the metrics).
std::vector<size_t> by_decreasing_score(const std::vector<double>& score) {
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  return order;
}
}  // namespace

double roc_auc(const std::vector<int>& is_positive, const std::vector<double>& score) {
  // Walk distinct thresholds from the top, accumulating the trapezoids of
  // sklearn's roc_curve in unnormalised (fps, tps) units.
  const auto order = by_decreasing_score(score);
  double tps = 0, fps = 0, area = 0;
  size_t i = 0;
  while (i < order.size()) {
    double dt = 0, df = 0;
    const double s = score[order[i]];
    while (i < order.size() && score[order[i]] == s) {
      (is_positive[order[i]] ? dt : df) += 1;
      ++i;
    }
    area += df * (tps + tps + dt) / 2.0;
    tps += dt;
    fps += df;
  }
  if (tps == 0 || fps == 0)
    throw Error("roc_auc", "only one class present in y_true; ROC AUC is not defined in that case");
  return area / (tps * fps);
}

double average_precision(const std::vector<int>& is_positive, const std::vector<double>& score) {
  const auto order = by_decreasing_score(score);
  double n_pos = 0;
  for (int p : is_positive) n_pos += p != 0;
  if (n_pos == 0) return -0.0;  // sklearn 1.2: recall set to one, AP = -0.0, with a warning
  double tps = 0, fps = 0, ap = 0, previous_recall = 0;
  size_t i = 0;
  while (i < order.size()) {
    const double s = score[order[i]];
    while (i < order.size() && score[order[i]] == s) {
      (is_positive[order[i]] ? tps : fps) += 1;
      ++i;
    }
    const double recall = tps / n_pos;
    const double precision = tps / (tps + fps);
    ap += (recall - previous_recall) * precision;
    previous_recall = recall;
  }
  return ap;
}

namespace {
template <class Binary>
double macro(const std::vector<int>& y_true, const Eigen::MatrixXd& proba, Binary binary) {
  const Eigen::Index C = proba.cols();
  std::vector<int> positive(y_true.size());
  std::vector<double> score(y_true.size());
  auto column = [&](Eigen::Index c) {
    for (size_t i = 0; i < y_true.size(); ++i) {
      positive[i] = y_true[i] == c;
      score[i] = proba(static_cast<Eigen::Index>(i), c);
    }
    return binary(positive, score);
  };
  if (C == 2) return column(1);
  double sum = 0;
  for (Eigen::Index c = 0; c < C; ++c) sum += column(c);
  return sum / double(C);
}
}  // namespace

double roc_auc_macro(const std::vector<int>& y_true, const Eigen::MatrixXd& proba) {
  return macro(y_true, proba, roc_auc);
}
double average_precision_macro(const std::vector<int>& y_true, const Eigen::MatrixXd& proba) {
  return macro(y_true, proba, average_precision);
}

std::vector<int> argmax_rows(const Eigen::MatrixXd& proba) {
  std::vector<int> out(proba.rows());
  for (Eigen::Index i = 0; i < proba.rows(); ++i) {
    Eigen::Index best = 0;
    for (Eigen::Index c = 1; c < proba.cols(); ++c)
      if (proba(i, c) > proba(i, best)) best = c;
    out[i] = static_cast<int>(best);
  }
  return out;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) throw Error("percentile", "no values");
  std::sort(values.begin(), values.end());
  const double h = (q / 100.0) * double(values.size() - 1);
  const double lower = std::floor(h);
  const double t = h - lower;
  const size_t lo = static_cast<size_t>(lower);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double a = values[lo], b = values[hi];
  const double diff = b - a;
  // numpy's _lerp: a + t*(b-a), or b - (b-a)*(1-t) when t >= 0.5.
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

const char* metric_name(int metric) {
  switch (metric) {
    case kBalancedAccuracy: return "balanced_accuracy";
    case kRocAuc: return "roc_auc";
    case kAveragePrecision: return "average_precision";
    case kAccuracy: return "accuracy";
  }
  return "?";
}

std::vector<double> all_metrics(const std::vector<int>& y_true, const Eigen::MatrixXd& proba) {
  return ScoredPredictions(y_true, proba).metrics();
}

ScoredPredictions::ScoredPredictions(std::vector<int> y_true, const Eigen::MatrixXd& proba)
    : y_(std::move(y_true)), pred_(argmax_rows(proba)), proba_(proba) {
  if (y_.empty() || static_cast<Eigen::Index>(y_.size()) != proba.rows())
    throw Error("metrics", "predictions and labels differ in length or are empty");
  by_score_.resize(proba.cols());
  for (Eigen::Index c = 0; c < proba.cols(); ++c) {
    auto& order = by_score_[c];
    order.resize(y_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return proba(a, c) > proba(b, c); });
  }
}

std::vector<double> ScoredPredictions::metrics() const { return metrics(std::vector<double>(y_.size(), 1.0)); }

std::vector<double> ScoredPredictions::metrics(const std::vector<double>& weight) const {
  const Eigen::Index C = proba_.cols();
  std::vector<double> m(kMetricCount);
  // Accuracy and balanced accuracy (recall per class present, i.e. of positive weight).
  std::vector<double> correct(C, 0.0), total(C, 0.0);
  double all = 0, hit = 0;
  for (size_t i = 0; i < y_.size(); ++i) {
    const double w = weight[i];
    if (w == 0) continue;
    total[y_[i]] += w;
    all += w;
    if (pred_[i] == y_[i]) {
      correct[y_[i]] += w;
      hit += w;
    }
  }
  if (all == 0) throw Error("metrics", "no samples");
  double recall_sum = 0, present = 0;
  for (Eigen::Index c = 0; c < C; ++c)
    if (total[c] > 0) {
      recall_sum += correct[c] / total[c];
      present += 1;
    }
  m[kBalancedAccuracy] = recall_sum / present;
  m[kAccuracy] = hit / all;
  // ROC AUC and average precision per class column, one walk over the sorted rows.
  auto column = [&](Eigen::Index c, double& auc, double& ap) {
    const auto& order = by_score_[c];
    double tps = 0, fps = 0, area = 0, prec_sum = 0, previous_recall = 0;
    const double n_pos = total[c];
    size_t i = 0;
    while (i < order.size()) {
      const double s = proba_(order[i], c);
      double dt = 0, df = 0;
      while (i < order.size() && proba_(order[i], c) == s) {
        const int r = order[i];
        const double w = weight[r];
        (y_[r] == c ? dt : df) += w;
        ++i;
      }
      if (dt == 0 && df == 0) continue;
      area += df * (tps + tps + dt) / 2.0;
      tps += dt;
      fps += df;
      if (n_pos > 0) {
        const double recall = tps / n_pos;
        prec_sum += (recall - previous_recall) * (tps / (tps + fps));
        previous_recall = recall;
      }
    }
    if (tps == 0 || fps == 0)
      throw Error("roc_auc", "only one class present in y_true; ROC AUC is not defined in that case");
    auc = area / (tps * fps);
    ap = prec_sum;
  };
  double auc = 0, ap = 0;
  if (C == 2) {
    column(1, auc, ap);
    m[kRocAuc] = auc;
    m[kAveragePrecision] = ap;
  } else {
    double auc_sum = 0, ap_sum = 0;
    for (Eigen::Index c = 0; c < C; ++c) {
      column(c, auc, ap);
      auc_sum += auc;
      ap_sum += ap;
    }
    m[kRocAuc] = auc_sum / double(C);
    m[kAveragePrecision] = ap_sum / double(C);
  }
  return m;
}

}  // namespace dynfault::evaluate
