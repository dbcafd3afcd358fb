#include <gtest/gtest.h>

#include "core/domain.h"
#include "core/error.h"
#include "core/probe_catalogue.h"
#include "core/seed.h"

using namespace dynfault;

TEST(Domain, CategoriesRoundTrip) {
  for (FaultCategory c : kAllCategories) EXPECT_EQ(parse_category(to_string(c)), c);
  EXPECT_EQ(parse_category("optimizer"), FaultCategory::Optimization);
  EXPECT_THROW(parse_category("Bogus", "x.json"), Error);
}

TEST(Domain, ProbesParse) {
  EXPECT_EQ(to_string(parse_probes("cf,of")), "cf,of");
  EXPECT_EQ(to_string(parse_probes("of,cf")), "cf,of");
  EXPECT_EQ(to_string(parse_probes("cf")), "cf");
  EXPECT_EQ(to_string(parse_probes("none")), "none");
  EXPECT_THROW(parse_probes("cf,xx"), Error);
  EXPECT_TRUE(parse_probes("of").has("of"));
  EXPECT_FALSE(parse_probes("of").has("cf"));
}

// Generated from runner/probes/*.cpp at configure time, without LibTorch.
TEST(Domain, ProbeCatalogueReadsTheProbeFiles) {
  std::vector<std::string> names;
  for (const auto& d : probe_catalogue()) {
    names.push_back(d.name);
    EXPECT_FALSE(d.help.empty()) << d.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"cf", "of"}));
  const ProbeDeclaration* cf = find_probe("cf");
  ASSERT_NE(cf, nullptr);
  EXPECT_TRUE(cf->claims("cf_hvp_norm"));
  EXPECT_TRUE(cf->claims("mean_hvp"));
  EXPECT_FALSE(cf->claims("cf"));
  EXPECT_FALSE(cf->claims("grad_global_norm"));
  const ProbeDeclaration* of = find_probe("of");
  ASSERT_NE(of, nullptr);
  EXPECT_TRUE(of->claims("sys_rss_mb"));
  EXPECT_TRUE(of->claims("grad_global_norm"));
  EXPECT_FALSE(of->claims("mean_gradient"));  // a rule input, not an evaluation feature
  EXPECT_EQ(find_probe("xx"), nullptr);
}

TEST(Domain, ScaleCapsShrink) {
  const auto full = caps_for(Scale::Full), reduced = caps_for(Scale::Reduced), smoke = caps_for(Scale::Smoke);
  EXPECT_EQ(full.max_train, -1);
  EXPECT_GT(reduced.max_train, smoke.max_train);
  EXPECT_GT(smoke.max_epochs, 0);
  EXPECT_EQ(parse_scale("reduced"), Scale::Reduced);
  EXPECT_THROW(parse_scale("huge", "cli"), Error);
  // tiny: smoke's samples, the program's own epochs.
  const auto tiny = caps_for(Scale::Tiny);
  EXPECT_EQ(tiny.max_train, smoke.max_train);
  EXPECT_EQ(tiny.max_epochs, -1);
  EXPECT_EQ(parse_scale("tiny"), Scale::Tiny);
  EXPECT_EQ(to_string(Scale::Tiny), "tiny");
}

TEST(Seed, DependsOnIdentityOnly) {
  EXPECT_EQ(derive_seed(7, "31556268/original/r0"), derive_seed(7, "31556268/original/r0"));
  EXPECT_NE(derive_seed(7, "31556268/original/r0"), derive_seed(7, "31556268/original/r1"));
  EXPECT_NE(derive_seed(7, "a"), derive_seed(8, "a"));
  // Pinned value: a change here silently changes every corpus ever generated.
  static_assert(fnv1a64("") == 0xcbf29ce484222325ULL);
  static_assert(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
}

TEST(ErrorMessage, IsOneLineWithPlace) {
  Error e("file.json", "missing field 'id'");
  EXPECT_STREQ(e.what(), "file.json: missing field 'id'");
}
