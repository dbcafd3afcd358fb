#include "evaluate/pca.h"

#include <string>

#include "core/error.h"

namespace dynfault::evaluate {

PcaResult pca(const Eigen::MatrixXd& X, int k) {
  if (k < 1 || k > std::min(X.rows(), X.cols()))
    throw Error("PCA", std::to_string(k) + " components need at least as many rows and columns");
  const Eigen::MatrixXd Xc = X.rowwise() - X.colwise().mean();
  Eigen::BDCSVD<Eigen::MatrixXd> svd(Xc, Eigen::ComputeThinU | Eigen::ComputeThinV);
  Eigen::MatrixXd U = svd.matrixU();
  Eigen::MatrixXd V = svd.matrixV();
  const Eigen::VectorXd& S = svd.singularValues();
  for (Eigen::Index c = 0; c < U.cols(); ++c) {
    Eigen::Index at;
    U.col(c).cwiseAbs().maxCoeff(&at);
    if (U(at, c) < 0) {
      U.col(c) *= -1;
      V.col(c) *= -1;
    }
  }
  PcaResult r;
  r.coordinates = U.leftCols(k) * S.head(k).asDiagonal();
  r.components = V.leftCols(k).transpose();
  const double total = S.squaredNorm();
  r.explained_variance_ratio = (S.head(k).array().square() / total).matrix();
  return r;
}

}  // namespace dynfault::evaluate
