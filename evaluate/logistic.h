#pragma once
// LogisticRegression(penalty='l2', C, class_weight='balanced', multi_class='ovr')
// with scikit-learn 1.2 semantics, solved to the exact optimum.
//
// Each one-vs-rest sub-problem minimises
//   sum_i s_i [log(1 + e^{z_i}) - y_i z_i] + ||w||^2 / (2C),   z_i = x_i.w + b,
// with the intercept b unpenalised and s_i the balanced weight of the
// *binarised* sub-problem: n/(2 n_pos) for the positive class, n/(2 n_neg) for
// the rest. Damped Newton (IRLS) with an Eigen LDLT solve of the (d+1)^2
// Hessian converges to machine precision where sklearn's lbfgs stops at tol=1e-4.
// Two training classes give one problem (positive = classes[1]); more give one
// per class, predict_proba = row-normalised sigmoids.
#include <vector>

#include <Eigen/Dense>

namespace dynfault::evaluate {

struct LogisticOptions {
  double C = 1.0;
  bool balanced = true;
  int max_iterations = 100;
};

struct LogisticModel {
  std::vector<int> classes;   // sorted class codes seen in training
  Eigen::MatrixXd coef;       // problems x features
  Eigen::VectorXd intercept;  // problems
  int iterations = 0;         // the largest Newton iteration count over problems

  Eigen::MatrixXd decision_function(const Eigen::MatrixXd& X) const;  // n x problems
  // n x classes.size(): binary [1 - s, s]; OvR sigmoids normalised per row.
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& X) const;
  std::vector<int> predict(const Eigen::MatrixXd& X) const;
};

// y holds class codes (any ints). Throws dynfault::Error for fewer than two classes.
LogisticModel fit_logistic_ovr(const Eigen::MatrixXd& X, const std::vector<int>& y, const LogisticOptions& options = {});

}  // namespace dynfault::evaluate
