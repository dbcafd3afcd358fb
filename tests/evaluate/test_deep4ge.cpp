// End to end on the published Deep4ge sample (../shared/datasets/deep4ge-sample,
// imported with collect's CSV importer): the RQ1 tables are produced and the
// within-program score exceeds the program-held-out score. Skipped when the
// shared folder is absent (a user's clone).
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "collect/csv_import.h"
#include "core/corpus.h"
#include "evaluate/features.h"
#include "evaluate/labels.h"
#include "evaluate/rq1.h"
#include "evaluate/rq3.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::evaluate;
namespace fs = std::filesystem;

TEST(Deep4ge, Rq1TablesShowTheEvaluationStrategyGap) {
  const fs::path sample = fs::path(DYNFAULT_SHARED_DIR) / "datasets" / "deep4ge-sample";
  if (!fs::exists(sample / "manifest.csv")) GTEST_SKIP() << "no " << sample << " (the shared data is not in a clone)";
  const dynfault_test::TempDir scratch;
  const fs::path& dir = scratch.path();
  const std::string corpus_path = (dir / "deep4ge.h5").string();
  ASSERT_EQ(collect::import_csv_dir((sample / "traces").string(), (sample / "manifest.csv").string(), corpus_path), 180u);
  const CorpusReader corpus(corpus_path);
  Rq1Options o;
  o.bootstrap = 300;
  o.permutations = 5;
  o.seed = 0;
  Engine engine(false);
  const Rq1Output out = run_rq1(corpus, o, engine);
  const Rq1Results& r = out.results;
  EXPECT_EQ(r.runs, 180u);
  EXPECT_EQ(r.programs, 37u);
  ASSERT_TRUE(r.tasks[0].evaluated);   // cat4
  EXPECT_FALSE(r.tasks[1].evaluated);  // cat6: no Activation / Weight / Regularization in the sample
  EXPECT_FALSE(r.tasks[2].evaluated);  // fam3: no parameters family
  const auto files = render_rq1(r);
  EXPECT_TRUE(files.count("table4.csv") && files.count("fig2_gap_by_k.csv") && files.count("summary.md"));
  for (const auto& s : r.splits) {
    if (s.task != "cat4" || s.variant != "raw") continue;
    std::printf("deep4ge cat4 k=%-2d %-18s within %.3f [%.3f, %.3f]  heldout %.3f [%.3f, %.3f]  gap %.3f [%.3f, %.3f]  lopo %.3f\n",
                s.k, s.metric.c_str(), s.within.value, s.within.low, s.within.high, s.heldout.value, s.heldout.low,
                s.heldout.high, s.gap.value, s.gap.low, s.gap.high, s.lopo.value);
    if (s.k == 5 && (s.metric == "balanced_accuracy" || s.metric == "roc_auc")) {
      EXPECT_GT(s.within.value, s.heldout.value) << s.metric;
    }
  }
  for (const auto& i : r.identity)
    std::printf("deep4ge program identity k=%-2d %-9s accuracy %.3f [%.3f, %.3f] (chance %.3f)\n", i.k,
                i.variant.c_str(), i.accuracy.value, i.accuracy.low, i.accuracy.high, i.chance_uniform);
  EXPECT_LT(r.identity.back().accuracy.value, r.identity[2].accuracy.value);  // Table V: raw -> program_z at k=5
  std::printf("deep4ge silhouette by program %.3f, by label %.3f\n", r.separation.silhouette_program,
              r.separation.silhouette_label);
}

TEST(Deep4ge, PredictionsAreTheArgmaxOfTheDecisionFunction) {
  // Golden case of the argmax correction: with every channel, run
  // 37624102_Hyperparameter_0002 has two one-vs-rest sigmoids saturated at 1.0
  // ([0.5, 0.5, 0, 0]); sklearn's predict takes the larger margin (Layer), so the
  // held-out balanced accuracy at k=5 is sklearn's 0.274 (the first tied class
  // gave 0.279).
  const fs::path sample = fs::path(DYNFAULT_SHARED_DIR) / "datasets" / "deep4ge-sample";
  if (!fs::exists(sample / "manifest.csv")) GTEST_SKIP() << "no " << sample;
  const dynfault_test::TempDir scratch;
  const fs::path& dir = scratch.path();
  const std::string corpus_path = (dir / "deep4ge.h5").string();
  collect::import_csv_dir((sample / "traces").string(), (sample / "manifest.csv").string(), corpus_path);
  const CorpusReader corpus(corpus_path);
  Rq1Options o;
  o.channels = "all";
  o.windows = {5};
  o.bootstrap = 0;
  o.permutations = 0;
  o.dump = true;
  Engine engine(false);
  const Rq1Output out = run_rq1(corpus, o, engine);
  for (const auto& s : out.results.splits)
    if (s.task == "cat4" && s.variant == "raw" && s.metric == "balanced_accuracy") {
      std::printf("deep4ge all channels cat4 k=5 held-out balanced accuracy %.6f\n", s.heldout.value);
      EXPECT_NEAR(s.heldout.value, 0.274, 5e-4);
    }
  std::istringstream in(out.dump.at("predictions/cat4_k5_heldout.csv"));
  std::string line;
  bool seen = false;
  while (std::getline(in, line))
    if (line.rfind("37624102_Hyperparameter_0002,", 0) == 0) {
      seen = true;
      std::printf("%s\n", line.c_str());
      std::vector<std::string> cells;
      std::stringstream ls(line);
      for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
      ASSERT_EQ(cells.size(), 9u);
      EXPECT_EQ(cells[5], "0.5");  // p_Hyperparameter
      EXPECT_EQ(cells[6], "0.5");  // p_Layer
      EXPECT_EQ(cells[4], "1");    // predicted: Layer, the larger margin
    }
  EXPECT_TRUE(seen);
}

// The published sample: OF-like V2 columns only (no CF), 50 epochs.
TEST(Deep4ge, Rq3LabelsMatchThePublishedFlagAndTablesAreProduced) {
  const fs::path sample = fs::path(DYNFAULT_SHARED_DIR) / "datasets" / "deep4ge-sample";
  if (!fs::exists(sample / "manifest.csv")) GTEST_SKIP() << "no " << sample << " (the shared data is not in a clone)";
  const dynfault_test::TempDir scratch;
  const std::string corpus_path = (scratch.path() / "deep4ge.h5").string();
  collect::import_csv_dir((sample / "traces").string(), (sample / "manifest.csv").string(), corpus_path);
  const CorpusReader corpus(corpus_path);
  const RunTable table = load_runs(corpus, LabelSource::Every);
  const auto flag = std::find(table.channels.begin(), table.channels.end(), "acc_gap_too_big") - table.channels.begin();
  ASSERT_LT(static_cast<size_t>(flag), table.channels.size());
  // acc_gap_too_big is the callback's |train_acc - val_acc| > 0.1 per epoch: the gt rule must agree at every k.
  size_t compared = 0, differ_ge = 0;
  for (int k : {1, 5, 50}) {
    const Labeling gt = mismatch_labels(table, k, 1e6, 0.1, GapRule::Above);
    const Labeling ge = mismatch_labels(table, k, 1e6, 0.1, GapRule::AtLeast);
    for (size_t i = 0; i < gt.rows.size(); ++i) {
      const Eigen::MatrixXd& s = table.series[gt.rows[i]];
      bool any = false;
      for (Eigen::Index e = 0; e < std::min<Eigen::Index>(k, s.rows()); ++e) any = any || s(e, flag) == 1.0;
      EXPECT_EQ(gt.y[i], any ? 1 : 0) << table.runs[gt.rows[i]].run_id << " k=" << k;
      differ_ge += ge.y[i] != gt.y[i];
      ++compared;
    }
  }
  EXPECT_GT(compared, 300u);
  std::printf("deep4ge: %zu (run, k) labels compared with acc_gap_too_big; ge differs from gt on %zu\n", compared,
              differ_ge);
  Rq3Options o;
  o.bootstrap = 300;
  Engine engine(false);
  const Rq3Results r = run_rq3(corpus, o, engine).results;
  EXPECT_EQ(r.control, "single_probe");
  EXPECT_EQ(r.runs_cf, 0u);
  EXPECT_EQ(r.of_channels.size(), 11u);  // the 11 extended V2 columns
  EXPECT_TRUE(r.ungrouped_of_channels.empty());
  ASSERT_EQ(r.table9.size(), 2u);
  for (const auto& row : r.table9)
    std::printf("deep4ge rq3 table9 %-8s %-8s runs %zu programs %zu prevalence %.3f within %.3f [%.3f, %.3f] heldout "
                "%.3f [%.3f, %.3f] gap %.3f [%.3f, %.3f]\n",
                row.population.c_str(), row.features.c_str(), row.runs, row.programs, row.prevalence,
                row.within.value, row.within.low, row.within.high, row.heldout.value, row.heldout.low,
                row.heldout.high, row.gap.value, row.gap.low, row.gap.high);
  for (const auto& a : r.fig12)
    std::printf("deep4ge rq3 fig12 %-22s within %.3f heldout %.3f gap %.3f\n", a.row.c_str(), a.result.within.value,
                a.result.heldout.value, a.result.gap.value);
  EXPECT_EQ(r.fig12.size(), 6u);
  EXPECT_EQ(r.fig11.by_fold.size(), 5u);
  for (const auto& row : r.table9) EXPECT_TRUE(row.note.empty()) << row.note;
}
