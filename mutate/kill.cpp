#include "mutate/kill.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <Eigen/Dense>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/non_central_f.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace dynfault::mutate {
namespace stats {

namespace {
// numpy/core/src/umath/loops_utils.h.src: pairwise_sum for float64, contiguous.
double pairwise(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

// numpy's float64 `x ** 2` calls libm pow(), which is not always x*x; the
// volatile exponent keeps the compiler from folding pow(x, 2.0) into x*x.
double numpy_square(double x) {
  volatile double two = 2.0;
  return std::pow(x, two);
}
}  // namespace

double numpy_sum(const std::vector<double>& v) { return 0.0 + pairwise(v.data(), v.size()); }

double numpy_mean(const std::vector<double>& v) { return numpy_sum(v) / static_cast<double>(v.size()); }

double numpy_std(const std::vector<double>& v, int ddof) {
  const double mean = numpy_mean(v);
  std::vector<double> sq(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double x = v[i] - mean;
    sq[i] = x * x;
  }
  const double count = std::max(static_cast<double>(v.size()) - ddof, 0.0);
  return std::sqrt(numpy_sum(sq) / count);
}

double cohen_d(const std::vector<double>& original, const std::vector<double>& mutant) {
  const double nx = static_cast<double>(original.size()), ny = static_cast<double>(mutant.size());
  const double dof = nx + ny - 2;
  const double pooled = std::sqrt(((nx - 1) * numpy_square(numpy_std(original, 1)) +
                                   (ny - 1) * numpy_square(numpy_std(mutant, 1))) / dof);
  return (numpy_mean(original) - numpy_mean(mutant)) / pooled;
}

double anova_power(double effect_size, double nobs, double alpha) {
  if (std::isnan(effect_size)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(effect_size)) return 1.0;  // the limit; statsmodels returns NaN here
  const double df_num = 1, df_denom = nobs - 2;
  const double crit = boost::math::quantile(boost::math::complement(boost::math::fisher_f(df_num, df_denom), alpha));
  const double lambda = effect_size * effect_size * nobs;
  // Without an effect the statistic is central F: power = alpha by definition of the
  // critical value (Boost's non_central_f, like scipy 1.10's, returns -0.95 at lambda = 0).
  if (lambda == 0) return alpha;
  try {
    return boost::math::cdf(boost::math::complement(boost::math::non_central_f(df_num, df_denom, lambda), crit));
  } catch (const std::exception&) {
    // Boost gives up only far out in the tail, where the power is 1 to double precision.
    return 1.0;
  }
}

double round_like_summary(double p) {
  if (!std::isfinite(p)) return p;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", p);
  return std::strtod(buf, nullptr);
}

}  // namespace stats

namespace {

bool all_equal(const std::vector<double>& v, double value) {
  for (double x : v)
    if (x != value) return false;
  return true;
}

// Gaussian GLM with identity link = ordinary least squares on [1, mutant];
// scale = Pearson chi2 / df_resid; Wald z of the mutant coefficient.
double glm_wald_z(const std::vector<double>& a, const std::vector<double>& b) {
  const Eigen::Index n = static_cast<Eigen::Index>(a.size()), m = static_cast<Eigen::Index>(b.size());
  Eigen::MatrixXd X(n + m, 2);
  Eigen::VectorXd y(n + m);
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = 1;
    X(i, 1) = 0;
    y(i) = a[static_cast<size_t>(i)];
  }
  for (Eigen::Index i = 0; i < m; ++i) {
    X(n + i, 0) = 1;
    X(n + i, 1) = 1;
    y(n + i) = b[static_cast<size_t>(i)];
  }
  const Eigen::Vector2d beta = X.colPivHouseholderQr().solve(y);
  const double scale = (y - X * beta).squaredNorm() / static_cast<double>(n + m - 2);
  const Eigen::Matrix2d normalized_cov = (X.transpose() * X).inverse();
  return beta(1) / std::sqrt(scale * normalized_cov(1, 1));
}

}  // namespace

KillResult kill_test(const std::vector<double>& original, const std::vector<double>& mutant,
                     const KillOptions& options) {
  if (original.size() < 2 || mutant.size() < 2)
    throw Error("kill test", "needs at least 2 values on each side (got " + std::to_string(original.size()) +
                                 " original, " + std::to_string(mutant.size()) + " mutant)");
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  KillResult r;
  r.n_original = original.size();
  r.n_mutant = mutant.size();
  // d on every value, as DeepCrime computes it: one NaN/inf makes it NaN.
  r.d = stats::cohen_d(original, mutant);

  // The GLM sees only finite values (patsy drops NaN rows; statsmodels cannot fit inf).
  std::vector<double> a, b;
  for (double x : original)
    if (std::isfinite(x)) a.push_back(x);
  for (double x : mutant)
    if (std::isfinite(x)) b.push_back(x);
  r.nonfinite = original.size() + mutant.size() - a.size() - b.size();

  if (a.size() < 2 || b.size() < 2) {
    r.z = r.p = r.p_reported = nan;
    r.note = "fewer than 2 finite values on a side: no test, not killed";
  } else if (all_equal(a, a[0]) && all_equal(b, a[0])) {
    // statsmodels raises ("first guess on the deviance function returned a nan"); the
    // sources then report "not killed". No difference: z = 0, p = 1, d = 0.
    r.z = 0;
    r.p = r.p_reported = 1;
    if (r.nonfinite == 0) r.d = 0;
    r.note = "all values identical: no difference, not killed";
  } else if (all_equal(a, a[0]) && all_equal(b, b[0])) {
    // statsmodels raises PerfectSeparationError; deepcrime-tool sets p = 0 and the
    // rule then decides on the sign of d = +-inf.
    r.z = b[0] > a[0] ? inf : -inf;
    r.p = r.p_reported = 0;
    if (r.nonfinite == 0) r.d = a[0] > b[0] ? inf : -inf;
    r.note = "each list constant, means differ: p = 0, d = " + std::string(a[0] > b[0] ? "+inf" : "-inf");
  } else {
    r.z = glm_wald_z(a, b);
    r.p = std::erfc(std::fabs(r.z) / std::sqrt(2.0));
    r.p_reported = stats::round_like_summary(r.p);
  }
  if (r.nonfinite > 0 && r.note.empty())
    r.note = std::to_string(r.nonfinite) + " non-finite value(s): left out of the GLM; d is NaN, not killed";

  r.power = stats::anova_power(r.d, static_cast<double>(original.size() + mutant.size()), 0.05);
  const bool worse = options.regression ? r.d <= -options.min_effect : r.d >= options.min_effect;
  r.killed = r.p_reported < options.alpha && worse;  // false whenever p or d is NaN
  r.stable = r.power >= options.stable_power;
  return r;
}

std::string to_string(KillVerdict::Reason reason) {
  switch (reason) {
    case KillVerdict::Reason::Test: return "test";
    case KillVerdict::Reason::Crash: return "crash";
    case KillVerdict::Reason::Untestable: return "untestable";
  }
  return "test";
}

KillVerdict::Reason parse_kill_reason(const std::string& text, const std::string& where) {
  for (auto r : {KillVerdict::Reason::Test, KillVerdict::Reason::Crash, KillVerdict::Reason::Untestable})
    if (to_string(r) == text) return r;
  throw Error(where, "unknown kill verdict reason '" + text + "' (test, crash, untestable)");
}

KillVerdict kill_verdict(const std::vector<RepeatOutcome>& original_in, const std::vector<RepeatOutcome>& mutant_in,
                         const KillOptions& options) {
  std::vector<RepeatOutcome> original, mutant;
  for (const auto& r : original_in)
    if (!r.terminated) original.push_back(r);
  for (const auto& r : mutant_in)
    if (!r.terminated) mutant.push_back(r);
  std::vector<double> a, b;
  for (const auto& r : original)
    if (std::isfinite(r.value)) a.push_back(r.value);
  for (const auto& r : mutant)
    if (std::isfinite(r.value)) b.push_back(r.value);
  KillVerdict v;
  v.terminated_original = original_in.size() - original.size();
  v.terminated_mutant = mutant_in.size() - mutant.size();
  v.dropped_original = original.size() - a.size();
  v.dropped_mutant = mutant.size() - b.size();
  const bool all_crashed =
      !mutant.empty() && std::all_of(mutant.begin(), mutant.end(), [](const RepeatOutcome& r) { return r.crashed; });
  if (a.size() >= 2 && all_crashed) {
    v.reason = KillVerdict::Reason::Crash;
    v.killed = true;
    v.note = "every one of the " + std::to_string(mutant.size()) + " mutant repeats crashed before its first epoch; " +
             std::to_string(a.size()) + " original repeats trained";
  } else if (a.size() >= 2 && b.size() >= 2) {
    v.test = kill_test(a, b, options);
    v.killed = v.test.killed;
  } else {
    v.reason = KillVerdict::Reason::Untestable;
    v.note = "fewer than 2 finite repeats on a side (" + std::to_string(a.size()) + " original, " +
             std::to_string(b.size()) + " mutant): not killed";
  }
  return v;
}

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

KillOptions kill_options_for(const ProgramSpec& original) {
  KillOptions options;
  options.regression = kill_metric_for(original).regression;
  return options;
}

namespace {
nlohmann::json number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}
}  // namespace

nlohmann::json to_json(const KillResult& r, const KillOptions& o) {
  std::ostringstream rule;
  rule << "p_reported < " << o.alpha << " and d " << (o.regression ? "<= -" : ">= ") << o.min_effect
       << (o.regression ? " (regression: mutant loss higher)" : " (classification: mutant accuracy lower)");
  nlohmann::json j = {{"p", number(r.p)},
                      {"p_reported", number(r.p_reported)},
                      {"d", number(r.d)},
                      {"power", number(r.power)},
                      {"z", number(r.z)},
                      {"killed", r.killed},
                      {"stable", r.stable},
                      {"n_original", r.n_original},
                      {"n_mutant", r.n_mutant},
                      {"nonfinite", r.nonfinite},
                      {"rule", rule.str()}};
  if (!r.note.empty()) j["note"] = r.note;
  return j;
}

std::vector<double> read_values_file(const std::string& path) {
  std::istringstream in(read_text_file(path));
  std::vector<double> values;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r");
    const std::string text = line.substr(first, last - first + 1);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0')
      throw Error(path + ":" + std::to_string(number), "not a number: '" + text + "' (expected one number per line)");
    values.push_back(v);
  }
  if (values.size() < 2)
    throw Error(path, "needs at least 2 values, one per line (found " + std::to_string(values.size()) + ")");
  return values;
}

}  // namespace dynfault::mutate
