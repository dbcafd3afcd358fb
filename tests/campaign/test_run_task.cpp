#include <gtest/gtest.h>

#include "core/error.h"
#include "core/run_task.h"

using namespace dynfault;

TEST(RunTask, IdsAreStableAndSafe) {
  EXPECT_EQ(make_task_id("31556268", "", 3), "31556268.orig.r003");
  EXPECT_EQ(make_task_id("31556268", "31556268-change_learning_rate-0a1b2c3d", 12),
            "31556268-change_learning_rate-0a1b2c3d.r012");
  // Foreign mutant ids get the program prefix, and unsafe characters are replaced.
  EXPECT_EQ(make_task_id("p1", "lr x/2", 0), "p1.lr-x-2.r000");
}

TEST(RunTask, SeedDependsOnIdentityOnly) {
  EXPECT_EQ(task_seed(7, "31556268.orig.r000"), task_seed(7, "31556268.orig.r000"));
  EXPECT_NE(task_seed(7, "31556268.orig.r000"), task_seed(7, "31556268.orig.r001"));
  EXPECT_NE(task_seed(7, "31556268.orig.r000"), task_seed(8, "31556268.orig.r000"));
}

TEST(RunTask, JsonRoundTrip) {
  RunTask t;
  t.run_id = "p.orig.r001";
  t.program = "p";
  t.architecture = Architecture::RNN;
  t.repeat = 1;
  t.seed = 0xffffffffffffffffULL;  // does not fit a double: stored as text
  t.probes = ProbeSet{{"cf"}};
  t.scale = Scale::Smoke;
  t.spec = R"({"id":"p"})";
  t.expected_cost = 2.5;
  EXPECT_EQ(task_from_json(to_json(t), "test"), t);
  RunTask no_spec = t;
  no_spec.spec.clear();
  EXPECT_EQ(task_from_json(to_json(t, false), "test"), no_spec);
}

// Plan files keep their spelling: enums as their names, no category for an original.
TEST(RunTask, JsonSpellsEnumsByName) {
  RunTask t;
  t.run_id = make_task_id("p", "p-change_loss-1", 0);
  t.program = "p";
  t.architecture = Architecture::CNN;
  t.mutant_id = "p-change_loss-1";
  t.operator_name = "change_loss";
  t.category = FaultCategory::Loss;
  const auto j = to_json(t);
  EXPECT_EQ(j.at("architecture").get<std::string>(), "CNN");
  EXPECT_EQ(j.at("category").get<std::string>(), "Loss");
  EXPECT_EQ(task_from_json(j, "test"), t);
  EXPECT_EQ(to_json(RunTask{}).at("category").get<std::string>(), "");
}

TEST(RunTask, BadJsonNamesTheProblem) {
  auto j = to_json(RunTask{});
  j["seed"] = "12x";
  try {
    task_from_json(j, "plan.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("seed"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("plan.json"), std::string::npos);
  }
}
