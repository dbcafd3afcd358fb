// The planner's cost model (campaign/cost_model.h) with stand-in calibrations: extrapolation,
// mutant scaling, the cache, plans priced by it, and `campaign plan --estimate` end to end
// (campaign_driver registers fixed timings, so nothing here depends on this machine's speed).
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "campaign/cost_model.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "helpers.h"
#include "tests/support/child_process.h"

using namespace dynfault;
using namespace dynfault::campaign;
using campaign_test::TempDir;
using campaign_test::zoo;

namespace {

CampaignSettings settings(std::vector<std::string> programs) {
  CampaignSettings s;
  s.programs = std::move(programs);
  s.selection = "list:test";
  s.repeats = 2;
  s.probes = ProbeSet{{"cf"}};
  s.scale = Scale::Tiny;
  s.max_mutants = 3;
  s.seed = 5;
  return s;
}

// Counts its calls; timings grow with the batch size so programs differ.
struct CountingCalibrator {
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  runner::Calibration operator()(const runner::RunRequest& r) const {
    ++*calls;
    runner::Calibration c;
    c.prepare_seconds = 1;
    c.init_probe_seconds = 0.5;
    c.step_seconds = 0.001 * static_cast<double>(r.spec.batch_size);
    c.validation_seconds = 0.25;
    c.epoch_probe_seconds = 0.5;
    c.steps_per_epoch = 7;
    c.epochs = r.spec.epochs;
    if (r.program == "44164749") c.error = "stand-in failure";
    return c;
  }
};

}  // namespace

TEST(CostModel, RunSecondsExtrapolatesEveryEpoch) {
  runner::Calibration c;
  c.prepare_seconds = 2;
  c.init_probe_seconds = 1;
  c.step_seconds = 0.5;
  c.validation_seconds = 0.25;
  c.epoch_probe_seconds = 0.75;
  c.steps_per_epoch = 4;
  c.epochs = 10;
  EXPECT_DOUBLE_EQ(c.run_seconds(), 2 + 1 + 10 * (4 * 0.5 + 0.25 + 0.75));
}

TEST(CostModel, CalibratesOnceCachesAndScalesMutantsByTheHeuristic) {
  TempDir d("cost_model_cache");
  const std::string cache = (fs::path(d / "sub") / "cost.json").string();
  const CampaignSettings s = settings({"31556268", "44164749"});
  CountingCalibrator calibrator;
  std::ostringstream log;
  CostModel model(cache);
  EXPECT_EQ(model.calibrate_missing(s, zoo(), calibrator, log, /*isolate=*/false), 2u);
  EXPECT_EQ(*calibrator.calls, 2);
  EXPECT_NE(log.str().find("calibrate: 2/2 44164749 (cf): not calibrated (stand-in failure), heuristic used"),
            std::string::npos) << log.str();

  const ProgramSpec xor_spec = zoo().load("31556268"), other = zoo().load("44164749");
  const runner::Calibration* c = model.find(xor_spec, s);
  ASSERT_NE(c, nullptr);
  EXPECT_DOUBLE_EQ(model.seconds(xor_spec, xor_spec, s), c->run_seconds());
  // A mutant with half the epochs costs what the heuristic says relative to its original.
  ProgramSpec shorter = xor_spec;
  shorter.epochs = xor_spec.epochs / 2;
  const double ratio = estimate_cost(shorter, s.scale, s.probes) / estimate_cost(xor_spec, s.scale, s.probes);
  EXPECT_LT(ratio, 1.0);
  EXPECT_DOUBLE_EQ(model.seconds(xor_spec, shorter, s), c->run_seconds() * ratio);
  // A program that could not be timed is priced by the heuristic.
  EXPECT_EQ(model.find(other, s), nullptr);
  EXPECT_DOUBLE_EQ(model.seconds(other, other, s), estimate_cost(other, s.scale, s.probes));

  // The cache: a second model reads it and times nothing; other probes or another scale are other keys.
  CostModel again(cache);
  EXPECT_EQ(again.calibrate_missing(s, zoo(), calibrator, log, /*isolate=*/false), 0u);
  EXPECT_EQ(*calibrator.calls, 2);
  ASSERT_NE(again.find(xor_spec, s), nullptr);
  EXPECT_DOUBLE_EQ(again.find(xor_spec, s)->run_seconds(), c->run_seconds());
  CampaignSettings of = s;
  of.probes = ProbeSet{{"of"}};
  EXPECT_NE(CostModel::key(xor_spec, of), CostModel::key(xor_spec, s));
  CampaignSettings smoke = s;
  smoke.scale = Scale::Smoke;
  EXPECT_NE(CostModel::key(xor_spec, smoke), CostModel::key(xor_spec, s));
  EXPECT_EQ(again.find(xor_spec, of), nullptr);

  // A plan priced by the model: its originals cost the calibrated seconds, and it says so.
  CampaignSettings priced = s;
  priced.cost_model = "calibrated";
  const Plan p = make_plan(priced, zoo(), &again);
  for (const auto& t : p.tasks)
    if (t.program == "31556268" && t.mutant_id.empty()) {
      EXPECT_DOUBLE_EQ(t.expected_cost, c->run_seconds());
    }
  EXPECT_EQ(to_json(p.settings)["cost_model"], "calibrated");
  EXPECT_EQ(settings_from_json(to_json(p.settings), "plan").cost_model, "calibrated");
  const std::string table = estimate_text(p, &again, zoo());
  EXPECT_NE(table.find("| 31556268 | cf | calibrated | "), std::string::npos) << table;
  EXPECT_NE(table.find("| 44164749 | cf | heuristic | "), std::string::npos) << table;
  EXPECT_NE(table.find("| **total** | | 1/2 calibrated | " + std::to_string(p.tasks.size()) + " | "),
            std::string::npos) << table;
}

// Isolated (the default): the calibration runs in a child; its result comes back intact, and a
// calibration that kills its process (as an out-of-memory kill would) is that program's error.
TEST(CostModel, IsolatedCalibrationSurvivesAProgramThatKillsItsProcess) {
  TempDir d("cost_model_isolated");
  const CampaignSettings s = settings({"31556268", "44164749"});
  const Calibrator calibrator = [](const runner::RunRequest& r) {
    if (r.program == "44164749") ::raise(SIGKILL);
    return CountingCalibrator{}(r);
  };
  std::ostringstream log;
  CostModel model((fs::path(d.path()) / "cost.json").string());
  EXPECT_EQ(model.calibrate_missing(s, zoo(), calibrator, log), 2u);
  const ProgramSpec xor_spec = zoo().load("31556268");
  ASSERT_NE(model.find(xor_spec, s), nullptr);
  EXPECT_DOUBLE_EQ(model.find(xor_spec, s)->step_seconds, 0.001 * static_cast<double>(xor_spec.batch_size));
  EXPECT_EQ(model.find(zoo().load("44164749"), s), nullptr);
  EXPECT_NE(log.str().find("died of signal 9"), std::string::npos) << log.str();
  // A calibration still running at its timeout is stopped and priced by the heuristic. The sleep is
  // far beyond the 1 s alarm, so a loaded machine cannot make it finish first.
  CostModel slow((fs::path(d.path()) / "slow.json").string());
  const Calibrator sleeper = [](const runner::RunRequest& r) {
    if (r.program == "44164749") ::sleep(60);
    return CountingCalibrator{}(r);
  };
  std::ostringstream slow_log;
  EXPECT_EQ(slow.calibrate_missing(s, zoo(), sleeper, slow_log, /*isolate=*/true, /*timeout_seconds=*/1), 2u);
  EXPECT_NE(slow.find(xor_spec, s), nullptr);
  EXPECT_EQ(slow.find(zoo().load("44164749"), s), nullptr);
  EXPECT_NE(slow_log.str().find("still calibrating after 1 s"), std::string::npos) << slow_log.str();
}

TEST(CostModel, AForeignCacheFileIsAnErrorNamingIt) {
  TempDir d("cost_model_bad");
  for (const std::string text : {"{", R"({"format": "other", "entries": {}})",
                                 R"({"format": "dynfault-cost-model-1", "entries": {"k": {"step_seconds": -1}}})"}) {
    const std::string path = d / "cost.json";
    write_file_atomically(path, text);
    try {
      CostModel m(path);
      ADD_FAILURE() << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST(CostModel, PlanEstimateCommandPrintsTheTableAndWritesNothingWithoutOut) {
  TempDir d("cost_model_cli");
  const std::string cache = d / "cost.json", log = d / "log", log2 = d / "log2";
  const std::vector<std::string> base = {CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268,44164749",
                                         "--scale", "tiny", "--repeats", "2", "--max-mutants", "2",
                                         "--estimate", "--cost-cache", cache};
  {
    dynfault_test::ChildProcess plan(base, {}, log);  // stdout and stderr into one file
    ASSERT_EQ(plan.wait(60), 0) << read_text_file(log);
  }
  const std::string table = read_text_file(log);
  EXPECT_NE(table.find("| 31556268 | cf,of | calibrated | "), std::string::npos) << table;
  EXPECT_NE(table.find("| **total** | | 2/2 calibrated | "), std::string::npos) << table;
  EXPECT_NE(table.find("core-hours"), std::string::npos);
  EXPECT_NE(table.find("calibrate: 2 programs timed"), std::string::npos) << table;
  EXPECT_TRUE(fs::exists(cache));
  // Again with --out: nothing re-timed, and the plan carries the calibrated costs.
  std::vector<std::string> with_out = base;
  with_out.insert(with_out.end(), {"--out", d / "c"});
  {
    dynfault_test::ChildProcess plan(with_out, {}, log2);
    ASSERT_EQ(plan.wait(60), 0) << read_text_file(log2);
  }
  EXPECT_EQ(read_text_file(log2).find("calibrate:"), std::string::npos) << read_text_file(log2);
  EXPECT_NE(read_text_file(log2).find("| **total** |"), std::string::npos);
  EXPECT_EQ(load_plan(d / "c").settings.cost_model, "calibrated");
  // --out is required without --estimate; --cost-cache needs --estimate.
  int i = 0;
  for (const auto& [args, option] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268"}, "--out"},
           {{CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268", "--cost-cache", cache, "--out", d / "x"},
            "--cost-cache"}}) {
    const std::string bad_log = d / ("bad" + std::to_string(i++));
    dynfault_test::ChildProcess bad(args, {}, bad_log);
    EXPECT_EQ(bad.wait(60), 1);
    const std::string message = read_text_file(bad_log);
    EXPECT_NE(message.find(option), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), message.size() - 1) << message;
    EXPECT_FALSE(fs::exists(d / "x"));
  }
}
