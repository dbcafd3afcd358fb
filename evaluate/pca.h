#pragma once
// PCA with scikit-learn 1.2 semantics (svd_solver='full'): centre the columns,
// thin SVD X_c = U S V^T, svd_flip (u-based: each component's sign makes the
// largest-|.| entry of its U column positive), coordinates U_k S_k.
#include <Eigen/Dense>

namespace dynfault::evaluate {

struct PcaResult {
  Eigen::MatrixXd coordinates;       // n x k
  Eigen::MatrixXd components;        // k x d (rows of V^T)
  Eigen::VectorXd explained_variance_ratio;
};

PcaResult pca(const Eigen::MatrixXd& X, int components);

}  // namespace dynfault::evaluate
