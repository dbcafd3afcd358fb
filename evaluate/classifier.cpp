#include "evaluate/classifier.h"

#include <map>
#include <optional>
#include <set>

#include "core/seed.h"
#include "evaluate/logistic.h"
#include "evaluate/metrics.h"
#include "evaluate/preprocess.h"
#include "evaluate/random_forest.h"
#include "evaluate/splits.h"

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

// DEFault's detector grid search (Fault_Detection.py: GridSearchCV(cv=5), default
// scoring = accuracy) over default_forest_grid()'s 216 settings, each scored by the
// mean accuracy over StratifiedKFold(5) of the training split, the best (first in
// grid order on ties, as GridSearchCV's rank) refitted on all of it. min_samples_leaf
// is mapped as random_forest.h says (docs/peers.md).
class RandomForestGrid : public Classifier {
 public:
  void set_seed(uint64_t seed) override { seed_ = seed; }
  void fit(const Eigen::MatrixXd& X, const std::vector<int>& y) override {
    std::map<int, int> counts;
    for (int c : y) ++counts[c];
    int smallest = static_cast<int>(y.size());
    for (const auto& [c, n] : counts) smallest = std::min(smallest, n);
    // sklearn warns and still splits when a class has fewer than 5 members; we
    // use as many inner folds as the smallest class allows (at least 2).
    const int inner = std::min(5, smallest);
    const std::vector<ForestSettings> settings = default_forest_grid();
    size_t best = 0;
    if (inner >= 2) {
      const std::vector<int> fold = stratified_kfold(y, inner, std::nullopt, "--rf-grid (inner folds)");
      double best_score = -1;
      for (size_t g = 0; g < settings.size(); ++g) {
        double score = 0;
        for (int f = 0; f < inner; ++f) {
          std::vector<int> train, test;
          for (size_t i = 0; i < y.size(); ++i) (fold[i] == f ? test : train).push_back(static_cast<int>(i));
          std::vector<int> y_train, y_test;
          for (int i : train) y_train.push_back(y[static_cast<size_t>(i)]);
          for (int i : test) y_test.push_back(y[static_cast<size_t>(i)]);
          std::set<int> present(y_train.begin(), y_train.end());
          if (present.size() < 2) continue;  // scores 0 for this fold
          const ForestModel m = fit_forest(take_rows(X, train), y_train, settings[g],
                                           derive_seed(seed_, "grid/" + std::to_string(g) + "/" + std::to_string(f)));
          const Eigen::MatrixXd p = m.votes_share(take_rows(X, test));
          std::vector<int> predicted(y_test.size());
          for (Eigen::Index i = 0; i < p.rows(); ++i) {
            Eigen::Index at = 0;
            p.row(i).maxCoeff(&at);
            predicted[static_cast<size_t>(i)] = m.classes[static_cast<size_t>(at)];
          }
          score += accuracy(y_test, predicted);
        }
        score /= inner;
        if (score > best_score) {
          best_score = score;
          best = g;
        }
      }
    }
    chosen_ = settings[best];
    forest_.emplace(chosen_);
    forest_->set_seed(seed_);
    forest_->fit(X, y);
  }
  const std::vector<int>& classes() const override { return forest_->classes(); }
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& X) const override { return forest_->predict_proba(X); }
  Eigen::MatrixXd decision_function(const Eigen::MatrixXd& X) const override { return forest_->decision_function(X); }
  std::vector<int> predict(const Eigen::MatrixXd& X) const override { return forest_->predict(X); }

 private:
  uint64_t seed_ = 0;
  ForestSettings chosen_;
  std::optional<RandomForest> forest_;
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
    r.add("random_forest_default_grid",
          "DEFault's GridSearchCV(cv=5) over its 216 forests, best refitted (--rf-grid)",
          [] { return std::make_unique<RandomForestGrid>(); });
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
