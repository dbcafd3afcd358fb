#pragma once
// The campaign's decisions from the repeats it has run: the kill verdict of a
// mutant (mutate/kill.h, the one kill rule) and the next setting of a
// DeepCrime binary search (mutate/search.h). Everything here is a pure
// function of its inputs, so replaying the journal reproduces every decision.
#include <optional>
#include <string>
#include <vector>

#include "campaign/plan.h"
#include "core/program_spec.h"
#include "mutate/kill.h"

namespace dynfault::campaign {

// mutate::kill_verdict on the kill metric of each repeat, in the direction of
// `original`'s metric. nullopt when either side has fewer than 2 runs: then no
// verdict can be given (campaigns with --repeats 1).
std::optional<mutate::KillVerdict> decide_kill(const std::vector<mutate::RepeatOutcome>& original_runs,
                                               const std::vector<mutate::RepeatOutcome>& mutant_runs,
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
