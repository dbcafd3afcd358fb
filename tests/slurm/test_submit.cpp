// `dynfault slurm submit`: flag validation, the rendered jobs, submission through
// a recording `sbatch`, and the command line (one-line errors, --dry-run).
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "helpers.h"
#include "slurm/submit.h"

using namespace dynfault::slurm;
using slurm_test::read_file;
using slurm_test::run;
using slurm_test::TempDir;
using slurm_test::write_file;
namespace fs = std::filesystem;

namespace {

// What submit reads of a campaign: plan.json's format and, for a sharded root, its shards.
void fake_campaign(const std::string& dir, int shards) {
  if (shards <= 1) {
    write_file(dir + "/plan.json", R"({"format": "dynfault-campaign-plan", "version": 1})");
    return;
  }
  std::string list;
  for (int i = 0; i < shards; ++i) {
    const std::string name = "shard-00" + std::to_string(i);
    write_file(dir + "/" + name + "/plan.json", R"({"format": "dynfault-campaign-plan", "version": 1})");
    list += std::string(i ? "," : "") + R"({"dir": ")" + name + R"(", "tasks": 3})";
  }
  write_file(dir + "/plan.json", R"({"format": "dynfault-campaign-shards", "version": 1, "shards": [)" + list + "]}");
}

CampaignJobOptions campaign_options(const std::string& dir) {
  CampaignJobOptions o;
  o.campaign = dir;
  o.resources.nodes = 2;
  o.resources.ntasks_per_node = 16;
  o.resources.time = "04:00:00";
  o.dynfault = "/bin/true";
  return o;
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const dynfault::Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no error";
  return {};
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

// PATH with `dir` first, restored on destruction.
class PathPrefix {
 public:
  explicit PathPrefix(const std::string& dir) : old_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", (dir + ":" + old_).c_str(), 1);
  }
  ~PathPrefix() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

}  // namespace

TEST(SlurmSubmit, TimeLimits) {
  EXPECT_EQ(parse_time_limit("01:00:00"), 3600);
  EXPECT_EQ(parse_time_limit("48:00:30"), 48 * 3600 + 30);
  EXPECT_EQ(parse_time_limit("2-03:04:05"), ((2 * 24 + 3) * 60 + 4) * 60 + 5);
  for (const std::string bad : {"1h", "60", "00:60:00", "00:00:60", "1-24:00:00", "00:00:00", "", "1:2:3", "-01:00:00"})
    EXPECT_NE(error_of([&] { parse_time_limit(bad); }).find("--time"), std::string::npos) << bad;
}

TEST(SlurmSubmit, CampaignLayout) {
  TempDir d("layout");
  EXPECT_NE(error_of([&] { read_campaign_layout(d / "missing"); }).find("no such campaign directory"),
            std::string::npos);
  fs::create_directories(d / "empty");
  EXPECT_NE(error_of([&] { read_campaign_layout(d / "empty"); }).find("no plan.json"), std::string::npos);
  write_file(d / "bad/plan.json", "{not json");
  EXPECT_NE(error_of([&] { read_campaign_layout(d / "bad"); }).find("invalid JSON"), std::string::npos);
  write_file(d / "other/plan.json", R"({"format": "something-else"})");
  EXPECT_NE(error_of([&] { read_campaign_layout(d / "other"); }).find("not a dynfault campaign plan"),
            std::string::npos);
  fake_campaign(d / "with space", 1);
  EXPECT_NE(error_of([&] { read_campaign_layout(d / "with space"); }).find("whitespace"), std::string::npos);

  fake_campaign(d / "one", 1);
  const CampaignLayout one = read_campaign_layout(d / "one/");
  EXPECT_EQ(one.dir, d / "one");
  EXPECT_TRUE(one.shards.empty());
  fake_campaign(d / "three", 3);
  EXPECT_EQ(read_campaign_layout(d / "three").shards, (std::vector<std::string>{"shard-000", "shard-001", "shard-002"}));
  fs::remove_all(d / "three/shard-001");
  EXPECT_NE(error_of([&] { read_campaign_layout(d / "three"); }).find("shard-001: shard directory missing"),
            std::string::npos);
}

TEST(SlurmSubmit, CampaignJobOfASingleCampaign) {
  TempDir d("single");
  fake_campaign(d / "c", 1);
  auto o = campaign_options(d / "c");
  o.run_args = {"--task-timeout", "600"};
  const JobScript job = campaign_job(o);
  EXPECT_EQ(job.path, d / "c/slurm/campaign.sbatch");
  EXPECT_EQ(job.sbatch_args, (std::vector<std::string>{"--parsable", job.path}));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --job-name=dynfault-campaign-c")) << job.text;
  EXPECT_TRUE(has_line(job.text, "#SBATCH --nodes=2"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --ntasks-per-node=16"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --time=04:00:00"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --signal=B:USR1@300"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --requeue"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --output=" + d / "c/slurm/logs/campaign-%j.out"));
  EXPECT_EQ(job.text.find("#SBATCH --array"), std::string::npos);  // not sharded
  EXPECT_EQ(job.text.find("#SBATCH --partition"), std::string::npos);  // the cluster's default
  EXPECT_EQ(job.text.find("#SBATCH --account"), std::string::npos);
  EXPECT_NE(job.text.find("\nCAMPAIGN=" + d / "c" + "\n"), std::string::npos);
  EXPECT_NE(job.text.find("SHARD_DIRS=()"), std::string::npos);
  EXPECT_NE(job.text.find("RUN_ARGS=(--task-timeout 600)"), std::string::npos);
  EXPECT_NE(job.text.find("\nGRACE=120\n"), std::string::npos);
  EXPECT_NE(job.text.find("MPIRUN=(mpirun)"), std::string::npos);
  EXPECT_EQ(job.text.find("{{"), std::string::npos);
  std::string out;
  EXPECT_EQ(run({"bash", "-n", "-c", job.text}, out), 0) << out;
  EXPECT_EQ(campaign_job(o).text, job.text);  // deterministic
}

TEST(SlurmSubmit, CampaignJobOfAShardedCampaignIsAnArray) {
  TempDir d("sharded");
  fake_campaign(d / "c", 3);
  auto o = campaign_options(d / "c");
  o.array_parallel = 2;
  o.resources.partition = "cpu";
  o.resources.account = "proj-42";
  o.signal_lead = 600;
  o.grace = 300;
  o.mpirun = "mpirun --mca btl ^openib";
  const JobScript job = campaign_job(o);
  EXPECT_TRUE(has_line(job.text, "#SBATCH --array=0-2%2")) << job.text;
  EXPECT_TRUE(has_line(job.text, "#SBATCH --partition=cpu"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --account=proj-42"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --signal=B:USR1@600"));
  EXPECT_TRUE(has_line(job.text, "#SBATCH --output=" + d / "c/slurm/logs/campaign-%A_%a.out"));
  EXPECT_NE(job.text.find("SHARD_DIRS=(shard-000 shard-001 shard-002)"), std::string::npos);
  EXPECT_NE(job.text.find("MPIRUN=(mpirun --mca btl '^openib')"), std::string::npos);
  EXPECT_NE(job.text.find("\nGRACE=300\n"), std::string::npos);
  o.array_parallel = 0;
  EXPECT_TRUE(has_line(campaign_job(o).text, "#SBATCH --array=0-2"));
}

TEST(SlurmSubmit, CampaignFlagsAreChecked) {
  TempDir d("flags");
  fake_campaign(d / "c", 1);
  fake_campaign(d / "s", 2);
  const auto base = campaign_options(d / "c");
  auto expect = [&](auto change, const std::string& wanted) {
    auto o = base;
    change(o);
    const std::string message = error_of([&] { campaign_job(o); });
    EXPECT_NE(message.find(wanted), std::string::npos) << message;
  };
  expect([](auto& o) { o.resources.nodes = 0; }, "--nodes: must be at least 1");
  expect([](auto& o) { o.resources.ntasks_per_node = 0; }, "--ntasks-per-node: must be at least 1");
  expect([](auto& o) { o.resources.time = "4h"; }, "--time: '4h' is not a time limit");
  expect([](auto& o) { o.resources.time = "00:06:00"; }, "--time: 00:06:00 is not longer than --signal-lead 300");
  expect([](auto& o) { o.resources.partition = "a b"; }, "--partition: 'a b' is not a partition name");
  expect([](auto& o) { o.resources.account = "x;rm"; }, "--account");
  expect([](auto& o) { o.signal_lead = 0; }, "--signal-lead: must be 1-65535");
  expect([](auto& o) { o.grace = 280; }, "--grace: 280 s leaves under 30 s");
  expect([](auto& o) { o.grace = -1; }, "--grace: must not be negative");
  expect([](auto& o) { o.array_parallel = 2; }, "is not sharded");
  expect([&](auto& o) { o.campaign = d / "s"; o.array_parallel = -1; }, "--array-parallel: must not be negative");
  expect([](auto& o) { o.run_args = {"--grace=5"}; }, "--grace=5: give --grace to `slurm submit`");
  expect([](auto& o) { o.run_args = {"--shard", "1"}; }, "SLURM_ARRAY_TASK_ID");
  expect([](auto& o) { o.mpirun = " "; }, "--mpirun: is empty");
  expect([&](auto& o) { o.dynfault = d / "c/plan.json"; }, "is not an executable file");
  expect([&](auto& o) { o.campaign = d / "nope"; }, "no such campaign directory");
}

TEST(SlurmSubmit, EvaluateJobCollectsEveryShardAndChainsOnTheCampaign) {
  TempDir d("evaluate");
  fake_campaign(d / "c", 2);
  EvaluateJobOptions o;
  o.campaign = d / "c";
  o.resources.ntasks_per_node = 8;
  o.resources.time = "01:00:00";
  o.dynfault = "/bin/true";
  o.evaluate_args = {"--bootstrap", "200"};
  JobScript job = evaluate_job(o);
  EXPECT_EQ(job.sbatch_args, (std::vector<std::string>{"--parsable", d / "c/slurm/collect-evaluate.sbatch"}));
  EXPECT_NE(job.text.find("CAMPAIGN_DIRS=(" + d / "c/shard-000" + " " + d / "c/shard-001" + ")"), std::string::npos)
      << job.text;
  EXPECT_NE(job.text.find("\nCORPUS=" + d / "c/corpus.h5" + "\n"), std::string::npos);
  EXPECT_NE(job.text.find("\nRESULTS=" + d / "c/rq1" + "\n"), std::string::npos);
  EXPECT_NE(job.text.find("EVALUATE_ARGS=(--bootstrap 200)"), std::string::npos);
  EXPECT_TRUE(has_line(job.text, "#SBATCH --output=" + d / "c/slurm/logs/evaluate-%j.out"));
  std::string out;
  EXPECT_EQ(run({"bash", "-n", "-c", job.text}, out), 0) << out;

  o.after = "1234";
  o.corpus = d / "elsewhere/corpus.h5";
  job = evaluate_job(o);
  EXPECT_EQ(job.sbatch_args, (std::vector<std::string>{"--parsable", "--dependency=afterok:1234",
                                                        "--kill-on-invalid-dep=yes", job.path}));
  EXPECT_NE(job.text.find("CORPUS=" + d / "elsewhere/corpus.h5"), std::string::npos);
  EXPECT_EQ(sbatch_command_line(job),
            "sbatch --parsable --dependency=afterok:1234 --kill-on-invalid-dep=yes " + job.path);

  o.after = "12x";
  EXPECT_NE(error_of([&] { evaluate_job(o); }).find("--after: '12x' is not a job id"), std::string::npos);
  o.after = "";
  o.evaluate_args = {"--out", "x"};
  EXPECT_NE(error_of([&] { evaluate_job(o); }).find("give --out to `slurm submit evaluate`"), std::string::npos);
}

TEST(SlurmSubmit, SubmitWritesTheScriptCallsSbatchAndRecordsTheJob) {
  TempDir d("sbatch");
  fake_campaign(d / "c", 2);
  // A recording sbatch: its arguments, and a copy of the script it was given.
  write_file(d / "bin/sbatch",
             "#!/bin/bash\nprintf '%s\\n' \"$@\" > " + d / "sbatch.args" + "\ncp \"${@: -1}\" " + d / "sbatch.script" +
                 "\necho '4242;cluster'\n",
             true);
  const PathPrefix path(d / "bin");
  const JobScript job = campaign_job(campaign_options(d / "c"));
  EXPECT_FALSE(fs::exists(d / "c/slurm"));  // rendering writes nothing
  EXPECT_EQ(submit(job), "4242");
  EXPECT_EQ(read_file(job.path), job.text);
  EXPECT_EQ(read_file(d / "sbatch.script"), job.text);
  EXPECT_EQ(read_file(d / "sbatch.args"), "--parsable\n" + job.path + "\n");
  EXPECT_TRUE(fs::is_directory(d / "c/slurm/logs"));
  EXPECT_NE(fs::status(job.path).permissions() & fs::perms::owner_exec, fs::perms::none);
  EXPECT_EQ(read_file(d / "c/slurm/jobs.tsv"), "campaign\t4242\n");

  EvaluateJobOptions e;
  e.campaign = d / "c";
  e.resources.ntasks_per_node = 2;
  e.resources.time = "00:30:00";
  e.dynfault = "/bin/true";
  e.after = "4242";
  EXPECT_EQ(submit(evaluate_job(e)), "4242");
  EXPECT_EQ(read_file(d / "c/slurm/jobs.tsv"), "campaign\t4242\nevaluate\t4242\n");
  EXPECT_EQ(read_file(d / "c/slurm/campaign.sbatch"), job.text);  // the campaign script stays

  // sbatch refusing the job, and no sbatch at all.
  write_file(d / "bin/sbatch", "#!/bin/bash\necho 'sbatch: error: invalid partition' >&2\nexit 1\n", true);
  EXPECT_NE(error_of([&] { submit(job); }).find("sbatch: failed with status 1"), std::string::npos);
  write_file(d / "bin/sbatch", "#!/bin/bash\necho 'Submitted batch job 7'\n", true);
  EXPECT_NE(error_of([&] { submit(job); }).find("unexpected output"), std::string::npos);
  fs::remove(d / "bin/sbatch");
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", (d / "bin").c_str(), 1);
  EXPECT_NE(error_of([&] { submit(job); }).find("sbatch: not found on PATH"), std::string::npos);
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(read_file(d / "c/slurm/jobs.tsv"), "campaign\t4242\nevaluate\t4242\n");  // failures record nothing
}

TEST(SlurmSubmit, CommandLine) {
#ifndef DYNFAULT_BINARY
  GTEST_SKIP() << "the dynfault binary is not built";
#else
  TempDir d("cli");
  fake_campaign(d / "c", 2);
  std::string out;
  // --dry-run: the sbatch command and the script, nothing written.
  ASSERT_EQ(run({DYNFAULT_BINARY, "slurm", "submit", "campaign", d / "c", "--ntasks-per-node", "4", "--time",
                 "02:00:00", "--array-parallel", "1", "--dry-run", "--", "--task-timeout", "900"},
                out),
            0)
      << out;
  EXPECT_EQ(out.rfind("sbatch --parsable " + d / "c/slurm/campaign.sbatch\n---- ", 0), 0u) << out;
  EXPECT_NE(out.find("#SBATCH --array=0-1%1\n"), std::string::npos);
  EXPECT_NE(out.find("RUN_ARGS=(--task-timeout 900)"), std::string::npos);
  EXPECT_NE(out.find("\nDYNFAULT=" + std::string(DYNFAULT_BINARY) + "\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(d / "c/slurm"));

  ASSERT_EQ(run({DYNFAULT_BINARY, "slurm", "submit", "evaluate", d / "c", "--ntasks-per-node", "4", "--time",
                 "02:00:00", "--after", "77", "--dry-run"},
                out),
            0)
      << out;
  EXPECT_EQ(out.rfind("sbatch --parsable --dependency=afterok:77 --kill-on-invalid-dep=yes ", 0), 0u) << out;

  // Bad input: one line, non-zero, nothing written.
  const std::vector<std::vector<std::string>> bad = {
      {"campaign", d / "nope", "--ntasks-per-node", "4", "--time", "02:00:00"},
      {"campaign", d / "c", "--ntasks-per-node", "4", "--time", "2h"},
      {"campaign", d / "c", "--ntasks-per-node", "-1", "--time", "02:00:00"},
      {"evaluate", d / "c", "--ntasks-per-node", "4", "--time", "02:00:00", "--after", "x"},
  };
  for (const auto& args : bad) {
    std::vector<std::string> argv = {DYNFAULT_BINARY, "slurm", "submit"};
    argv.insert(argv.end(), args.begin(), args.end());
    EXPECT_EQ(run(argv, out), 1) << out;
    EXPECT_EQ(slurm_test::count_lines(out), 1u) << out;
    EXPECT_EQ(out.rfind("dynfault: ", 0), 0u) << out;
  }
  EXPECT_FALSE(fs::exists(d / "c/slurm"));
#endif
}
