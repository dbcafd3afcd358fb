#include "evaluate/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

PrCurve precision_recall_curve(const std::vector<int>& is_positive, const std::vector<double>& score) {
  const auto order = by_decreasing_score(score);
  std::vector<double> tps, fps, thresholds;
  double tp = 0, fp = 0;
  size_t i = 0;
  while (i < order.size()) {
    const double s = score[order[i]];
    while (i < order.size() && score[order[i]] == s) {
      (is_positive[order[i]] ? tp : fp) += 1;
      ++i;
    }
    tps.push_back(tp);
    fps.push_back(fp);
    thresholds.push_back(s);
  }
  if (tps.empty() || tp == 0) throw Error("precision_recall_curve", "no positive sample");
  PrCurve c;
  for (size_t j = tps.size(); j-- > 0;) {
    c.precision.push_back(tps[j] / (tps[j] + fps[j]));
    c.recall.push_back(tps[j] / tp);
    c.thresholds.push_back(thresholds[j]);
  }
  c.precision.push_back(1.0);
  c.recall.push_back(0.0);
  c.thresholds.push_back(std::numeric_limits<double>::quiet_NaN());
  return c;
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

ScoredPredictions::ScoredPredictions(std::vector<int> y_true, const Eigen::MatrixXd& proba, std::vector<int> predicted)
    : y_(std::move(y_true)), pred_(std::move(predicted)), proba_(proba) {
  if (y_.empty() || static_cast<Eigen::Index>(y_.size()) != proba.rows() || pred_.size() != y_.size())
    throw Error("metrics", "predictions and labels differ in length or are empty");
  by_score_.resize(proba.cols());
  for (Eigen::Index c = 0; c < proba.cols(); ++c) {
    auto& order = by_score_[c];
    order.resize(y_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return proba(a, c) > proba(b, c); });
  }
}

double ScoredPredictions::accuracy(const std::vector<double>& weight) const {
  double all = 0, hit = 0;
  for (size_t i = 0; i < y_.size(); ++i) {
    const double w = weight[i];
    if (w == 0) continue;
    all += w;
    if (pred_[i] == y_[i]) hit += w;
  }
  if (all == 0) throw Error("metrics", "no samples");
  return hit / all;
}

double ScoredPredictions::balanced_accuracy(const std::vector<double>& weight) const {
  // Recall per class present (of positive weight).
  const Eigen::Index C = proba_.cols();
  std::vector<double> correct(C, 0.0), total(C, 0.0);
  for (size_t i = 0; i < y_.size(); ++i) {
    const double w = weight[i];
    if (w == 0) continue;
    total[y_[i]] += w;
    if (pred_[i] == y_[i]) correct[y_[i]] += w;
  }
  double recall_sum = 0, present = 0;
  for (Eigen::Index c = 0; c < C; ++c)
    if (total[c] > 0) {
      recall_sum += correct[c] / total[c];
      present += 1;
    }
  if (present == 0) throw Error("metrics", "no samples");
  return recall_sum / present;
}

void ScoredPredictions::column(Eigen::Index c, const std::vector<double>& weight, double& auc, double& ap,
                               bool with_auc) const {
  const auto& order = by_score_[c];
  double n_pos = 0;
  for (size_t i = 0; i < y_.size(); ++i)
    if (y_[i] == c) n_pos += weight[i];
  double tps = 0, fps = 0, area = 0, prec_sum = 0, previous_recall = 0;
  size_t i = 0;
  while (i < order.size()) {
    const double s = proba_(order[i], c);
    double dt = 0, df = 0;
    while (i < order.size() && proba_(order[i], c) == s) {
      const int r = order[i];
      (y_[r] == c ? dt : df) += weight[r];
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
  if (with_auc && (tps == 0 || fps == 0))
    throw Error("roc_auc", "only one class present in y_true; ROC AUC is not defined in that case");
  auc = with_auc ? area / (tps * fps) : 0.0;
  ap = n_pos > 0 ? prec_sum : -0.0;
}

template <class Binary>
double ScoredPredictions::macro(Binary binary) const {
  const Eigen::Index C = proba_.cols();
  if (C == 2) return binary(1);
  double sum = 0;
  for (Eigen::Index c = 0; c < C; ++c) sum += binary(c);
  return sum / double(C);
}

double ScoredPredictions::roc_auc(const std::vector<double>& weight) const {
  return macro([&](Eigen::Index c) {
    double auc, ap;
    column(c, weight, auc, ap, true);
    return auc;
  });
}

double ScoredPredictions::average_precision(const std::vector<double>& weight) const {
  return macro([&](Eigen::Index c) {
    double auc, ap;
    column(c, weight, auc, ap, false);
    return ap;
  });
}

namespace {

template <bool Bigger, double (ScoredPredictions::*Score)(const std::vector<double>&) const>
class ScoreMetric : public Metric {
 public:
  explicit ScoreMetric(const char* name) : name_(name) {}
  const char* name() const override { return name_; }
  bool bigger_is_better() const override { return Bigger; }
  double eval(const ScoredPredictions& s, const std::vector<double>& weight) const override {
    return (s.*Score)(weight);
  }

 private:
  const char* name_;
};

const ScoreMetric<true, &ScoredPredictions::balanced_accuracy> kBalancedAccuracy("balanced_accuracy");
const ScoreMetric<true, &ScoredPredictions::roc_auc> kRocAuc("roc_auc");
const ScoreMetric<true, &ScoredPredictions::average_precision> kAveragePrecision("average_precision");
const ScoreMetric<true, &ScoredPredictions::accuracy> kAccuracy("accuracy");

const std::vector<const Metric*>& all_metric_objects() {
  static const std::vector<const Metric*> all = {&kBalancedAccuracy, &kRocAuc, &kAveragePrecision, &kAccuracy};
  return all;
}

}  // namespace

const Metric& find_metric(const std::string& name) {
  for (const Metric* m : all_metric_objects())
    if (name == m->name()) return *m;
  throw Error("metric", "unknown metric '" + name + "'");
}

const MetricSet& metric_set(const std::string& name) {
  static const std::vector<std::pair<std::string, MetricSet>> sets = {
      {"diagnosis", {&kBalancedAccuracy, &kRocAuc, &kAveragePrecision, &kAccuracy}},
      {"identity", {&kAccuracy, &kBalancedAccuracy}},
      {"detection", {&kRocAuc, &kAveragePrecision}},
  };
  for (const auto& [n, set] : sets)
    if (n == name) return set;
  throw Error("metric set", "unknown metric set '" + name + "' (diagnosis, identity, detection)");
}

std::vector<double> eval_metrics(const MetricSet& set, const ScoredPredictions& s, const std::vector<double>& weight) {
  std::vector<double> out;
  out.reserve(set.size());
  for (const Metric* m : set) out.push_back(m->eval(s, weight));
  return out;
}

}  // namespace dynfault::evaluate
