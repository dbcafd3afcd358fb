#pragma once
// `dynfault campaign run`: dispatches the tasks of a campaign directory.
//
// Under mpirun/srun with K >= 2 ranks, rank 0 is the master and ranks 1..K-1
// are workers; with one rank (or no MPI launcher at all) one process runs
// every task itself. The master hands tasks out on demand (pull), largest
// expected cost first, keeping each worker one task ahead (--prefetch) so a
// worker never waits for the master between tasks; it is the only process
// that writes files, and it never blocks inside MPI (Open MPI busy-polls in
// blocking calls): it polls with MPI_Iprobe/MPI_Test and sleeps with an
// exponential backoff between 20 us and 2 ms, so it does not spin a core.
//
// Exit codes (also in docs/campaign.md):
//   0   the campaign is complete (traces.h5 written)
//   75  stopped early on purpose (SIGTERM, SIGINT or SIGUSR1: graceful drain):
//       run the same command again to resume (EX_TEMPFAIL, "resume me")
//   1   error (message on stderr)
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/exit_status.h"
#include "triage/rule.h"

namespace dynfault::campaign {

constexpr int kExitComplete = kExitOk;
using dynfault::kExitResumeMe;  // core/exit_status.h

struct CampaignRunOptions {
  std::string executor = "train";  // see executor.h; DYNFAULT_CAMPAIGN_EXECUTOR overrides the default
  int threads = 1;                 // intra-op threads per task (LibTorch), one worker per core
  double task_timeout = 0;         // seconds; <= 0: none
  int retries = 2;                 // re-runs of a task that crashed its worker process
  double grace = 60;               // seconds running tasks may take to finish after a drain signal
  int prefetch = 1;                // tasks queued on a worker beyond the one it runs (hides dispatch latency)
  int batch_size = 256;            // traces per batch file (a flush: write + 3 fsyncs)
  double flush_seconds = 30;       // flush a non-empty batch at least this often
  bool isolate = true;             // run each task in a forked child (timeouts, crash protection)
  bool progress = true;            // live progress line on stderr
  double progress_seconds = 10;    // interval of the progress line when stderr is not a terminal
  bool consolidate = true;         // write traces.h5 when the campaign completes
  // Stop runs the rule calls doomed (docs/triage.md); every task's probes must include the rule's.
  std::shared_ptr<const triage::Rule> triage;
};

// The master's dispatch statistics of one run_campaign, for benchmarks.
struct DispatchStats {
  size_t tasks_finished = 0;       // results handled this session
  double wall_seconds = 0;         // master loop wall time
  double master_cpu_seconds = 0;   // user + system CPU of the master process (core/process_stats.h)
  double worker_busy_seconds = 0;  // sum over attempts of the workers' task seconds
  int workers = 0;                 // worker ranks (0 = single process)
  size_t batches_written = 0;
  double flush_seconds = 0;        // wall time spent writing batch files and journal records
  // Master resident set size (kB) sampled every 1,000 finished tasks:
  // (tasks finished this session, RSS). Flat = no growth.
  std::vector<std::pair<size_t, long>> rss_samples;
  long peak_rss_kb = 0;            // the master process's peak RSS at the end of the run
};
std::string stats_json(const DispatchStats& stats);

struct CampaignRunResult {
  int exit_code = kExitComplete;
  std::optional<DispatchStats> stats;  // on the master (rank 0, or the single process) only
};

// Runs (or resumes) the campaign in `dir`. Initialises and finalises MPI
// itself when launched by an MPI launcher.
CampaignRunResult run_campaign(const std::string& dir, const CampaignRunOptions& options);

}  // namespace dynfault::campaign
