// The rendered batch scripts run outside Slurm, with the SLURM_* variables a
// job would see and a recording `scontrol` on PATH: shard choice, exit-status
// handling, signal forwarding to mpirun, and the drain -> requeue decision
// (a real requeue waits ~120 s in Slurm, so it is checked here, not there).
// The real-mpirun tests run a real campaign with the stand-in executors.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>

#include "helpers.h"
#include "slurm/submit.h"
#include "tests/support/wait.h"

using namespace dynfault::slurm;
using slurm_test::Process;
using slurm_test::read_file;
using slurm_test::run;
using slurm_test::TempDir;
using dynfault_test::wait_until;
using slurm_test::write_file;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A campaign tree, a bin/ with a recording scontrol, and the environment of a job.
struct Sandbox {
  TempDir dir{"scripts"};
  std::map<std::string, std::string> env;

  Sandbox() {
    write_file(dir / "bin/scontrol", "#!/bin/bash\necho \"$*\" >> " + dir / "scontrol.calls" + "\n", true);
    env = {{"PATH", dir / "bin" + ":" + std::getenv("PATH")},
           {"SLURM_JOB_ID", "4242"},
           {"SLURM_NTASKS", "2"},
           {"SLURM_RESTART_COUNT", "0"},
           {"OMPI_ALLOW_RUN_AS_ROOT", "1"},
           {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"}};
  }
  std::string scontrol_calls() const { return fs::exists(dir / "scontrol.calls") ? read_file(dir / "scontrol.calls") : ""; }
  std::string script(const JobScript& job, const std::string& name) const {
    write_file(dir / name, job.text);
    return dir / name;
  }
};

// A stand-in mpirun: records its arguments, says when it is ready, and then
//  - exits with $FAKE_STATUS at once if that is set, or
//  - waits for USR1 (any other signal kills it), appends to the target's
//    journal if $FAKE_PROGRESS is set, and exits 75 ("resume me").
void fake_mpirun(const Sandbox& s) {
  write_file(s.dir / "bin/fake-mpirun",
             "#!/bin/bash\n"
             "printf '%s\\n' \"$@\" > " + s.dir / "mpirun.args" + "\n"
             "target=; prev=; for a in \"$@\"; do [ \"$prev\" = run ] && target=$a; prev=$a; done\n"
             "[ -n \"${FAKE_STATUS:-}\" ] && exit \"$FAKE_STATUS\"\n"
             "trap 'echo USR1 >> " + s.dir / "mpirun.signals" + "; "
             "[ -n \"${FAKE_PROGRESS:-}\" ] && echo done >> \"$target/journal.log\"; exit 75' USR1\n"
             "touch " + s.dir / "mpirun.ready" + "\n"
             "while :; do sleep 0.05 & wait $!; done\n",
             true);
}

void fake_campaign(const std::string& dir, int shards) {
  const std::string plan = R"({"format": "dynfault-campaign-plan", "version": 1})";
  if (shards <= 1) {
    write_file(dir + "/plan.json", plan);
    write_file(dir + "/journal.log", "");
    return;
  }
  std::string list;
  for (int i = 0; i < shards; ++i) {
    const std::string name = "shard-00" + std::to_string(i);
    write_file(dir + "/" + name + "/plan.json", plan);
    write_file(dir + "/" + name + "/journal.log", "");
    list += std::string(i ? "," : "") + R"({"dir": ")" + name + R"("})";
  }
  write_file(dir + "/plan.json", R"({"format": "dynfault-campaign-shards", "shards": [)" + list + "]}");
}

JobScript fake_campaign_job(const Sandbox& s, int shards) {
  fake_campaign(s.dir / "c", shards);
  CampaignJobOptions o;
  o.campaign = s.dir / "c";
  o.resources.ntasks_per_node = 2;
  o.resources.time = "01:00:00";
  o.dynfault = "/bin/true";
  o.mpirun = s.dir / "bin/fake-mpirun";
  o.run_args = {"--quiet"};
  return campaign_job(o);
}

// Runs `script` in the background, signals it once the fake mpirun is ready.
int run_and_signal(const Sandbox& s, const std::string& script, int signal_number,
                   std::map<std::string, std::string> extra_env, std::string& log) {
  auto env = s.env;
  for (const auto& [k, v] : extra_env) env[k] = v;
  Process p({"bash", script}, env, s.dir / "log");
  EXPECT_TRUE(wait_until([&] { return fs::exists(s.dir / "mpirun.ready"); }, 30)) << "no fake mpirun";
  ::kill(p.pid(), signal_number);
  const int status = p.wait(30);
  log = read_file(s.dir / "log");
  return status;
}

}  // namespace

TEST(SlurmCampaignScript, RunsTheArrayElementsShardWithOneRankPerTaskPlusTheMaster) {
  Sandbox s;
  fake_mpirun(s);
  const std::string script = s.script(fake_campaign_job(s, 3), "job.sh");
  auto env = s.env;
  env["SLURM_NTASKS"] = "4";
  env["SLURM_ARRAY_TASK_ID"] = "1";
  env["FAKE_STATUS"] = "0";
  std::string log;
  ASSERT_EQ(run({"bash", script}, log, env), 0) << log;
  EXPECT_EQ(read_file(s.dir / "mpirun.args"), "-np\n5\n--oversubscribe\n/bin/true\ncampaign\nrun\n" + s.dir /
                                                  "c/shard-001\n--grace\n120\n--quiet\n");
  EXPECT_TRUE(contains(log, "restart 0, 5 ranks (1 master + 4 workers)")) << log;
  EXPECT_TRUE(contains(log, "campaign complete")) << log;
  EXPECT_EQ(s.scontrol_calls(), "");
}

TEST(SlurmCampaignScript, RefusesAMissingOrWrongArrayIndexAndRunsOnlyUnderSbatch) {
  Sandbox s;
  fake_mpirun(s);
  const std::string script = s.script(fake_campaign_job(s, 2), "job.sh");
  std::string log;
  auto env = s.env;
  env["FAKE_STATUS"] = "0";
  EXPECT_EQ(run({"bash", script}, log, env), 1);
  EXPECT_TRUE(contains(log, "submit this script as a job array (--array=0-1)")) << log;
  env["SLURM_ARRAY_TASK_ID"] = "2";
  EXPECT_EQ(run({"bash", script}, log, env), 1);
  EXPECT_TRUE(contains(log, "array index 2, but")) << log;
  env["SLURM_ARRAY_TASK_ID"] = "0";
  env.erase("SLURM_NTASKS");
  EXPECT_EQ(run({"bash", "-c", "unset SLURM_NTASKS; exec bash " + script}, log, env), 1);
  EXPECT_TRUE(contains(log, "SLURM_NTASKS is not set")) << log;
  EXPECT_FALSE(fs::exists(s.dir / "mpirun.args"));
}

TEST(SlurmCampaignScript, PassesOnAFailureWithoutRequeueing) {
  Sandbox s;
  fake_mpirun(s);
  const std::string script = s.script(fake_campaign_job(s, 1), "job.sh");
  std::string log;
  auto env = s.env;
  env["FAKE_STATUS"] = "3";
  EXPECT_EQ(run({"bash", script}, log, env), 3);
  EXPECT_TRUE(contains(log, "exited with status 3")) << log;
  env["FAKE_STATUS"] = "75";  // drained, but not by the time-limit warning
  EXPECT_EQ(run({"bash", script}, log, env), 75);
  EXPECT_TRUE(contains(log, "drained: not requeueing")) << log;
  EXPECT_EQ(s.scontrol_calls(), "");
}

TEST(SlurmCampaignScript, Usr1IsForwardedAndADrainWithProgressRequeues) {
  Sandbox s;
  fake_mpirun(s);
  const std::string script = s.script(fake_campaign_job(s, 1), "job.sh");
  std::string log;
  EXPECT_EQ(run_and_signal(s, script, SIGUSR1, {{"FAKE_PROGRESS", "1"}}, log), 75) << log;
  EXPECT_EQ(read_file(s.dir / "mpirun.signals"), "USR1\n");
  EXPECT_EQ(s.scontrol_calls(), "requeue 4242\n");
  EXPECT_TRUE(contains(log, "got SIGUSR1")) << log;
  EXPECT_TRUE(contains(log, "requeueing job 4242 (restart 1")) << log;
}

TEST(SlurmCampaignScript, ADrainWithoutProgressIsNotRequeued) {
  Sandbox s;
  fake_mpirun(s);
  const std::string script = s.script(fake_campaign_job(s, 1), "job.sh");
  std::string log;
  EXPECT_EQ(run_and_signal(s, script, SIGUSR1, {}, log), 75) << log;
  EXPECT_EQ(s.scontrol_calls(), "");
  EXPECT_TRUE(contains(log, "no task finished in this allocation")) << log;
}

TEST(SlurmCampaignScript, TermIsForwardedAsUsr1AndNotRequeued) {
  Sandbox s;
  fake_mpirun(s);
  const std::string script = s.script(fake_campaign_job(s, 1), "job.sh");
  std::string log;
  // The fake mpirun dies of anything but USR1: a clean 75 shows TERM arrived as USR1.
  EXPECT_EQ(run_and_signal(s, script, SIGTERM, {{"FAKE_PROGRESS", "1"}}, log), 75) << log;
  EXPECT_EQ(read_file(s.dir / "mpirun.signals"), "USR1\n");
  EXPECT_EQ(s.scontrol_calls(), "");
  EXPECT_TRUE(contains(log, "drained after SIGTERM: not requeueing")) << log;
}

TEST(SlurmCampaignScript, RealCampaignDrainsOnUsr1RequeuesAndTheRestartCompletes) {
#ifndef CAMPAIGN_DRIVER
  GTEST_SKIP() << "needs the campaign stage (campaign_driver)";
#else
  Sandbox s;
  std::string out;
  ASSERT_EQ(run({CAMPAIGN_DRIVER, "campaign", "plan", "--programs", "31556268,44164749", "--repeats", "2", "--scale",
                 "smoke", "--probes", "of", "--max-mutants", "3", "--seed", "5", "--out", s.dir / "c"},
                out),
            0)
      << out;
  CampaignJobOptions o;
  o.campaign = s.dir / "c";
  o.resources.ntasks_per_node = 2;
  o.resources.time = "01:00:00";
  o.grace = 20;
  o.dynfault = CAMPAIGN_DRIVER;
  o.mpirun = MPIEXEC;
  o.run_args = {"--quiet"};
  const std::string script = s.script(campaign_job(o), "job.sh");
  const std::string status_stream = s.dir / "c/status.jsonl";
  {
    auto env = s.env;
    env["DYNFAULT_SLEEP_MS"] = "300";
    Process job({"bash", script}, env, s.dir / "log");
    // Some tasks done, most not: then the time-limit warning.
    EXPECT_TRUE(wait_until(
        [&] { return fs::exists(status_stream) && slurm_test::count_lines(read_file(status_stream)) >= 2; }, 30))
        << "no finished tasks";
    ::kill(job.pid(), SIGUSR1);
    ASSERT_EQ(job.wait(60), 75) << read_file(s.dir / "log");
  }
  std::string log = read_file(s.dir / "log");
  EXPECT_TRUE(contains(log, "got SIGUSR1")) << log;
  EXPECT_EQ(s.scontrol_calls(), "requeue 4242\n");
  EXPECT_FALSE(fs::exists(s.dir / "c/traces.h5")) << "the campaign finished before the drain";
  ASSERT_EQ(run({CAMPAIGN_DRIVER, "campaign", "status", s.dir / "c"}, out), 0);
  EXPECT_TRUE(contains(out, "0 crashed")) << out;  // a drain is not a crash
  EXPECT_FALSE(contains(out, "complete")) << out;

  // What Slurm does after the requeue: the same script, same job id, restart count 1.
  auto env = s.env;
  env["SLURM_RESTART_COUNT"] = "1";
  env["DYNFAULT_SLEEP_MS"] = "1";
  ASSERT_EQ(run({"bash", script}, log, env), 0) << log;
  EXPECT_TRUE(contains(log, "restart 1, 3 ranks")) << log;
  EXPECT_TRUE(fs::exists(s.dir / "c/traces.h5"));
  EXPECT_EQ(s.scontrol_calls(), "requeue 4242\n");
  ASSERT_EQ(run({CAMPAIGN_DRIVER, "campaign", "status", s.dir / "c"}, out), 0);
  EXPECT_TRUE(contains(out, "complete (traces.h5)")) << out;
#endif
}

TEST(SlurmEvaluateScript, CollectsEveryShardThenEvaluatesOnEveryRank) {
  Sandbox s;
  fake_campaign(s.dir / "c", 2);
  // A recording dynfault and mpirun: the script's commands, in order.
  const std::string calls = s.dir / "calls";
  write_file(s.dir / "bin/fake-dynfault", "#!/bin/bash\necho \"dynfault $*\" >> " + calls + "\nexit ${FAKE_DYNFAULT_STATUS:-0}\n", true);
  write_file(s.dir / "bin/fake-mpirun", "#!/bin/bash\necho \"mpirun $1 $2 $3\" >> " + calls + "\nshift 2; exec \"$@\"\n", true);
  EvaluateJobOptions o;
  o.campaign = s.dir / "c";
  o.resources.ntasks_per_node = 2;
  o.resources.time = "00:10:00";
  o.dynfault = s.dir / "bin/fake-dynfault";
  o.mpirun = s.dir / "bin/fake-mpirun";
  o.evaluate_args = {"--bootstrap", "0"};
  const std::string script = s.script(evaluate_job(o), "job.sh");
  std::string log;
  auto env = s.env;
  env["SLURM_NTASKS"] = "6";
  ASSERT_EQ(run({"bash", script}, log, env), 0) << log;
  const std::string dyn = s.dir / "bin/fake-dynfault";
  EXPECT_EQ(read_file(calls), "dynfault collect " + s.dir / "c/shard-000 " + s.dir / "c/shard-001 --out " + s.dir /
                                  "c/corpus.h5\n" + "mpirun -np 6 " + dyn + "\n" + "dynfault evaluate rq1 " + s.dir /
                                  "c/corpus.h5 --out " + s.dir / "c/rq1" + " --bootstrap 0\n");
  // A failed collect stops the job before the evaluation.
  fs::remove(calls);
  env["FAKE_DYNFAULT_STATUS"] = "1";
  EXPECT_EQ(run({"bash", script}, log, env), 1);
  EXPECT_EQ(slurm_test::count_lines(read_file(calls)), 1u);
}
