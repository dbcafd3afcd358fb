#include "evaluate/classifier.h"

#include "evaluate/logistic.h"
#include "evaluate/preprocess.h"
#include "evaluate/random_forest.h"

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

class RandomForest : public Classifier {
 public:
  explicit RandomForest(ForestSettings settings) : settings_(settings) {}
  void set_seed(uint64_t seed) override { seed_ = seed; }
  void fit(const Eigen::MatrixXd& X, const std::vector<int>& y) override {
    model_ = fit_forest(X, y, settings_, seed_);
    cached_input_.resize(0, 0);
  }
  const std::vector<int>& classes() const override { return model_.classes; }
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& X) const override {
    // fit_predict_fold asks for probabilities and classes of the same rows: grow the trees once.
    if (cached_input_.rows() != X.rows() || cached_input_.cols() != X.cols() || cached_input_ != X) {
      cached_input_ = X;
      cached_votes_ = model_.votes_share(X);
    }
    return cached_votes_;
  }
  Eigen::MatrixXd decision_function(const Eigen::MatrixXd& X) const override { return predict_proba(X); }
  std::vector<int> predict(const Eigen::MatrixXd& X) const override {
    const Eigen::MatrixXd p = predict_proba(X);
    std::vector<int> out(static_cast<size_t>(p.rows()));
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      Eigen::Index best = 0;
      p.row(i).maxCoeff(&best);  // first maximum, as numpy's argmax
      out[static_cast<size_t>(i)] = model_.classes[static_cast<size_t>(best)];
    }
    return out;
  }

 private:
  ForestSettings settings_;
  uint64_t seed_ = 0;
  ForestModel model_;
  mutable Eigen::MatrixXd cached_input_, cached_votes_;
};

ForestSettings default_forest() { return {}; }  // sklearn's defaults, DEFault's detector
ForestSettings deepfd_forest() {
  ForestSettings s;
  s.n_estimators = 32;
  s.max_depth = 10;
  s.max_features_cap = 60;
  return s;
}

}  // namespace

const Registry<Classifier>& classifiers() {
  static const Registry<Classifier> registry = [] {
    Registry<Classifier> r("classifier");
    r.add("logistic_regression", "LogisticRegression(C=1, class_weight='balanced', multi_class='ovr'), exact optimum",
          [] { return std::make_unique<LogisticRegression>(); });
    r.add("random_forest_default", "RandomForestClassifier() defaults (DEFault): 100 trees, sqrt features, depth None (25)",
          [] { return std::make_unique<RandomForest>(default_forest()); });
    r.add("random_forest_deepfd", "RandomForestClassifier(32 trees, max_depth=10, max_features=min(60, d)) (DeepFD)",
          [] { return std::make_unique<RandomForest>(deepfd_forest()); });
    return r;
  }();
  return registry;
}

FoldPrediction fit_predict_fold(const std::string& classifier, const Eigen::MatrixXd& X, const std::vector<int>& y,
                                int n_classes, const std::vector<int>& train, const std::vector<int>& test,
                                uint64_t seed) {
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
  model->set_seed(seed);
  model->fit(X_train, y_train);
  const Eigen::MatrixXd p = model->predict_proba(X_test);
  FoldPrediction out;
  out.proba = Eigen::MatrixXd::Zero(p.rows(), n_classes);
  for (size_t c = 0; c < model->classes().size(); ++c) out.proba.col(model->classes()[c]) = p.col(c);
  out.predicted = model->predict(X_test);  // sklearn's predict: argmax of the decision function
  return out;
}

}  // namespace dynfault::evaluate
