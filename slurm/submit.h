#pragma once
// `dynfault slurm submit`: job scripts for a campaign directory, rendered from
// slurm/*.sbatch, written to <campaign>/slurm/ and handed to sbatch.
//
//   campaign.sbatch          one allocation runs `dynfault campaign run` under mpirun
//                            (a sharded campaign: one job-array element per shard),
//                            drains on the time-limit warning and requeues itself
//   collect-evaluate.sbatch  collects the shards into a corpus, then evaluates it
//                            (`evaluate rq1`) on every rank of the allocation
// Every check happens before anything is written; errors are dynfault::Error.
#include <string>
#include <vector>

namespace dynfault::slurm {

// The allocation, as sbatch options.
struct Resources {
  int nodes = 1;
  int ntasks_per_node = 0;  // one task per core: the worker ranks (evaluate: the ranks)
  std::string time;         // HH:MM:SS or D-HH:MM:SS
  std::string partition;    // empty: the cluster's default
  std::string account;      // empty: the user's default
};

struct CampaignJobOptions {
  std::string campaign;                 // a campaign directory or a sharded root (plan.json)
  Resources resources;
  int array_parallel = 0;               // sharded: at most this many shards run at once (0: no cap)
  int signal_lead = 300;                // seconds before the time limit Slurm sends USR1
  int grace = 120;                      // `campaign run --grace`: must fit within the lead
  std::string dynfault;                 // binary the job runs (empty: this one)
  std::string mpirun = "mpirun";        // command (and options) that launches the ranks
  std::vector<std::string> run_args;    // more `campaign run` options
};

struct EvaluateJobOptions {
  std::string campaign;
  Resources resources;
  std::string after;                    // job id(s) to wait for (afterok), empty: none
  std::string corpus;                   // empty: <campaign>/corpus.h5
  std::string results;                  // empty: <campaign>/rq1
  std::string dynfault;
  std::string mpirun = "mpirun";
  std::vector<std::string> evaluate_args;  // more `evaluate rq1` options
};

// A rendered job and how to submit it.
struct JobScript {
  std::string kind;                     // "campaign" or "evaluate"
  std::string campaign;                 // absolute campaign directory
  std::string path;                     // where the script goes: <campaign>/slurm/<template>
  std::string text;
  std::vector<std::string> sbatch_args;  // sbatch's arguments, the script path last
};

// What submit needs to know of a campaign directory (read from plan.json
// without the campaign library, so this stays core-only).
struct CampaignLayout {
  std::string dir;                      // absolute, normalised
  std::vector<std::string> shards;      // shard directory names of a sharded root; empty: one campaign
};
CampaignLayout read_campaign_layout(const std::string& dir);

// Seconds in a Slurm time limit given as HH:MM:SS or D-HH:MM:SS; throws naming --time.
long parse_time_limit(const std::string& text);

JobScript campaign_job(const CampaignJobOptions& options);
JobScript evaluate_job(const EvaluateJobOptions& options);

// The sbatch command line, shell-quoted (for --dry-run and messages).
std::string sbatch_command_line(const JobScript& job);

// Creates <campaign>/slurm/logs/, writes the script atomically, runs sbatch
// (found on PATH), appends "<kind>\t<job id>" to <campaign>/slurm/jobs.tsv and
// returns the job id.
std::string submit(const JobScript& job);

// Jobs recorded in <campaign>/slurm/jobs.tsv with their squeue state.
std::string queue_status_text(const std::string& campaign);

}  // namespace dynfault::slurm
