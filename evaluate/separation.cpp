#include "evaluate/separation.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"

namespace dynfault::evaluate {

Eigen::MatrixXd squared_distances(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) {
  Eigen::MatrixXd D(A.rows(), B.rows());
  for (Eigen::Index i = 0; i < A.rows(); ++i)
    for (Eigen::Index j = 0; j < B.rows(); ++j) D(i, j) = (A.row(i) - B.row(j)).squaredNorm();
  return D;
}

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Euclidean distance between rows i and j of a row-major X, the sum in column order.
double row_distance(const RowMatrix& X, Eigen::Index i, Eigen::Index j) {
  const double* xi = X.row(i).data();
  const double* xj = X.row(j).data();
  double s2 = 0;
  for (Eigen::Index c = 0; c < X.cols(); ++c) s2 += (xi[c] - xj[c]) * (xi[c] - xj[c]);
  return std::sqrt(s2);
}

// sklearn's silhouette over n points with distance(i, j); sums run over j in index order, so a
// precomputed matrix and the on-the-fly distances give the same bits.
template <typename Distance>
double silhouette(Eigen::Index n, const std::vector<int>& labels, Distance distance) {
  std::map<int, int> code;
  for (int l : labels) code.emplace(l, 0);
  int next = 0;
  for (auto& [l, c] : code) c = next++;
  const int k = static_cast<int>(code.size());
  if (k < 2 || k > n - 1)
    throw Error("silhouette", "number of labels is " + std::to_string(k) +
                                  ". Valid values are 2 to n_samples - 1 (inclusive)");
  std::vector<int> lab(n);
  std::vector<double> size(k, 0);
  for (Eigen::Index i = 0; i < n; ++i) size[lab[i] = code[labels[i]]] += 1;
  double total = 0;
  std::vector<double> sum_to(k);
  for (Eigen::Index i = 0; i < n; ++i) {
    std::fill(sum_to.begin(), sum_to.end(), 0.0);
    for (Eigen::Index j = 0; j < n; ++j) sum_to[lab[j]] += distance(i, j);
    const int own = lab[i];
    if (size[own] <= 1) continue;  // singleton cluster: s = 0
    const double a = sum_to[own] / (size[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < k; ++c)
      if (c != own) b = std::min(b, sum_to[c] / size[c]);
    const double denom = std::max(a, b);
    total += denom > 0 ? (b - a) / denom : 0.0;
  }
  return total / double(n);
}

}  // namespace

double silhouette_score(const Eigen::MatrixXd& X_in, const std::vector<int>& labels) {
  // Row-major, so each point is contiguous in the O(n^2) loop; the sums run in
  // the same index order as on the column-major input, so the bits are the same.
  const RowMatrix X = X_in;
  return silhouette(X.rows(), labels, [&](Eigen::Index i, Eigen::Index j) { return row_distance(X, i, j); });
}

Eigen::MatrixXd euclidean_distances(const Eigen::MatrixXd& X_in) {
  const RowMatrix X = X_in;
  const Eigen::Index n = X.rows();
  Eigen::MatrixXd D(n, n);
  // Symmetric to the bit ((a - b)^2 == (b - a)^2): half the work.
  for (Eigen::Index j = 0; j < n; ++j) {
    D(j, j) = row_distance(X, j, j);
    for (Eigen::Index i = j + 1; i < n; ++i) D(j, i) = D(i, j) = row_distance(X, i, j);
  }
  return D;
}

double silhouette_score_precomputed(const Eigen::MatrixXd& D, const std::vector<int>& labels) {
  if (D.rows() != D.cols() || D.rows() != static_cast<Eigen::Index>(labels.size()))
    throw Error("silhouette", "the distance matrix is not n x n for n labels");
  // Column i of the symmetric D is row i, and contiguous.
  return silhouette(D.rows(), labels, [&](Eigen::Index i, Eigen::Index j) { return D(j, i); });
}

double median_squared_distance(const Eigen::MatrixXd& X) {
  std::vector<double> d;
  d.reserve(static_cast<size_t>(X.rows()) * (X.rows() - 1) / 2);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = i + 1; j < X.rows(); ++j) {
      const double v = (X.row(i) - X.row(j)).squaredNorm();
      if (v > 0) d.push_back(v);
    }
  if (d.empty()) throw Error("MMD", "all points coincide; the median-heuristic bandwidth is undefined");
  const size_t m = d.size() / 2;
  std::nth_element(d.begin(), d.begin() + m, d.end());
  if (d.size() % 2) return d[m];
  const double upper = d[m];
  const double lower = *std::max_element(d.begin(), d.begin() + m);
  return (lower + upper) / 2.0;
}

double mmd2_biased(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, double median_sq) {
  if (A.rows() == 0 || B.rows() == 0) throw Error("MMD", "an empty sample");
  auto mean_kernel = [&](const Eigen::MatrixXd& P, const Eigen::MatrixXd& Q) {
    return (-squared_distances(P, Q).array() / median_sq).exp().mean();
  };
  return mean_kernel(A, A) + mean_kernel(B, B) - 2.0 * mean_kernel(A, B);
}

}  // namespace dynfault::evaluate
