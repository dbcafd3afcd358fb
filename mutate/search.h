#pragma once
// DeepCrime's binary search for continuous operators (learning rate, epochs,
// early-stopping patience), as a pure function the campaign calls after each
// finished batch of repeats: "given the repeats of the original and of the
// settings tried so far, what runs next — or which setting was chosen?"
//
//   1. Run the extreme setting. Not killed: the operator is not killable here; done.
//   2. Otherwise bisect between the original (not-killed end) and the killed end:
//      mid = round((lo + hi) / 2) to the operator's decimals (Python's round);
//      killed -> the killed end moves to mid, else the not-killed end does.
//   3. Stop when |hi - lo| <= precision; the chosen setting is the mildest killed
//      one (the killed end), with its not-killed neighbour.
// Deterministic: the same inputs give the same answer, in any order of arrival.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mutate/kill.h"

namespace dynfault::mutate {

// The interval an operator searches on one program (Operator::search_space).
struct SearchSpace {
  std::string operator_name;
  std::string parameter;   // the operator's parameter key, e.g. "learning_rate"
  double original = 0;     // the program's own value: the not-killed end (bs_lower_bound)
  double extreme = 0;      // tried first (bs_upper_bound)
  double precision = 0;    // stop when the bracket is this narrow
  int decimals = 0;        // settings are rounded to this many decimals; 0 = integers

  double round(double value) const;      // Python's round(value, decimals) (half to even)
  nlohmann::json parameters(double setting) const;  // {parameter: setting}, an integer when decimals == 0
};

// Which repeats a midpoint is compared with. DeepCrime's code compares each
// midpoint with the repeats of the current not-killed end (the original at
// first, later the last midpoint that was not killed); "killed" everywhere
// else in dynfault means "against the original", which is the default.
enum class SearchBaseline { Original, NotKilledEnd };

// The finished repeats of one setting.
struct SearchTrial {
  double setting = 0;
  std::vector<double> values;
};

struct SearchStepRecord {
  double setting = 0;       // the setting tested
  double lower = 0;         // bracket before the test: not-killed end
  double upper = 0;         //                          killed end (the extreme at first)
  KillResult result;        // its kill test
};

struct SearchDecision {
  bool done = false;
  // Not done: the setting to run next, and its operator parameters.
  double next = 0;
  nlohmann::json next_parameters;
  // Done:
  bool killable = false;                  // the extreme setting was killed
  std::optional<double> chosen;           // mildest killed setting (killable only)
  std::optional<double> not_killed;       // its not-killed neighbour (may be the original)
  std::vector<SearchStepRecord> steps;    // the tests that led here, in order
};

// `trials` may arrive in any order and may hold settings off the search path
// (ignored). A trial on the path with fewer than 2 values, or two trials of the
// same setting, throw dynfault::Error.
SearchDecision next_search_step(const SearchSpace& space, const std::vector<double>& original_values,
                                const std::vector<SearchTrial>& trials, const KillOptions& options = {},
                                SearchBaseline baseline = SearchBaseline::Original);

nlohmann::json to_json(const SearchDecision& decision);

}  // namespace dynfault::mutate
