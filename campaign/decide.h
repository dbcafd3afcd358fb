#pragma once
// The campaign's bridge to the mutate library: which value of a run the kill
// test compares, the kill decision itself (mutate/kill.h) and the next setting
// of a DeepCrime binary search (mutate/search.h). Everything here is a pure
// function of its inputs, so replaying the journal reproduces every decision.
#include <optional>
#include <string>
#include <vector>

#include "core/program_spec.h"
#include "core/trace.h"
#include "campaign/plan.h"

namespace dynfault::campaign {

// DeepCrime compares score[1] of model.evaluate: the first compiled metric.
// Programs for which the runner logs val_acc (an "accuracy"/"acc" metric, or
// MAPE alone, logged as 1 - MAPE/100) compare the last epoch's val_acc (higher
// is better); the others compare the last epoch's val_loss as a regression
// error (higher is worse).
struct KillMetric {
  std::string channel;      // "val_acc" or "val_loss"
  bool regression = false;  // true: higher is worse
};
KillMetric kill_metric_for(const ProgramSpec& original);

// The value of `trace` the kill test compares: the metric's last epoch; NaN when
// the run logged no epoch (a crash) or lacks the channel. NaN never kills.
double kill_metric(const Trace& trace, const ProgramSpec& original);

struct KillResult {
  bool killed = false;
  double p_value = 1, effect_size = 0;
};
// The GLM kill test (mutate::kill_test). nullopt when either side has fewer
// than 2 runs: then no verdict can be given (campaigns with --repeats 1).
std::optional<KillResult> kill_test(const std::vector<double>& original_runs, const std::vector<double>& mutant_runs,
                                    const ProgramSpec& original);

// One setting a search tried: its parameters (JSON text) and the kill metric of its runs.
struct SearchTrialRuns {
  std::string parameters;
  std::vector<double> values;
};

// The next setting of a binary search, as a mutant to train, or nothing when
// the search is over. `search.state` is the search space (JSON, mutants.cpp).
std::optional<PlannedMutant> next_search_mutant(const PlannedSearch& search, const ProgramSpec& original,
                                                const std::vector<double>& original_runs,
                                                const std::vector<SearchTrialRuns>& trials);

}  // namespace dynfault::campaign
