// `dynfault slurm`: submit campaigns and their evaluation to a Slurm cluster
// (docs/slurm.md). Core only: the job scripts run `dynfault` itself.
//   slurm submit campaign DIR --ntasks-per-node T --time HH:MM:SS [...] [-- campaign run options]
//   slurm submit evaluate DIR --ntasks-per-node T --time HH:MM:SS [--after JOB] [...] [-- evaluate rq1 options]
//   slurm status DIR
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/error.h"
#include "core/process.h"
#include "slurm/submit.h"

namespace dynfault::cli {
namespace {

void add_resource_options(CLI::App* sub, slurm::Resources& r, const std::string& tasks_help) {
  sub->add_option("--nodes", r.nodes, "nodes")->capture_default_str();
  sub->add_option("--ntasks-per-node", r.ntasks_per_node, tasks_help)->required();
  sub->add_option("--time", r.time, "time limit, HH:MM:SS or D-HH:MM:SS")->required();
  sub->add_option("--partition", r.partition, "partition (default: the cluster's)");
  sub->add_option("--account", r.account, "account to charge (default: yours)");
}

// --dry-run prints what would be submitted and writes nothing.
void submit_or_show(const slurm::JobScript& job, bool dry_run) {
  if (dry_run) {
    std::cout << sbatch_command_line(job) << "\n---- " << job.path << " ----\n" << job.text;
    return;
  }
  const std::string id = slurm::submit(job);
  std::cout << id << "\n";
  std::cerr << "dynfault slurm: submitted " << job.kind << " job " << id << " (" << job.path << ")\n";
  if (job.kind == "campaign")
    std::cerr << "dynfault slurm: evaluate after it: dynfault slurm submit evaluate " << job.campaign << " --after "
              << id << " --ntasks-per-node T --time HH:MM:SS\n";
}

const Register slurm_command(
    "slurm", "Submit campaigns and their evaluation to Slurm (job scripts from slurm/*.sbatch)", [](CLI::App& sub) {
      sub.require_subcommand(1);
      CLI::App* submit = sub.add_subcommand("submit", "render a job script into <campaign>/slurm/ and sbatch it");
      submit->require_subcommand(1);

      auto c = std::make_shared<slurm::CampaignJobOptions>();
      auto c_dry = std::make_shared<bool>(false);
      CLI::App* campaign = submit->add_subcommand(
          "campaign", "run a campaign (a sharded one as a job array), draining and requeueing at the time limit");
      campaign->add_option("dir", c->campaign, "campaign directory or sharded root (dynfault campaign plan)")
          ->required();
      campaign->add_option("run_args", c->run_args, "after --: more `dynfault campaign run` options");
      add_resource_options(campaign, c->resources, "worker ranks per node, one per core (plus the master rank)");
      campaign->add_option("--array-parallel", c->array_parallel, "sharded: at most M shards at once (0: no cap)")
          ->capture_default_str();
      campaign->add_option("--signal-lead", c->signal_lead, "seconds before the time limit to start draining")
          ->capture_default_str();
      campaign->add_option("--grace", c->grace, "seconds running tasks get to finish once draining")
          ->capture_default_str();
      campaign->add_option("--mpirun", c->mpirun, "launcher command inside the job, with options")
          ->capture_default_str();
      campaign->add_option("--dynfault-binary", c->dynfault, "binary the job runs (default: this dynfault)");
      campaign->add_flag("--dry-run", *c_dry, "print the sbatch command and the script; write and submit nothing");
      campaign->callback([c, c_dry] { submit_or_show(slurm::campaign_job(*c), *c_dry); });

      auto e = std::make_shared<slurm::EvaluateJobOptions>();
      auto e_dry = std::make_shared<bool>(false);
      CLI::App* evaluate = submit->add_subcommand(
          "evaluate", "collect a campaign's shards into a corpus and run `evaluate rq1` on every rank");
      evaluate->add_option("dir", e->campaign, "campaign directory or sharded root")->required();
      evaluate->add_option("evaluate_args", e->evaluate_args, "after --: more `dynfault evaluate rq1` options");
      add_resource_options(evaluate, e->resources, "ranks per node, one per core");
      evaluate->add_option("--after", e->after, "start once this job (e.g. the campaign's) has succeeded");
      evaluate->add_option("--corpus", e->corpus, "corpus to write (default: DIR/corpus.h5)");
      evaluate->add_option("--out", e->results, "results directory (default: DIR/rq1)");
      evaluate->add_option("--mpirun", e->mpirun, "launcher command inside the job, with options")
          ->capture_default_str();
      evaluate->add_option("--dynfault-binary", e->dynfault, "binary the job runs (default: this dynfault)");
      evaluate->add_flag("--dry-run", *e_dry, "print the sbatch command and the script; write and submit nothing");
      evaluate->callback([e, e_dry] { submit_or_show(slurm::evaluate_job(*e), *e_dry); });

      auto dir = std::make_shared<std::string>();
      CLI::App* status = sub.add_subcommand("status", "squeue state of the jobs submitted from a campaign, and its progress");
      status->add_option("dir", *dir, "campaign directory or sharded root")->required();
      status->callback([dir] {
        std::cout << slurm::queue_status_text(*dir);
        // Progress comes from `dynfault campaign status`, which this same binary has.
        std::string progress;
        const int rc = run_capturing({"/proc/self/exe", "campaign", "status", *dir}, progress);
        if (rc != 0) throw Error(*dir, "`dynfault campaign status` failed (status " + std::to_string(rc) + ")");
        std::cout << progress;
      });
    });

}  // namespace
}  // namespace dynfault::cli
