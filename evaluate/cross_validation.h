#pragma once
// One cross-validation fold of the diagnosis pipeline, as scikit-learn's
//   make_pipeline(SimpleImputer('median'), StandardScaler(),
//                 LogisticRegression(C=1, class_weight='balanced', multi_class='ovr'))
// fitted on the training rows of already clipped features (features.h), and
// its predict_proba on the test rows. Columns are the task's classes; a class
// absent from the training split gets probability 0 (as cross_val_predict does).
#include <vector>

#include <Eigen/Dense>

namespace dynfault::evaluate {

Eigen::MatrixXd fit_predict_fold(const Eigen::MatrixXd& X, const std::vector<int>& y, int n_classes,
                                 const std::vector<int>& train, const std::vector<int>& test);

// Per-group z-normalisation (Table V): each feature minus its group mean,
// divided by its group population std (0 where the std is 0), over the
// non-missing values of the group; NaN stays NaN.
Eigen::MatrixXd normalise_within_groups(const Eigen::MatrixXd& X, const std::vector<int>& group);

}  // namespace dynfault::evaluate
