#pragma once
// The planner's cost model (`campaign plan --estimate`, docs/campaign.md#cost-estimates):
// seconds per task on this machine, from a few timed training steps and one
// probe measurement per program (runner::calibrate) instead of the
// weights x samples x epochs heuristic (estimate_cost). Calibrations are
// cached in a JSON file keyed by everything that changes the timing: program
// spec, scale, probes, thread count, probe settings, dynfault version and CPU
// model. A mutant's cost is its original's calibrated cost scaled by the
// heuristic's ratio mutant/original, so only originals are timed.
// Torch-free: the calibration itself comes through a Calibrator (the runner
// library's calibrate, injected by the CLI; tests inject stand-ins).
#include <functional>
#include <iosfwd>
#include <map>
#include <string>

#include "campaign/plan.h"
#include "runner/run.h"

namespace dynfault::campaign {

using Calibrator = std::function<runner::Calibration(const runner::RunRequest&)>;

class CostModel {
 public:
  // $DYNFAULT_COST_CACHE, else $XDG_CACHE_HOME/dynfault/cost-model.json, else ~/.cache/dynfault/cost-model.json.
  static std::string default_cache_path();

  // Reads the cache when it exists; a file that is not a cost-model cache is an Error naming it.
  explicit CostModel(std::string cache_path);

  // The cache key of one program's original runs under `settings`.
  static std::string key(const ProgramSpec& original, const CampaignSettings& settings);

  // Times every planned program the cache lacks, saving the cache after each one (atomically), so an
  // interrupted calibration keeps what it measured. Progress lines go to `log`. Returns how many
  // programs were timed; a program that cannot be calibrated is cached with its error and priced by
  // the heuristic. With `isolate`, each calibration runs in a forked child whose address space is
  // capped at the machine's physical memory and which is stopped after `timeout_seconds`, so a
  // program that cannot fit, crashes or takes too long is an error for that program, not a dead or
  // stuck planner. Call it isolated only from a single-threaded process.
  size_t calibrate_missing(const CampaignSettings& settings, const ProgramZoo& zoo, const Calibrator& calibrator,
                           std::ostream& log, bool isolate = true, unsigned timeout_seconds = kCalibrationTimeout);
  static constexpr unsigned kCalibrationTimeout = 300;

  // The calibration of `original` under `settings`, or nullptr (not cached, or cached with an error).
  const runner::Calibration* find(const ProgramSpec& original, const CampaignSettings& settings) const;

  // Expected seconds of one run of `trained` (the original or one of its mutants): calibrated when
  // the original is, else the heuristic.
  double seconds(const ProgramSpec& original, const ProgramSpec& trained, const CampaignSettings& settings) const;

  const std::string& cache_path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, runner::Calibration> entries_;
  void save() const;
};

// What `campaign plan --estimate` prints: per program tasks, core-hours and the largest task, then
// the total, from the plan's expected costs (seconds), and what binary searches may add.
std::string estimate_text(const Plan& plan, const CostModel* model, const ProgramZoo& zoo);

}  // namespace dynfault::campaign
