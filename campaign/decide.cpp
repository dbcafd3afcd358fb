#include "campaign/decide.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "mutate/kill.h"
#include "mutate/search.h"
#include "campaign/mutants.h"

namespace dynfault::campaign {

KillMetric kill_metric_for(const ProgramSpec& original) {
  // The runner logs val_acc exactly in these cases (runner/losses.cpp
  // resolve_accuracy, after the published callback): an "accuracy"/"acc"
  // metric, or MAPE as the only metric (as 1 - MAPE/100). Otherwise val_acc is
  // NaN and the loss is the only comparable value.
  const auto& m = original.metrics;
  const bool accuracy = std::find(m.begin(), m.end(), "accuracy") != m.end() ||
                        std::find(m.begin(), m.end(), "acc") != m.end();
  const bool only_mape = m.size() == 1 && (m[0] == "mape" || m[0] == "mean_absolute_percentage_error" ||
                                           m[0] == "MeanAbsolutePercentageError");
  if (accuracy || only_mape) return {"val_acc", false};
  return {"val_loss", true};
}

double kill_metric(const Trace& trace, const ProgramSpec& original) {
  const auto c = trace.channel_index(kill_metric_for(original).channel);
  if (!c || trace.epochs() == 0) return std::numeric_limits<double>::quiet_NaN();
  return trace.value(trace.epochs() - 1, *c);
}

std::optional<KillResult> kill_test(const std::vector<double>& original_runs, const std::vector<double>& mutant_runs,
                                    const ProgramSpec& original) {
  if (original_runs.size() < 2 || mutant_runs.size() < 2) return std::nullopt;
  mutate::KillOptions options;
  options.regression = kill_metric_for(original).regression;
  const mutate::KillResult r = mutate::kill_test(original_runs, mutant_runs, options);
  return KillResult{r.killed, r.p_reported, r.d};
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
  mutate::KillOptions options;
  options.regression = kill_metric_for(original).regression;
  const mutate::SearchDecision d = mutate::next_search_step(space, original_runs, tried, options);
  if (d.done) return std::nullopt;
  return planned(mutate::make_mutant(original, search.operator_name, d.next_parameters), search.key);
}

}  // namespace dynfault::campaign
