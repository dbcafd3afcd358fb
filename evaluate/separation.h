#pragma once
// How separable groups of runs are: silhouette (sklearn.metrics.silhouette_score,
// euclidean, all samples) and the squared maximum mean discrepancy with an RBF
// kernel (Gretton et al. 2012).
//
// MMD convention (stated in docs/evaluate.md): the biased V-statistic
//   MMD_b^2 = mean(Kxx) + mean(Kyy) - 2 mean(Kxy)   (diagonals included, >= 0)
// with k(x, y) = exp(-||x - y||^2 / m), m = median of the positive pairwise
// squared distances of the pooled sample (Gretton's reference code:
// sigma^2 = m / 2 in exp(-d^2 / (2 sigma^2))), here over every pooled point.
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace dynfault::evaluate {

// labels: any ints; needs 2 <= distinct labels <= n - 1 (throws otherwise).
double silhouette_score(const Eigen::MatrixXd& X, const std::vector<int>& labels);

// The n x n Euclidean distances between the rows of X, and the silhouette from them
// (sklearn's metric='precomputed'): the same bits as silhouette_score(X, labels), for scoring
// many labelings of one X (RQ2's K sweep) at O(n^2) each instead of O(n^2 d).
Eigen::MatrixXd euclidean_distances(const Eigen::MatrixXd& X);
double silhouette_score_precomputed(const Eigen::MatrixXd& D, const std::vector<int>& labels);

// Median of the positive squared distances between rows of X (upper triangle).
double median_squared_distance(const Eigen::MatrixXd& X);

// Squared distance matrix between the rows of A and B.
Eigen::MatrixXd squared_distances(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B);

// Biased MMD^2 between row sets A and B with k = exp(-d^2 / median_sq).
double mmd2_biased(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, double median_sq);

}  // namespace dynfault::evaluate
