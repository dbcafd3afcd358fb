#include "evaluate/logistic.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "core/error.h"

namespace dynfault::evaluate {
namespace {

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

struct BinaryFit {
  Eigen::VectorXd beta;  // features..., intercept
  int iterations = 0;
};

// Xa = [X, 1]; y in {0, 1}; s = sample weights.
BinaryFit fit_binary(const Eigen::MatrixXd& Xa, const Eigen::VectorXd& y, const Eigen::VectorXd& s, double C,
                     int max_iterations) {
  const Eigen::Index n = Xa.rows(), p = Xa.cols(), d = p - 1;
  const double l2 = 1.0 / C;
  // One pass gives the objective and keeps e = exp(-|z|), from which the
  // sigmoids of the next iteration follow without another exp.
  auto objective = [&](const Eigen::VectorXd& beta, const Eigen::VectorXd& z, Eigen::VectorXd& e) {
    double f = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      e(i) = std::exp(-std::abs(z(i)));
      const double softplus_z = std::max(z(i), 0.0) + std::log1p(e(i));
      f += s(i) * (softplus_z - y(i) * z(i));
    }
    return f + 0.5 * l2 * beta.head(d).squaredNorm();
  };
  BinaryFit fit;
  fit.beta = Eigen::VectorXd::Zero(p);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(n), e(n), ec(n);
  double f = objective(fit.beta, z, e);
  const double weight_sum = s.sum();
  Eigen::VectorXd prob(n), w(n), g(p), candidate(p), zc(n);
  Eigen::MatrixXd H(p, p);
  for (int it = 0; it < max_iterations; ++it) {
    for (Eigen::Index i = 0; i < n; ++i) {
      prob(i) = z(i) >= 0 ? 1.0 / (1.0 + e(i)) : e(i) / (1.0 + e(i));
      w(i) = s(i) * prob(i) * (1.0 - prob(i));
    }
    g.noalias() = Xa.transpose() * (s.cwiseProduct(prob - y));
    g.head(d) += l2 * fit.beta.head(d);
    if (g.lpNorm<Eigen::Infinity>() <= 1e-13 * std::max(1.0, weight_sum)) break;
    H.noalias() = Xa.transpose() * w.asDiagonal() * Xa;
    H.diagonal().head(d).array() += l2;
    const Eigen::VectorXd step = H.ldlt().solve(g);
    const double decrease = g.dot(step);
    double t = 1.0, fc = f;
    if (decrease <= 1e-10 * (1.0 + std::abs(f))) {
      // Inside the quadratic-convergence region the objective's rounding noise
      // exceeds the predicted decrease: take the full Newton step unchecked.
      candidate = fit.beta - step;
      zc.noalias() = Xa * candidate;
      fc = objective(candidate, zc, ec);
    } else {
      // Backtracking (Armijo) keeps Newton monotone far from the optimum.
      bool accepted = false;
      for (int ls = 0; ls < 50 && !accepted; ++ls) {
        candidate = fit.beta - t * step;
        zc.noalias() = Xa * candidate;
        fc = objective(candidate, zc, ec);
        accepted = fc <= f - 1e-4 * t * decrease;
        if (!accepted) t *= 0.5;
      }
      if (!accepted) break;  // no decrease possible in floating point: at the optimum
    }
    fit.beta = candidate;
    z.swap(zc);
    e.swap(ec);
    f = fc;
    fit.iterations = it + 1;
    if (step.lpNorm<Eigen::Infinity>() * t <= 1e-14 * std::max(1.0, fit.beta.lpNorm<Eigen::Infinity>())) break;
  }
  return fit;
}

}  // namespace

LogisticModel fit_logistic_ovr(const Eigen::MatrixXd& X, const std::vector<int>& y, const LogisticOptions& options) {
  if (static_cast<size_t>(X.rows()) != y.size())
    throw Error("logistic regression", "features and labels differ in length");
  const std::set<int> distinct(y.begin(), y.end());
  if (distinct.size() < 2)
    throw Error("logistic regression", "the training split holds " + std::to_string(distinct.size()) +
                                           " class; at least two are needed");
  LogisticModel model;
  model.classes.assign(distinct.begin(), distinct.end());
  const Eigen::Index n = X.rows(), d = X.cols();
  Eigen::MatrixXd Xa(n, d + 1);
  Xa.leftCols(d) = X;
  Xa.col(d).setOnes();
  std::vector<int> positives = model.classes;
  if (positives.size() == 2) positives = {model.classes[1]};
  model.coef.resize(static_cast<Eigen::Index>(positives.size()), d);
  model.intercept.resize(static_cast<Eigen::Index>(positives.size()));
  for (size_t k = 0; k < positives.size(); ++k) {
    Eigen::VectorXd yb(n), s(n);
    Eigen::Index n_pos = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      yb(i) = y[i] == positives[k] ? 1.0 : 0.0;
      n_pos += y[i] == positives[k];
    }
    const double w_pos = options.balanced ? double(n) / (2.0 * double(n_pos)) : 1.0;
    const double w_neg = options.balanced ? double(n) / (2.0 * double(n - n_pos)) : 1.0;
    for (Eigen::Index i = 0; i < n; ++i) s(i) = yb(i) > 0.5 ? w_pos : w_neg;
    const BinaryFit fit = fit_binary(Xa, yb, s, options.C, options.max_iterations);
    model.coef.row(k) = fit.beta.head(d).transpose();
    model.intercept(k) = fit.beta(d);
    model.iterations = std::max(model.iterations, fit.iterations);
  }
  return model;
}

Eigen::MatrixXd LogisticModel::decision_function(const Eigen::MatrixXd& X) const {
  Eigen::MatrixXd z = X * coef.transpose();
  z.rowwise() += intercept.transpose();
  return z;
}

Eigen::MatrixXd LogisticModel::predict_proba(const Eigen::MatrixXd& X) const {
  const Eigen::MatrixXd z = decision_function(X);
  Eigen::MatrixXd p(X.rows(), static_cast<Eigen::Index>(classes.size()));
  if (classes.size() == 2) {
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      const double s = sigmoid(z(i, 0));
      p(i, 0) = 1.0 - s;
      p(i, 1) = s;
    }
    return p;
  }
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    double sum = 0;
    for (Eigen::Index k = 0; k < p.cols(); ++k) sum += (p(i, k) = sigmoid(z(i, k)));
    p.row(i) /= sum;
  }
  return p;
}

std::vector<int> LogisticModel::predict(const Eigen::MatrixXd& X) const {
  const Eigen::MatrixXd z = decision_function(X);
  std::vector<int> out(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    if (classes.size() == 2) {
      out[i] = z(i, 0) > 0 ? classes[1] : classes[0];
    } else {
      Eigen::Index best = 0;
      for (Eigen::Index k = 1; k < z.cols(); ++k)
        if (z(i, k) > z(i, best)) best = k;
      out[i] = classes[best];
    }
  }
  return out;
}

}  // namespace dynfault::evaluate
