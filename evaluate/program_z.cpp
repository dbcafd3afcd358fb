#include "evaluate/program_z.h"

#include <cmath>
#include <map>


namespace dynfault::evaluate {

Eigen::MatrixXd normalise_within_groups(const Eigen::MatrixXd& X, const std::vector<int>& group) {
  Eigen::MatrixXd out = X;
  std::map<int, std::vector<Eigen::Index>> members;
  for (size_t i = 0; i < group.size(); ++i) members[group[i]].push_back(static_cast<Eigen::Index>(i));
  for (const auto& [g, rows] : members) {
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      double sum = 0, n = 0;
      for (auto r : rows)
        if (!std::isnan(X(r, j))) sum += X(r, j), n += 1;
      if (n == 0) continue;
      const double mean = sum / n;
      double ss = 0;
      for (auto r : rows)
        if (!std::isnan(X(r, j))) ss += (X(r, j) - mean) * (X(r, j) - mean);
      const double sd = std::sqrt(ss / n);
      for (auto r : rows)
        if (!std::isnan(X(r, j))) out(r, j) = sd > 0 ? (X(r, j) - mean) / sd : 0.0;
    }
  }
  return out;
}

}  // namespace dynfault::evaluate
