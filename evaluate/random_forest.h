#pragma once
// Random forests with scikit-learn's RandomForestClassifier settings, grown by
// OpenCV's cv::ml::RTrees in libdynfault_forest.so (forest/forest_abi.h),
// loaded on first use from next to the dynfault binary, else the build tree's
// evaluate/forest/, or $DYNFAULT_FOREST_LIBRARY.
//
// Mapping (docs/peers.md): bootstrap sample of n rows per tree, Gini splits,
// max_features features drawn per split, exactly n_estimators trees (one
// RTrees model of one tree each, no OOB early stop), min_samples_split s and
// min_samples_leaf L -> setMinSampleCount(max(s, 2L) - 1) (OpenCV: n <= count stays a leaf; 2L is
// the smallest node a split into leaves of L can leave), max_depth -> setMaxDepth (OpenCV caps it at
// 25: None means 25). Tree t of a fit is seeded with derive_seed(seed, "tree/<t>") through
// cv::theRNG(), so a fit is a pure function of (data, settings, seed).
// Columns constant on the training rows are dropped before OpenCV sees them,
// max_features still computed from every column: sklearn never splits on a
// constant feature and draws another, while OpenCV's node would become a leaf
// when its draw holds only constant features (still so for features constant
// within a node only: see docs/peers.md).
// Differences: probabilities are the share of tree votes (sklearn averages leaf
// class shares; equal for pure leaves), features are float32, predict is the
// first class with the most votes.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace dynfault::evaluate {

struct ForestSettings {
  int n_estimators = 100;
  int max_depth = 0;          // 0: None (grown until pure, capped at 25 by OpenCV)
  int max_features = 0;       // 0: sqrt(d) rounded down, as sklearn's "sqrt"
  int max_features_cap = 0;   // >0: min(cap, d) (DeepFD's max_features=60)
  int min_samples_split = 2;
  // RTrees has a minimum to split, not per leaf: a leaf minimum L maps to its necessary condition, a
  // node needs max(min_samples_split, 2L) samples to be split (min_split_samples()).
  int min_samples_leaf = 1;
  bool max_features_log2 = false;  // sklearn's "log2": max(1, int(log2(d)))
  int min_split_samples() const { return min_samples_split > 2 * min_samples_leaf ? min_samples_split : 2 * min_samples_leaf; }
};

// DEFault's detector grid (Fault_Detection.py): n_estimators {50, 100, 200}, max_depth {None, 10,
// 20, 30}, min_samples_split {2, 5, 10}, min_samples_leaf {1, 2, 4}, max_features {sqrt, log2}:
// 216 settings in GridSearchCV's order (ParameterGrid: keys sorted, the last varying fastest),
// which decides ties between equal scores (golden: tests/evaluate/golden/rf_grid.json).
std::vector<ForestSettings> default_forest_grid();

struct ForestModel {
  std::vector<int> classes;  // sorted
  Eigen::MatrixXd votes_share(const Eigen::MatrixXd& X) const;  // n x classes
  // Training data kept: OpenCV trees are grown and used inside one library call.
  ForestSettings settings;
  uint64_t seed = 0;
  Eigen::MatrixXf X_train;     // the kept columns only
  std::vector<int> kept;       // columns of the input not constant on the training rows
  int input_columns = 0;
  std::vector<int32_t> y_train;  // codes into classes
};

ForestModel fit_forest(const Eigen::MatrixXd& X, const std::vector<int>& y, const ForestSettings& settings,
                       uint64_t seed);

// max_features actually used for d features.
int forest_max_features(const ForestSettings& s, int d);

// Path of the library that would be loaded, and whether it loads (for messages and tests).
std::string forest_library_path();
void require_forest_library();  // throws dynfault::Error naming the path when it cannot load

}  // namespace dynfault::evaluate
