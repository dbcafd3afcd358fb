#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "campaign/plan.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "helpers.h"
#include "tests/support/child_process.h"

using namespace dynfault;
using namespace dynfault::campaign;
using campaign_test::TempDir;
using campaign_test::zoo;

namespace {

CampaignSettings settings(std::vector<std::string> programs, int repeats = 3, int max_mutants = 6) {
  CampaignSettings s;
  s.programs = std::move(programs);
  s.selection = "list:test";
  s.repeats = repeats;
  s.probes = ProbeSet{{"cf"}};
  s.scale = Scale::Smoke;
  s.max_mutants = max_mutants;
  s.seed = 11;
  return s;
}

PlannedMutant candidate(const std::string& id, const std::string& category) {
  PlannedMutant m;
  m.mutant_id = id;
  m.program = "p";
  m.category = category;
  return m;
}

}  // namespace

TEST(Plan, IdsAndSeedsAreStable) {
  const Plan a = make_plan(settings({"31556268", "44164749"}), zoo());
  const Plan b = make_plan(settings({"31556268", "44164749"}), zoo());
  EXPECT_EQ(plan_to_json(a), plan_to_json(b));
  std::set<std::string> ids;
  size_t originals = 0;
  for (const auto& t : a.tasks) {
    EXPECT_TRUE(ids.insert(t.run_id).second) << t.run_id;
    EXPECT_EQ(t.seed, task_seed(11, t.run_id));
    EXPECT_EQ(t.run_id, make_task_id(t.program, t.mutant_id, t.repeat));
    EXPECT_GT(t.expected_cost, 0);
    originals += t.is_original();
  }
  EXPECT_EQ(originals, 2u * 3u);
  EXPECT_GT(a.mutants.size(), 0u);
  // A task's id and seed do not depend on what else is planned.
  const Plan alone = make_plan(settings({"44164749"}), zoo());
  std::map<std::string, RunTask> by_id;
  for (const auto& t : a.tasks) by_id[t.run_id] = t;
  for (const auto& t : alone.tasks) {
    ASSERT_TRUE(by_id.count(t.run_id)) << t.run_id;
    EXPECT_EQ(by_id[t.run_id], t);
  }
}

TEST(Plan, MaxMutantsSpreadsOverCategories) {
  Candidates all;
  for (int i = 0; i < 5; ++i) all.mutants.push_back(candidate("loss" + std::to_string(i), "Loss"));
  all.mutants.push_back(candidate("act0", "Activation"));
  for (int i = 0; i < 3; ++i) all.mutants.push_back(candidate("w" + std::to_string(i), "Weight"));
  const Candidates chosen = choose_mutants(all, 5, 3);
  std::map<std::string, int> per_category;
  for (const auto& m : chosen.mutants) ++per_category[m.category];
  EXPECT_EQ(chosen.mutants.size(), 5u);
  EXPECT_EQ(per_category["Activation"], 1);
  EXPECT_EQ(per_category["Loss"], 2);
  EXPECT_EQ(per_category["Weight"], 2);
  // Deterministic for a seed; the seed changes which ones, not how many per category.
  const Candidates again = choose_mutants(all, 5, 3);
  ASSERT_EQ(again.mutants.size(), chosen.mutants.size());
  for (size_t i = 0; i < chosen.mutants.size(); ++i) EXPECT_EQ(again.mutants[i], chosen.mutants[i]);
  EXPECT_EQ(choose_mutants(all, -1, 3).mutants.size(), all.mutants.size());
  EXPECT_EQ(choose_mutants(all, 0, 3).mutants.size(), 0u);
  EXPECT_EQ(choose_mutants(all, 100, 3).mutants.size(), all.mutants.size());
}

TEST(Plan, MaxMutantsOnRealProgramsCoversCategories) {
  const Plan all = make_plan(settings({"31556268"}, 2, -1), zoo());
  std::set<std::string> available;
  for (const auto& m : all.mutants) available.insert(m.category);
  const int cap = 4;
  const Plan capped = make_plan(settings({"31556268"}, 2, cap), zoo());
  std::set<std::string> chosen;
  size_t units = capped.searches.size();
  for (const auto& m : capped.mutants) {
    chosen.insert(m.category);
    units += m.search.empty();
  }
  EXPECT_EQ(units, std::min<size_t>(cap, all.mutants.size()));
  EXPECT_EQ(chosen.size(), std::min<size_t>(cap, available.size()));
}

TEST(Plan, ShardsPartitionByProgram) {
  const Plan whole = make_plan(settings({"31556268", "44164749", "48385830", "50079585", "51971180"}), zoo());
  const auto shards = split_plan(whole, 3);
  ASSERT_EQ(shards.size(), 3u);
  std::set<std::string> seen_tasks, seen_programs;
  size_t tasks = 0;
  for (const auto& s : shards) {
    EXPECT_FALSE(s.settings.programs.empty());
    for (const auto& p : s.settings.programs) EXPECT_TRUE(seen_programs.insert(p).second) << p;
    for (const auto& t : s.tasks) {
      EXPECT_TRUE(seen_tasks.insert(t.run_id).second) << t.run_id;
      // Self-contained: the shard has the task's spec and its program's originals.
      EXPECT_NO_THROW(s.task_with_spec(&t - s.tasks.data()));
      EXPECT_TRUE(s.specs.count(t.program));
    }
    tasks += s.tasks.size();
  }
  EXPECT_EQ(tasks, whole.tasks.size());
  EXPECT_EQ(seen_programs.size(), 5u);
  EXPECT_THROW(split_plan(whole, 6), Error);
}

TEST(Plan, WriteRefusesNonEmptyDirectoryUnlessForced) {
  TempDir d("plan_write");
  const Plan p = make_plan(settings({"31556268"}), zoo());
  const std::string out = d / "c";
  write_campaign(out, p, false);
  EXPECT_TRUE(fs::exists(out + "/plan.json"));
  EXPECT_TRUE(fs::exists(out + "/journal.log"));
  EXPECT_EQ(fs::file_size(out + "/journal.log"), 0u);
  EXPECT_EQ(plan_to_json(load_plan(out)), plan_to_json(p));
  EXPECT_THROW(write_campaign(out, p, false), Error);
  { std::ofstream(out + "/journal.log") << "something\n"; }
  write_campaign(out, p, true);
  EXPECT_EQ(fs::file_size(out + "/journal.log"), 0u);
  // Only the campaign remains next to it: no temporaries.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(d.str())) entries += 1, (void)e;
  EXPECT_EQ(entries, 1u);
}

TEST(Plan, ShardedLayout) {
  TempDir d("plan_shards");
  CampaignSettings s = settings({"31556268", "44164749", "48385830"});
  s.shards = 2;
  const Plan p = make_plan(s, zoo());
  const std::string out = d / "c";
  write_campaign(out, p, false);
  EXPECT_TRUE(is_sharded_root(out));
  EXPECT_THROW(load_plan(out), Error);
  const auto dirs = shard_dirs(out);
  ASSERT_EQ(dirs.size(), 2u);
  size_t tasks = 0;
  for (size_t i = 0; i < dirs.size(); ++i) {
    const Plan shard = load_plan(dirs[i]);
    EXPECT_EQ(shard.shard_index, static_cast<int>(i));
    EXPECT_EQ(shard.shard_count, 2);
    EXPECT_TRUE(fs::exists(dirs[i] + "/journal.log"));
    tasks += shard.tasks.size();
  }
  EXPECT_EQ(tasks, p.tasks.size());
}

TEST(Plan, BadRequestWritesNothing) {
  TempDir d("plan_bad");
  CampaignSettings s = settings({"31556268"});
  s.shards = 2;  // more shards than programs
  const Plan p = make_plan(s, zoo());
  EXPECT_THROW(write_campaign(d / "c", p, false), Error);
  EXPECT_FALSE(fs::exists(d / "c"));
  EXPECT_TRUE(fs::is_empty(d.str()));
  s.shards = 1;
  s.repeats = 0;
  EXPECT_THROW(make_plan(s, zoo()), Error);
}

// `campaign plan --seed` is parsed like every other --seed (core/seed.h): a
// negative seed is refused with one line naming the option, not wrapped to 2^64 - 1.
TEST(Plan, CommandRefusesANegativeSeed) {
  TempDir d("plan_seed");
  const std::string out = d / "c", log = d / "log";
  dynfault_test::ChildProcess plan(
      {CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268", "--seed", "-1", "--out", out}, {}, log);
  EXPECT_EQ(plan.wait(60), 1);
  const std::string message = read_text_file(log);
  EXPECT_NE(message.find("--seed"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), message.size() - 1) << message;
  EXPECT_FALSE(fs::exists(out));
}

// DynFault ran some programs with CF and others with OF: --probes-by-program.
TEST(Plan, ProbesByProgramSetEachProgramsProbesAndSurviveSharding) {
  TempDir d("plan_probes_by_program");
  CampaignSettings s = settings({"31556268", "44164749"});
  {
    std::ofstream f(d / "probes.json");
    f << R"({"31556268": "cf", "44164749": "of"})";
  }
  s.probes_by_program = read_probes_by_program(d / "probes.json", s.programs);
  const Plan p = make_plan(s, zoo());
  size_t cf = 0, of = 0;
  for (const auto& t : p.tasks) {
    EXPECT_EQ(to_string(t.probes), t.program == "31556268" ? "cf" : "of") << t.run_id;
    (t.program == "31556268" ? cf : of) += 1;
  }
  EXPECT_GT(cf, 0u);
  EXPECT_GT(of, 0u);
  // plan.json keeps it; a plan without it has no such key (its bytes are unchanged).
  write_campaign(d / "c", p, false);
  EXPECT_EQ(load_plan(d / "c").settings.probes_by_program, s.probes_by_program);
  EXPECT_FALSE(to_json(settings({"31556268"})).contains("probes_by_program"));
  // Each shard names its own programs only.
  for (const Plan& shard : split_plan(p, 2)) {
    ASSERT_EQ(shard.settings.probes_by_program.size(), 1u);
    EXPECT_EQ(shard.settings.probes_by_program.begin()->first, shard.settings.programs.front());
  }
}

// campaign plan --hvp-vectors, --probe-batch, --recurrent: every task carries them, plan.json keeps
// them (only when not the defaults), and a bad value is a one-line error that writes nothing.
TEST(Plan, ProbeSettingsAndRecurrentPathReachEveryTask) {
  TempDir d("plan_probe_settings");
  CampaignSettings s = settings({"31556268"});
  s.hvp_vectors = 2;
  s.probe_batch = 32;
  s.recurrent = "cell";
  const Plan p = make_plan(s, zoo());
  ASSERT_FALSE(p.tasks.empty());
  for (const auto& t : p.tasks) {
    EXPECT_EQ(t.hvp_vectors, 2) << t.run_id;
    EXPECT_EQ(t.probe_batch, 32) << t.run_id;
    EXPECT_EQ(t.recurrent, "cell") << t.run_id;
  }
  write_campaign(d / "c", p, false);
  const Plan back = load_plan(d / "c");
  EXPECT_EQ(back.settings.hvp_vectors, 2);
  EXPECT_EQ(back.settings.recurrent, "cell");
  EXPECT_EQ(back.tasks, p.tasks);
  for (const char* key : {"hvp_vectors", "probe_batch", "recurrent"})
    EXPECT_FALSE(to_json(settings({"31556268"})).contains(key)) << key;

  const std::string out = d / "bad", log = d / "log";
  dynfault_test::ChildProcess plan({CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268", "--recurrent",
                                    "fast", "--out", out},
                                   {}, log);
  EXPECT_NE(plan.wait(60), 0);
  const std::string message = read_text_file(log);
  EXPECT_NE(message.find("--recurrent"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Plan, BadProbesByProgramFileIsOneLineAndWritesNothing) {
  TempDir d("plan_probes_bad");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"31556268": "cf"})", "no probes for program '44164749'"},
      {R"({"31556268": "cf", "44164749": "of", "99999999": "cf"})", "names program '99999999'"},
      {R"({"31556268": "cf", "44164749": "hvp"})", "hvp"},
      {R"(["cf"])", "must be a JSON object"},
      {R"({"31556268": 1, "44164749": "of"})", "must be a string"},
      {"{", "not valid JSON"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string file = d / ("p" + std::to_string(i) + ".json"), out = d / ("c" + std::to_string(i));
    const std::string log = d / ("log" + std::to_string(i));
    {
      std::ofstream f(file);
      f << cases[i].first;
    }
    dynfault_test::ChildProcess plan({CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268,44164749",
                                      "--probes-by-program", file, "--out", out},
                                     {}, log);
    EXPECT_EQ(plan.wait(60), 1) << cases[i].first;
    const std::string message = read_text_file(log);
    EXPECT_NE(message.find(cases[i].second), std::string::npos) << message;
    EXPECT_NE(message.find(file), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), message.size() - 1) << message;
    EXPECT_FALSE(fs::exists(out)) << cases[i].first;
  }
}

// --exclude leaves programs out of a set; a probes-by-program profile may still name them.
TEST(Plan, ExcludeLeavesProgramsOutAndAProfileMayNameThem) {
  TempDir d("plan_exclude");
  {
    std::ofstream f(d / "probes.json");
    f << R"({"31556268": "cf", "44164749": "of", "34311586": "cf,of"})";
  }
  const std::string out = d / "c", log = d / "log";
  dynfault_test::ChildProcess plan({CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268,44164749,34311586",
                                    "--exclude", "34311586", "--probes-by-program", d / "probes.json", "--repeats",
                                    "2", "--max-mutants", "1", "--scale", "smoke", "--out", out},
                                   {}, log);
  ASSERT_EQ(plan.wait(60), 0) << read_text_file(log);
  const Plan p = load_plan(out);
  EXPECT_EQ(p.settings.programs, (std::vector<std::string>{"31556268", "44164749"}));
  EXPECT_EQ(p.settings.probes_by_program.size(), 2u);
  EXPECT_NE(p.settings.selection.find("minus:34311586"), std::string::npos) << p.settings.selection;
  for (const auto& t : p.tasks) EXPECT_NE(t.program, "34311586");
  // Excluding a program that is not selected, or every program, is bad input: one line, nothing written.
  const std::vector<std::pair<std::string, std::string>> cases = {{"64151679", "not in the selection"},
                                                                  {"31556268,44164749", "leaves no program"}};
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string bad_out = d / ("bad" + std::to_string(i)), bad_log = d / ("badlog" + std::to_string(i));
    dynfault_test::ChildProcess bad({CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268,44164749",
                                     "--exclude", cases[i].first, "--out", bad_out},
                                    {}, bad_log);
    EXPECT_EQ(bad.wait(60), 1);
    const std::string message = read_text_file(bad_log);
    EXPECT_NE(message.find("--exclude"), std::string::npos) << message;
    EXPECT_NE(message.find(cases[i].second), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), message.size() - 1) << message;
    EXPECT_FALSE(fs::exists(bad_out));
  }
}

// Version 2 stores tasks as groups (ids and seeds derived); a version-1 plan, one object per task,
// reads to the same plan.
TEST(Plan, TaskGroupsRoundTripAndVersionOnePlansStillRead) {
  const Plan plan = make_plan(settings({"31556268", "44164749"}), zoo());
  const nlohmann::json v2 = plan_to_json(plan);
  ASSERT_TRUE(v2.contains("task_groups"));
  EXPECT_FALSE(v2.contains("tasks"));
  EXPECT_EQ(v2["version"], 2);
  EXPECT_LT(v2["task_groups"].size(), plan.tasks.size());
  const Plan back = plan_from_json(v2, "plan.json");
  ASSERT_EQ(back.tasks.size(), plan.tasks.size());
  for (size_t i = 0; i < plan.tasks.size(); ++i) {
    EXPECT_EQ(back.tasks[i], plan.tasks[i]) << i;
    EXPECT_EQ(back.tasks[i].run_id, plan.tasks[i].run_id);
    EXPECT_EQ(back.tasks[i].seed, plan.tasks[i].seed);
    EXPECT_EQ(back.tasks[i].expected_cost, plan.tasks[i].expected_cost);
  }
  nlohmann::json v1 = v2;
  v1.erase("task_groups");
  v1["version"] = 1;
  v1["tasks"] = nlohmann::json::array();
  for (const auto& t : plan.tasks) v1["tasks"].push_back(to_json(t, false));
  const Plan old = plan_from_json(v1, "plan.json");
  ASSERT_EQ(old.tasks.size(), plan.tasks.size());
  for (size_t i = 0; i < plan.tasks.size(); ++i) EXPECT_EQ(old.tasks[i], plan.tasks[i]) << i;
  EXPECT_EQ(plan_to_json(old), v2);
  // The writer stores no id or seed, so it refuses a task whose own are not the derived ones.
  Plan other_seed = plan;
  other_seed.tasks[1].seed += 1;
  EXPECT_THROW(plan_to_json(other_seed), Error);
  Plan other_id = plan;
  other_id.tasks[1].run_id += "x";
  EXPECT_THROW(plan_to_json(other_id), Error);
}

TEST(Plan, BadTaskGroupsAreOneLineErrors) {
  const nlohmann::json good = plan_to_json(make_plan(settings({"31556268"}), zoo()));
  auto message = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = good;
    edit(j);
    try {
      plan_from_json(j, "plan.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message([](auto& j) { j["task_groups"][0]["repeats"].push_back(0); }).find("duplicate task id"),
            std::string::npos);
  EXPECT_NE(message([](auto& j) { j["task_groups"][0]["repeats"][0] = "0"; }).find("'repeats' has the wrong type"),
            std::string::npos);
  EXPECT_NE(message([](auto& j) { j["task_groups"][0].erase("repeats"); }).find("missing field 'repeats'"),
            std::string::npos);
  EXPECT_NE(message([](auto& j) { j["task_groups"][0]["program"] = "nope"; }).find("has no spec"), std::string::npos);
  EXPECT_NE(message([](auto& j) { j["task_groups"][0]["scale"] = "huge"; }).find("plan.json"), std::string::npos);
  for (const auto& m : {message([](auto& j) { j["task_groups"][0]["repeats"].push_back(0); }),
                        message([](auto& j) { j["task_groups"][0].erase("repeats"); })}) {
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_EQ(m.rfind("plan.json", 0), 0u) << m;
  }
}

// Telling a shard root from a campaign reads only as far as the top-level "format".
TEST(Plan, ShardedRootIsToldByItsFormatAlone) {
  TempDir d("plan_peek");
  auto with_plan = [&](const std::string& name, const std::string& text) {
    const std::string dir = d / name;
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/plan.json") << text;
    return dir;
  };
  EXPECT_TRUE(is_sharded_root(with_plan("root", R"({"format": "dynfault-campaign-shards", "shards": [)")));
  EXPECT_FALSE(is_sharded_root(with_plan("plan", R"({"format": "dynfault-campaign-plan", "tasks": [)")));
  EXPECT_FALSE(is_sharded_root(with_plan("nested", R"({"settings": {"format": "dynfault-campaign-shards"}})")));
  EXPECT_TRUE(is_sharded_root(with_plan("later", R"({"a": [1, {"format": 2}], "format": "dynfault-campaign-shards"})")));
  EXPECT_FALSE(is_sharded_root(with_plan("number", R"({"format": 7})")));
  EXPECT_FALSE(is_sharded_root(with_plan("array", R"(["format", "dynfault-campaign-shards"])")));
  EXPECT_FALSE(is_sharded_root(with_plan("garbage", "not json")));
  EXPECT_FALSE(is_sharded_root(d / "missing"));
}
