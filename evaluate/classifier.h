#pragma once
// Classifiers by name, behind one small interface (fit / predict_proba /
// decision_function / predict), and one cross-validation fold of the pipeline
//   clip (features.h) -> SimpleImputer('median') -> StandardScaler -> classifier
// fitted on the training rows only.
//   logistic_regression  LogisticRegression(C=1, class_weight='balanced', multi_class='ovr'), logistic.h
//   random_forest_default  RandomForestClassifier() defaults: 100 trees, max_features sqrt, depth None (DEFault)
//   random_forest_deepfd   RandomForestClassifier(n_estimators=32, max_depth=10, max_features=min(60, d)) (DeepFD)
//                          both OpenCV RTrees, loaded on first use (random_forest.h)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "evaluate/registry.h"

namespace dynfault::evaluate {

class Classifier {
 public:
  virtual ~Classifier() = default;
  // y holds class codes (any ints); throws dynfault::Error for fewer than two classes.
  virtual void fit(const Eigen::MatrixXd& X, const std::vector<int>& y) = 0;
  // Randomised classifiers draw from this seed (set before fit; the engine derives
  // it from the work unit's identity); deterministic ones ignore it.
  virtual void set_seed(uint64_t) {}
  virtual const std::vector<int>& classes() const = 0;                         // sorted, seen in training
  virtual Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& X) const = 0;    // n x classes()
  virtual Eigen::MatrixXd decision_function(const Eigen::MatrixXd& X) const = 0;
  // sklearn's predict: the class of the largest decision value (binary: > 0).
  virtual std::vector<int> predict(const Eigen::MatrixXd& X) const = 0;
};

const Registry<Classifier>& classifiers();

// Out-of-fold output of one fold: probabilities over the task's n_classes
// columns (a class absent from the training split gets 0, as cross_val_predict)
// and the predicted class codes (Classifier::predict: where two one-vs-rest
// sigmoids saturate at 1.0 the probabilities tie and the larger margin wins).
struct FoldPrediction {
  Eigen::MatrixXd proba;
  std::vector<int> predicted;
};

FoldPrediction fit_predict_fold(const std::string& classifier, const Eigen::MatrixXd& X, const std::vector<int>& y,
                                int n_classes, const std::vector<int>& train, const std::vector<int>& test,
                                uint64_t seed = 0);

}  // namespace dynfault::evaluate
