// RQ3 on synthetic corpora with a planted train/validation mismatch (known
// labels, probe layouts and program overlap), the OF group table against the
// probe catalogue, bad input, and parity with scikit-learn on the same folds
// (golden file written by scripts/golden/rq3_golden.sh). The Deep4ge sample: test_deep4ge.cpp.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/corpus.h"
#include "core/error.h"
#include "core/probe_catalogue.h"
#include "evaluate/analysis.h"
#include "evaluate/channel_sets.h"
#include "evaluate/features.h"
#include "evaluate/labels.h"
#include "evaluate/rq3.h"
#include "synthetic_corpus.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::evaluate;
namespace fs = std::filesystem;
using synthetic::MismatchSpec;

namespace {

Rq3Options quick() {
  Rq3Options o;
  o.windows = {1, 3, 5};
  o.table_window = 5;
  o.bootstrap = 100;
  o.seed = 7;
  return o;
}

const Rq3Row& find_row(const std::vector<Rq3Row>& rows, const std::string& population, const std::string& features,
                       int k = 5) {
  for (const auto& r : rows)
    if (r.population == population && r.features == features && r.k == k) return r;
  throw std::runtime_error("no row " + population + "/" + features);
}

const Rq3AblationRow& ablation(const Rq3Results& r, const std::string& row) {
  for (const auto& a : r.fig12)
    if (a.row == row) return a;
  throw std::runtime_error("no ablation row " + row);
}

}  // namespace

TEST(Rq3, MismatchLabelFollowsTheGapRuleAndCountsExclusions) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "mismatch.h5";
  const auto truth = synthetic::write_mismatch_corpus(path, MismatchSpec{});
  const CorpusReader corpus(path);
  const RunTable table = load_runs(corpus, LabelSource::Every);
  MismatchExclusions ex;
  const Labeling ge = mismatch_labels(table, 5, 1e6, 0.1, GapRule::AtLeast, &ex);
  EXPECT_EQ(ex.unstable, static_cast<size_t>(truth.unstable));
  EXPECT_EQ(ex.no_accuracy, static_cast<size_t>(truth.no_accuracy));
  EXPECT_EQ(truth.unstable, 2);
  EXPECT_EQ(truth.no_accuracy, 1);
  ASSERT_EQ(ge.rows.size(), static_cast<size_t>(truth.labelled));
  EXPECT_EQ(std::count(ge.y.begin(), ge.y.end(), 1), truth.positives_ge_k5);
  const Labeling gt = mismatch_labels(table, 5, 1e6, 0.1, GapRule::Above);
  EXPECT_EQ(std::count(gt.y.begin(), gt.y.end(), 1), truth.positives_gt_k5);
  // The one run with a gap of exactly 0.1 separates the rules; nothing else does.
  EXPECT_EQ(truth.positives_ge_k5, truth.positives_gt_k5 + 1);
  // 10 programs x 4 mismatch runs (r = 0, 3, 6, 9), less program 0's and 1's? none: their
  // unstable run is r = 2. Plus the boundary run.
  EXPECT_EQ(truth.positives_ge_k5, 41);
  // k = 1 sees only the epoch-0 spikes (r = 3, 9) and no boundary (epoch 1).
  const Labeling k1 = mismatch_labels(table, 1, 1e6);
  EXPECT_EQ(std::count(k1.y.begin(), k1.y.end(), 1), truth.positives_ge_k1);
  EXPECT_EQ(truth.positives_ge_k1, 20);
  EXPECT_EQ(parse_gap_rule("ge"), GapRule::AtLeast);
  EXPECT_EQ(parse_gap_rule("gt"), GapRule::Above);
  EXPECT_THROW(parse_gap_rule(">="), Error);
}

TEST(Rq3, OfGroupTableCoversTheOfSetOnce) {
  const ProbeDeclaration* of = find_probe("of");
  ASSERT_NE(of, nullptr);
  size_t named = 0;
  for (const auto& c : of->channels) {
    if (c.back() == '*') continue;  // prefixes: sys_* is system's, of_* has no channel yet
    ++named;
    int groups = 0;
    for (const auto& g : of_channel_groups()) groups += g.claims(c);
    EXPECT_EQ(groups, 1) << c;
  }
  EXPECT_GE(named, 13u);
  EXPECT_EQ(of_group_of("sys_cpu_percent")->name, "system");
  EXPECT_EQ(of_group_of("adjusted_lr")->name, "learning_rate");
  EXPECT_EQ(of_group_of("mean_activation")->name, "activation");
  EXPECT_EQ(of_group_of("grad_global_norm")->name, "gradient");
  EXPECT_EQ(of_group_of("train_acc"), nullptr);
  EXPECT_EQ(of_group_of("cf_hvp_norm"), nullptr);
  const ProbeDeclaration* cf = find_probe("cf");
  for (const auto& c : cf->channels) EXPECT_EQ(of_group_of(c), nullptr) << c;
}

TEST(Rq3, BothProbeCorpusGetsTheExactControl) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "both.h5";
  const auto truth = synthetic::write_mismatch_corpus(path, MismatchSpec{});
  const CorpusReader corpus(path);
  Engine engine(false);
  const Rq3Results r = run_rq3(corpus, quick(), engine).results;
  EXPECT_EQ(r.control, "exact");
  EXPECT_EQ(r.labelled, static_cast<size_t>(truth.labelled));
  EXPECT_EQ(r.runs_both, static_cast<size_t>(truth.labelled));
  EXPECT_EQ(r.excluded_unstable, 2u);
  EXPECT_EQ(r.excluded_no_accuracy, 1u);
  EXPECT_EQ(r.cf_channels, std::vector<std::string>{"cf_hvp_norm"});
  EXPECT_EQ(r.of_channels.size(), 5u);
  EXPECT_TRUE(r.ungrouped_of_channels.empty());
  // Table VIII: the same runs with baseline, +CF and +OF.
  ASSERT_EQ(r.table8.size(), 3u);
  for (const auto& row : r.table8) {
    EXPECT_EQ(row.population, "both");
    EXPECT_EQ(row.runs, static_cast<size_t>(truth.labelled));
    EXPECT_EQ(row.positives, static_cast<size_t>(truth.positives_ge_k5));
    EXPECT_TRUE(row.note.empty()) << row.note;
  }
  EXPECT_EQ(r.table8[0].features, "baseline");
  EXPECT_EQ(r.table8[1].features, "cf");
  EXPECT_EQ(r.table8[2].features, "of");
  EXPECT_EQ(r.table8[0].feature_count, 8u);   // 4 channels x (mean, slope)
  EXPECT_EQ(r.table8[2].feature_count, 18u);  // + 5 OF channels
  // mean_activation carries the label in every program: +OF detects it on unseen programs; the
  // accuracies' window mean and slope do not see a one-epoch spike of either sign.
  const Rq3Row& of = find_row(r.table8, "both", "of");
  EXPECT_LT(find_row(r.table8, "both", "baseline").heldout.value, 0.65);
  EXPECT_GT(of.within.value, 0.97);
  EXPECT_GT(of.heldout.value, 0.95);
  EXPECT_LE(of.within.low, of.within.value);
  EXPECT_GE(of.within.high, of.within.value);
  EXPECT_NEAR(of.gap.value, of.within.value - of.heldout.value, 1e-15);
  // Table IX: every run carries both probes, so its subsets are Table VIII's runs.
  EXPECT_FALSE(r.table9_note.empty());
  for (const auto& p : r.populations) {
    if (p.name != "cf_all") {
      EXPECT_FALSE(p.same_runs_as.empty()) << p.name;
    }
  }
  EXPECT_EQ(find_row(r.table9, "of_all", "of").heldout.value, of.heldout.value);
  // Fig. 10: (cf_all, of_all) x (baseline, probe) x 3 windows.
  EXPECT_EQ(r.fig10.size(), 12u);
  EXPECT_EQ(find_row(r.fig10, "cf_all", "baseline", 1).positives, static_cast<size_t>(truth.positives_ge_k1));
  // Fig. 12: removing the activation statistics removes the signal; the others do not matter.
  ASSERT_EQ(r.fig12.size(), 6u);
  const double full = ablation(r, "full").result.heldout.value;
  EXPECT_EQ(full, of.heldout.value);
  EXPECT_LT(ablation(r, "without_activation").result.heldout.value, full - 0.05);
  for (const char* g : {"without_system", "without_gradient", "without_learning_rate"})
    EXPECT_GT(ablation(r, g).result.heldout.value, full - 0.03) << g;
  EXPECT_EQ(ablation(r, "baseline_only").result.heldout.value, find_row(r.table9, "of_all", "baseline").heldout.value);
  EXPECT_EQ(ablation(r, "without_activation").removed_channels,
            (std::vector<std::string>{"mean_activation", "std_activation"}));
  // Fig. 11: one coefficient per feature and within fold; the spread is the matrix's.
  ASSERT_EQ(r.fig11.by_fold.size(), 5u);
  ASSERT_EQ(r.fig11.features.size(), 18u);
  for (size_t j = 0; j < r.fig11.features.size(); ++j) {
    int pos = 0, neg = 0;
    double lo = INFINITY;
    for (const auto& f : r.fig11.by_fold) {
      pos += f[j] > 0;
      neg += f[j] < 0;
      lo = std::min(lo, f[j]);
    }
    EXPECT_EQ(r.fig11.spread[j].positive, pos);
    EXPECT_EQ(r.fig11.spread[j].negative, neg);
    EXPECT_EQ(r.fig11.spread[j].sign_flip, pos > 0 && neg > 0);
    EXPECT_EQ(r.fig11.spread[j].min, lo);
    if (r.fig11.features[j] == "mean_activation_mean_k5") {
      EXPECT_EQ(r.fig11.groups[j], "activation");
      EXPECT_EQ(pos, 5);  // the planted signal: higher on mismatch runs in every fold
    }
  }
  // Deterministic, and the rendered files are the documented ones.
  const auto files = render_rq3(r);
  for (const char* f : {"table8.csv", "table9.csv", "fig10_auc_by_k.csv", "fig11_coefficients.csv", "fig11_spread.csv",
                        "fig11_coefficients.json", "fig12_ablation.csv", "fig12_ablation.json", "populations.csv",
                        "run.json", "summary.md"})
    EXPECT_TRUE(files.count(f)) << f;
  EXPECT_EQ(render_rq3(run_rq3(corpus, quick(), engine).results), files);
}

TEST(Rq3, ProbeSplitCorpusGetsTheProgramOverlapControl) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "split.h5";
  MismatchSpec spec;
  spec.probes = MismatchSpec::Probes::Split;
  const auto truth = synthetic::write_mismatch_corpus(path, spec);
  const CorpusReader corpus(path);
  Engine engine(false);
  const Rq3Results r = run_rq3(corpus, quick(), engine).results;
  EXPECT_EQ(r.control, "program_overlap");
  EXPECT_EQ(r.runs_both, 0u);
  EXPECT_EQ(r.runs_cf, static_cast<size_t>(truth.labelled_cf));
  EXPECT_EQ(r.runs_of, static_cast<size_t>(truth.labelled_of));
  EXPECT_EQ(r.overlap_programs, truth.overlap_programs);
  EXPECT_EQ(r.overlap_programs.size(), 6u);  // programs 4..9
  ASSERT_EQ(r.table8.size(), 4u);
  // Overlap programs have 6 CF (even) and 6 OF (odd) runs each.
  EXPECT_EQ(find_row(r.table8, "cf_overlap", "baseline").runs, 36u);
  EXPECT_EQ(find_row(r.table8, "cf_overlap", "cf").runs, 36u);
  EXPECT_EQ(find_row(r.table8, "of_overlap", "of").runs, 36u);
  EXPECT_EQ(find_row(r.table8, "of_overlap", "of").programs, 6u);
  EXPECT_EQ(find_row(r.table9, "cf_all", "cf").runs, static_cast<size_t>(truth.labelled_cf));
  EXPECT_EQ(find_row(r.table9, "of_all", "of").programs, 8u);  // programs 2..9
  EXPECT_TRUE(r.table9_note.empty());
  EXPECT_GT(find_row(r.table9, "of_all", "of").heldout.value, 0.9);
}

TEST(Rq3, SingleProbeCorpusHasNoControl) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "of.h5";
  MismatchSpec spec;
  spec.probes = MismatchSpec::Probes::OfOnly;
  synthetic::write_mismatch_corpus(path, spec);
  const CorpusReader corpus(path);
  Engine engine(false);
  const Rq3Results r = run_rq3(corpus, quick(), engine).results;
  EXPECT_EQ(r.control, "single_probe");
  ASSERT_EQ(r.table8.size(), 2u);
  EXPECT_EQ(r.table8[1].population, "of_all");
  EXPECT_EQ(r.table9.size(), 2u);
  EXPECT_EQ(r.table8[1].heldout.value, r.table9[1].heldout.value);
}

TEST(Rq3, BadInputFailsWithOneClearLine) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "bad.h5";
  synthetic::write_mismatch_corpus(path, MismatchSpec{});
  const CorpusReader corpus(path);
  Engine engine(false);
  auto fails = [&](Rq3Options o, const std::string& needle) {
    try {
      run_rq3(corpus, o, engine);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  };
  Rq3Options o = quick();
  o.windows = {1, 5, 9};  // 8 epochs
  fails(o, "--k");
  o = quick();
  o.table_window = 10;
  fails(o, "--table-k");
  o = quick();
  o.folds = 11;  // 10 programs: every comparison is unevaluable
  fails(o, "fewer programs");
  o = quick();
  o.instability_threshold = 1e-9;  // every run unstable
  EXPECT_THROW(run_rq3(corpus, o, engine), CannotRun);
  fails(o, "no stable run with train_acc and val_acc");
  // A corpus without probe channels cannot run RQ3 (a skip under `evaluate all`).
  synthetic::InstabilitySpec plain;
  plain.curvature = false;
  const std::string nocf = dir / "plain.h5";
  synthetic::write_instability_corpus(nocf, plain);
  const CorpusReader plain_corpus(nocf);
  o = quick();
  o.windows = {1, 3};
  o.table_window = 3;
  EXPECT_THROW(run_rq3(plain_corpus, o, engine), CannotRun);
}

TEST(Golden, Rq3RocAucAndCoefficientsMatchSklearnOnTheSameFolds) {
  std::ifstream in(std::string(DYNFAULT_SOURCE_DIR) + "/tests/evaluate/golden/rq3_sklearn.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json golden = nlohmann::json::parse(in);
  EXPECT_EQ(golden["sklearn"].get<std::string>().substr(0, 3), "1.2");
  ASSERT_EQ(golden["cases"].size(), 2u);
  for (const auto& c : golden["cases"]) {
    const std::string probes = c["probes"];
    MismatchSpec spec;  // the corpus evaluate_synthetic_corpus --mismatch writes for the script
    spec.probes = probes == "split" ? MismatchSpec::Probes::Split : MismatchSpec::Probes::Both;
    const dynfault_test::TempDir dir;
    const std::string path = dir / "golden.h5";
    synthetic::write_mismatch_corpus(path, spec);
    const CorpusReader corpus(path);
    Rq3Options o;
    o.windows = c["k"].get<std::vector<int>>();
    o.table_window = c["table_k"];
    o.folds = c["folds"];
    o.seed = c["seed"];
    o.gap_rule = parse_gap_rule(c["gap_rule"]);
    o.bootstrap = 0;
    Engine engine(false);
    const Rq3Results r = run_rq3(corpus, o, engine).results;
    EXPECT_EQ(r.control, c["control"].get<std::string>());
    EXPECT_EQ(r.labelled, c["labelled"].get<size_t>());
    std::map<std::tuple<std::string, std::string, int>, Rq3Row> ours;
    for (const auto* rows : {&r.table8, &r.table9, &r.fig10})
      for (const auto& row : *rows) ours[{row.population, row.features, row.k}] = row;
    for (const auto& a : r.fig12) ours[{a.result.population, a.result.features, a.result.k}] = a.result;
    for (const auto& g : c["rows"]) {
      const auto key = std::make_tuple(g["population"].get<std::string>(), g["features"].get<std::string>(), g["k"].get<int>());
      ASSERT_TRUE(ours.count(key)) << probes << " " << std::get<0>(key) << "/" << std::get<1>(key) << "/" << std::get<2>(key);
      const Rq3Row& row = ours.at(key);
      EXPECT_EQ(row.runs, g["runs"].get<size_t>());
      EXPECT_EQ(row.positives, g["positives"].get<size_t>());
      // newton-cg to 1e-10 reaches the optimum dynfault solves for: the same ranking, the same AUC.
      EXPECT_NEAR(row.within.value, g["within_exact"].get<double>(), 1e-12) << std::get<0>(key) << std::get<1>(key);
      EXPECT_NEAR(row.heldout.value, g["heldout_exact"].get<double>(), 1e-12) << std::get<0>(key) << std::get<1>(key);
      // scikit-learn's default lbfgs stops at tol 1e-4: near, not equal.
      EXPECT_NEAR(row.within.value, g["within"].get<double>(), 1e-3);
      EXPECT_NEAR(row.heldout.value, g["heldout"].get<double>(), 1e-3);
    }
    const auto& coef = c["fig11_coefficients"];
    ASSERT_EQ(r.fig11.by_fold.size(), coef.size());
    for (size_t f = 0; f < coef.size(); ++f) {
      ASSERT_EQ(r.fig11.by_fold[f].size(), coef[f].size());
      for (size_t j = 0; j < coef[f].size(); ++j)
        EXPECT_NEAR(r.fig11.by_fold[f][j], coef[f][j].get<double>(), 1e-7 * std::max(1.0, std::abs(coef[f][j].get<double>())))
            << probes << " fold " << f << " " << r.fig11.features[j];
    }
  }
}
