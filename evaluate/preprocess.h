#pragma once
// Feature preprocessing with scikit-learn 1.2 semantics, fitted on a training
// split only and applied to any rows:
//   clip_features   np.clip(X, -1e12, 1e12) (NaN stays NaN; +-inf become +-1e12)
//   MedianImputer   SimpleImputer(strategy='median'): np.ma.median of the
//                   non-missing training values; all-missing columns are
//                   dropped from the output (keep_empty_features=False, 1.2)
//   StandardScaler  population variance; near-constant columns get scale 1
#include <vector>

#include <Eigen/Dense>

namespace dynfault::evaluate {

inline constexpr double kFeatureClip = 1e12;
void clip_features(Eigen::MatrixXd& X, double limit = kFeatureClip);

class MedianImputer {
 public:
  void fit(const Eigen::MatrixXd& X);
  Eigen::MatrixXd transform(const Eigen::MatrixXd& X) const;
  const std::vector<double>& statistics() const { return statistics_; }  // NaN for dropped columns
  const std::vector<int>& kept_columns() const { return kept_; }

 private:
  std::vector<double> statistics_;
  std::vector<int> kept_;
};

class StandardScaler {
 public:
  void fit(const Eigen::MatrixXd& X);
  Eigen::MatrixXd transform(const Eigen::MatrixXd& X) const;
  void transform_in_place(Eigen::MatrixXd& X) const;
  const Eigen::VectorXd& mean() const { return mean_; }
  const Eigen::VectorXd& scale() const { return scale_; }

 private:
  Eigen::VectorXd mean_, scale_;
};

// Rows of X selected by index.
Eigen::MatrixXd take_rows(const Eigen::MatrixXd& X, const std::vector<int>& rows);

}  // namespace dynfault::evaluate
