// The triage rule (triage/rule.h, docs/triage.md): fitted by RQ2's triage part,
// written and read back with its checksum, applied run by run; and the
// evaluation's treatment of runs a rule stopped.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "core/corpus.h"
#include "core/error.h"
#include "evaluate/features.h"
#include "evaluate/labels.h"
#include "evaluate/rq2.h"
#include "synthetic_corpus.h"
#include "tests/support/temp_dir.h"
#include "triage/rule.h"

using namespace dynfault;
using namespace dynfault::evaluate;
namespace fs = std::filesystem;

namespace {

Rq2Options triage_only() {
  Rq2Options o;
  o.parts = {"triage"};
  o.windows = {1};
  o.triage_k = 2;
  o.clusters = {2};
  o.restarts = 3;
  o.seed = 5;
  return o;
}

triage::Rule rule_from(const Rq2Results& r) {
  triage::Rule rule;
  rule.features = r.triage_fit.features;
  rule.centroids = r.triage_fit.centroids;
  rule.terminate_cluster = r.triage_fit.terminate_cluster;
  rule.fit_runs = r.triage_fit.runs;
  return rule;
}

// A rule by hand: one log10 feature, centroids at 0 and 4 (standardised).
triage::Rule two_centroids() {
  triage::Rule rule;
  rule.features = {{"log10_mean_hvp", "cf_hvp_layer_mean", "log10_clamped", 1.0, 1.0, 2.0}};
  rule.centroids = {{0.0}, {4.0}};
  rule.terminate_cluster = 1;
  rule.lopo.precision = std::nan("");  // no run flagged: undefined
  return rule;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_error_line(const std::string& cmd, const fs::path& err, int& status) {
  status = std::system((cmd + " 2> " + err.string()).c_str());
  std::ifstream in(err);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

// The fitted rule, applied run by run as the runner applies it, reproduces
// RQ2's in-sample triage counts exactly.
TEST(Triage, FittedRuleReproducesTheInSampleCountsRunByRun) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "separable.h5";
  const auto truth = synthetic::write_instability_corpus(path, {});
  const CorpusReader corpus(path);
  Engine engine(false);
  const Rq2Results r = run_rq2(corpus, triage_only(), engine).results;
  const triage::Rule rule = rule_from(r);
  ASSERT_EQ(rule.K(), 2);
  ASSERT_FALSE(rule.features.empty());
  EXPECT_EQ(rule.features[0].channel, "cf_hvp_layer_mean");
  EXPECT_EQ(rule.features[0].transform, "log10_clamped");
  for (const auto& f : rule.features) EXPECT_GT(f.scale, 0) << f.name;

  const RunTable table = load_runs(corpus, LabelSource::Every);
  const Labeling unstable = instability_labels(table, 1e6);
  size_t tp = 0, fp = 0, fn = 0, tn = 0;
  for (size_t i = 0; i < table.runs.size(); ++i) {
    const triage::Decision d = triage::decide(rule, [&](const std::string& channel) {
      for (size_t j = 0; j < table.channels.size(); ++j)
        if (table.channels[j] == channel && table.has_channel[i][j]) return table.series[i](0, Eigen::Index(j));
      return std::nan("");
    });
    const bool u = unstable.y[i] == 1;
    tp += d.terminate && u;
    fp += d.terminate && !u;
    fn += !d.terminate && u;
    tn += !d.terminate && !u;
  }
  EXPECT_EQ(tp, r.triage_in_sample.tp);
  EXPECT_EQ(fp, r.triage_in_sample.fp);
  EXPECT_EQ(fn, r.triage_in_sample.fn);
  EXPECT_EQ(tn, r.triage_in_sample.tn);
  EXPECT_EQ(tp, static_cast<size_t>(truth.unstable_1e6));  // separable: every planted explosion, no false alarm
  EXPECT_EQ(fp, 0u);
}

TEST(Triage, DecideStandardisesImputesAndPicksTheNearestCentroid) {
  const triage::Rule rule = two_centroids();
  auto at = [&](double v) { return triage::decide(rule, [v](const std::string&) { return v; }); };
  EXPECT_EQ(at(10.0).cluster, 0);        // log10 = 1 -> z = 0
  EXPECT_FALSE(at(10.0).terminate);
  EXPECT_EQ(at(1e9).cluster, 1);         // log10 = 9 -> z = 4
  EXPECT_TRUE(at(1e9).terminate);
  EXPECT_EQ(at(1e5).cluster, 0);         // z = 2: a tie goes to the lower index
  EXPECT_TRUE(at(INFINITY).terminate);   // clamped to 1e12
  EXPECT_FALSE(at(std::nan("")).terminate);  // imputed with the median (z = 0)
  EXPECT_EQ(triage::log10_clamped(0.0), -12.0);
}

TEST(Triage, RuleFileRoundTripsAndRefusesEditsAndCorruption) {
  const dynfault_test::TempDir dir;
  const triage::Rule rule = two_centroids();
  const std::string path = dir / "rule.json";
  triage::write_rule(path, rule);
  const triage::Rule back = triage::read_rule(path);
  EXPECT_EQ(triage::checksum(back), triage::checksum(rule));
  EXPECT_EQ(back.centroids, rule.centroids);
  EXPECT_EQ(back.features[0].channel, "cf_hvp_layer_mean");
  EXPECT_TRUE(std::isnan(back.lopo.precision));  // undefined values round-trip as null

  auto refused = [&](const std::string& text, const std::string& expected) {
    const std::string bad = dir / "bad.json";
    std::ofstream(bad) << text;
    try {
      triage::read_rule(bad);
      ADD_FAILURE() << "accepted: " << expected;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(bad, 0), 0u) << what;  // names the file
      EXPECT_NE(what.find(expected), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  };
  std::string text = slurp(path);
  refused(text.substr(0, text.size() / 2), "not JSON");
  std::string edited = text;
  const auto at = edited.find("4.0");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 3, "3.0");  // a moved centroid
  refused(edited, "checksum");
  std::string wrong_k = text;
  wrong_k.replace(wrong_k.find("\"terminate_cluster\": 1"), 22, "\"terminate_cluster\": 7");
  refused(wrong_k, "terminate_cluster 7");
  refused("{\"format\": \"something-else\"}", "is not a triage rule");
  EXPECT_THROW(triage::read_rule(dir / "missing.json"), Error);
}

TEST(Triage, MismatchNamesTheSettingThatDiffers) {
  const triage::Rule rule = two_centroids();
  EXPECT_EQ(triage::mismatch(rule, {"cf", "of"}, 4, 64), "");
  EXPECT_NE(triage::mismatch(rule, {"of"}, 4, 64).find("'cf' probe"), std::string::npos);
  EXPECT_NE(triage::mismatch(rule, {"cf"}, 8, 64).find("--hvp-vectors 4"), std::string::npos);
  EXPECT_NE(triage::mismatch(rule, {"cf"}, 4, 32).find("--probe-batch 64"), std::string::npos);
  EXPECT_EQ(triage::missing_channels(rule, {"cf_hvp_layer_mean"}), "");
  EXPECT_NE(triage::missing_channels(rule, {"cf_hvp_norm"}).find("cf_hvp_layer_mean"), std::string::npos);
}

// Runs a triage rule stopped hold only their first epochs: evaluation leaves
// them out (counted) unless asked.
TEST(Triage, EvaluationLeavesTerminatedRunsOutUnlessIncluded) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "terminated.h5";
  {
    CorpusWriter w(path);
    for (int r = 0; r < 3; ++r) {
      Trace t;
      t.run_id = "p1.m1.r00" + std::to_string(r);
      t.program = "p1";
      t.mutant_id = "m1";
      t.category = "Loss";
      t.repeat = r;
      t.set_channels({"train_loss", "val_loss"}, {"loss", "loss"});
      t.append_epoch({1.0, 1.0});
      if (r == 2) {
        t.status = RunStatus::Terminated;
        t.triage_rule = "abc";
      } else {
        t.append_epoch({0.5, 0.6});
      }
      w.add(t, {1, "Loss"});
    }
    w.finish();
  }
  const CorpusReader corpus(path);
  const RunTable left_out = load_runs(corpus, LabelSource::Killed);
  EXPECT_EQ(left_out.runs.size(), 2u);
  EXPECT_EQ(left_out.skipped_terminated, 1u);
  const RunTable included = load_runs(corpus, LabelSource::Killed, true);
  EXPECT_EQ(included.runs.size(), 3u);
  EXPECT_EQ(corpus.read("p1.m1.r002").triage_rule, "abc");  // the rule's checksum survives the corpus
  EXPECT_EQ(corpus.read("p1.m1.r002").status, RunStatus::Terminated);
}

// `dynfault triage fit` and `apply`, and their bad input.
TEST(Triage, CliFitsAppliesAndRefusesABadRuleInOneLine) {
  const dynfault_test::TempDir dir;
  const std::string corpus = dir / "separable.h5";
  const auto truth = synthetic::write_instability_corpus(corpus, {});
  const std::string bin = DYNFAULT_BINARY;
  const std::string rule = dir / "rule.json";
  int status = 0;
  std::string line = first_error_line(bin + " triage fit " + corpus + " --out " + rule +
                                          " --triage-k 2 --restarts 3 --quiet > " + (dir / "fit.out"),
                                      dir / "fit.err", status);
  ASSERT_EQ(status, 0) << line;
  const triage::Rule fitted = triage::read_rule(rule);
  EXPECT_EQ(fitted.K(), 2);
  EXPECT_EQ(fitted.fit_unstable, static_cast<size_t>(truth.unstable_1e6));
  EXPECT_EQ(fitted.lopo.fp, 0u);
  EXPECT_EQ(fitted.corpus_sha256.size(), 64u);
  EXPECT_NE(slurp(dir / "fit.out").find("LOPO precision 1.000"), std::string::npos) << slurp(dir / "fit.out");

  const std::string decisions = dir / "decisions.csv";
  line = first_error_line(bin + " triage apply " + corpus + " " + rule + " --out " + decisions +
                              " > " + (dir / "apply.out"),
                          dir / "apply.err", status);
  ASSERT_EQ(status, 0) << line;
  const std::string out = slurp(dir / "apply.out");
  EXPECT_NE(out.find("fp 0"), std::string::npos) << out;
  EXPECT_NE(out.find("tp " + std::to_string(truth.unstable_1e6)), std::string::npos) << out;
  EXPECT_EQ(slurp(decisions).rfind("run_id,program,cluster,flagged,unstable\n", 0), 0u);

  // A corrupted rule: exit 1, one line naming the file, nothing written.
  std::string text = slurp(rule);
  text[text.find("\"centroids\"") + 20] = '9';
  std::ofstream(dir / "corrupt.json") << text;
  const std::string none = dir / "none.csv";
  line = first_error_line(bin + " triage apply " + corpus + " " + (dir / "corrupt.json") + " --out " +
                              none,
                          dir / "bad.err", status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(line.find("corrupt.json"), std::string::npos) << line;
  EXPECT_FALSE(fs::exists(none));
  // A run whose probe settings differ from the rule's: one line before training (no runner needed).
  line = first_error_line(bin + " run --program 31556268 --seed 1 --scale smoke --probe-batch 32 --out " +
                              (dir / "t.h5") + " --triage " + rule,
                          dir / "bad3.err", status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(line.find("--probe-batch 64"), std::string::npos) << line;
  EXPECT_FALSE(fs::exists(dir / "t.h5"));
  // A campaign is checked task by task against the rule before anything runs: its plan's probe
  // settings and probes must be the rule's (campaign plan --hvp-vectors, --probes).
  for (const auto& [name, plan_options, needle] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"k2", "--probes cf --hvp-vectors 2", "--hvp-vectors 4"},
           {"of", "--probes of", "'cf' probe"},
           {"same", "--probes cf", ""}}) {
    const std::string campaign = dir / ("campaign-" + name);
    line = first_error_line(bin + " campaign plan --programs 31556268 --repeats 1 --max-mutants 1 --scale smoke " +
                                plan_options + " --out " + campaign + " > /dev/null",
                            dir / ("plan-" + name + ".err"), status);
    ASSERT_EQ(status, 0) << line;
    line = first_error_line(bin + " campaign run " + campaign + " --executor noop --quiet --triage " + rule +
                                " > /dev/null",
                            dir / ("run-" + name + ".err"), status);
    if (needle.empty()) {
      EXPECT_EQ(status, 0) << name << ": " << line;
    } else {
      EXPECT_EQ(WEXITSTATUS(status), 1) << name;
      EXPECT_NE(line.find(needle), std::string::npos) << name << ": " << line;
      EXPECT_NE(line.find("--triage"), std::string::npos) << name << ": " << line;
    }
  }
  // A rule reading a channel its probe does not log (edited and re-checksummed through the API).
  triage::Rule odd = triage::read_rule(rule);
  odd.features[0].channel = "val_acc";
  triage::write_rule(dir / "odd.json", odd);
  line = first_error_line(bin + " run --program 31556268 --seed 1 --scale smoke --out " + (dir / "t.h5") +
                              " --triage " + (dir / "odd.json"),
                          dir / "bad4.err", status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(line.find("does not log"), std::string::npos) << line;
  // An output in a missing directory fails before any work.
  line = first_error_line(bin + " triage fit " + corpus + " --out " + (dir / "no/such/rule.json"),
                          dir / "bad2.err", status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(line.find("does not exist"), std::string::npos) << line;
}

// `triage fit --epoch at_init` reads the traces' at_init values: on a corpus
// whose at_init holds exactly epoch 0's curvature, it fits the same rule as
// the epoch-0 fit; on a corpus without at_init values there is nothing to fit.
TEST(Triage, AtInitGeometryReadsTheValuesBeforeAnyUpdate) {
  const dynfault_test::TempDir dir;
  const std::string plain = dir / "separable.h5", with_init = dir / "at-init.h5";
  synthetic::write_instability_corpus(plain, {});
  {
    const CorpusReader in(plain);
    CorpusWriter out(with_init);
    for (const auto& row : in.index()) {
      Trace t = in.read(row.run_id);
      for (size_t c = 0; c < t.channel_names.size(); ++c)
        if (t.channel_names[c].rfind("cf_", 0) == 0) t.at_init[t.channel_names[c]] = t.value(0, c);
      out.add(t, {static_cast<int>(row.killed), row.label});
    }
    out.finish();
  }
  Engine engine(false);
  Rq2Options at_init = triage_only();
  at_init.geometry_at_init = true;
  const Rq2Results epoch0 = run_rq2(CorpusReader(plain), triage_only(), engine).results;
  const Rq2Results init = run_rq2(CorpusReader(with_init), at_init, engine).results;
  ASSERT_FALSE(init.triage_fit.centroids.empty());
  EXPECT_EQ(init.triage_fit.centroids, epoch0.triage_fit.centroids);
  EXPECT_EQ(init.triage_fit.terminate_cluster, epoch0.triage_fit.terminate_cluster);
  EXPECT_EQ(init.triage_in_sample.tp, epoch0.triage_in_sample.tp);
  // Without at_init values: every run's at_init mean HVP is missing, so there is no geometry.
  EXPECT_THROW(run_rq2(CorpusReader(plain), at_init, engine), Error);
}
