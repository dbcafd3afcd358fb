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

// Row-wise argmax (first maximum), i.e. sklearn's predict for OvR probabilities.
std::vector<int> argmax_rows(const Eigen::MatrixXd& proba);

// q in [0, 100]; `values` need not be sorted; NaN-free.
double percentile(std::vector<double> values, double q);

// The four metrics reported for every out-of-fold prediction set, in this order.
enum Metric { kBalancedAccuracy = 0, kRocAuc = 1, kAveragePrecision = 2, kAccuracy = 3, kMetricCount = 4 };
const char* metric_name(int metric);
std::vector<double> all_metrics(const std::vector<int>& y_true, const Eigen::MatrixXd& proba);

// One out-of-fold prediction set, sorted once per class, scored under integer
// row weights: the cluster bootstrap gives each row the number of times its
// program was drawn. The result equals all_metrics on the resample with rows
// duplicated, bit for bit (the same integer counts are accumulated), at O(n)
// per replicate instead of a sort. Rows of weight 0 are absent; every class
// must keep a positive weight (the degenerate-resample policy ensures it).
class ScoredPredictions {
 public:
  ScoredPredictions(std::vector<int> y_true, const Eigen::MatrixXd& proba);
  std::vector<double> metrics(const std::vector<double>& weight) const;
  std::vector<double> metrics() const;  // all weights 1

 private:
  std::vector<int> y_, pred_;
  Eigen::MatrixXd proba_;
  std::vector<std::vector<int>> by_score_;  // per class column: rows by decreasing probability
};

}  // namespace dynfault::evaluate
