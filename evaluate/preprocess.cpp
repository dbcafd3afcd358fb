#include "evaluate/preprocess.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dynfault::evaluate {

void clip_features(Eigen::MatrixXd& X, double limit) {
  for (Eigen::Index j = 0; j < X.cols(); ++j)
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      double& v = X(i, j);
      if (std::isnan(v)) continue;
      v = std::min(std::max(v, -limit), limit);
    }
}

void MedianImputer::fit(const Eigen::MatrixXd& X) {
  statistics_.assign(X.cols(), std::numeric_limits<double>::quiet_NaN());
  kept_.clear();
  std::vector<double> column;
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    column.clear();
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!std::isnan(X(i, j))) column.push_back(X(i, j));
    if (column.empty()) continue;
    std::sort(column.begin(), column.end());
    const size_t n = column.size();
    // np.ma.median: the middle value, or the mean of the two middle values.
    statistics_[j] = n % 2 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2.0;
    kept_.push_back(static_cast<int>(j));
  }
}

Eigen::MatrixXd MedianImputer::transform(const Eigen::MatrixXd& X) const {
  Eigen::MatrixXd out(X.rows(), static_cast<Eigen::Index>(kept_.size()));
  for (size_t c = 0; c < kept_.size(); ++c) {
    const int j = kept_[c];
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      const double v = X(i, j);
      out(i, c) = std::isnan(v) ? statistics_[j] : v;
    }
  }
  return out;
}

void StandardScaler::fit(const Eigen::MatrixXd& X) {
  const double n = static_cast<double>(X.rows());
  const double eps = std::numeric_limits<double>::epsilon();
  mean_.resize(X.cols());
  scale_.resize(X.cols());
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    const double mean = X.col(j).sum() / n;
    // sklearn's _incremental_mean_and_var: sum of squared deviations with the
    // (sum of deviations)^2 / n correction, divided by n.
    const Eigen::ArrayXd dev = X.col(j).array() - mean;
    const double correction = dev.sum();
    const double var = ((dev * dev).sum() - correction * correction / n) / n;
    mean_(j) = mean;
    // _is_constant_feature: var <= n*eps*var + (n*mean*eps)^2 -> scale 1.
    const double bound = n * eps * var + (n * mean * eps) * (n * mean * eps);
    scale_(j) = (var <= bound) ? 1.0 : std::sqrt(var);
  }
}

void StandardScaler::transform_in_place(Eigen::MatrixXd& X) const {
  for (Eigen::Index j = 0; j < X.cols(); ++j) X.col(j) = (X.col(j).array() - mean_(j)) / scale_(j);
}

Eigen::MatrixXd StandardScaler::transform(const Eigen::MatrixXd& X) const {
  Eigen::MatrixXd out = X;
  transform_in_place(out);
  return out;
}

Eigen::MatrixXd take_rows(const Eigen::MatrixXd& X, const std::vector<int>& rows) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), X.cols());
  for (size_t r = 0; r < rows.size(); ++r) out.row(r) = X.row(rows[r]);
  return out;
}

}  // namespace dynfault::evaluate
