#include "mutate/search.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace dynfault::mutate {

double SearchSpace::round(double value) const {
  if (decimals <= 0) return std::nearbyint(value);  // FE_TONEAREST: half to even, like Python's round()
  // printf rounds the exact binary value correctly (half to even on exact ties),
  // as Python's round(x, n) does.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return std::strtod(buf, nullptr);
}

nlohmann::json SearchSpace::parameters(double setting) const {
  if (decimals <= 0) return {{parameter, static_cast<long long>(std::llround(setting))}};
  return {{parameter, setting}};
}

namespace {

bool same_setting(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
}

const SearchTrial* find_trial(const std::vector<SearchTrial>& trials, double setting, const SearchSpace& space) {
  const SearchTrial* found = nullptr;
  for (const auto& t : trials) {
    if (!same_setting(t.setting, setting)) continue;
    if (found)
      throw Error("search " + space.operator_name, "setting " + std::to_string(setting) + " was given twice");
    found = &t;
  }
  if (found && found->values.size() < 2)
    throw Error("search " + space.operator_name,
                "setting " + std::to_string(setting) + " has fewer than 2 finished repeats");
  return found;
}

SearchDecision run_next(const SearchSpace& space, double setting, std::vector<SearchStepRecord> steps) {
  SearchDecision d;
  d.next = setting;
  d.next_parameters = space.parameters(setting);
  d.steps = std::move(steps);
  return d;
}

}  // namespace

SearchDecision next_search_step(const SearchSpace& space, const std::vector<double>& original_values,
                                const std::vector<SearchTrial>& trials, const KillOptions& options,
                                SearchBaseline baseline) {
  if (original_values.size() < 2)
    throw Error("search " + space.operator_name, "the original has fewer than 2 finished repeats");
  if (!(space.precision > 0))
    throw Error("search " + space.operator_name, "precision must be positive");
  std::vector<SearchStepRecord> steps;

  // 1. The extreme first.
  const SearchTrial* extreme = find_trial(trials, space.extreme, space);
  if (!extreme) return run_next(space, space.extreme, steps);
  KillResult r = kill_test(original_values, extreme->values, options);
  steps.push_back({space.extreme, space.original, space.extreme, r});
  SearchDecision done;
  done.done = true;
  if (!r.killed) {
    done.steps = std::move(steps);
    return done;  // not killable
  }
  done.killable = true;

  // 2. Bisect between the not-killed end (lo) and the killed end (hi).
  double lo = space.original, hi = space.extreme;
  const std::vector<double>* lo_values = &original_values;
  while (std::fabs(hi - lo) > space.precision) {
    const double mid = space.round((lo + hi) / 2);
    if (same_setting(mid, lo) || same_setting(mid, hi)) break;  // rounding cannot split the bracket further
    const SearchTrial* trial = find_trial(trials, mid, space);
    if (!trial) return run_next(space, mid, steps);
    const std::vector<double>& reference = baseline == SearchBaseline::Original ? original_values : *lo_values;
    r = kill_test(reference, trial->values, options);
    steps.push_back({mid, lo, hi, r});
    if (r.killed) {
      hi = mid;
    } else {
      lo = mid;
      lo_values = &trial->values;
    }
  }
  // 3. The mildest killed setting and its not-killed neighbour.
  done.chosen = hi;
  done.not_killed = lo;
  done.steps = std::move(steps);
  return done;
}

nlohmann::json to_json(const SearchDecision& d) {
  nlohmann::json j;
  j["done"] = d.done;
  if (!d.done) {
    j["next"] = d.next;
    j["next_parameters"] = d.next_parameters;
  } else {
    j["killable"] = d.killable;
    if (d.chosen) j["chosen"] = *d.chosen;
    if (d.not_killed) j["not_killed"] = *d.not_killed;
  }
  j["steps"] = nlohmann::json::array();
  for (const auto& s : d.steps)
    j["steps"].push_back({{"setting", s.setting}, {"lower", s.lower}, {"upper", s.upper},
                          {"killed", s.result.killed}, {"p_reported", to_json(s.result)["p_reported"]},
                          {"d", to_json(s.result)["d"]}});
  return j;
}

}  // namespace dynfault::mutate
