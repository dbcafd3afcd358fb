#include "cli/cmd_campaign.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "campaign/executor.h"
#include "campaign/plan.h"
#include "campaign/dispatch.h"
#include "campaign/status.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/program_spec.h"
#include "core/seed.h"
#include "runner/run.h"
#include "triage/rule.h"

namespace dynfault::cli {
using namespace campaign;

campaign::Calibrator& plan_calibrator() {
  static campaign::Calibrator calibrator;
  return calibrator;
}

std::vector<std::function<void(CLI::App&)>>& campaign_command_extensions() {
  static std::vector<std::function<void(CLI::App&)>> extensions;
  return extensions;
}

void add_plan_command(CLI::App& campaign) {
  struct Options {
    std::string set, programs, exclude, probes = "cf,of", probes_by_program, scale = "reduced", out, cost_cache,
        of_compat, recurrent = "fused";
    int repeats = 20, max_mutants = -1, shards = 1, hvp_vectors = kDefaultHvpVectors, probe_batch = kDefaultProbeBatch;
    std::string seed = "1";  // text: parse_seed rejects what CLI11 would wrap ("-1")
    bool force = false, estimate = false;
    unsigned calibration_timeout = campaign::CostModel::kCalibrationTimeout;
  };
  auto o = std::make_shared<Options>();
  CLI::App* plan = campaign.add_subcommand("plan", "write a campaign directory: settings, task list, empty journal");
  auto* set = plan->add_option("--set", o->set, "a program set: all, ffnn, rnn, cnn, or programs/sets/<name>.json");
  auto* programs = plan->add_option("--programs", o->programs, "comma-separated program ids");
  set->excludes(programs);
  plan->add_option("--exclude", o->exclude,
                   "comma-separated program ids left out of the selection (e.g. the heavy programs; a "
                   "--probes-by-program file may still name them)");
  plan->add_option("--repeats", o->repeats, "runs per original and per mutant setting (DeepCrime: 20)")
      ->capture_default_str();
  auto* probes = plan->add_option("--probes", o->probes, "cf, of, cf,of or none")->capture_default_str();
  plan->add_option("--probes-by-program", o->probes_by_program,
                   "JSON file {\"<program>\": \"cf\"|\"of\"|\"cf,of\"|\"none\"} naming every planned program: "
                   "per-program probes, as DynFault's CF/OF split (docs/campaign.md)")
      ->excludes(probes);
  plan->add_option("--of-compat", o->of_compat,
                   "v2: runs with the OF probe reproduce the published OF callback's side effect (learning rate "
                   "x 0.9 at every epoch end, logged after the update; docs/run.md); off by default");
  plan->add_option("--hvp-vectors", o->hvp_vectors,
                   "every run's Rademacher vectors per CF measurement (docs/run.md#choosing-k-and-p)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  plan->add_option("--probe-batch", o->probe_batch, "every run's samples in the fixed CF/OF probe batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  plan->add_option("--recurrent", o->recurrent,
                   "fused: LSTM/SimpleRNN through LibTorch's own ops where Keras' arithmetic allows; cell: the "
                   "explicit cell everywhere, as corpora made before 2026-12-07 (docs/run.md#recurrent-layers)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fused", "cell"}));
  plan->add_option("--scale", o->scale, "full, reduced, tiny (smoke's samples, full epochs) or smoke")->capture_default_str();
  plan->add_option("--max-mutants", o->max_mutants,
                   "at most M mutants per program, spread over fault categories (-1: all)")
      ->capture_default_str();
  plan->add_option("--seed", o->seed, "campaign seed; every task seed derives from it and the task id")
      ->capture_default_str();
  plan->add_option("--shards", o->shards, "split by program into S self-contained campaign directories")
      ->capture_default_str();
  plan->add_option("--out", o->out, "campaign directory to create (optional with --estimate)");
  plan->add_flag("--force", o->force, "replace a non-empty --out");
  plan->add_flag("--estimate", o->estimate,
                 "print the expected cost (tasks, core-hours, largest task per program) from timed steps of each "
                 "program on this machine, cached; with --out the plan's task costs are those seconds "
                 "(docs/campaign.md#cost-estimates)");
  plan->add_option("--calibration-timeout", o->calibration_timeout,
                   "with --estimate: seconds one program's calibration may take before it is stopped and the "
                   "program priced by the heuristic")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  plan->add_option("--cost-cache", o->cost_cache,
                   "the cost model's cache file (default $DYNFAULT_COST_CACHE, else ~/.cache/dynfault/cost-model.json)");
  plan->callback([o]() {
    if (o->set.empty() == o->programs.empty()) throw Error("campaign plan", "give exactly one of --set or --programs");
    if (o->out.empty() && !o->estimate) throw Error("--out", "is required (unless --estimate)");
    if (!o->cost_cache.empty() && !o->estimate) throw Error("--cost-cache", "needs --estimate");
    const ProgramZoo zoo = ProgramZoo::open_default();
    CampaignSettings s;
    if (!o->set.empty()) {
      s.programs = zoo.set(o->set);
      s.selection = "set:" + o->set;
    } else {
      s.programs = zoo.resolve(o->programs);
      s.selection = "list:" + o->programs;
    }
    std::vector<std::string> excluded;
    if (!o->exclude.empty()) {
      excluded = zoo.resolve(o->exclude);
      for (const auto& id : excluded)
        if (std::find(s.programs.begin(), s.programs.end(), id) == s.programs.end())
          throw Error("--exclude", "program " + id + " is not in the selection");
      s.programs.erase(std::remove_if(s.programs.begin(), s.programs.end(),
                                      [&](const std::string& id) {
                                        return std::find(excluded.begin(), excluded.end(), id) != excluded.end();
                                      }),
                       s.programs.end());
      if (s.programs.empty()) throw Error("--exclude", "leaves no program in the selection");
      s.selection += " minus:" + o->exclude;
    }
    s.repeats = o->repeats;
    s.probes = parse_probes(o->probes, "--probes");
    if (!o->probes_by_program.empty())
      s.probes_by_program = read_probes_by_program(o->probes_by_program, s.programs, excluded);
    s.scale = parse_scale(o->scale, "--scale");
    s.max_mutants = o->max_mutants;
    s.seed = parse_seed("--seed", o->seed);
    s.shards = o->shards;
    s.of_compat = parse_of_compat(o->of_compat, "--of-compat");
    s.hvp_vectors = o->hvp_vectors;
    s.probe_batch = o->probe_batch;
    s.recurrent = parse_recurrent_option(o->recurrent, "--recurrent");
    std::unique_ptr<campaign::CostModel> cost;
    if (o->estimate) {
      if (!plan_calibrator()) throw Error("--estimate", "this binary cannot time programs (no runner)");
      cost = std::make_unique<campaign::CostModel>(o->cost_cache.empty() ? campaign::CostModel::default_cache_path()
                                                                         : o->cost_cache);
      cost->calibrate_missing(s, zoo, plan_calibrator(), std::cerr, /*isolate=*/true, o->calibration_timeout);
      s.cost_model = "calibrated";
    }
    const Plan p = make_plan(s, zoo, cost.get());
    if (o->estimate) std::cout << campaign::estimate_text(p, cost.get(), zoo);
    if (o->out.empty()) return;
    write_campaign(o->out, p, o->force);
    std::cout << "campaign " << o->out << ": " << p.settings.programs.size() << " programs, " << p.mutants.size()
              << " mutants + " << p.searches.size() << " searches, " << p.tasks.size() << " tasks"
              << (s.shards > 1 ? " in " + std::to_string(s.shards) + " shards" : std::string()) << "\n";
    if (s.repeats < 2 && !p.mutants.empty())
      std::cerr << "campaign plan: note: kill tests need at least 2 repeats; mutants stay undecided\n";
  });
}

void add_status_command(CLI::App& campaign) {
  auto dir = std::make_shared<std::string>();
  CLI::App* status = campaign.add_subcommand("status", "what is done, crashed and killed in a campaign directory");
  status->add_option("dir", *dir, "campaign directory (or a sharded root)")->required();
  status->callback([dir]() { std::cout << status_text(*dir); });
}

void add_run_command(CLI::App& campaign, const std::string& default_executor) {
  auto o = std::make_shared<CampaignRunOptions>();
  auto dir = std::make_shared<std::string>();
  auto shard = std::make_shared<int>(-1);
  auto quiet = std::make_shared<bool>(false);
  auto stats = std::make_shared<std::string>();
  auto triage_rule = std::make_shared<std::string>();
  o->executor = default_executor;
  if (const char* e = std::getenv("DYNFAULT_CAMPAIGN_EXECUTOR"); e && *e) o->executor = e;
  CLI::App* run = campaign.add_subcommand(
      "run", "run or resume a campaign (under mpirun -np K: rank 0 dispatches, K-1 workers train)");
  run->add_option("dir", *dir, "campaign directory (a shard's directory for sharded campaigns)")->required();
  run->add_option("--shard", *shard, "in a sharded root, run shard I (e.g. $SLURM_ARRAY_TASK_ID)");
  std::string executors;
  for (const auto& n : executor_names()) executors += (executors.empty() ? "" : ", ") + n;
  run->add_option("--executor", o->executor, "what runs a task: " + executors)->capture_default_str();
  run->add_option("--threads", o->threads, "intra-op threads per task (one worker rank per core)")
      ->capture_default_str();
  run->add_option("--task-timeout", o->task_timeout, "seconds a task may run before it is stopped (0: no limit)")
      ->capture_default_str();
  run->add_option("--retries", o->retries, "re-runs of a task that crashed its worker process")
      ->capture_default_str();
  run->add_option("--grace", o->grace, "seconds running tasks get to finish after SIGTERM/SIGINT/SIGUSR1")
      ->capture_default_str();
  run->add_option("--prefetch", o->prefetch, "tasks queued on each worker beyond the one it runs")
      ->capture_default_str();
  run->add_option("--batch", o->batch_size, "traces per batch file (a flush: HDF5 write + journal fsync)")
      ->capture_default_str();
  run->add_option("--flush-seconds", o->flush_seconds, "flush a non-empty batch at least this often")
      ->capture_default_str();
  run->add_option("--progress-seconds", o->progress_seconds, "progress line interval when stderr is not a terminal")
      ->capture_default_str();
  run->add_option("--triage", *triage_rule,
                  "triage rule (dynfault triage fit): stop runs it calls doomed after epoch 0; not for regenerating a "
                  "corpus (docs/triage.md)");
  run->add_flag("--quiet", *quiet, "no progress line");
  run->add_flag("!--no-consolidate", o->consolidate,
                "do not write traces.h5 at completion (collect reads the batch files directly)");
  run->add_flag("!--no-isolation", o->isolate,
                "run tasks inside the worker process (no timeout or crash protection; for no-op benchmarks)");
  run->add_option("--stats", *stats, "write the master's dispatch statistics (JSON) here (benchmarks)")->group("");
  run->callback([o, dir, shard, quiet, stats, triage_rule]() {
    std::string target = *dir;
    if (*shard >= 0) {
      if (!is_sharded_root(target)) throw Error(target, "--shard given but this is not a sharded campaign");
      const auto shards = shard_dirs(target);
      if (static_cast<size_t>(*shard) >= shards.size())
        throw Error("--shard", std::to_string(*shard) + " is out of range (the campaign has " +
                                   std::to_string(shards.size()) + " shards)");
      target = shards[*shard];
    }
    CampaignRunOptions options = *o;
    options.progress = !*quiet;
    if (!triage_rule->empty()) {
      // run_campaign checks the rule against every task's probes and probe settings.
      options.triage = std::make_shared<const triage::Rule>(triage::read_rule(*triage_rule));
    }
    const CampaignRunResult result = run_campaign(target, options);
    if (!stats->empty() && result.stats) write_file_atomically(*stats, stats_json(*result.stats) + "\n");
    if (result.exit_code != 0) {
      std::fflush(stdout);
      std::exit(result.exit_code);
    }
  });
}

}  // namespace dynfault::cli
