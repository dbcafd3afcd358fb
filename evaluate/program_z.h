#pragma once
// Per-group z-normalisation (Table V): each feature minus its group mean,
// divided by its group population std (0 where the std is 0), over the
// non-missing values of the group; NaN stays NaN.
#include <vector>

#include <Eigen/Dense>

namespace dynfault::evaluate {

Eigen::MatrixXd normalise_within_groups(const Eigen::MatrixXd& X, const std::vector<int>& group);

}  // namespace dynfault::evaluate
