#include "evaluate/classifier.h"

#include "evaluate/logistic.h"
#include "evaluate/preprocess.h"

namespace dynfault::evaluate {
namespace {

class LogisticRegression : public Classifier {
 public:
  void fit(const Eigen::MatrixXd& X, const std::vector<int>& y) override { model_ = fit_logistic_ovr(X, y); }
  const std::vector<int>& classes() const override { return model_.classes; }
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& X) const override { return model_.predict_proba(X); }
  Eigen::MatrixXd decision_function(const Eigen::MatrixXd& X) const override { return model_.decision_function(X); }
  std::vector<int> predict(const Eigen::MatrixXd& X) const override { return model_.predict(X); }

 private:
  LogisticModel model_;
};

}  // namespace

const Registry<Classifier>& classifiers() {
  static const Registry<Classifier> registry = [] {
    Registry<Classifier> r("classifier");
    r.add("logistic_regression", "LogisticRegression(C=1, class_weight='balanced', multi_class='ovr'), exact optimum",
          [] { return std::make_unique<LogisticRegression>(); });
    return r;
  }();
  return registry;
}

FoldPrediction fit_predict_fold(const std::string& classifier, const Eigen::MatrixXd& X, const std::vector<int>& y,
                                int n_classes, const std::vector<int>& train, const std::vector<int>& test) {
  const Eigen::MatrixXd X_train_raw = take_rows(X, train);
  MedianImputer imputer;
  imputer.fit(X_train_raw);
  Eigen::MatrixXd X_train = imputer.transform(X_train_raw);
  Eigen::MatrixXd X_test = imputer.transform(take_rows(X, test));
  StandardScaler scaler;
  scaler.fit(X_train);
  scaler.transform_in_place(X_train);
  scaler.transform_in_place(X_test);
  std::vector<int> y_train(train.size());
  for (size_t i = 0; i < train.size(); ++i) y_train[i] = y[train[i]];
  const auto model = classifiers().make(classifier);
  model->fit(X_train, y_train);
  const Eigen::MatrixXd p = model->predict_proba(X_test);
  FoldPrediction out;
  out.proba = Eigen::MatrixXd::Zero(p.rows(), n_classes);
  for (size_t c = 0; c < model->classes().size(); ++c) out.proba.col(model->classes()[c]) = p.col(c);
  out.predicted = model->predict(X_test);  // sklearn's predict: argmax of the decision function
  return out;
}

}  // namespace dynfault::evaluate
