// DeepCrime's kill rule against statsmodels/numpy golden values
// (scripts/golden/kill_golden.py): p to 1e-9, p as DeepCrime reads it exactly,
// Cohen's d bit for bit, power as FTestAnovaPower; then the edge-case policy.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/atomic_file.h"
#include "core/error.h"
#include "mutate/kill.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::mutate;
using Json = nlohmann::json;

namespace {

double number(const Json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  throw std::runtime_error("bad number " + s);
}

std::vector<double> numbers(const Json& a) {
  std::vector<double> v;
  for (const auto& x : a) v.push_back(number(x));
  return v;
}

void expect_same_double(double actual, double expected, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": " << actual;
  } else {
    EXPECT_EQ(actual, expected) << what;
  }
}

Json golden() {
  const std::string path = std::string(DYNFAULT_SOURCE_DIR) + "/tests/mutate/golden/kill.json";
  return Json::parse(read_text_file(path));
}

}  // namespace

TEST(KillRule, MatchesStatsmodelsOnTheGoldenCases) {
  const Json g = golden();
  size_t compared = 0, edge = 0, killed = 0;
  for (const auto& c : g["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    KillOptions o;
    o.regression = c["regression"];
    const auto a = numbers(c["original"]), b = numbers(c["mutant"]);
    const KillResult r = kill_test(a, b, o);
    const double d = number(c["d"]);
    EXPECT_EQ(r.n_original, a.size());
    EXPECT_EQ(r.n_mutant, b.size());
    if (c.contains("glm_error")) {
      ++edge;
      continue;  // statsmodels could not fit: the policy test below covers these
    }
    ++compared;
    EXPECT_NEAR(r.p, number(c["p"]), 1e-9);
    EXPECT_EQ(r.p_reported, number(c["p_summary"]));
    expect_same_double(r.d, d, "d");
    EXPECT_EQ(r.killed, c["killed"].get<bool>());
    killed += r.killed;
    if (c.contains("power") && std::isfinite(d) && d != 0) {
      EXPECT_NEAR(r.power, number(c["power"]), 1e-9);
    }
  }
  EXPECT_GT(compared, 180u);
  EXPECT_EQ(edge, 5u);
  EXPECT_GT(killed, 50u);
}

TEST(KillRule, EdgeCasePolicy) {
  const Json g = golden();
  std::map<std::string, Json> cases;
  for (const auto& c : g["cases"]) cases[c["name"]] = c;
  auto run = [&](const std::string& name) {
    const Json& c = cases.at(name);
    KillOptions o;
    o.regression = c["regression"];
    return kill_test(numbers(c["original"]), numbers(c["mutant"]), o);
  };
  // All identical: statsmodels raises; no difference, not killed.
  KillResult r = run("all_identical");
  EXPECT_EQ(cases["all_identical"]["glm_error"], "ValueError");
  EXPECT_EQ(r.p, 1);
  EXPECT_EQ(r.d, 0);
  EXPECT_FALSE(r.killed);
  EXPECT_NEAR(r.power, 0.05, 1e-12);  // power at zero effect = alpha
  EXPECT_NE(r.note.find("identical"), std::string::npos);
  // Constant lists with different means: PerfectSeparationError; p = 0, d = +-inf (as numpy's d).
  r = run("constant_lists_mutant_worse");
  EXPECT_EQ(r.p, 0);
  EXPECT_EQ(r.d, number(cases["constant_lists_mutant_worse"]["d"]));
  EXPECT_TRUE(r.killed);
  EXPECT_EQ(r.power, 1);
  r = run("constant_lists_mutant_better");
  EXPECT_EQ(r.d, -std::numeric_limits<double>::infinity());
  EXPECT_FALSE(r.killed);  // better is never killed
  r = run("constant_lists_regression");
  EXPECT_TRUE(r.killed);  // loss rose
  // NaN: patsy drops the row for the GLM; d is NaN, so never killed.
  r = run("nan_in_mutant");
  EXPECT_NEAR(r.p, number(cases["nan_in_mutant"]["p"]), 1e-9);
  EXPECT_TRUE(std::isnan(r.d));
  EXPECT_FALSE(r.killed);
  EXPECT_EQ(r.nonfinite, 1u);
  // inf: statsmodels raises; dynfault leaves it out like NaN.
  r = run("inf_in_mutant");
  EXPECT_EQ(cases["inf_in_mutant"]["glm_error"], "ValueError");
  EXPECT_NEAR(r.p, number(cases["inf_in_mutant"]["p_finite"]), 1e-9);
  EXPECT_TRUE(std::isnan(r.d));
  EXPECT_FALSE(r.killed);
  // Fewer than 2 finite values on a side: no test.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r = kill_test({0.5, 0.6, 0.7}, {nan, nan, 0.1});
  EXPECT_TRUE(std::isnan(r.p));
  EXPECT_FALSE(r.killed);
  EXPECT_THROW(kill_test({0.5}, {0.4, 0.3}), Error);
}

TEST(KillRule, RoundsThePValueAsDeepCrimeReadsIt) {
  // p = 0.04953 prints as 0.050 and is not < 0.05, although d = 0.62 > 0.5.
  const Json g = golden();
  for (const auto& c : g["cases"]) {
    if (c["name"] != "boundary_3") continue;
    const KillResult r = kill_test(numbers(c["original"]), numbers(c["mutant"]));
    EXPECT_LT(r.p, 0.05);
    EXPECT_EQ(r.p_reported, 0.05);
    EXPECT_GT(r.d, 0.5);
    EXPECT_FALSE(r.killed);
    return;
  }
  FAIL() << "boundary_3 missing from the golden file";
}

TEST(KillRule, PowerMatchesTheReferenceTable) {
  // kill-criterion.md, statsmodels 0.13.5 (4 decimals).
  const double ds[] = {0.3, 0.5, 0.62, 0.8, 1.0};
  const std::map<int, std::vector<double>> table = {{20, {0.2459, 0.5620, 0.7462, 0.9224, 0.9882}},
                                                    {30, {0.3547, 0.7529, 0.9061, 0.9883, 0.9996}},
                                                    {35, {0.4065, 0.8189, 0.9451, 0.9957, 0.9999}},
                                                    {40, {0.4560, 0.8690, 0.9686, 0.9985, 1.0000}}};
  for (const auto& [n, row] : table)
    for (size_t i = 0; i < row.size(); ++i)
      EXPECT_NEAR(stats::anova_power(ds[i], n, 0.05), row[i], 5e-5) << "N=" << n << " d=" << ds[i];
}

TEST(KillRule, NumpyArithmeticIsReproducedBitForBit) {
  // Harmonic terms 1/1 .. 1/300: numpy's pairwise sum (6.282663880299504) differs from a
  // left-to-right loop (6.282663880299502); values from /usr/bin/python3, numpy 1.24.
  std::vector<double> v;
  for (int i = 0; i < 300; ++i) v.push_back(1.0 / (i + 1));
  double naive = 0;
  for (double x : v) naive += x;
  EXPECT_EQ(stats::numpy_sum(v), 6.282663880299504);
  EXPECT_EQ(naive, 6.282663880299502);
  // "%#6.3f" rounds the binary value: 0.0495 is just above the tie, 0.0485 just below.
  EXPECT_EQ(stats::round_like_summary(0.0495), 0.05);
  EXPECT_EQ(stats::round_like_summary(0.0485), 0.049);
  EXPECT_EQ(stats::round_like_summary(0.0045), 0.004);
}

TEST(KillRule, ValuesFilesAndJson) {
  const dynfault_test::TempDir scratch;
  const auto& dir = scratch.path();
  const auto good = (dir / "good.txt").string(), bad = (dir / "bad.txt").string(), one = (dir / "one.txt").string();
  std::ofstream(good) << "0.9\n 0.91 \n\n0.89\r\nnan\n";
  std::ofstream(bad) << "0.9\n0.91\nzero\n";
  std::ofstream(one) << "0.9\n";
  const auto v = read_values_file(good);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1], 0.91);
  EXPECT_TRUE(std::isnan(v[3]));
  try {
    read_values_file(bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), bad + ":3: not a number: 'zero' (expected one number per line)");
  }
  EXPECT_THROW(read_values_file(one), Error);
  EXPECT_THROW(read_values_file((dir / "missing.txt").string()), Error);
  const Json j = to_json(kill_test({0.9, 0.91, 0.92}, {0.5, 0.52, 0.51}));
  EXPECT_EQ(j["killed"], true);
  EXPECT_EQ(j["n_original"], 3);
  EXPECT_TRUE(j["p"].is_number());
  EXPECT_NE(j["rule"].get<std::string>().find("d >= 0.5"), std::string::npos);
}

// dynfault's verdict around DeepCrime's rule (docs/kill.md, "Crashes and non-finite repeats").
TEST(KillVerdict, CrashesNonFiniteRepeatsAndTooFewValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<RepeatOutcome> original = {{0.80, false}, {0.82, false}, {nan, false}, {0.81, false}};
  const KillOptions o;
  // Every mutant repeat crashed: killed by crash, whatever the values.
  KillVerdict v = kill_verdict(original, {{nan, true}, {nan, true}, {nan, true}}, o);
  EXPECT_TRUE(v.killed);
  EXPECT_EQ(v.reason, KillVerdict::Reason::Crash);
  EXPECT_EQ(v.dropped_original, 1u);
  EXPECT_EQ(v.dropped_mutant, 3u);
  EXPECT_NE(v.note.find("crashed"), std::string::npos);
  // Some crashed, two finite and clearly worse: the test decides on the finite ones.
  v = kill_verdict(original, {{nan, true}, {0.50, false}, {0.52, false}}, o);
  EXPECT_EQ(v.reason, KillVerdict::Reason::Test);
  EXPECT_TRUE(v.killed);
  EXPECT_EQ(v.test.n_original, 3u);
  EXPECT_EQ(v.test.n_mutant, 2u);
  EXPECT_EQ(v.test.nonfinite, 0u);
  EXPECT_TRUE(std::isfinite(v.test.d));
  // The same lists through DeepCrime's rule alone: d is NaN, never killed.
  EXPECT_FALSE(kill_test({0.80, 0.82, nan, 0.81}, {nan, 0.50, 0.52}, o).killed);
  // One finite mutant repeat, not all crashed: untestable, not killed.
  v = kill_verdict(original, {{nan, false}, {0.5, false}}, o);
  EXPECT_EQ(v.reason, KillVerdict::Reason::Untestable);
  EXPECT_FALSE(v.killed);
  // The original itself crashed: no kill by crash.
  v = kill_verdict({{nan, true}, {nan, true}}, {{nan, true}, {nan, true}}, o);
  EXPECT_EQ(v.reason, KillVerdict::Reason::Untestable);
  EXPECT_FALSE(v.killed);
  EXPECT_EQ(parse_kill_reason("crash", "t"), KillVerdict::Reason::Crash);
  EXPECT_THROW(parse_kill_reason("maybe", "t"), Error);
}

// Repeats a triage rule stopped are left out before anything else and counted.
TEST(KillVerdict, TerminatedRepeatsAreLeftOutAndCounted) {
  const std::vector<RepeatOutcome> original = {{0.80, false}, {0.82, false}, {0.81, false}, {0.10, false, true}};
  const KillOptions o;
  // A terminated mutant repeat with a good accuracy does not rescue the mutant.
  KillVerdict v = kill_verdict(original, {{0.50, false}, {0.52, false}, {0.51, false}, {0.95, false, true}}, o);
  EXPECT_EQ(v.reason, KillVerdict::Reason::Test);
  EXPECT_TRUE(v.killed);
  EXPECT_EQ(v.terminated_original, 1u);
  EXPECT_EQ(v.terminated_mutant, 1u);
  EXPECT_EQ(v.dropped_original, 0u);
  EXPECT_EQ(v.test.n_original, 3u);
  EXPECT_EQ(v.test.n_mutant, 3u);
  // Only terminated mutant repeats left: nothing to test, and no kill by crash.
  v = kill_verdict(original, {{0.5, false, true}, {0.5, false, true}}, o);
  EXPECT_EQ(v.reason, KillVerdict::Reason::Untestable);
  EXPECT_FALSE(v.killed);
  EXPECT_EQ(v.terminated_mutant, 2u);
}
