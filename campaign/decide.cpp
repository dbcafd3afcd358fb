#include "campaign/decide.h"

#include "campaign/mutants.h"
#include "core/error.h"
#include "mutate/search.h"

namespace dynfault::campaign {

std::optional<mutate::KillVerdict> decide_kill(const std::vector<mutate::RepeatOutcome>& original_runs,
                                               const std::vector<mutate::RepeatOutcome>& mutant_runs,
                                               const ProgramSpec& original) {
  if (original_runs.size() < 2 || mutant_runs.size() < 2) return std::nullopt;
  return mutate::kill_verdict(original_runs, mutant_runs, mutate::kill_options_for(original));
}

std::optional<PlannedMutant> next_search_mutant(const PlannedSearch& search, const ProgramSpec& original,
                                                const std::vector<double>& original_runs,
                                                const std::vector<SearchTrialRuns>& trials) {
  const mutate::SearchSpace space = search_space_from_state(search.state, "search " + search.key);
  std::vector<mutate::SearchTrial> tried;
  for (const auto& t : trials) {
    const auto params = nlohmann::json::parse(t.parameters);
    if (!params.contains(space.parameter) || !params[space.parameter].is_number())
      throw Error("search " + search.key, "a trial lacks the numeric parameter '" + space.parameter + "'");
    tried.push_back({params[space.parameter].get<double>(), t.values});
  }
  if (original_runs.size() < 2) return std::nullopt;  // no kill test, no search
  const mutate::SearchDecision d =
      mutate::next_search_step(space, original_runs, tried, mutate::kill_options_for(original));
  if (d.done) return std::nullopt;
  return planned(mutate::make_mutant(original, search.operator_name, d.next_parameters), search.key);
}

}  // namespace dynfault::campaign
