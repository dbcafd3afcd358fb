#pragma once
// Classification metrics with scikit-learn 1.2 semantics.
//   accuracy            share of exact predictions
//   balanced_accuracy   mean recall over the classes present in y_true (classes
//                       only predicted are dropped, as sklearn does with a warning)
//   roc_auc             binary: Mann-Whitney U / (n_pos n_neg), ties count 1/2
//                       (= trapezoidal area under roc_curve); throws if y_true
//                       holds one class, as 1.2 does
//   average_precision   step-wise: sum_t (R_t - R_{t-1}) P_t over distinct
//                       thresholds, no interpolation; -0.0 without positives
//   *_macro             one-vs-rest over the task's classes, unweighted mean:
//                       roc_auc_score(multi_class='ovr', average='macro') and
//                       average_precision_score(label_binarize(y), P, average='macro');
//                       with two classes, the binary score of classes[1]
//   percentile          np.percentile, linear (Hyndman-Fan type 7), numpy's lerp
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace dynfault::evaluate {

double accuracy(const std::vector<int>& y_true, const std::vector<int>& y_pred);
double balanced_accuracy(const std::vector<int>& y_true, const std::vector<int>& y_pred);
double roc_auc(const std::vector<int>& is_positive, const std::vector<double>& score);
double average_precision(const std::vector<int>& is_positive, const std::vector<double>& score);

// y_true holds column indices 0..C-1 of `proba` (n x C).
double roc_auc_macro(const std::vector<int>& y_true, const Eigen::MatrixXd& proba);
double average_precision_macro(const std::vector<int>& y_true, const Eigen::MatrixXd& proba);

// sklearn.metrics.precision_recall_curve (1.2): one point per distinct score,
// in sklearn's order (increasing threshold; 1.2 no longer stops at the first
// threshold of full recall), then the final (precision 1, recall 0) point,
// whose threshold is NaN. Needs a positive.
struct PrCurve {
  std::vector<double> precision, recall, thresholds;
};
PrCurve precision_recall_curve(const std::vector<int>& is_positive, const std::vector<double>& score);

// Row-wise argmax (first maximum).
std::vector<int> argmax_rows(const Eigen::MatrixXd& proba);

// q in [0, 100]; `values` need not be sorted; NaN-free.
double percentile(std::vector<double> values, double q);

// One out-of-fold prediction set (class probabilities and predicted codes),
// sorted once per class, scored under integer row weights: the cluster
// bootstrap gives each row the number of times its program was drawn. Every
// score equals the unweighted one on the resample with rows duplicated, bit
// for bit (the same integer counts are accumulated), at O(n) per replicate
// instead of a sort. Rows of weight 0 are absent.
class ScoredPredictions {
 public:
  ScoredPredictions(std::vector<int> y_true, const Eigen::MatrixXd& proba, std::vector<int> predicted);
  size_t size() const { return y_.size(); }
  double accuracy(const std::vector<double>& weight) const;
  double balanced_accuracy(const std::vector<double>& weight) const;
  double roc_auc(const std::vector<double>& weight) const;            // macro OvR; throws with one class
  double average_precision(const std::vector<double>& weight) const;  // macro over label_binarize(y)

 private:
  // ROC AUC and AP of one class column; with_auc: throw when it is undefined.
  void column(Eigen::Index c, const std::vector<double>& weight, double& auc, double& ap, bool with_auc) const;
  template <class Binary>
  double macro(Binary binary) const;
  std::vector<int> y_, pred_;
  Eigen::MatrixXd proba_;
  std::vector<std::vector<int>> by_score_;  // per class column: rows by decreasing probability
};

// A named score of a prediction set (cf. LightGBM's metric.h): whether bigger
// is better tells reductions (best restart, permutation counts) which way to look.
class Metric {
 public:
  virtual ~Metric() = default;
  virtual const char* name() const = 0;
  virtual bool bigger_is_better() const = 0;
  virtual double eval(const ScoredPredictions& s, const std::vector<double>& weight) const = 0;
  double eval(const ScoredPredictions& s) const { return eval(s, std::vector<double>(s.size(), 1.0)); }
};

// Named metric sets:
//   diagnosis  balanced_accuracy, roc_auc, average_precision, accuracy  (RQ1 tasks)
//   identity   accuracy, balanced_accuracy                                (program identity)
//   detection  roc_auc, average_precision                                 (RQ2 instability)
using MetricSet = std::vector<const Metric*>;
const MetricSet& metric_set(const std::string& name);  // throws dynfault::Error for an unknown name
const Metric& find_metric(const std::string& name);
std::vector<double> eval_metrics(const MetricSet& set, const ScoredPredictions& s, const std::vector<double>& weight);

}  // namespace dynfault::evaluate
