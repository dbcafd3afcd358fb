#pragma once
// DeepCrime's kill decision (docs/kill.md, reference: kill-criterion.md): a
// mutant is killed when its per-repeat values are significantly and
// substantially worse than the original's:
//   Gaussian GLM `value ~ mutant` (identity link), Wald z p-value of the mutant
//   term, read to 3 decimals as DeepCrime reads it from the summary table,
//   p < 0.05 and Cohen's d >= 0.5 (accuracy dropped) — or d <= -0.5 for
//   regression, where the compared value is a loss (loss rose).
// Power is reported as DeepCrime's mutation_score.py computes it.
//
// This is the one kill-verdict path: `dynfault kill-test` applies kill_test to
// value lists, and `run --mutant` and the campaign (campaign/decide.h) apply it
// to the kill_metric of each repeat with kill_options_for the original.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/program_spec.h"
#include "core/trace.h"

namespace dynfault::mutate {

// Repeats of the original and of each mutant configuration (DeepCrime's
// runs_number; docs/kill.md says why 20).
inline constexpr int kDefaultRepeats = 20;

struct KillOptions {
  bool regression = false;     // values are losses/errors: higher is worse
  double alpha = 0.05;         // on the p-value rounded to 3 decimals
  double min_effect = 0.5;     // |Cohen's d|, in the worse direction
  double stable_power = 0.8;   // DeepCrime's stability threshold on power
};

struct KillResult {
  size_t n_original = 0;   // values given
  size_t n_mutant = 0;
  size_t nonfinite = 0;    // NaN/inf values, left out of the GLM (d becomes NaN: never killed)
  double z = 0;            // Wald z of the mutant term (mean(mutant) - mean(original)) / se
  double p = 1;            // exact two-sided p-value of z
  double p_reported = 1;   // p rounded to 3 decimals (the value DeepCrime compares)
  double d = 0;            // Cohen's d = (mean(original) - mean(mutant)) / pooled sd
  double power = 0;        // FTestAnovaPower(effect_size = d, nobs = n + m, alpha = 0.05)
  bool killed = false;
  bool stable = false;     // power >= stable_power (DeepCrime keeps only stable kills)
  std::string note;        // the edge case that applied, empty otherwise (docs/kill.md)
};

// Which value of a run the kill test compares. DeepCrime compares score[1] of
// model.evaluate: the first compiled metric. Programs for which the runner
// logs val_acc (an "accuracy"/"acc" metric, or MAPE alone, logged as
// 1 - MAPE/100) compare the last epoch's val_acc (higher is better); the
// others compare the last epoch's val_loss as a regression error (higher is worse).
struct KillMetric {
  std::string channel;      // "val_acc" or "val_loss"
  bool regression = false;  // true: higher is worse
};
KillMetric kill_metric_for(const ProgramSpec& original);

// The value of `trace` the kill test compares: the metric's last epoch; NaN when
// the run logged no epoch (a crash) or lacks the channel. NaN never kills.
double kill_metric(const Trace& trace, const ProgramSpec& original);

// The default rule, in the direction of `original`'s kill metric.
KillOptions kill_options_for(const ProgramSpec& original);

// Needs at least 2 values on each side; throws dynfault::Error otherwise.
KillResult kill_test(const std::vector<double>& original, const std::vector<double>& mutant,
                     const KillOptions& options = {});

// One repeat as a campaign's verdict sees it: its kill_metric value (NaN when
// absent) and whether it crashed before its first epoch.
struct RepeatOutcome {
  double value = 0;
  bool crashed = false;
  bool terminated = false;  // stopped by a triage rule (docs/triage.md): left out, counted
};

// dynfault's verdict around DeepCrime's rule (docs/kill.md, "Crashes and
// non-finite repeats"), used by the campaign and `run --mutant`:
//   - every mutant repeat crashed while the original has >= 2 finite repeats:
//     killed by crash (DeepCrime's scripts would stop with an error);
//   - otherwise non-finite repeats (crash, timeout, NaN loss) are dropped on
//     both sides and, with >= 2 finite values left on each side, kill_test
//     decides on them (an original with a NaN repeat no longer blocks every
//     verdict of its program, as it does when d is taken over all values);
//   - else not killed: too few finite repeats to test.
// Repeats a triage rule stopped are left out before all of this (a stopped
// run's last epoch is not its outcome) and counted.
struct KillVerdict {
  enum class Reason { Test, Crash, Untestable };
  Reason reason = Reason::Test;
  bool killed = false;
  KillResult test;  // kill_test on the finite values (Reason::Test only)
  size_t dropped_original = 0, dropped_mutant = 0;  // non-finite repeats left out
  size_t terminated_original = 0, terminated_mutant = 0;  // repeats a triage rule stopped, left out first
  std::string note;  // why, in words, for Crash and Untestable
};
std::string to_string(KillVerdict::Reason reason);  // "test", "crash", "untestable"
KillVerdict::Reason parse_kill_reason(const std::string& text, const std::string& where);
KillVerdict kill_verdict(const std::vector<RepeatOutcome>& original, const std::vector<RepeatOutcome>& mutant,
                         const KillOptions& options);

// {"p", "p_reported", "d", "power", "z", "killed", "stable", "n_original", "n_mutant",
//  "nonfinite", "rule", "note"}; non-finite numbers are written as "nan"/"inf"/"-inf".
nlohmann::json to_json(const KillResult& result, const KillOptions& options = {});

// One number per line (blank lines and surrounding spaces ignored; "nan"/"inf"
// accepted). Throws dynfault::Error naming the file and line of a bad entry.
std::vector<double> read_values_file(const std::string& path);

// The pieces, exposed for tests.
namespace stats {
// numpy's float64 sum (pairwise, 8-way unrolled), bit for bit.
double numpy_sum(const std::vector<double>& v);
double numpy_mean(const std::vector<double>& v);
double numpy_std(const std::vector<double>& v, int ddof);
// DeepCrime's cohen_d, evaluated exactly as numpy evaluates it.
double cohen_d(const std::vector<double>& original, const std::vector<double>& mutant);
// FTestAnovaPower().power(effect_size, nobs, alpha) with k_groups = 2.
double anova_power(double effect_size, double nobs, double alpha);
// Python's `float("%#6.3f" % p)`.
double round_like_summary(double p);
}  // namespace stats

}  // namespace dynfault::mutate
