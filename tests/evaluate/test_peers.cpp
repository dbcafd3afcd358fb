// Peer re-evaluation (evaluate/peers.h): rules that must / must not fire on
// planted traces, features with hand-computed values, the OpenCV random forest
// on separable data, and the Deep4ge sample end to end (skipped without ../shared).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "collect/csv_import.h"
#include "core/corpus.h"
#include "evaluate/analysis.h"
#include "evaluate/classifier.h"
#include "evaluate/peer_features.h"
#include "evaluate/peer_inputs.h"
#include "evaluate/peers.h"
#include "evaluate/random_forest.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::evaluate;
namespace fs = std::filesystem;

namespace {

// A hand-built table: one run per call of add_run, channels by name.
struct TableBuilder {
  RunTable table;
  explicit TableBuilder(std::vector<std::string> channels) {
    table.channels = channels;
    table.all_channels = channels;
  }
  void add_run(const std::string& id, const std::string& label, const std::vector<std::vector<double>>& columns,
               std::vector<LayerSeries> layers = {}, std::vector<bool> has = {}) {
    const size_t epochs = columns.empty() ? 0 : columns[0].size();
    Eigen::MatrixXd m(static_cast<Eigen::Index>(epochs), static_cast<Eigen::Index>(table.channels.size()));
    for (size_t c = 0; c < table.channels.size(); ++c)
      for (size_t e = 0; e < epochs; ++e) m(static_cast<Eigen::Index>(e), static_cast<Eigen::Index>(c)) = columns[c][e];
    table.series.push_back(m);
    table.has_channel.push_back(has.empty() ? std::vector<bool>(table.channels.size(), true) : has);
    table.layer_series.push_back(std::move(layers));
    table.runs.push_back({id, "p_" + id, label, epochs});
  }
};

LayerSeries layer_series(const std::string& name, size_t epochs, const std::vector<double>& per_layer) {
  LayerSeries s;
  s.name = name;
  for (size_t l = 0; l < per_layer.size(); ++l) s.layers.push_back("layer" + std::to_string(l));
  for (size_t e = 0; e < epochs; ++e) s.values.insert(s.values.end(), per_layer.begin(), per_layer.end());
  return s;
}

bool fires(const std::vector<PeerRule>& rules, const std::string& name, const RunInputs& run) {
  for (const auto& r : rules)
    if (r.name == name) return r.fires(run);
  ADD_FAILURE() << "no rule " << name;
  return false;
}

std::vector<double> ramp(size_t n, double from, double step) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = from + step * double(i);
  return v;
}

void use_built_forest_library() {
#ifdef DYNFAULT_FOREST_LIBRARY_PATH
  setenv("DYNFAULT_FOREST_LIBRARY", DYNFAULT_FOREST_LIBRARY_PATH, 1);
#endif
}

}  // namespace

TEST(PeerFeatures, PandasStatisticsMatchPandas) {
  // pandas / scipy (bias=False) on [1, 2, 4, 8].
  const auto s = pandas_statistics({1, 2, 4, 8});
  EXPECT_DOUBLE_EQ(s[0], 3.75);
  EXPECT_NEAR(s[1], 3.095695936834452, 1e-12);
  EXPECT_NEAR(s[2], 1.1376243669576889, 1e-12);
  EXPECT_DOUBLE_EQ(s[3], 3.0);
  EXPECT_NEAR(s[4], 9.583333333333334, 1e-12);
  EXPECT_NEAR(s[5], 1.547847968417226, 1e-12);
  EXPECT_DOUBLE_EQ(s[6], 8);
  EXPECT_DOUBLE_EQ(s[7], 1);
  const auto constant = pandas_statistics({2, 2, 2});
  EXPECT_DOUBLE_EQ(constant[2], 0.0);  // pandas: skew of a constant column is 0
  EXPECT_TRUE(std::isnan(pandas_statistics({5})[1]));  // ddof = 1 of one value
}

TEST(PeerFeatures, DefaultIsTheWindowMeanOfEachColumn) {
  const std::vector<std::string> cols = {"train_acc", "val_acc", "loss_oscillation", "sys_cpu_utilization"};
  TableBuilder b(cols);
  b.add_run("r0", "Layer", {{0.1, 0.2, 0.3, 0.4, 0.5, 0.9}, {0, 0, 0, 0, 1, 1}, {1, 0, 1, 0, 1, 1}, {10, 20, 30, 40, 50, 60}});
  const PeerFeatures f = default_features(b.table, 5);
  ASSERT_EQ(f.names.size(), 5u);  // 4 logged + gpu (0 without a GPU)
  EXPECT_EQ(f.names[0], "gpu_memory_utilization");
  EXPECT_DOUBLE_EQ(f.values(0, 0), 0.0);
  EXPECT_EQ(f.names[1], "cpu_utilization");
  EXPECT_DOUBLE_EQ(f.values(0, 1), 30.0);  // mean of the first 5 epochs
  EXPECT_DOUBLE_EQ(f.values(0, 2), 0.3);
  EXPECT_DOUBLE_EQ(f.values(0, 3), 0.2);
  EXPECT_DOUBLE_EQ(f.values(0, 4), 0.6);
  EXPECT_EQ(f.not_computable.size(), 15u);  // the other 15 of the 20 detector columns
  EXPECT_TRUE(f.required_missing.empty());
}

TEST(PeerFeatures, DeepfdHas148FeaturesWithTheOfProbeAndDropsTheRestWithout) {
  const std::vector<std::string> full = {"train_loss", "train_acc", "val_loss", "val_acc", "grad_zero_share",
                                         "nan_gradients_count", "weight_abs_over_5_count", "nan_weight_count"};
  TableBuilder b(full);
  const size_t E = 6;
  std::vector<LayerSeries> layers = {layer_series("grad_norm", E, {1e-6, 1.0}), layer_series("weight_mean", E, {0.5, 0.1}),
                                     layer_series("unchanged_weight_share", E, {1.0, 0.0})};
  b.add_run("r0", "Loss",
            {{1.0, 0.9, 1.2, 1.1, 1.0, 0.9}, {0.5, 0.4, 0.6, 0.55, 0.7, 0.7}, ramp(E, 1, 0.1), ramp(E, 0.3, 0.01),
             {0.8, 0.8, 0.1, 0.1, 0.1, 0.1}, std::vector<double>(E, 0), {0, 1, 1, 0, 0, 0}, std::vector<double>(E, 0)},
            layers);
  const PeerFeatures f = deepfd_features(b.table, 5);
  ASSERT_EQ(f.names.size(), 148u);
  EXPECT_TRUE(f.not_computable.empty());
  auto value = [&](const std::string& name) {
    for (size_t i = 0; i < f.names.size(); ++i)
      if (f.names[i] == name) return f.values(0, static_cast<Eigen::Index>(i));
    ADD_FAILURE() << name;
    return 0.0;
  };
  // died_relu: cumulative count of epochs with >= 70 % zero gradients: 1, 2, 2, 2, 2 -> max 2, mean 1.8.
  EXPECT_DOUBLE_EQ(value("ft_died_relu_max"), 2);
  EXPECT_DOUBLE_EQ(value("ft_died_relu_mean"), 1.8);
  // vanish_gradient: rho = 1e-6 < 1e-3 and |g_first| < 1e-4 every epoch: 1..5.
  EXPECT_DOUBLE_EQ(value("ft_vanish_gradient_median"), 3);
  // decrease_acc: 0.5 -> 0.4 and 0.6 -> 0.55: counts 0, 1, 1, 2, 2.
  EXPECT_DOUBLE_EQ(value("ft_decrease_acc_max"), 2);
  // increase_loss: 0.9 -> 1.2 only.
  EXPECT_DOUBLE_EQ(value("ft_increase_loss_max"), 1);
  // large_weight: epochs 1 and 2 -> 0, 1, 2, 2, 2.
  EXPECT_DOUBLE_EQ(value("ft_large_weight_min"), 0);
  EXPECT_DOUBLE_EQ(value("ft_large_weight_max"), 2);
  // cons_mean_weight: both layers' means unchanged from epoch 1 on: 0, 2, 4, 6, 8.
  EXPECT_DOUBLE_EQ(value("ft_cons_mean_weight_max"), 8);
  // cons_std_weight: one wholly unchanged layer per epoch from epoch 1: 0..4.
  EXPECT_DOUBLE_EQ(value("ft_cons_std_weight_max"), 4);
  // The last window epoch (4): loss 1.0, accuracy 0.7.
  EXPECT_DOUBLE_EQ(value("ft_loss"), 1.0);
  EXPECT_DOUBLE_EQ(value("ft_accuracy"), 0.7);

  // Without the OF probe (V2 columns only) the gradient/weight monitors are not computable.
  TableBuilder v2({"train_loss", "train_acc", "val_loss", "val_acc", "nan_gradients_count", "nan_weight_count"});
  v2.add_run("r0", "Loss", {ramp(E, 1, -0.1), ramp(E, 0.3, 0.1), ramp(E, 1, -0.1), ramp(E, 0.3, 0.1),
                            std::vector<double>(E, 0), std::vector<double>(E, 0)});
  const PeerFeatures g = deepfd_features(v2.table, 5);
  EXPECT_EQ(g.names.size(), (18u - 6u) * 8u + 4u);
  ASSERT_EQ(g.not_computable.size(), 6u);
  EXPECT_EQ(g.not_computable[0], "died_relu (grad_zero_share)");
}

TEST(PeerRules, AutotrainerRulesFireOnPlantedProblemsOnly) {
  const std::vector<std::string> cols = {"train_loss", "train_acc", "val_loss", "val_acc", "grad_zero_share",
                                         "nan_weight_count", "nan_gradients_count"};
  const size_t E = 12;
  TableBuilder b(cols);
  const std::vector<double> zeros(E, 0.0);
  // Healthy: accuracy rises by 0.05 an epoch, gradients balanced.
  b.add_run("healthy", "Layer", {ramp(E, 1, -0.05), ramp(E, 0.3, 0.05), ramp(E, 1, -0.05), ramp(E, 0.3, 0.05),
                                 zeros, zeros, zeros},
            {layer_series("grad_norm", E, {0.5, 1.0})});
  // Vanishing gradients, dead ReLUs and stagnant accuracy.
  b.add_run("vanishing", "Layer", {ramp(E, 1, 0), std::vector<double>(E, 0.3), ramp(E, 1, 0), std::vector<double>(E, 0.3),
                                   std::vector<double>(E, 0.9), zeros, zeros},
            {layer_series("grad_norm", E, {1e-7, 1.0})});
  // Oscillating accuracy (0.4, 0.6, 0.4, ...) and exploding gradients.
  std::vector<double> zigzag(E);
  for (size_t i = 0; i < E; ++i) zigzag[i] = i % 2 ? 0.6 : 0.4;
  b.add_run("oscillating", "Loss", {ramp(E, 1, -0.05), zigzag, ramp(E, 1, -0.05), ramp(E, 0.3, 0.05), zeros, zeros, zeros},
            {layer_series("grad_norm", E, {100.0, 1.0})});
  const auto& rules = autotrainer_rules();
  const RunInputs healthy(b.table, 0), vanishing(b.table, 1), oscillating(b.table, 2);
  for (const auto& r : rules) EXPECT_FALSE(r.fires(healthy)) << r.name;
  EXPECT_TRUE(fires(rules, "vanishing_gradient", vanishing));
  EXPECT_TRUE(fires(rules, "dying_relu", vanishing));
  EXPECT_TRUE(fires(rules, "slow_convergence", vanishing));
  EXPECT_FALSE(fires(rules, "oscillating_loss", vanishing));
  EXPECT_TRUE(fires(rules, "oscillating_loss", oscillating));
  EXPECT_TRUE(fires(rules, "exploding_gradient", oscillating));
  EXPECT_FALSE(fires(rules, "vanishing_gradient", oscillating));
}

TEST(PeerRules, DeepdiagnosisSymptomsFireOnPlantedProblemsOnly) {
  const std::vector<std::string> cols = {"train_loss", "train_acc", "label_min", "label_max", "output_min", "output_max"};
  const size_t E = 20;
  TableBuilder b(cols);
  b.add_run("healthy", "Layer", {ramp(E, 1, -0.01), ramp(E, 0.3, 0.01), std::vector<double>(E, 0),
                                 std::vector<double>(E, 1), std::vector<double>(E, 0.1), std::vector<double>(E, 0.9)},
            {layer_series("grad_norm", E, {1, 1}), layer_series("grad_mean_abs", E, {1e-3, 1e-3}),
             layer_series("weight_mean", E, {0, 0}), layer_series("activation_mean", E, {0.2, 0.3}),
             layer_series("dead_relu_share", E, {0.2})});
  // weight_mean above is constant: make the healthy run's weights move.
  for (size_t e = 0; e < E; ++e) b.table.layer_series[0][2].values[e * 2] = b.table.layer_series[0][2].values[e * 2 + 1] = 0.1 + 0.01 * double(e);
  b.add_run("broken", "Loss", {std::vector<double>(E, 2.0), std::vector<double>(E, 0.25), std::vector<double>(E, 0),
                               std::vector<double>(E, 1), std::vector<double>(E, -50), std::vector<double>(E, 50)},
            {layer_series("grad_norm", E, {1, 1}), layer_series("grad_mean_abs", E, {1e-9, 1e-3}),
             layer_series("weight_mean", E, {0.5, 0.5}), layer_series("activation_mean", E, {0.2, 0.3}),
             layer_series("dead_relu_share", E, {0.95}), layer_series("saturated_share", E, {0.8})});
  const auto& rules = deepdiagnosis_rules();
  const RunInputs healthy(b.table, 0), broken(b.table, 1);
  for (const auto& r : rules) EXPECT_FALSE(r.fires(healthy)) << r.name;
  for (const char* name : {"unchanged_weight", "saturated_activation", "dead_node", "out_of_range", "loss_not_decreasing",
                           "accuracy_not_increasing", "vanishing_gradient"})
    EXPECT_TRUE(fires(rules, name, broken)) << name;
  EXPECT_FALSE(fires(rules, "numerical_error", broken));
}

TEST(RandomForest, SeparableDataIsClassifiedAndSeedsAreReproducible) {
  use_built_forest_library();
  std::mt19937_64 gen(7);
  std::normal_distribution<double> noise(0, 0.3);
  const int n = 120;
  Eigen::MatrixXd X(n, 4);
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) {
    y[i] = i % 3;
    X(i, 0) = 3.0 * y[i] + noise(gen);
    for (int j = 1; j < 4; ++j) X(i, j) = noise(gen);
  }
  std::vector<int> train, test;
  for (int i = 0; i < n; ++i) (i % 4 ? train : test).push_back(i);
  for (const char* name : {"random_forest_default", "random_forest_deepfd", "random_forest_default_grid"}) {
    const FoldPrediction a = fit_predict_fold(name, X, y, 3, train, test, 42);
    const FoldPrediction b = fit_predict_fold(name, X, y, 3, train, test, 42);
    int correct = 0;
    for (size_t i = 0; i < test.size(); ++i) correct += a.predicted[i] == y[test[i]];
    EXPECT_GE(correct, static_cast<int>(test.size()) - 1) << name;
    EXPECT_EQ(a.predicted, b.predicted) << name;
    EXPECT_TRUE(a.proba.isApprox(b.proba)) << name;
    for (Eigen::Index i = 0; i < a.proba.rows(); ++i) EXPECT_NEAR(a.proba.row(i).sum(), 1.0, 1e-12);
  }
  EXPECT_EQ(forest_max_features(ForestSettings{}, 20), 4);  // sqrt
  ForestSettings deepfd;
  deepfd.max_features_cap = 60;
  EXPECT_EQ(forest_max_features(deepfd, 148), 60);
  EXPECT_EQ(forest_max_features(deepfd, 40), 40);
  ForestSettings log2;
  log2.max_features_log2 = true;
  EXPECT_EQ(forest_max_features(log2, 20), 4);  // int(log2(20)) = 4
  EXPECT_EQ(forest_max_features(log2, 1), 1);
}

TEST(Deep4ge, PeersRunWithV2ColumnsAndReportWhatIsNotComputable) {
  use_built_forest_library();
  const fs::path sample = fs::path(DYNFAULT_SHARED_DIR) / "datasets" / "deep4ge-sample";
  if (!fs::exists(sample / "manifest.csv")) GTEST_SKIP() << "no " << sample << " (the shared data is not in a clone)";
  const dynfault_test::TempDir scratch;
  const std::string corpus_path = (scratch.path() / "deep4ge.h5").string();
  ASSERT_EQ(collect::import_csv_dir((sample / "traces").string(), (sample / "manifest.csv").string(), corpus_path), 180u);
  const CorpusReader corpus(corpus_path);
  PeersOptions o;
  o.bootstrap = 200;
  Engine engine(false);
  const PeersResults r = run_peers(corpus, o, engine).results;
  ASSERT_EQ(r.fig13.size(), 4u);
  for (const auto& row : r.fig13)
    std::printf("deep4ge peers %-8s %-22s d=%3zu within %.3f [%.3f, %.3f] heldout %.3f [%.3f, %.3f] gap %.3f [%.3f, %.3f]\n",
                row.technique.c_str(), row.classifier.c_str(), row.features, row.within.value, row.within.low,
                row.within.high, row.heldout.value, row.heldout.low, row.heldout.high, row.gap.value, row.gap.low,
                row.gap.high);
  EXPECT_EQ(r.fig13[0].features, 20u);  // DEFault: all 20 detector columns are V2 columns
  EXPECT_EQ(r.fig13[2].features, 12u * 8u + 4u);  // DeepFD without the 6 OF-only monitors
  EXPECT_GT(r.fig13[1].within.value, r.fig13[1].heldout.value);  // DEFault random forest: the gap
  EXPECT_EQ(r.not_computable.at("deepfd").size(), 6u);
  for (const auto& row : r.rules)
    if (row.category == "all")
      std::printf("deep4ge rules %-13s %-24s %s %zu/%zu\n", row.rule_set.c_str(), row.rule.c_str(),
                  row.computable ? "fired" : "not computable", row.fired, row.traces);
  size_t autotrainer_computable = 0;
  for (const auto& row : r.rules)
    if (row.rule_set == "autotrainer" && row.category == "all" && row.rule != "any_rule") autotrainer_computable += row.computable;
  EXPECT_EQ(autotrainer_computable, 2u);  // oscillating loss, slow convergence
  // A technique requested by name whose inputs are absent: a one-line CannotRun.
  PeersOptions only;
  only.techniques = {"deepdiagnosis"};
  only.bootstrap = 0;
  const PeersResults dd = run_peers(corpus, only, engine).results;  // loss/accuracy symptoms still run
  EXPECT_TRUE(dd.fig13.empty());
}

TEST(Peers, ARequestedTechniqueWithoutItsInputsFailsWithOneLineAndWritesNothing) {
  // Traces that log the training loss only: no accuracy, so DEFault, DeepFD and AutoTrainer cannot
  // run; DeepDiagnosis' loss-not-decreasing symptom can.
  const dynfault_test::TempDir dir;
  const std::string path = (dir.path() / "loss_only.h5").string();
  {
    CorpusWriter writer(path);
    for (int p = 0; p < 4; ++p)
      for (const char* category : {"Hyperparameter", "Layer", "Loss", "Optimization"}) {
        Trace t;
        t.program = "p" + std::to_string(p);
        t.run_id = t.program + "_" + category;
        t.category = category;
        t.mutant_id = t.run_id;
        t.operator_name = "synthetic";
        t.source = "synthetic";
        t.set_channels({"train_loss"}, {"1"});
        for (int e = 0; e < 6; ++e) t.append_epoch({1.0 / (e + 1)});
        writer.add(t, RunVerdict{1, category});
      }
    writer.finish();
  }
  Engine engine(false);
  const CorpusReader corpus(path);
  for (const char* technique : {"default", "deepfd", "autotrainer"}) {
    PeersOptions o;
    o.techniques = {technique};
    o.bootstrap = 0;
    try {
      run_peers(corpus, o, engine);
      ADD_FAILURE() << "no error for " << technique;
    } catch (const CannotRun& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(std::string("peer technique ") + technique + " cannot run"), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos);
    }
  }
  PeersOptions defaults;  // every technique: the three are skipped with a note each
  defaults.bootstrap = 0;
  const PeersResults r = run_peers(corpus, defaults, engine).results;
  EXPECT_EQ(r.notes.size(), 3u);
  EXPECT_TRUE(r.fig13.empty());
  size_t computable = 0;
  for (const auto& row : r.rules) computable += row.category == "all" && row.rule != "any_rule" && row.computable;
  EXPECT_EQ(computable, 1u);  // loss_not_decreasing; every loss here decreases
  for (const auto& row : r.rules)
    if (row.computable) {
      EXPECT_EQ(row.fired, 0u) << row.rule;
    }
  // The command: exit status 1 (bad input), one line on stderr, no output directory.
  const std::string out = (dir.path() / "out").string(), err = (dir.path() / "err.txt").string();
  const int status = std::system((std::string(DYNFAULT_BINARY) + " evaluate peers " + path +
                                  " --techniques deepfd --out " + out + " 2> " + err).c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_FALSE(fs::exists(out));
  std::ifstream in(err);
  std::string first, second;
  std::getline(in, first);
  EXPECT_NE(first.find("peer technique deepfd cannot run"), std::string::npos) << first;
  EXPECT_FALSE(std::getline(in, second)) << second;
}
