// DeepCrime's binary search as a state machine, driven by scripted outcomes:
// each requested setting gets repeats that the kill rule clearly kills or not.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "core/error.h"
#include "mutate/search.h"

using namespace dynfault;
using namespace dynfault::mutate;

namespace {

const std::vector<double> kOriginal = {0.90, 0.91, 0.89, 0.92, 0.88, 0.90, 0.91, 0.89, 0.90, 0.90};

std::vector<double> shifted(double by) {
  std::vector<double> v = kOriginal;
  for (auto& x : v) x += by;
  return v;
}
const std::vector<double> kKilled = shifted(-0.3);
const std::vector<double> kNotKilled = {0.90, 0.90, 0.89, 0.91, 0.90, 0.88, 0.92, 0.89, 0.91, 0.90};

struct Script {
  std::vector<double> asked;  // settings in the order the search asked for them
  SearchDecision final;
};

// Runs the search to the end, answering each request with values(setting).
Script drive(const SearchSpace& space, const std::function<std::vector<double>(double)>& values,
             SearchBaseline baseline = SearchBaseline::Original) {
  Script s;
  std::vector<SearchTrial> trials;
  for (int guard = 0; guard < 100; ++guard) {
    const SearchDecision d = next_search_step(space, kOriginal, trials, {}, baseline);
    if (d.done) {
      s.final = d;
      return s;
    }
    s.asked.push_back(d.next);
    trials.push_back({d.next, values(d.next)});
  }
  ADD_FAILURE() << "search did not finish";
  return s;
}

SearchSpace epochs(double original, double precision) {
  SearchSpace s;
  s.operator_name = "change_epochs";
  s.parameter = "epochs";
  s.original = original;
  s.extreme = 1;
  s.precision = precision;
  s.decimals = 0;
  return s;
}

SearchSpace learning_rate() {
  SearchSpace s;
  s.operator_name = "change_learning_rate";
  s.parameter = "learning_rate";
  s.original = 0.001;
  s.extreme = 0.0001;
  s.precision = 0.00001;
  s.decimals = 5;
  return s;
}

}  // namespace

// Expected sequences computed with Python's round() (half to even), as DeepCrime bisects.
TEST(Search, EpochsBisectToTheMildestKilledSetting) {
  const Script s = drive(epochs(50, 5), [](double e) { return e <= 20 ? kKilled : kNotKilled; });
  EXPECT_EQ(s.asked, (std::vector<double>{1, 26, 14, 20, 23}));
  ASSERT_TRUE(s.final.killable);
  EXPECT_EQ(*s.final.chosen, 20);
  EXPECT_EQ(*s.final.not_killed, 23);
  EXPECT_EQ(s.final.steps.size(), 5u);
  EXPECT_TRUE(s.final.steps[0].result.killed);
  EXPECT_FALSE(s.final.steps[1].result.killed);
  // Half to even: 20 epochs, precision 2, killed at <= 3 epochs: 10.5 -> 10, 5.5 -> 6, 3.5 -> 4, 2.5 -> 2.
  const Script t = drive(epochs(20, 2), [](double e) { return e <= 3 ? kKilled : kNotKilled; });
  EXPECT_EQ(t.asked, (std::vector<double>{1, 10, 6, 4, 2}));
  EXPECT_EQ(*t.final.chosen, 2);
  EXPECT_EQ(*t.final.not_killed, 4);
}

TEST(Search, LearningRateRoundsToItsDecimals) {
  const Script s = drive(learning_rate(), [](double lr) { return lr <= 0.00035 ? kKilled : kNotKilled; });
  EXPECT_EQ(s.asked, (std::vector<double>{0.0001, 0.00055, 0.00033, 0.00044, 0.00039, 0.00036, 0.00035}));
  EXPECT_EQ(*s.final.chosen, 0.00035);
  EXPECT_EQ(*s.final.not_killed, 0.00036);
  const Script t = drive(learning_rate(), [](double lr) { return lr <= 0.0009 ? kKilled : kNotKilled; });
  EXPECT_EQ(t.asked, (std::vector<double>{0.0001, 0.00055, 0.00078, 0.00089, 0.00094, 0.00092, 0.0009, 0.00091}));
  EXPECT_EQ(*t.final.chosen, 0.0009);
  // Parameters of the next setting are the operator's.
  const SearchDecision first = next_search_step(learning_rate(), kOriginal, {});
  EXPECT_FALSE(first.done);
  EXPECT_EQ(first.next_parameters, nlohmann::json({{"learning_rate", 0.0001}}));
  EXPECT_EQ(next_search_step(epochs(50, 5), kOriginal, {}).next_parameters, nlohmann::json({{"epochs", 1}}));
}

TEST(Search, NotKillableWhenTheExtremeSurvives) {
  const Script s = drive(epochs(50, 5), [](double) { return kNotKilled; });
  EXPECT_EQ(s.asked, std::vector<double>{1});
  EXPECT_TRUE(s.final.done);
  EXPECT_FALSE(s.final.killable);
  EXPECT_FALSE(s.final.chosen.has_value());
}

TEST(Search, AlreadyWithinPrecisionStopsAfterTheExtreme) {
  const Script s = drive(epochs(3, 5), [](double) { return kKilled; });
  EXPECT_EQ(s.asked, std::vector<double>{1});
  EXPECT_EQ(*s.final.chosen, 1);
  EXPECT_EQ(*s.final.not_killed, 3);
}

TEST(Search, PureFunctionOfTheTrialsInAnyOrder) {
  auto outcome = [](double e) { return e <= 20 ? kKilled : kNotKilled; };
  std::vector<SearchTrial> trials;
  for (double e : {23.0, 1.0, 20.0, 26.0, 14.0, 37.0 /* off the path: ignored */}) trials.push_back({e, outcome(e)});
  const SearchDecision a = next_search_step(epochs(50, 5), kOriginal, trials);
  std::reverse(trials.begin(), trials.end());
  const SearchDecision b = next_search_step(epochs(50, 5), kOriginal, trials);
  ASSERT_TRUE(a.done);
  EXPECT_EQ(to_json(a), to_json(b));
  EXPECT_EQ(*a.chosen, 20);
  // Partial information: the next missing setting on the path.
  const SearchDecision c = next_search_step(epochs(50, 5), kOriginal, {{1, kKilled}, {26, kNotKilled}});
  EXPECT_FALSE(c.done);
  EXPECT_EQ(c.next, 14);
}

TEST(Search, DeepCrimeBaselineComparesWithTheNotKilledEnd) {
  // 26 epochs is better than the original (not killed); 14 epochs equals the original:
  // not killed against the original, killed against 26's runs.
  auto outcome = [](double e) {
    if (e == 1) return kKilled;
    if (e == 26) return shifted(+0.05);
    return kOriginal;
  };
  const Script original = drive(epochs(50, 5), outcome, SearchBaseline::Original);
  const Script deepcrime = drive(epochs(50, 5), outcome, SearchBaseline::NotKilledEnd);
  ASSERT_GE(original.asked.size(), 4u);
  ASSERT_GE(deepcrime.asked.size(), 4u);
  EXPECT_EQ(original.asked[3], 8);    // 14 not killed: bracket [14, 1]
  EXPECT_EQ(deepcrime.asked[3], 20);  // 14 killed: bracket [26, 14]
}

TEST(Search, BadTrialsAreErrors) {
  EXPECT_THROW(next_search_step(epochs(50, 5), kOriginal, {{1, kKilled}, {1, kKilled}}), Error);
  EXPECT_THROW(next_search_step(epochs(50, 5), kOriginal, {{1, {0.5}}}), Error);
  EXPECT_THROW(next_search_step(epochs(50, 5), {0.9}, {}), Error);
  EXPECT_THROW(next_search_step(epochs(50, 0), kOriginal, {}), Error);
}
