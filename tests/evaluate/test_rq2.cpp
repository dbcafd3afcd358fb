// k-means, PCA and PR curves against scikit-learn 1.2 (golden files), and RQ2
// on synthetic corpora with planted explosions and known answers.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/corpus.h"
#include "core/error.h"
#include "evaluate/analysis.h"
#include "evaluate/clustering.h"
#include "evaluate/metrics.h"
#include "evaluate/pca.h"
#include "evaluate/rq2.h"
#include "evaluate/separation.h"
#include "synthetic_corpus.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::evaluate;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json golden(const std::string& name) {
  std::ifstream in(std::string(DYNFAULT_SOURCE_DIR) + "/tests/evaluate/golden/" + name + ".json");
  EXPECT_TRUE(in.good()) << name;
  return json::parse(in)["cases"];
}

Eigen::MatrixXd matrix(const json& rows) {
  Eigen::MatrixXd m(rows.size(), rows.empty() ? 0 : rows[0].size());
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) m(i, j) = rows[i][j].get<double>();
  return m;
}


Rq2Options quick() {
  Rq2Options o;
  o.windows = {1, 3};
  o.bootstrap = 50;
  o.folds = 4;
  o.clusters = {2, 3, 4};
  o.triage_k = 2;
  o.restarts = 3;
  o.seed = 5;
  return o;
}

const DetectionRow& detection(const Rq2Results& r, int k, const std::string& variant, const std::string& split,
                              const std::string& metric) {
  for (const auto& d : r.detection)
    if (d.k == k && d.variant == variant && d.split == split && d.metric == metric) return d;
  throw std::runtime_error("no detection row");
}

}  // namespace

TEST(Golden, KMeansFromGivenCentresMatchesSklearn) {
  for (const auto& c : golden("kmeans")) {
    const Eigen::MatrixXd X = matrix(c["X"]);
    const Clustering k = kmeans_from(X, matrix(c["init"]));
    EXPECT_EQ(k.labels, c["labels"].get<std::vector<int>>()) << c["name"];
    EXPECT_NEAR(k.inertia, c["inertia"].get<double>(), 1e-10 * c["inertia"].get<double>()) << c["name"];
    EXPECT_EQ(k.iterations, c["n_iter"].get<int>()) << c["name"];
    EXPECT_LT((k.centres - matrix(c["centres"])).cwiseAbs().maxCoeff(), 1e-9) << c["name"];
    EXPECT_NEAR(silhouette_score(X, k.labels), c["silhouette"].get<double>(), 1e-9) << c["name"];
  }
}

TEST(Golden, KMeansPlusPlusReachesSklearnsOptimumWhereItIsClear) {
  const auto kmeans = clusterers().make("kmeans");
  for (const auto& c : golden("kmeans")) {
    if (c["name"] == "many") continue;  // no clear optimum: sklearn's own restarts miss the best one
    const Eigen::MatrixXd X = matrix(c["X"]);
    const Clustering k = cluster_best_of(*kmeans, X, c["K"].get<int>(), 10, 1, "test");
    const double expected = c["sklearn_seeded_inertia"].get<double>();
    EXPECT_NEAR(k.inertia, expected, 1e-6 * expected) << c["name"];
  }
  EXPECT_THROW(kmeans_plusplus(Eigen::MatrixXd::Zero(3, 2), 4, 1), Error);  // K larger than the runs
}

TEST(Golden, PcaMatchesSklearnWithSvdFlip) {
  for (const auto& c : golden("pca")) {
    const PcaResult p = pca(matrix(c["X"]), 2);
    EXPECT_LT((p.coordinates - matrix(c["coordinates"])).cwiseAbs().maxCoeff(), 1e-9);
    EXPECT_LT((p.components - matrix(c["components"])).cwiseAbs().maxCoeff(), 1e-9);
    const auto ratio = c["explained_variance_ratio"].get<std::vector<double>>();
    EXPECT_NEAR(p.explained_variance_ratio(0), ratio[0], 1e-12);
    EXPECT_NEAR(p.explained_variance_ratio(1), ratio[1], 1e-12);
  }
}

TEST(Golden, PrecisionRecallCurveMatchesSklearn) {
  for (const auto& c : golden("pr_curve")) {
    const PrCurve pr = precision_recall_curve(c["y"].get<std::vector<int>>(), c["score"].get<std::vector<double>>());
    const auto precision = c["precision"].get<std::vector<double>>();
    const auto recall = c["recall"].get<std::vector<double>>();
    const auto thresholds = c["thresholds"].get<std::vector<double>>();
    ASSERT_EQ(pr.precision.size(), precision.size());
    ASSERT_EQ(pr.thresholds.size(), thresholds.size() + 1);  // sklearn has no threshold for the last point
    for (size_t i = 0; i < precision.size(); ++i) {
      EXPECT_NEAR(pr.precision[i], precision[i], 1e-15) << i;
      EXPECT_NEAR(pr.recall[i], recall[i], 1e-15) << i;
      if (i < thresholds.size()) {
        EXPECT_EQ(pr.thresholds[i], thresholds[i]) << i;
      }
    }
  }
}

TEST(Rq2, PlantedExplosionsSeparableCurvature) {
  synthetic::InstabilitySpec spec;
  const dynfault_test::TempDir dir;
  const std::string path = dir / "separable.h5";
  const auto truth = synthetic::write_instability_corpus(path, spec);
  const CorpusReader corpus(path);
  Engine engine(false);
  const Rq2Output out = run_rq2(corpus, quick(), engine);
  const Rq2Results& r = out.results;
  EXPECT_EQ(r.runs, static_cast<size_t>(truth.runs));
  EXPECT_EQ(r.cf_runs, r.runs);
  // Fig. 5a: thresholds 1e6, 1e3, 1e4.
  ASSERT_EQ(r.thresholds.size(), 3u);
  EXPECT_EQ(r.thresholds[0].unstable, static_cast<size_t>(truth.unstable_1e6));
  EXPECT_EQ(r.thresholds[0].at_epoch0, static_cast<size_t>(truth.at_epoch0_1e6));
  EXPECT_EQ(r.thresholds[0].by_epoch1, static_cast<size_t>(truth.at_epoch0_1e6));  // the late one explodes at 2
  EXPECT_EQ(r.thresholds[0].by_epoch.at(2), 1u);
  EXPECT_EQ(r.thresholds[0].non_finite, static_cast<size_t>(truth.non_finite));
  EXPECT_EQ(r.thresholds[1].unstable, static_cast<size_t>(truth.unstable_1e6 + truth.moderate));  // 1e3
  EXPECT_EQ(r.thresholds[2].unstable, static_cast<size_t>(truth.unstable_1e6));                  // 1e4
  // Table VI: the loss itself and the curvature detect; the accuracies alone do not.
  EXPECT_GT(detection(r, 1, "cf_no_loss", "heldout", "roc_auc").value.value, 0.95);
  EXPECT_LT(detection(r, 1, "baseline_no_loss", "heldout", "roc_auc").value.value, 0.8);
  EXPECT_GT(detection(r, 3, "baseline", "heldout", "roc_auc").value.value, 0.95);
  const Cell& ci = detection(r, 1, "cf", "heldout", "roc_auc").value;
  EXPECT_LE(ci.low, ci.value);
  EXPECT_GE(ci.high, ci.value);
  // Table VII: K = 2 separates the unstable runs; the terminate cluster is theirs.
  ASSERT_EQ(r.silhouettes.size(), 3u);
  EXPECT_GT(r.silhouettes[0].silhouette, 0.5);
  ASSERT_EQ(r.phenotypes.size(), 2u);
  for (const auto& p : r.phenotypes) EXPECT_EQ(p.instability_rate, p.terminate ? 1.0 : 0.0);
  EXPECT_EQ(r.pca.size(), r.cf_runs);
  // Algorithm 1: in-sample and LOPO find every unstable run with no false alarm.
  EXPECT_EQ(r.triage_in_sample.tp, static_cast<size_t>(truth.unstable_1e6));
  EXPECT_EQ(r.triage_in_sample.fp, 0u);
  EXPECT_EQ(r.triage_lopo.back().program, "all");
  EXPECT_EQ(r.triage_lopo.back().tp, static_cast<size_t>(truth.unstable_1e6));
  EXPECT_EQ(r.triage_lopo.back().fp, 0u);
  EXPECT_EQ(r.triage_lopo.size(), static_cast<size_t>(spec.programs) + 1);
  // Fig. 6: the top quintile of epoch-0 mean HVP holds the unstable runs.
  EXPECT_GT(r.quintiles[4].rate, 0.5);
  EXPECT_EQ(r.quintiles[0].unstable, 0u);
  // Fig. 7: unstable runs have larger ||Hv|| at every depth.
  for (const auto& d : r.depth)
    if (d.stable_runs && d.unstable_runs) {
      EXPECT_GT(d.unstable_median_log10 - d.stable_median_log10, 3.0);
    }
  // Fig. 9: curves end at (precision 1, recall 0).
  ASSERT_FALSE(r.pr_curves.empty());
  EXPECT_EQ(r.pr_curves.back().recall, 0.0);
  const auto files = render_rq2(r);
  for (const char* f : {"fig5a_summary.csv", "table6_detection.csv", "fig6_quintiles.csv", "fig7_layer_depth.csv",
                        "table7_silhouette.csv", "table7_phenotypes.csv", "fig8_pca.csv", "triage_lopo.csv",
                        "fig9_pr_curves.csv", "parts.csv", "run.json", "summary.md"})
    EXPECT_TRUE(files.count(f)) << f;
  // Deterministic.
  EXPECT_EQ(render_rq2(run_rq2(corpus, quick(), engine).results), files);
}

TEST(Rq2, CurvatureUnrelatedToInstabilityDoesNotTriage) {
  synthetic::InstabilitySpec spec;
  spec.separable = false;
  const dynfault_test::TempDir dir;
  const std::string path = dir / "noise.h5";
  synthetic::write_instability_corpus(path, spec);
  const CorpusReader corpus(path);
  Engine engine(false);
  const Rq2Results r = run_rq2(corpus, quick(), engine).results;
  EXPECT_LT(detection(r, 1, "cf_no_loss", "heldout", "roc_auc").value.value, 0.8);
  EXPECT_LT(r.triage_lopo.back().recall, 0.8);
}

TEST(Rq2, WithoutCurvatureTheCfPartsAreSkippedWithANote) {
  synthetic::InstabilitySpec spec;
  spec.curvature = false;
  const dynfault_test::TempDir dir;
  const std::string path = dir / "nocf.h5";
  synthetic::write_instability_corpus(path, spec);
  const CorpusReader corpus(path);
  Engine engine(false);
  const Rq2Results r = run_rq2(corpus, quick(), engine).results;
  EXPECT_EQ(r.notes.at("fig5a"), "");
  for (const char* p : {"fig6", "fig7", "table7", "triage", "fig9"}) EXPECT_EQ(r.notes.at(p).rfind("skipped", 0), 0u) << p;
  EXPECT_NE(r.notes.at("table6").find("+CF variants skipped"), std::string::npos);
  for (const auto& d : r.detection) EXPECT_TRUE(d.variant == "baseline" || d.variant == "baseline_no_loss");
  // Named explicitly, a part that cannot run is an error.
  Rq2Options o = quick();
  o.parts = {"table7"};
  EXPECT_THROW(run_rq2(corpus, o, engine), CannotRun);
}

TEST(Rq2, BadInputFailsWithOneClearLine) {
  synthetic::SyntheticCorpusSpec stable;  // no run explodes
  stable.extras = false;                  // (its extras hold a NaN val_loss: an explosion)
  const dynfault_test::TempDir dir;
  const std::string path = dir / "stable.h5";
  synthetic::write_synthetic_corpus(path, stable);
  Engine engine(false);
  {
    const CorpusReader corpus(path);
    EXPECT_THROW(run_rq2(corpus, quick(), engine), CannotRun);
  }
  synthetic::InstabilitySpec spec;
  const std::string ok = dir / "bad.h5";
  synthetic::write_instability_corpus(ok, spec);
  const CorpusReader corpus(ok);
  auto fails = [&](Rq2Options o, const std::string& needle) {
    try {
      run_rq2(corpus, o, engine);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  };
  Rq2Options o = quick();
  o.folds = 9;  // 8 programs
  fails(o, "fewer programs");
  o = quick();
  o.triage_k = 500;
  fails(o, "--triage-k");
  o = quick();
  o.thresholds = {};
  fails(o, "--thresholds");
  o = quick();
  o.parts = {"fig10"};
  fails(o, "--parts");
}

TEST(Analyses, RegistryIsGeneratedFromTheFolder) {
  std::set<std::string> names;
  for (const auto& [name, summary] : analyses().list()) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"peers", "rq1", "rq2", "rq3"}));
}
