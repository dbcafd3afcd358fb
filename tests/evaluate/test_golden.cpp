// The numerical core against scikit-learn 1.2 (golden files written by
// scripts/golden/sklearn_golden.py with Debian's python3-sklearn 1.2.1).
#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "evaluate/bootstrap.h"
#include "evaluate/classifier.h"
#include "evaluate/random_forest.h"
#include "evaluate/logistic.h"
#include "evaluate/metrics.h"
#include "evaluate/numpy_compat.h"
#include "evaluate/preprocess.h"
#include "evaluate/separation.h"
#include "evaluate/splits.h"

using namespace dynfault::evaluate;
using nlohmann::json;

namespace {

json golden(const std::string& name) {
  std::ifstream in(std::string(DYNFAULT_SOURCE_DIR) + "/tests/evaluate/golden/" + name + ".json");
  EXPECT_TRUE(in.good()) << name;
  json j = json::parse(in);
  EXPECT_EQ(j["sklearn"].get<std::string>().substr(0, 3), "1.2");
  return j["cases"];
}

Eigen::MatrixXd matrix(const json& rows) {
  Eigen::MatrixXd m(rows.size(), rows.empty() ? 0 : rows[0].size());
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j)
      m(i, j) = rows[i][j].is_null() ? std::nan("") : rows[i][j].get<double>();
  return m;
}

// Labels may be ints or strings; codes follow the sorted order (sklearn's classes_).
std::vector<int> codes(const json& labels, const json& classes) {
  std::vector<int> out;
  for (const auto& l : labels)
    for (size_t c = 0; c < classes.size(); ++c)
      if (classes[c] == l) out.push_back(static_cast<int>(c));
  return out;
}

}  // namespace

TEST(Golden, LogisticRegressionMatchesTightSklearnFit) {
  for (const auto& c : golden("logistic")) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Eigen::MatrixXd X = matrix(c["X"]);
    const std::vector<int> y = codes(c["y"], c["classes"]);
    ASSERT_EQ(y.size(), static_cast<size_t>(X.rows()));
    LogisticOptions opt;
    opt.balanced = !c.contains("unbalanced");
    const LogisticModel m = fit_logistic_ovr(X, y, opt);
    const Eigen::MatrixXd coef = matrix(c["coef"]);
    ASSERT_EQ(m.coef.rows(), coef.rows());
    ASSERT_EQ(m.coef.cols(), coef.cols());
    for (Eigen::Index i = 0; i < coef.rows(); ++i) {
      for (Eigen::Index j = 0; j < coef.cols(); ++j) EXPECT_NEAR(m.coef(i, j), coef(i, j), 1e-6);
      EXPECT_NEAR(m.intercept(i), c["intercept"][i].get<double>(), 1e-6);
    }
    const Eigen::MatrixXd p = m.predict_proba(X), expected = matrix(c["proba"]);
    EXPECT_LT((p - expected).cwiseAbs().maxCoeff(), 1e-8);
    const std::vector<int> predicted = m.predict(X), want = codes(c["predict"], c["classes"]);
    EXPECT_EQ(predicted, want);
  }
}

TEST(Golden, DocumentedTinyProblem) {
  // evaluation-semantics.md: tol=1e-10 answers 0.76705459 / -1.91763596 (lbfgs, ~1e-6 from the optimum).
  Eigen::MatrixXd X(6, 1);
  X << 0, 1, 2, 3, 4, 5;
  LogisticOptions opt;
  opt.balanced = false;
  const auto m = fit_logistic_ovr(X, {0, 0, 1, 0, 1, 1}, opt);
  EXPECT_NEAR(m.coef(0, 0), 0.76705459, 2e-6);
  EXPECT_NEAR(m.intercept(0), -1.91763596, 2e-6);
  EXPECT_THROW(fit_logistic_ovr(X, {1, 1, 1, 1, 1, 1}), dynfault::Error);
}

TEST(Golden, Metrics) {
  int checked = 0;
  for (const auto& c : golden("metrics")) {
    const std::string kind = c["kind"];
    if (kind == "binary") {
      const auto y = c["y"].get<std::vector<int>>();
      const auto s = c["score"].get<std::vector<double>>();
      EXPECT_NEAR(roc_auc(y, s), c["roc_auc"].get<double>(), 1e-12);
      EXPECT_NEAR(average_precision(y, s), c["average_precision"].get<double>(), 1e-12);
    } else if (kind == "multiclass") {
      const auto y = c["y"].get<std::vector<int>>();
      const auto pred = c["pred"].get<std::vector<int>>();
      const Eigen::MatrixXd P = matrix(c["proba"]);
      EXPECT_NEAR(roc_auc_macro(y, P), c["roc_auc_ovr_macro"].get<double>(), 1e-12);
      EXPECT_NEAR(average_precision_macro(y, P), c["average_precision_macro"].get<double>(), 1e-12);
      EXPECT_NEAR(balanced_accuracy(y, pred), c["balanced_accuracy"].get<double>(), 1e-12);
      EXPECT_NEAR(accuracy(y, pred), c["accuracy"].get<double>(), 1e-12);
    } else {
      EXPECT_NEAR(balanced_accuracy(c["y"].get<std::vector<int>>(), c["pred"].get<std::vector<int>>()),
                  c["balanced_accuracy"].get<double>(), 1e-12);
    }
    ++checked;
  }
  EXPECT_GE(checked, 10);
  EXPECT_THROW(roc_auc({1, 1, 1}, {0.1, 0.2, 0.3}), dynfault::Error);  // sklearn 1.2 raises
  EXPECT_TRUE(std::signbit(average_precision({0, 0}, {0.1, 0.2})));      // -0.0 without positives
}

TEST(Golden, StratifiedKFoldWithAndWithoutShuffle) {
  int shuffled = 0;
  for (const auto& c : golden("splits")) {
    if (c["kind"] != "stratified") continue;
    const auto y = c["y"].get<std::vector<int>>();
    const int k = c["n_splits"];
    EXPECT_EQ(stratified_kfold(y, k, std::nullopt, "test"), c["fold_noshuffle"].get<std::vector<int>>());
    for (const auto& s : c["shuffled"]) {
      EXPECT_EQ(stratified_kfold(y, k, s["seed"].get<uint32_t>(), "test"), s["fold"].get<std::vector<int>>())
          << "seed " << s["seed"];
      ++shuffled;
    }
  }
  EXPECT_GE(shuffled, 16);
  EXPECT_THROW(stratified_kfold({0, 0, 1, 1}, 3, std::nullopt, "test"), dynfault::Error);
}

TEST(Golden, GroupKFoldIncludingTiesBeyondSixteenGroups) {
  int cases = 0;
  for (const auto& c : golden("splits")) {
    if (c["kind"] == "group") {
      std::vector<std::string> groups;
      for (const auto& g : c["groups"]) groups.push_back(std::to_string(g.get<int>()));
      // sklearn sorted the numeric ids; zero-pad so string order equals numeric order.
      for (auto& g : groups) g = std::string(8 - g.size(), '0') + g;
      EXPECT_EQ(group_kfold(groups, c["n_splits"], "test"), c["fold"].get<std::vector<int>>());
      ++cases;
    } else if (c["kind"] == "argsort") {
      EXPECT_EQ(numpy_argsort(c["values"].get<std::vector<int64_t>>()), c["order"].get<std::vector<int64_t>>());
    }
  }
  EXPECT_EQ(cases, 4);
  EXPECT_THROW(group_kfold({"a", "b"}, 5, "test"), dynfault::Error);
}

TEST(Golden, ImputerScalerPercentile) {
  const json c = golden("preprocess");
  const Eigen::MatrixXd X = matrix(c["X"]);
  const int fit_rows = c["fit_rows"];
  MedianImputer imp;
  imp.fit(X.topRows(fit_rows));
  const Eigen::MatrixXd Xi = imp.transform(X);
  const Eigen::MatrixXd want_i = matrix(c["imputed"]);
  ASSERT_EQ(Xi.cols(), want_i.cols());  // the all-missing column is dropped
  EXPECT_LT((Xi - want_i).cwiseAbs().maxCoeff(), 1e-12);
  StandardScaler sc;
  sc.fit(Xi.topRows(fit_rows));
  for (Eigen::Index j = 0; j < Xi.cols(); ++j) {
    EXPECT_NEAR(sc.mean()(j), c["scaler_mean"][j].get<double>(), 1e-12);
    EXPECT_NEAR(sc.scale()(j), c["scaler_scale"][j].get<double>(), 1e-12);
  }
  EXPECT_LT((sc.transform(Xi) - matrix(c["scaled"])).cwiseAbs().maxCoeff(), 1e-12);
  const auto q = c["percentile_input"].get<std::vector<double>>();
  for (const auto& [p, v] : c["percentiles"].items()) EXPECT_DOUBLE_EQ(percentile(q, std::stod(p)), v.get<double>());
}

TEST(Golden, SilhouetteAndMmd) {
  for (const auto& c : golden("cluster")) {
    if (c["kind"] == "silhouette") {
      const Eigen::MatrixXd X = matrix(c["X"]);
      const auto labels = c["labels"].get<std::vector<int>>();
      EXPECT_NEAR(silhouette_score(X, labels), c["value"].get<double>(), 1e-10);
      // From the distance matrix: the very same bits (RQ2 scores its K sweep that way).
      EXPECT_EQ(silhouette_score_precomputed(euclidean_distances(X), labels), silhouette_score(X, labels));
    } else {
      const Eigen::MatrixXd A = matrix(c["A"]), B = matrix(c["B"]);
      Eigen::MatrixXd P(A.rows() + B.rows(), A.cols());
      P << A, B;
      const double med = median_squared_distance(P);
      EXPECT_NEAR(med, c["median_sq_distance"].get<double>(), 1e-12);
      EXPECT_NEAR(mmd2_biased(A, B, med), c["mmd2"].get<double>(), 1e-12);
    }
  }
  EXPECT_THROW(silhouette_score(Eigen::MatrixXd::Zero(3, 2), {0, 0, 0}), dynfault::Error);
}

TEST(Bootstrap, ClusterResampleRedrawsDegenerateDraws) {
  // Class 1 lives in one program of five: many resamples miss it and are redrawn.
  const std::vector<std::vector<int>> rows = {{0, 1}, {2, 3}, {4}, {5}, {6}};
  const std::vector<int> y = {0, 0, 0, 0, 0, 0, 1};
  int redraws = 0;
  for (int b = 0; b < 200; ++b) {
    UnitRng rng(1000 + b);
    const auto r = draw_cluster_resample(rng, rows, y, 2, "test");
    EXPECT_EQ(r.programs.size(), 5u);
    EXPECT_NE(std::find(r.programs.begin(), r.programs.end(), 4), r.programs.end());
    redraws += r.redraws;
    UnitRng again(1000 + b);
    EXPECT_EQ(draw_cluster_resample(again, rows, y, 2, "test").rows, r.rows);  // deterministic per identity
  }
  EXPECT_GT(redraws, 0);
  const Interval iv = percentile_interval({1, 2, 3, 4, 5}, 50);
  EXPECT_DOUBLE_EQ(iv.low, 2.0);
  EXPECT_DOUBLE_EQ(iv.high, 4.0);
}

TEST(Metrics, WeightedScoringEqualsDuplicatedRows) {
  // Cluster-bootstrap weights (draw counts) must give exactly the metrics of the
  // resample with rows duplicated.
  const json cases = golden("metrics");
  for (const auto& c : cases) {
    if (c["kind"] != "multiclass") continue;
    const auto y = c["y"].get<std::vector<int>>();
    const Eigen::MatrixXd P = matrix(c["proba"]);
    const ScoredPredictions scored(y, P, argmax_rows(P));
    std::vector<double> weight(y.size());
    std::vector<int> rows;
    for (size_t i = 0; i < y.size(); ++i) {
      weight[i] = double((i * 7) % 4);  // 0..3 copies
      for (int k = 0; k < weight[i]; ++k) rows.push_back(static_cast<int>(i));
    }
    std::vector<int> y_dup;
    for (int r : rows) y_dup.push_back(y[r]);
    const Eigen::MatrixXd P_dup = take_rows(P, rows);
    const ScoredPredictions duplicated(y_dup, P_dup, argmax_rows(P_dup));
    const MetricSet& set = metric_set("diagnosis");
    const auto expected = eval_metrics(set, duplicated, std::vector<double>(y_dup.size(), 1.0));
    const auto got = eval_metrics(set, scored, weight);
    for (size_t m = 0; m < set.size(); ++m) EXPECT_EQ(got[m], expected[m]) << set[m]->name();
    EXPECT_NEAR(find_metric("roc_auc").eval(scored), c["roc_auc_ovr_macro"].get<double>(), 1e-12);
  }
}

TEST(Golden, PredictIsTheArgmaxOfTheDecisionFunction) {
  // Two one-vs-rest sigmoids saturate at 1.0, so predict_proba ties at [0.5, 0.5]
  // (as run 37624102_Hyperparameter_0002 of the Deep4ge sample with every channel);
  // sklearn's predict takes the larger margin, not the first tied probability.
  const json c = golden("saturated")[0];
  const auto y = c["y"].get<std::vector<int>>();
  const auto model = classifiers().make("logistic_regression");
  model->fit(matrix(c["X"]), y);
  const Eigen::MatrixXd X_test = matrix(c["X_test"]);
  const auto predicted = model->predict(X_test);
  const auto by_proba = argmax_rows(model->predict_proba(X_test));
  const auto expected = c["predict"].get<std::vector<int>>();
  ASSERT_EQ(predicted.size(), expected.size());
  ASSERT_GE(expected.size(), 10u);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(predicted[i], expected[i]) << i;
    EXPECT_NE(by_proba[i], expected[i]) << i;  // the case is one where the two rules differ
  }
}

// --rf-grid searches DEFault's whole grid in GridSearchCV's order, which breaks its ties.
TEST(Golden, DefaultForestGridIsParameterGridOrder) {
  const json want = golden("rf_grid")[0]["default_grid"];
  const std::vector<ForestSettings> grid = default_forest_grid();
  ASSERT_EQ(grid.size(), want.size());
  ASSERT_EQ(grid.size(), 216u);
  for (size_t i = 0; i < grid.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(grid[i].max_depth, want[i]["max_depth"].get<int>());
    EXPECT_EQ(grid[i].max_features_log2, want[i]["max_features"] == "log2");
    EXPECT_EQ(grid[i].min_samples_leaf, want[i]["min_samples_leaf"].get<int>());
    EXPECT_EQ(grid[i].min_samples_split, want[i]["min_samples_split"].get<int>());
    EXPECT_EQ(grid[i].n_estimators, want[i]["n_estimators"].get<int>());
  }
  // The leaf minimum's necessary condition on the node to split: max(split, 2 leaf).
  ForestSettings s;
  s.min_samples_split = 5;
  s.min_samples_leaf = 2;
  EXPECT_EQ(s.min_split_samples(), 5);
  s.min_samples_leaf = 4;
  EXPECT_EQ(s.min_split_samples(), 8);
}
