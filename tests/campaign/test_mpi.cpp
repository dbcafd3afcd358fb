// The campaign under mpirun -np 3: counts against the plan, faulty tasks, a
// rank SIGKILLed at random moments (master included) then resumed, and the
// graceful drain. Ranks run CAMPAIGN_DRIVER (stand-in executors) unless the
// test says otherwise; the real-runner test uses the dynfault binary.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/corpus.h"
#include "helpers.h"
#include "tests/support/child_process.h"
#include "tests/support/wait.h"
#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/dispatch.h"
#include "campaign/state.h"
#include "campaign/status.h"

using namespace dynfault;
using namespace dynfault::campaign;
using campaign_test::TempDir;
using campaign_test::plan_into;
using campaign_test::zoo;
using dynfault_test::wait_until;

namespace {

// Everything we start runs in its own process group, killed at the end.
using Launched = dynfault_test::ChildProcess;

// The contents of a /proc file, or "" once the process is gone: a process can exit between
// readdir() and the read, which then fails with ESRCH (std::ifstream's filebuf throws on it).
std::string proc_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.clear();
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// PID of MPI rank `rank` among mpirun's children (the ranks' forked task
// children carry the same environment but have the rank as parent).
pid_t rank_pid(pid_t mpirun_pid, int rank) {
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  DIR* proc = ::opendir("/proc");
  pid_t found = -1;
  while (dirent* e = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    const std::string s = proc_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = s.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    if (std::sscanf(s.c_str() + close + 2, "%*c %d", &ppid) != 1 || ppid != mpirun_pid) continue;
    std::istringstream vars(proc_file("/proc/" + std::to_string(pid) + "/environ"));
    for (std::string v; std::getline(vars, v, '\0');)
      if (v == want) found = pid;
  }
  ::closedir(proc);
  return found;
}

std::map<std::string, std::string> mpi_env(const std::string& sleep_ms) {
  return {{"OMPI_ALLOW_RUN_AS_ROOT", "1"},
          {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"},
          {"OMPI_MCA_rmaps_base_oversubscribe", "1"},
          {"OPENBLAS_NUM_THREADS", "1"},
          {"DYNFAULT_SLEEP_MS", sleep_ms}};
}

std::vector<std::string> mpirun(int ranks, const std::string& binary, const std::string& dir,
                                std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {MPIEXEC,  "--allow-run-as-root", "--oversubscribe", "-np",
                                   std::to_string(ranks), binary, "campaign", "run", dir, "--quiet"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}


struct Corpus {
  std::map<std::string, Trace> traces;
  std::map<std::string, std::pair<int64_t, std::string>> verdicts;
};
Corpus read_corpus(const std::string& path) {
  const CorpusReader reader(path);
  Corpus c;
  for (const auto& row : reader.index()) {
    c.traces[row.run_id] = reader.read(row.run_id);
    c.verdicts[row.run_id] = {row.killed, row.label};
  }
  return c;
}

std::string log_text(const std::string& path) {
  try {
    return read_text_file(path);
  } catch (...) {
    return "";
  }
}

// The reference: an uninterrupted -np 3 run of the small campaign.
const Corpus& reference_corpus(const std::string& sleep_ms) {
  static std::map<std::string, Corpus> cache;
  if (!cache.count(sleep_ms)) {
    TempDir d("mpi_reference_" + sleep_ms);
    const std::string c = d / "c";
    plan_into(c);
    Launched run(mpirun(3, CAMPAIGN_DRIVER, c, {"--batch", "3"}), mpi_env(sleep_ms), d / "log");
    const int code = run.wait(120);
    EXPECT_EQ(code, 0) << log_text(d / "log");
    cache[sleep_ms] = read_corpus(c + "/traces.h5");
  }
  return cache[sleep_ms];
}

}  // namespace

TEST(CampaignMpi, ThreeRanksMatchThePlanAndOneProcess) {
  TempDir d("mpi_counts");
  const std::string c = d / "c", single = d / "single";
  plan_into(c);
  plan_into(single);
  Launched run(mpirun(3, CAMPAIGN_DRIVER, c, {"--batch", "3", "--stats", d / "stats.json"}), mpi_env("5"),
               d / "log");
  ASSERT_EQ(run.wait(120), 0) << log_text(d / "log");
  const CampaignState state(load_plan(c), read_journal(c + "/journal.log"));
  ASSERT_TRUE(state.complete());
  const Corpus corpus = read_corpus(c + "/traces.h5");
  EXPECT_EQ(corpus.traces.size(), state.size());
  size_t originals = 0, killed_runs = 0;
  for (const auto& [id, t] : corpus.traces) {
    originals += t.mutant_id.empty();
    killed_runs += corpus.verdicts.at(id).first == 1;
  }
  EXPECT_EQ(originals, 2u * 3u);
  EXPECT_GT(killed_runs, 0u);
  // The master's statistics: two workers, every task handled once.
  const auto stats = nlohmann::json::parse(read_text_file(d / "stats.json"));
  EXPECT_EQ(stats["workers"], 2);
  EXPECT_EQ(stats["tasks_finished"].get<size_t>(), state.size());
  // campaign status sets the plan's estimate beside the time the finished tasks took (status.jsonl).
  const std::string status = status_text(c);
  EXPECT_NE(status.find("cost of the " + std::to_string(load_plan(c).tasks.size()) + " finished planned tasks: estimated"),
            std::string::npos) << status;
  EXPECT_NE(status.find("(heuristic), took"), std::string::npos) << status;
  // Same traces whatever the rank count: one process, no MPI launcher.
  Launched alone({CAMPAIGN_DRIVER, "campaign", "run", single, "--quiet"}, mpi_env("5"), d / "log1");
  ASSERT_EQ(alone.wait(120), 0) << log_text(d / "log1");
  const Corpus one = read_corpus(single + "/traces.h5");
  EXPECT_EQ(one.traces, corpus.traces);
  EXPECT_EQ(one.verdicts, corpus.verdicts);
}

TEST(CampaignMpi, CrashesAndTimeoutsUnderMpi) {
  TempDir d("mpi_faulty");
  const std::string c = d / "c";
  plan_into(c, 2, 1);
  auto env = mpi_env("2");
  env["DYNFAULT_FAKE_CRASH"] = "44164749.orig.r001";
  env["DYNFAULT_FAKE_HANG"] = "31556268.orig.r000";
  Launched run(mpirun(3, CAMPAIGN_DRIVER, c, {"--retries", "1", "--task-timeout", "1"}), env, d / "log");
  ASSERT_EQ(run.wait(120), 0) << log_text(d / "log");
  const Corpus corpus = read_corpus(c + "/traces.h5");
  EXPECT_EQ(corpus.traces.at("44164749.orig.r001").status, RunStatus::Crashed);
  EXPECT_NE(corpus.traces.at("44164749.orig.r001").error.find("2 times"), std::string::npos);
  EXPECT_EQ(corpus.traces.at("31556268.orig.r000").status, RunStatus::Timeout);
  size_t ok = 0;
  for (const auto& [id, t] : corpus.traces) ok += t.status == RunStatus::Ok;
  EXPECT_EQ(ok, corpus.traces.size() - 2);
}

TEST(CampaignMpi, SigkillOfARandomRankThenResumeLosesAndDuplicatesNothing) {
  const Corpus& reference = reference_corpus("40");
  ASSERT_FALSE(reference.traces.empty());
  std::mt19937 rng(20240601);
  int interrupted = 0;
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    TempDir d("mpi_kill_" + std::to_string(round));
    const std::string c = d / "c";
    plan_into(c);
    const int victim = std::uniform_int_distribution<int>(0, 2)(rng);
    // Where the kill lands is drawn in campaign progress, not in milliseconds, so a
    // loaded machine (slow launch, slow ranks) moves neither it nor the test's outcome:
    // once the victim rank runs and the journal holds at least `after` finished tasks.
    // At most half the tasks, so the kill always lands mid-campaign.
    const size_t after = std::uniform_int_distribution<size_t>(0, reference.traces.size() / 2)(rng);
    const bool tear_journal = round % 3 == 2;  // also simulate a torn last journal write
    {
      Launched run(mpirun(3, CAMPAIGN_DRIVER, c, {"--batch", "3"}), mpi_env("40"), d / "log");
      pid_t pid = -1;
      ASSERT_TRUE(wait_until([&] {
        pid = rank_pid(run.pid(), victim);
        return pid > 0 && read_journal(c + "/journal.log").done.size() >= after;
      })) << "round " << round << ": rank " << victim << " never ran\n" << log_text(d / "log");
      if (::kill(pid, SIGKILL) == 0) ++interrupted;
      const int code = run.wait(60);
      EXPECT_NE(code, 0) << "round " << round << ": the job survived a SIGKILL of rank " << victim;
    }
    if (tear_journal) {
      const std::string path = c + "/journal.log";
      std::string text = read_text_file(path);
      if (!text.empty()) {
        const size_t cut = std::uniform_int_distribution<size_t>(1, std::min<size_t>(text.size(), 150))(rng);
        write_file_atomically(path, text.substr(0, text.size() - cut));
      }
    }
    const size_t done_before = read_journal(c + "/journal.log").done.size();
    std::printf("round %d: rank %d killed after %zu journaled tasks%s: %zu of %zu tasks journaled before the resume\n",
                round, victim, after, tear_journal ? " (journal tail torn)" : "", done_before, reference.traces.size());
    Launched resume(mpirun(3, CAMPAIGN_DRIVER, c, {"--batch", "3"}), mpi_env("40"), d / "log2");
    ASSERT_EQ(resume.wait(120), 0) << "round " << round << "\n" << log_text(d / "log2");
    const Corpus resumed = read_corpus(c + "/traces.h5");
    EXPECT_EQ(resumed.traces, reference.traces) << "round " << round << " (rank " << victim << " killed after "
                                                << after << " journaled tasks, " << done_before << " tasks journaled)";
    EXPECT_EQ(resumed.verdicts, reference.verdicts) << "round " << round;
    // Nothing journaled twice, and no stale batch beside the journaled ones.
    const auto journal = read_journal(c + "/journal.log");
    EXPECT_EQ(journal.done.size(), reference.traces.size());
  }
  EXPECT_EQ(interrupted, kRounds) << "a kill missed its rank";
}

TEST(CampaignMpi, DrainOnSignalsExitsResumeMeAndResumes) {
  const Corpus& reference = reference_corpus("40");
  for (const bool direct_sigterm : {false, true}) {
    TempDir d(std::string("mpi_drain_") + (direct_sigterm ? "term" : "usr1"));
    const std::string c = d / "c";
    plan_into(c);
    {
      // One trace per batch, so the journal shows the first finished task; signal then, mid-campaign.
      Launched run(mpirun(3, CAMPAIGN_DRIVER, c, {"--grace", "20", "--batch", "1"}), mpi_env("40"), d / "log");
      ASSERT_TRUE(wait_until([&] { return !read_journal(c + "/journal.log").done.empty(); }))
          << log_text(d / "log");
      if (direct_sigterm) {
        // What Slurm does to every task at the time limit, here to the master only.
        const pid_t master = rank_pid(run.pid(), 0);
        ASSERT_GT(master, 0);
        ::kill(master, SIGTERM);
      } else {
        ::kill(run.pid(), SIGUSR1);  // mpirun forwards SIGUSR1 to every rank
      }
      ASSERT_EQ(run.wait(60), kExitResumeMe) << log_text(d / "log");
    }
    EXPECT_NE(log_text(d / "log").find("draining"), std::string::npos);
    const auto journal = read_journal(c + "/journal.log");
    EXPECT_GT(journal.done.size(), 0u);
    EXPECT_LT(journal.done.size(), reference.traces.size());
    Launched resume(mpirun(3, CAMPAIGN_DRIVER, c), mpi_env("40"), d / "log2");
    ASSERT_EQ(resume.wait(120), 0) << log_text(d / "log2");
    const Corpus resumed = read_corpus(c + "/traces.h5");
    EXPECT_EQ(resumed.traces, reference.traces);
    EXPECT_EQ(resumed.verdicts, reference.verdicts);
  }
}

TEST(CampaignMpi, ShardsRunSeparatelyAndCollectIntoTheSameCorpus) {
#ifndef DYNFAULT_BINARY
  GTEST_SKIP() << "no dynfault binary (collect) in this build";
#else
  TempDir d("mpi_shards");
  const std::string whole = d / "whole", sharded = d / "sharded";
  plan_into(whole);
  {
    CampaignSettings s;
    s.programs = {"31556268", "44164749"};
    s.selection = "list:test";
    s.repeats = 3;
    s.probes = ProbeSet{{"of"}};
    s.scale = Scale::Smoke;
    s.max_mutants = 3;
    s.seed = 3;
    s.shards = 2;
    write_campaign(sharded, make_plan(s, zoo()), false);
  }
  Launched run_whole({CAMPAIGN_DRIVER, "campaign", "run", whole, "--quiet"}, mpi_env("2"), d / "log");
  ASSERT_EQ(run_whole.wait(120), 0) << log_text(d / "log");
  // Shard 0 under mpirun (as one job-array element would), shard 1 in one
  // process without consolidation: collect writes its corpus from the batches.
  Launched shard0(mpirun(3, CAMPAIGN_DRIVER, sharded, {"--shard", "0"}), mpi_env("2"), d / "log0");
  ASSERT_EQ(shard0.wait(120), 0) << log_text(d / "log0");
  Launched shard1({CAMPAIGN_DRIVER, "campaign", "run", sharded, "--shard", "1", "--quiet", "--no-consolidate"},
                  mpi_env("2"), d / "log1");
  ASSERT_EQ(shard1.wait(120), 0) << log_text(d / "log1");
  EXPECT_FALSE(fs::exists(sharded + "/shard-001/traces.h5"));
  Launched collect({DYNFAULT_BINARY, "collect", sharded, "--out", d / "merged.h5"}, mpi_env("0"), d / "logc");
  ASSERT_EQ(collect.wait(120), 0) << log_text(d / "logc");
  const Corpus merged = read_corpus(d / "merged.h5"), reference = read_corpus(whole + "/traces.h5");
  EXPECT_EQ(merged.traces, reference.traces);
  EXPECT_EQ(merged.verdicts, reference.verdicts);
  // The counts match the plan: every task of both shards, searches included.
  size_t tasks = 0;
  for (const auto& shard : shard_dirs(sharded))
    tasks += CampaignState(load_plan(shard), read_journal(shard + "/journal.log")).size();
  EXPECT_EQ(merged.traces.size(), tasks);

  // A trace that no longer matches its journal checksum is refused by collect.
  {
    const std::string journal = sharded + "/shard-000/journal.log";
    std::string text = read_text_file(journal);
    const auto pos = text.find("\"checksum\":\"") + 12;
    text[pos] = text[pos] == '0' ? '1' : '0';
    // Re-hash the line so it reads as a valid journal record with a wrong trace checksum.
    const auto start = text.rfind('\n', pos) == std::string::npos ? 0 : text.rfind('\n', pos) + 1;
    const auto tab = text.find('\t', pos);
    const auto record = nlohmann::json::parse(text.substr(start, tab - start));
    const std::string line = journal_line(record);
    text.replace(start, text.find('\n', pos) + 1 - start, line);
    write_file_atomically(journal, text);
  }
  Launched bad({DYNFAULT_BINARY, "collect", sharded, "--out", d / "bad.h5"}, mpi_env("0"), d / "logb");
  EXPECT_NE(bad.wait(120), 0);
  EXPECT_NE(log_text(d / "logb").find("checksum"), std::string::npos) << log_text(d / "logb");
  EXPECT_FALSE(fs::exists(d / "bad.h5"));
#endif
}

TEST(CampaignMpi, RealRunnerSmallCampaign) {
#ifndef DYNFAULT_BINARY_HAS_RUNNER
  GTEST_SKIP() << "built without LibTorch: no real executor";
#else
  // The quick set (an FFNN, an RNN and a CNN) at smoke scale with mutants,
  // searches and repeats, trained by the LibTorch runner under mpirun -np 3;
  // then the same campaign with the master SIGKILLed half way and resumed.
  TempDir d("mpi_real");
  const std::string c = d / "c", killed = d / "killed";
  for (const auto& dir : {c, killed}) {
    Launched plan({DYNFAULT_BINARY, "campaign", "plan", "--set", "quick", "--repeats", "3", "--max-mutants", "4",
                   "--scale", "smoke", "--probes", "cf,of", "--seed", "4", "--out", dir},
                  mpi_env("0"), d / "plan.log");
    ASSERT_EQ(plan.wait(60), 0) << log_text(d / "plan.log");
  }
  Launched run(mpirun(3, DYNFAULT_BINARY, c, {"--task-timeout", "120", "--batch", "4"}), mpi_env("0"), d / "log");
  ASSERT_EQ(run.wait(600), 0) << log_text(d / "log");
  const CampaignState state(load_plan(c), read_journal(c + "/journal.log"));
  ASSERT_TRUE(state.complete());

  // Collect it and check the counts against the plan.
  Launched collect({DYNFAULT_BINARY, "collect", c, "--out", d / "corpus.h5"}, mpi_env("0"), d / "collect.log");
  ASSERT_EQ(collect.wait(120), 0) << log_text(d / "collect.log");
  const Corpus corpus = read_corpus(d / "corpus.h5");
  EXPECT_EQ(corpus.traces.size(), state.size());
  const Plan plan = load_plan(c);
  std::map<std::string, size_t> planned_per_program;
  for (const auto& t : plan.tasks) planned_per_program[t.program] += 1;
  size_t originals = 0, with_epochs = 0, decided_runs = 0;
  std::map<std::string, size_t> per_program;
  for (const auto& [id, t] : corpus.traces) {
    originals += t.mutant_id.empty();
    with_epochs += t.epochs() > 0;
    decided_runs += corpus.verdicts.at(id).first >= 0;
    per_program[t.program] += 1;
    EXPECT_EQ(t.probes, "cf,of");
    EXPECT_EQ(t.scale, "smoke");
    EXPECT_EQ(t.seed, task_seed(4, id));
  }
  EXPECT_EQ(per_program.size(), 3u);
  for (const auto& [program, n] : planned_per_program) EXPECT_GE(per_program[program], n) << program;
  EXPECT_EQ(originals, 3u * 3u);
  EXPECT_EQ(decided_runs, corpus.traces.size() - originals) << "every mutant run has a verdict";
  EXPECT_GT(with_epochs, corpus.traces.size() / 2) << "most smoke runs should train";
  EXPECT_EQ(state.verdict_count(), state.plan().mutants.size());

  // SIGKILL of the master half way, then resume: the same corpus, bit for bit
  // (sys_* channels aside), so real training is reproducible across restarts.
  {
    Launched again(mpirun(3, DYNFAULT_BINARY, killed, {"--batch", "4"}), mpi_env("0"), d / "log_killed");
    ASSERT_TRUE(wait_until([&] { return read_journal(killed + "/journal.log").done.size() >= state.size() / 3; }, 120))
        << log_text(d / "log_killed");
    const pid_t master = rank_pid(again.pid(), 0);
    ASSERT_GT(master, 0);
    ::kill(master, SIGKILL);
    EXPECT_NE(again.wait(60), 0);
  }
  EXPECT_LT(read_journal(killed + "/journal.log").done.size(), state.size());
  Launched resume(mpirun(3, DYNFAULT_BINARY, killed), mpi_env("0"), d / "log_resume");
  ASSERT_EQ(resume.wait(600), 0) << log_text(d / "log_resume");
  const Corpus resumed = read_corpus(killed + "/traces.h5");
  EXPECT_EQ(resumed.traces, read_corpus(c + "/traces.h5").traces);
  EXPECT_EQ(resumed.verdicts, corpus.verdicts);
#endif
}
