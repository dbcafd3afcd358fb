// Features, the RQ1 pipeline and its failure modes, on corpora the tests write.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/corpus.h"
#include "core/error.h"
#include "evaluate/channel_sets.h"
#include "evaluate/features.h"
#include "evaluate/metrics.h"
#include "core/atomic_dir.h"
#include "evaluate/rq1.h"
#include "synthetic_corpus.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::evaluate;
namespace fs = std::filesystem;

namespace {

// One scratch directory for the binary's files, removed at exit (tests/support/temp_dir.h).
fs::path scratch(const std::string& name) {
  static const dynfault_test::TempDir dir("evaluate");
  return dir.path() / name;
}

std::string corpus_with(const std::string& name, const synthetic::SyntheticCorpusSpec& spec) {
  const std::string path = scratch(name).string();
  synthetic::write_synthetic_corpus(path, spec);
  return path;
}

Rq1Options quick_options() {
  Rq1Options o;
  o.windows = {1, 5, 20};
  o.bootstrap = 100;
  o.permutations = 4;
  o.seed = 7;
  return o;
}

const SplitRow& row(const Rq1Results& r, const std::string& task, int k, const std::string& variant,
                    const std::string& metric) {
  for (const auto& s : r.splits)
    if (s.task == task && s.k == k && s.variant == variant && s.metric == metric) return s;
  throw std::runtime_error("no row");
}

}  // namespace

TEST(Features, WindowMeanAndSlopeUseTheEpochsARunHas) {
  synthetic::SyntheticCorpusSpec spec;
  spec.programs = 3;
  spec.runs_per_pair = 2;
  spec.epochs = 4;
  const CorpusReader corpus(corpus_with("features.h5", spec));
  const RunTable table = load_runs(corpus);
  EXPECT_EQ(table.skipped_unlabelled, 3u);  // one original per program
  EXPECT_EQ(table.skipped_empty, 1u);       // the crashed mutant
  const auto f1 = window_features(table, 1, {"train_loss"});
  ASSERT_EQ(f1.names, std::vector<std::string>{"train_loss_mean_k1"});
  const auto f3 = window_features(table, 3, {"train_loss", "val_acc"});
  ASSERT_EQ(f3.names.size(), 4u);
  const auto f10 = window_features(table, 10, {"train_loss"});  // runs are shorter: all 4 epochs
  const Trace t = corpus.read(table.runs[0].run_id);
  const auto loss = t.channel("train_loss");
  EXPECT_DOUBLE_EQ(f1.values(0, 0), loss[0]);
  EXPECT_NEAR(f3.values(0, 0), (loss[0] + loss[1] + loss[2]) / 3, 1e-15);
  EXPECT_NEAR(f3.values(0, 1), (loss[2] - loss[0]) / 2, 1e-12);  // OLS slope of three points
  const double mean4 = (loss[0] + loss[1] + loss[2] + loss[3]) / 4;
  EXPECT_NEAR(f10.values(0, 0), mean4, 1e-15);
  const double slope4 = (-1.5 * loss[0] - 0.5 * loss[1] + 0.5 * loss[2] + 1.5 * loss[3]) / 5.0;
  EXPECT_NEAR(f10.values(0, 1), slope4, 1e-12);
}

TEST(Features, ChannelSets) {
  const std::vector<std::string> present = {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "cf_hvp_norm",
                                            "of_grad_norm", "gradient_max", "sys_memory_usage"};
  EXPECT_EQ(resolve_channels("baseline", present).channels, baseline_channels());
  EXPECT_EQ(resolve_channels("cf", present).channels.back(), "cf_hvp_norm");
  EXPECT_EQ(resolve_channels("of", present).channels.size(), 7u);
  EXPECT_EQ(resolve_channels("all", present).channels.size(), 8u);
  EXPECT_EQ(resolve_channels("val_acc,cf_hvp_norm", present).channels,
            (std::vector<std::string>{"val_acc", "cf_hvp_norm"}));
  EXPECT_THROW(resolve_channels("nonexistent", present), Error);
  EXPECT_THROW(resolve_channels("cf", {"train_loss", "train_acc", "val_loss", "val_acc"}), Error);
}

TEST(Rq1, WithinProgramBeatsHeldOutOnProgramDominatedTraces) {
  const CorpusReader corpus(corpus_with("rq1.h5", {}));
  Engine engine(false);
  const Rq1Output out = run_rq1(corpus, quick_options(), engine);
  const Rq1Results& r = out.results;
  ASSERT_EQ(r.tasks.size(), 3u);
  EXPECT_TRUE(r.tasks[0].evaluated);
  EXPECT_FALSE(r.tasks[1].evaluated);  // cat6: Activation, Parameters absent
  EXPECT_NE(r.tasks[1].note.find("Activation"), std::string::npos);
  EXPECT_FALSE(r.tasks[2].evaluated);
  // Each program is dominated by one category: recognising the program pays within programs only.
  const SplitRow& ba = row(r, "cat4", 20, "raw", "balanced_accuracy");
  EXPECT_GT(ba.within.value, ba.heldout.value + 0.1);
  EXPECT_NEAR(ba.gap.value, ba.within.value - ba.heldout.value, 1e-15);
  for (const Cell* c : {&ba.within, &ba.heldout, &ba.gap, &ba.lopo}) {
    EXPECT_LE(c->low, c->high);
    EXPECT_TRUE(std::isfinite(c->low));
  }
  EXPECT_GT(ba.gap.low, 0.0);
  // Program identity is easy on these traces; chance is 1/12.
  ASSERT_EQ(r.identity.size(), 4u);  // k = 1, 5, 20 and Table V's program_z row at k = 5
  EXPECT_GT(r.identity[1].accuracy.value, 0.5);
  EXPECT_LE(r.identity[1].accuracy.low, r.identity[1].accuracy.value);
  EXPECT_GE(r.identity[1].accuracy.high, r.identity[1].accuracy.value);
  // Per-program z-normalisation removes the program offsets that identify programs.
  EXPECT_EQ(r.identity[3].variant, "program_z");
  EXPECT_EQ(r.identity[3].k, 5);
  EXPECT_LT(r.identity[3].accuracy.value, 0.5 * r.identity[1].accuracy.value);
  // Permuting labels within programs destroys the within-program signal.
  bool found = false;
  for (const auto& p : r.permutations)
    if (p.task == "cat4" && p.k == 5 && p.scheme == "within" && p.metric == "balanced_accuracy") {
      found = true;
      EXPECT_EQ(p.values.size(), 4u);
      EXPECT_LT(p.median, p.observed);
    }
  EXPECT_TRUE(found);
  // Programs are far apart (MMD) and cluster (silhouette) more than labels do.
  EXPECT_EQ(r.separation.programs.size(), 12u);
  EXPECT_GT(r.separation.silhouette_program, r.separation.silhouette_label);
  EXPECT_GT(r.separation.program_mmd2[0][1], 0.0);
  EXPECT_EQ(r.separation.program_mmd2[3][3], 0.0);
  // Files for every table and figure, CSV and JSON.
  const auto files = render_rq1(r);
  for (const char* f : {"table4.csv", "table4.json", "fig2_gap_by_k.csv", "fig2_gap_by_k.json", "table5_program_z.csv",
                        "table5_program_z.json", "fig3a_program_identity.csv", "fig3a_program_identity.json",
                        "fig3b_permutation.csv", "fig3b_permutation.json", "fig4_mmd.csv", "fig4_mmd.json",
                        "fig4_mmd_matrix.csv", "separation.csv", "separation.json", "summary.md", "run.json", "tasks.csv"})
    EXPECT_TRUE(files.count(f)) << f;
  const auto table4 = nlohmann::json::parse(files.at("table4.json"));
  EXPECT_EQ(table4["rows"].size(), 4u);  // one task x four metrics
  EXPECT_EQ(r.runs_shorter_than_k.at(20), 0u);
}

TEST(Rq1, SixClassAndFamilyTasksMergeCategories) {
  synthetic::SyntheticCorpusSpec spec;
  spec.categories = {"Hyperparameter", "Loss", "Activation", "Layer", "Optimization", "Weight", "Regularization"};
  spec.programs = 14;
  spec.runs_per_pair = 2;
  spec.epochs = 10;
  const CorpusReader corpus(corpus_with("seven.h5", spec));
  Engine engine(false);
  Rq1Options o = quick_options();
  o.windows = {1, 5};
  o.bootstrap = 50;
  o.permutations = 2;
  const Rq1Results r = run_rq1(corpus, o, engine).results;
  ASSERT_EQ(r.tasks.size(), 3u);
  for (const auto& t : r.tasks) EXPECT_TRUE(t.evaluated) << t.name << ": " << t.note;
  const TaskInfo& cat4 = r.tasks[0];
  const TaskInfo& cat6 = r.tasks[1];
  const TaskInfo& fam3 = r.tasks[2];
  EXPECT_EQ(cat6.classes, (std::vector<std::string>{"Activation", "Hyperparameter", "Layer", "Loss", "Optimization",
                                                    "Parameters"}));
  EXPECT_EQ(fam3.classes, (std::vector<std::string>{"model", "parameters", "training"}));
  // Every evaluated run is in cat6 and fam3; cat4 leaves out Activation, Weight, Regularization.
  EXPECT_EQ(cat6.runs, r.runs);
  EXPECT_EQ(fam3.runs, r.runs);
  EXPECT_EQ(cat4.runs, cat6.runs - cat6.class_counts[0] - cat6.class_counts[5]);
  EXPECT_EQ(fam3.class_counts[2], cat6.class_counts[1] + cat6.class_counts[3] + cat6.class_counts[4]);
  size_t rows = 0;
  for (const auto& s : r.splits) rows += s.task == "fam3";
  EXPECT_EQ(rows, 2u * 4 + 4);  // two windows x four metrics, plus Table V
}

TEST(Rq1, DeterministicAndDumpReproducesTheTables) {
  const CorpusReader corpus(corpus_with("rq1-dump.h5", {}));
  Engine engine(false);
  Rq1Options o = quick_options();
  o.dump = true;
  const Rq1Output a = run_rq1(corpus, o, engine);
  const Rq1Output b = run_rq1(corpus, o, engine);
  EXPECT_EQ(render_rq1(a.results), render_rq1(b.results));
  EXPECT_EQ(a.dump, b.dump);
  // Recompute balanced accuracy at k=5 held-out from the dumped predictions.
  const std::string& csv = a.dump.at("predictions/cat4_k5_heldout.csv");
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<int> y, predicted;
  Eigen::MatrixXd proba(0, 4);
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    std::string c;
    while (std::getline(ls, c, ',')) cells.push_back(c);
    ASSERT_EQ(cells.size(), 9u);
    y.push_back(std::stoi(cells[2]));
    predicted.push_back(std::stoi(cells[4]));
    rows.push_back({std::stod(cells[5]), std::stod(cells[6]), std::stod(cells[7]), std::stod(cells[8])});
  }
  proba.resize(static_cast<Eigen::Index>(rows.size()), 4);
  for (size_t i = 0; i < rows.size(); ++i)
    for (int c = 0; c < 4; ++c) proba(i, c) = rows[i][c];
  const SplitRow& r = row(a.results, "cat4", 5, "raw", "balanced_accuracy");
  EXPECT_DOUBLE_EQ(balanced_accuracy(y, predicted), r.heldout.value);
  EXPECT_TRUE(a.dump.count("folds/cat4.csv"));
  EXPECT_TRUE(a.dump.count("features/k20.csv"));
  EXPECT_TRUE(a.dump.count("permutations/cat4_k5_within_perm3.csv"));
  EXPECT_TRUE(a.dump.count("bootstrap/cat4_draws.csv"));
}

TEST(Rq1, BadInputFailsWithOneClearLine) {
  Engine engine(false);
  auto expect_error = [&](const std::string& corpus_path, const Rq1Options& o, const std::string& needle) {
    try {
      const CorpusReader corpus(corpus_path);
      run_rq1(corpus, o, engine);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos);
    }
  };
  {
    const std::string empty = scratch("empty.h5").string();
    CorpusWriter w(empty);
    w.finish();
    expect_error(empty, quick_options(), "no runs");
  }
  synthetic::SyntheticCorpusSpec no_ids;
  no_ids.program_ids = false;
  expect_error(corpus_with("noids.h5", no_ids), quick_options(), "no program id");
  synthetic::SyntheticCorpusSpec one_class;
  one_class.categories = {"Layer"};
  expect_error(corpus_with("oneclass.h5", one_class), quick_options(), "1 class (Layer)");
  synthetic::SyntheticCorpusSpec short_runs;
  short_runs.epochs = 8;
  expect_error(corpus_with("short.h5", short_runs), quick_options(), "k=20 is longer than every run");
  Rq1Options explicit_task = quick_options();
  explicit_task.tasks = {"fam3"};
  expect_error(corpus_with("fam3.h5", {}), explicit_task, "task fam3 cannot be evaluated");
}

TEST(Cli, BadInputLeavesNoPartialResults) {
  synthetic::SyntheticCorpusSpec short_runs;
  short_runs.epochs = 8;
  const std::string corpus = corpus_with("cli-short.h5", short_runs);
  const fs::path out = scratch("cli-out");
  const std::string cmd = std::string(DYNFAULT_BINARY) + " evaluate rq1 " + corpus + " --out " + out.string() +
                          " --bootstrap 10 --permutations 1 2> " + scratch("cli.err").string();
  EXPECT_NE(std::system(cmd.c_str()), 0);
  EXPECT_FALSE(fs::exists(out));
  std::ifstream err(scratch("cli.err"));
  std::string line;
  std::getline(err, line);
  EXPECT_NE(line.find("longer than every run"), std::string::npos) << line;
  for (const auto& entry : fs::directory_iterator(out.parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(".cli-out.staging"), std::string::npos);
  // A good run writes the directory.
  const std::string ok = std::string(DYNFAULT_BINARY) + " evaluate rq1 " + corpus + " --out " + out.string() +
                         " --k 1,3,5 --bootstrap 10 --permutations 1 --quiet";
  EXPECT_EQ(std::system(ok.c_str()), 0);
  EXPECT_TRUE(fs::exists(out / "summary.md"));
}

TEST(OutputDir, ReplacesAtomicallyAndKeepsOldResultsOnFailure) {
  const fs::path dir = scratch("atomic-out");
  write_directory_atomically(dir.string(), {{"a.csv", "1\n"}, {"sub/b.json", "{}\n"}});
  EXPECT_TRUE(fs::exists(dir / "sub/b.json"));
  write_directory_atomically(dir.string(), {{"c.csv", "2\n"}});
  EXPECT_TRUE(fs::exists(dir / "c.csv"));
  EXPECT_FALSE(fs::exists(dir / "a.csv"));
  // A file name that cannot be created: the old results stay.
  EXPECT_THROW(write_directory_atomically(dir.string(), {{"x.csv", "3\n"}, {"y", "4\n"}, {"y/inner", "5\n"}}), Error);
  EXPECT_TRUE(fs::exists(dir / "c.csv"));
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
  EXPECT_THROW(write_directory_atomically((dir / "c.csv").string(), {{"y", ""}}), Error);
}

TEST(Features, LabelSourceChoosesKilledOrEveryMutant) {
  const auto path = scratch("label_source.h5").string();
  {
    CorpusWriter writer(path);
    auto run = [](const std::string& id, const std::string& category) {
      Trace t;
      t.run_id = id;
      t.program = "31556268";
      t.category = category;
      t.mutant_id = category.empty() ? "" : id;
      t.set_channels({"train_loss"}, {"1"});
      t.append_epoch({1.0});
      return t;
    };
    writer.add(run("original", ""), RunVerdict{-1, ""});
    writer.add(run("killed", "Loss"), RunVerdict{1, "Loss"});
    writer.add(run("survivor", "Layer"), RunVerdict{0, ""});
    writer.finish();
  }
  const CorpusReader corpus(path);
  const RunTable killed = load_runs(corpus, LabelSource::Killed);
  ASSERT_EQ(killed.runs.size(), 1u);
  EXPECT_EQ(killed.runs[0].label, "Loss");
  EXPECT_EQ(killed.skipped_unlabelled, 2u);
  const RunTable every = load_runs(corpus, LabelSource::Category);
  ASSERT_EQ(every.runs.size(), 2u);
  EXPECT_EQ(every.runs[0].label, "Loss");   // run ids sorted: killed < survivor
  EXPECT_EQ(every.runs[1].label, "Layer");  // labelled by its operator's category although it survived
  EXPECT_EQ(every.skipped_unlabelled, 1u);  // the original
  EXPECT_THROW(parse_label_source("all"), Error);
}
