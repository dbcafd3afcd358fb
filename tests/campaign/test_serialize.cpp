#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "campaign/serialize.h"

using namespace dynfault;
using namespace dynfault::campaign;

namespace {

uint64_t bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

double from_bits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

Trace rich_trace() {
  Trace t;
  t.run_id = "31556268.orig.r004";
  t.program = "31556268";
  t.architecture = "FFNN";
  t.parameters = R"({"learning_rate":0.0001})";
  t.repeat = 4;
  t.seed = 0xdeadbeefcafef00dULL;
  t.probes = "cf,of";
  t.scale = "smoke";
  t.status = RunStatus::Failed;
  t.error = "loss became NaN";
  t.unstable = true;
  t.first_unstable_epoch = 2;
  t.wall_seconds = 1.25;
  t.versions = {{"libtorch", "1.13.1"}, {"hdf5", "1.10.8"}};
  t.at_init = {{"hvp_mean", 0.125}, {"grad_norm", -0.0}};
  t.set_channels({"train_loss", "val_acc", "sys_wall_seconds"}, {"1", "1", "s"});
  t.append_epoch({0.5, 0.75, 0.01});
  t.append_epoch({std::numeric_limits<double>::infinity(), from_bits(0x7ff8000000000123ULL), 0.02});  // NaN payload
  t.append_epoch({-0.0, std::numeric_limits<double>::denorm_min(), 0.03});
  t.layer_series.push_back({"hvp_norm", "1", {"dense", "dense_1"}, {1, 2, 3, std::nan(""), 5, 6}});
  return t;
}

}  // namespace

TEST(Serialize, TraceRoundTripIsBitExact) {
  const Trace t = rich_trace();
  const Trace u = deserialize_trace(serialize_trace(t));
  EXPECT_EQ(t, u);
  ASSERT_EQ(t.values.size(), u.values.size());
  for (size_t i = 0; i < t.values.size(); ++i) EXPECT_EQ(bits(t.values[i]), bits(u.values[i])) << i;
  EXPECT_EQ(bits(u.value(1, 1)), 0x7ff8000000000123ULL);  // the NaN payload survives
  EXPECT_TRUE(std::signbit(u.value(2, 0)));                // so does -0.0
  EXPECT_EQ(u.wall_seconds, 1.25);                         // not compared by ==, checked here
  EXPECT_EQ(u.versions, t.versions);
  EXPECT_EQ(bits(u.at_init.at("grad_norm")), bits(-0.0));
  EXPECT_EQ(trace_checksum(t), trace_checksum(u));
}

TEST(Serialize, TaskRoundTrip) {
  RunTask t;
  t.run_id = "a-op-1.r002";
  t.program = "a";
  t.mutant_id = "a-op-1";
  t.operator_name = "op";
  t.category = FaultCategory::Loss;
  t.parameters = R"({"loss":"mse"})";
  t.repeat = 2;
  t.seed = 42;
  t.probes = ProbeSet{{"of"}};
  t.scale = Scale::Full;
  t.spec = std::string(10000, 'x');
  t.expected_cost = 0.1;
  EXPECT_EQ(deserialize_task(serialize_task(t)), t);
  t.of_compat = "v2";
  EXPECT_EQ(deserialize_task(serialize_task(t)).of_compat, "v2");
  EXPECT_EQ(deserialize_task(serialize_task(t)), t);
  // In plan files only when set, and checked when present.
  EXPECT_EQ(task_from_json(to_json(t), "plan").of_compat, "v2");
  t.of_compat.clear();
  EXPECT_FALSE(to_json(t).contains("of_compat"));
  nlohmann::json bad = to_json(t);
  bad["of_compat"] = "v3";
  EXPECT_THROW(task_from_json(bad, "plan"), Error);
}

TEST(Serialize, ProbeSettingsAndRecurrentPathTravelWithTasksAndTraces) {
  RunTask t;
  t.run_id = "a.orig.r000";
  t.program = "a";
  t.probes = ProbeSet{{"cf"}};
  t.hvp_vectors = 1;
  t.probe_batch = 32;
  t.recurrent = "cell";
  EXPECT_EQ(deserialize_task(serialize_task(t)), t);
  const RunTask from_json = task_from_json(to_json(t), "plan");
  EXPECT_EQ(from_json.hvp_vectors, 1);
  EXPECT_EQ(from_json.probe_batch, 32);
  EXPECT_EQ(from_json.recurrent, "cell");
  // Plan files hold them only when not the defaults, and check them when present.
  RunTask plain = t;
  plain.hvp_vectors = kDefaultHvpVectors;
  plain.probe_batch = kDefaultProbeBatch;
  plain.recurrent.clear();
  for (const char* key : {"hvp_vectors", "probe_batch", "recurrent"}) EXPECT_FALSE(to_json(plain).contains(key)) << key;
  for (const auto& [key, value] : std::vector<std::pair<const char*, nlohmann::json>>{
           {"hvp_vectors", 0}, {"probe_batch", -3}, {"recurrent", "fast"}, {"hvp_vectors", "4"}}) {
    nlohmann::json bad = to_json(plain);
    bad[key] = value;
    EXPECT_THROW(task_from_json(bad, "plan"), Error) << key << " = " << value.dump();
  }
  Trace tr = rich_trace();
  tr.hvp_vectors = 8;
  tr.probe_batch = 16;
  tr.recurrent = "cell";
  EXPECT_EQ(deserialize_trace(serialize_trace(tr)), tr);
}

TEST(Serialize, OfCompatTraceRoundTrip) {
  Trace t = rich_trace();
  t.of_compat = "v2";
  const Trace u = deserialize_trace(serialize_trace(t));
  EXPECT_EQ(u.of_compat, "v2");
  EXPECT_EQ(t, u);
}

TEST(Serialize, ResultRoundTrip) {
  TaskResult r;
  r.task_index = 17;
  r.outcome = Outcome::Crashed;
  r.message = "killed by signal 11";
  r.trace = rich_trace();
  r.checksum = trace_checksum(r.trace);
  r.host = "node7";
  r.rank = 3;
  r.start_unix = 1.7e9;
  r.seconds = 0.5;
  const TaskResult s = deserialize_result(serialize_result(r));
  EXPECT_EQ(s.task_index, 17);
  EXPECT_EQ(s.outcome, Outcome::Crashed);
  EXPECT_EQ(s.message, r.message);
  EXPECT_EQ(s.trace, r.trace);
  EXPECT_EQ(s.checksum, r.checksum);
  EXPECT_EQ(s.host, "node7");
  EXPECT_EQ(s.rank, 3);
}

TEST(Serialize, GarbageIsAnError) {
  EXPECT_THROW(deserialize_trace("not an archive"), Error);
  const std::string good = serialize_trace(rich_trace());
  EXPECT_THROW(deserialize_trace(good.substr(0, good.size() / 2)), Error);
}
