// The dispatch loop in one process (no MPI launcher: the master runs every
// task itself, each in a forked child) with the stand-in executors.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "core/corpus.h"
#include "core/error.h"
#include "helpers.h"
#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/dispatch.h"
#include "campaign/state.h"
#include "tests/support/wait.h"

using namespace dynfault;
using namespace dynfault::campaign;
using campaign_test::TempDir;
using campaign_test::plan_into;
using campaign_test::zoo;

namespace {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};


CampaignRunOptions quiet_options() {
  CampaignRunOptions o;
  o.executor = "sleep";
  o.progress = false;
  o.batch_size = 4;
  return o;
}

std::map<std::string, Trace> corpus_traces(const std::string& path) {
  const CorpusReader reader(path);
  std::map<std::string, Trace> out;
  for (const auto& row : reader.index()) out[row.run_id] = reader.read(row.run_id);
  return out;
}

std::map<std::string, std::pair<int64_t, std::string>> corpus_verdicts(const std::string& path) {
  const CorpusReader reader(path);
  std::map<std::string, std::pair<int64_t, std::string>> out;
  for (const auto& row : reader.index()) out[row.run_id] = {row.killed, row.label};
  return out;
}

size_t count_lines(const std::string& path, const std::string& needle = "") {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += needle.empty() || line.find(needle) != std::string::npos;
  return n;
}

}  // namespace

TEST(Dispatch, RunsToCompletionAndWritesTheCorpus) {
  TempDir d("dispatch_complete");
  const std::string c = d / "c";
  plan_into(c);
  ScopedEnv fast("DYNFAULT_SLEEP_MS", "1");
  const CampaignRunResult first = run_campaign(c, quiet_options());
  ASSERT_EQ(first.exit_code, kExitComplete);
  ASSERT_TRUE(first.stats);
  const CampaignState state(load_plan(c), read_journal(c + "/journal.log"));
  EXPECT_TRUE(state.complete());
  EXPECT_GT(state.size(), load_plan(c).tasks.size()) << "searches should have added settings";
  const auto traces = corpus_traces(c + "/traces.h5");
  EXPECT_EQ(traces.size(), state.size());
  for (const auto& [id, t] : traces) {
    ASSERT_TRUE(state.find(id)) << id;
    EXPECT_EQ(t.seed, task_seed(3, id));
  }
  EXPECT_EQ(count_lines(c + "/status.jsonl"), state.size());
  EXPECT_EQ(state.verdict_count(), state.plan().mutants.size());
  EXPECT_GT(first.stats->batches_written, 1u);
  EXPECT_EQ(first.stats->tasks_finished, state.size());
  // Running a finished campaign again runs nothing.
  const CampaignRunResult again = run_campaign(c, quiet_options());
  ASSERT_EQ(again.exit_code, kExitComplete);
  EXPECT_EQ(count_lines(c + "/status.jsonl"), state.size());
  ASSERT_TRUE(again.stats);
  EXPECT_EQ(again.stats->tasks_finished, 0u);
}

TEST(Dispatch, CrashingTaskIsRetriedThenRecordedAsCrash) {
  TempDir d("dispatch_crash");
  const std::string c = d / "c";
  plan_into(c, 2, 1);
  const std::string victim = "44164749.orig.r001";
  ScopedEnv fast("DYNFAULT_SLEEP_MS", "1");
  ScopedEnv crash("DYNFAULT_FAKE_CRASH", victim);
  CampaignRunOptions o = quiet_options();
  o.retries = 2;
  ASSERT_EQ(run_campaign(c, o).exit_code, kExitComplete);
  const auto traces = corpus_traces(c + "/traces.h5");
  const Trace& t = traces.at(victim);
  EXPECT_EQ(t.status, RunStatus::Crashed);
  EXPECT_NE(t.error.find("3 times"), std::string::npos) << t.error;
  EXPECT_NE(t.error.find("signal 6"), std::string::npos) << t.error;  // abort()
  EXPECT_EQ(count_lines(c + "/status.jsonl", "\"worker-crash\""), 2u);
  EXPECT_EQ(count_lines(c + "/status.jsonl", "\"crashed\""), 1u);
  // The victim's journal record exists and counts all three attempts.
  const auto journal = read_journal(c + "/journal.log");
  const auto record = std::find_if(journal.done.begin(), journal.done.end(),
                                   [&](const DoneRecord& r) { return r.task_id == victim; });
  ASSERT_NE(record, journal.done.end()) << victim << " has no journal record";
  EXPECT_EQ(record->attempts, 3);
  // Every other task is fine.
  for (const auto& [id, trace] : traces)
    if (id != victim) {
      EXPECT_EQ(trace.status, RunStatus::Ok) << id;
    }
}

TEST(Dispatch, HungTaskIsStoppedAtTheTimeout) {
  TempDir d("dispatch_hang");
  const std::string c = d / "c";
  plan_into(c, 2, 0);
  const std::string victim = "31556268.orig.r000";
  ScopedEnv fast("DYNFAULT_SLEEP_MS", "1");
  ScopedEnv hang("DYNFAULT_FAKE_HANG", victim);
  CampaignRunOptions o = quiet_options();
  o.task_timeout = 0.5;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_campaign(c, o).exit_code, kExitComplete);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  const auto traces = corpus_traces(c + "/traces.h5");
  EXPECT_EQ(traces.at(victim).status, RunStatus::Timeout);
  EXPECT_EQ(traces.at(victim).epochs(), 0u);
  EXPECT_EQ(count_lines(c + "/status.jsonl", "\"timeout\""), 1u);
}

TEST(Dispatch, SigtermDrainsThenResumeMatchesAnUninterruptedRun) {
  TempDir d("dispatch_drain");
  const std::string reference = d / "ref", drained = d / "drained";
  plan_into(reference);
  plan_into(drained);
  ScopedEnv slow("DYNFAULT_SLEEP_MS", "15");
  ASSERT_EQ(run_campaign(reference, quiet_options()).exit_code, kExitComplete);

  CampaignRunOptions o = quiet_options();
  o.grace = 5;
  o.batch_size = 1;  // the journal shows the first finished task; signal then, mid-campaign
  std::thread signaller([&] {
    dynfault_test::wait_until([&] { return !read_journal(drained + "/journal.log").done.empty(); });
    ::kill(::getpid(), SIGTERM);
  });
  const int first = run_campaign(drained, o).exit_code;
  signaller.join();
  ASSERT_EQ(first, kExitResumeMe);
  const CampaignState partial(load_plan(drained), read_journal(drained + "/journal.log"));
  EXPECT_GT(partial.done_count(), 0u);
  EXPECT_FALSE(partial.complete());
  EXPECT_FALSE(fs::exists(drained + "/traces.h5"));
  // A task that was running when the signal came finished within the grace
  // period: every attempt in the status stream is a finished task.
  EXPECT_EQ(count_lines(drained + "/status.jsonl", "\"stopped\""), 0u);

  ASSERT_EQ(run_campaign(drained, quiet_options()).exit_code, kExitComplete);
  EXPECT_EQ(corpus_traces(drained + "/traces.h5"), corpus_traces(reference + "/traces.h5"));
  EXPECT_EQ(corpus_verdicts(drained + "/traces.h5"), corpus_verdicts(reference + "/traces.h5"));
}

TEST(Dispatch, UnknownExecutorIsAUserError) {
  TempDir d("dispatch_exec");
  const std::string c = d / "c";
  plan_into(c, 1, 0);
  CampaignRunOptions o = quiet_options();
  o.executor = "nope";
  try {
    run_campaign(c, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sleep"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_campaign(d / "missing", quiet_options()), Error);
}
