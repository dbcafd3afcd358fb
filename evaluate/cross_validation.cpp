#include "evaluate/cross_validation.h"

#include <cmath>
#include <map>

#include "evaluate/logistic.h"
#include "evaluate/preprocess.h"

namespace dynfault::evaluate {

Eigen::MatrixXd fit_predict_fold(const Eigen::MatrixXd& X, const std::vector<int>& y, int n_classes,
                                 const std::vector<int>& train, const std::vector<int>& test) {
  const Eigen::MatrixXd X_train_raw = take_rows(X, train);
  MedianImputer imputer;
  imputer.fit(X_train_raw);
  Eigen::MatrixXd X_train = imputer.transform(X_train_raw);
  Eigen::MatrixXd X_test = imputer.transform(take_rows(X, test));
  StandardScaler scaler;
  scaler.fit(X_train);
  scaler.transform_in_place(X_train);
  scaler.transform_in_place(X_test);
  std::vector<int> y_train(train.size());
  for (size_t i = 0; i < train.size(); ++i) y_train[i] = y[train[i]];
  const LogisticModel model = fit_logistic_ovr(X_train, y_train);
  const Eigen::MatrixXd p = model.predict_proba(X_test);
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(p.rows(), n_classes);
  for (size_t c = 0; c < model.classes.size(); ++c) out.col(model.classes[c]) = p.col(c);
  return out;
}

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
