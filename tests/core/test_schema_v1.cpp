// Trace schema 2 (the CF channels with the paper's meaning) and the files of
// schema 1: the committed tests/core/data/schema-v1/ files were written by the
// version-1 code (see the README there) and must still read, upgraded.
#include <cmath>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "core/corpus.h"
#include "core/error.h"
#include "core/hvp_profile.h"
#include "core/trace.h"
#include "core/trace_io.h"
#include "tests/support/temp_dir.h"

namespace dynfault {
namespace {

const std::string kData = std::string(DYNFAULT_SOURCE_DIR) + "/tests/core/data/schema-v1";
const double kNaN = std::numeric_limits<double>::quiet_NaN();

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(HvpLayerProfile, StatisticsAcrossLayers) {
  const HvpLayerProfile p = hvp_layer_profile({1.0, 10.0, 100.0});
  EXPECT_DOUBLE_EQ(p.mean, 37.0);
  EXPECT_DOUBLE_EQ(p.std, std::sqrt(((36.0 * 36.0) + (27.0 * 27.0) + (63.0 * 63.0)) / 3.0));  // population
  EXPECT_EQ(p.max, 100.0);
  EXPECT_EQ(p.min, 1.0);
  EXPECT_EQ(p.median, 10.0);
  EXPECT_EQ(p.first, 1.0);
  EXPECT_EQ(p.last, 100.0);
  EXPECT_NEAR(p.log_slope, 2.0, 1e-15);  // log10 0, 1, 2 over depth 0, 0.5, 1
  EXPECT_EQ(hvp_layer_profile({4.0, 1.0, 3.0, 2.0}).median, 2.5);  // even count: numpy's median
}

TEST(HvpLayerProfile, SlopeSkipsLayersWithoutALogAndNanPropagates) {
  // A zero layer has no log: the slope is over the others at their own depths.
  const HvpLayerProfile z = hvp_layer_profile({1.0, 0.0, 100.0});
  EXPECT_NEAR(z.log_slope, 2.0, 1e-15);
  EXPECT_EQ(z.min, 0.0);
  const HvpLayerProfile n = hvp_layer_profile({1.0, kNaN, 100.0});
  EXPECT_TRUE(std::isnan(n.mean) && std::isnan(n.std) && std::isnan(n.max) && std::isnan(n.median));
  EXPECT_NEAR(n.log_slope, 2.0, 1e-15);
  const HvpLayerProfile one = hvp_layer_profile({5.0});
  EXPECT_EQ(one.mean, 5.0);
  EXPECT_EQ(one.std, 0.0);
  EXPECT_TRUE(std::isnan(one.log_slope));  // fewer than two layers
  for (double v : values_of(hvp_layer_profile({}))) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(values_of(one).size(), hvp_layer_profile_channels().size());
}

// The upgraded trace: renamed channels, and the profile derived from its own
// stored per-layer norms, after cf_grad_std where the CF probe writes it.
void expect_upgraded(const Trace& t) {
  EXPECT_FALSE(t.has_channel("cf_hvp_mean"));
  EXPECT_FALSE(t.has_channel("cf_hvp_std"));
  ASSERT_TRUE(t.has_channel("cf_hvp_norm"));
  ASSERT_TRUE(t.has_channel("cf_hvp_norm_spread"));
  const auto& profile = hvp_layer_profile_channels();
  const size_t grad = *t.channel_index("cf_grad_std");
  for (size_t i = 0; i < profile.size(); ++i) EXPECT_EQ(t.channel_names.at(grad + 1 + i), profile[i]);
  // Units: one per channel, or none from a series-only read.
  EXPECT_TRUE(t.channel_units.empty() || t.channel_units.size() == t.channel_names.size());
  EXPECT_EQ(t.values.size(), t.epochs() * t.channel_names.size());
  const LayerSeries* hvp = nullptr;
  for (const auto& s : t.layer_series)
    if (s.name == "hvp_norm") hvp = &s;
  ASSERT_NE(hvp, nullptr);
  const size_t L = hvp->layers.size();
  ASSERT_GT(t.epochs(), 0u);
  for (size_t e = 0; e < t.epochs(); ++e) {
    const std::vector<double> layers(hvp->values.begin() + e * L, hvp->values.begin() + (e + 1) * L);
    const std::vector<double> want = values_of(hvp_layer_profile(layers));
    for (size_t i = 0; i < profile.size(); ++i) EXPECT_TRUE(same_bits(t.channel(profile[i])[e], want[i])) << profile[i];
  }
  EXPECT_TRUE(t.at_init.count("cf_hvp_norm"));
  EXPECT_FALSE(t.at_init.count("cf_hvp_mean"));
  std::vector<double> init;
  for (const auto& l : hvp->layers) init.push_back(t.at_init.at("hvp_norm/" + l));
  EXPECT_TRUE(same_bits(t.at_init.at("cf_hvp_layer_mean"), hvp_layer_profile(init).mean));
}

TEST(SchemaV1, TraceFileReadsUpgraded) {
  const Trace t = load_trace_file(kData + "/trace.h5");
  expect_upgraded(t);
  // What version 1 stored is kept: 9 channels, the performance ones untouched.
  EXPECT_EQ(t.channel_names.size(), 9u + hvp_layer_profile_channels().size());
  EXPECT_EQ(t.channel_names.front(), "train_loss");
  EXPECT_EQ(t.run_id, "31556268-seed7");
}

TEST(SchemaV1, CorpusReadsUpgradedAndRewritesAsVersion2) {
  CorpusReader reader(kData + "/campaign/traces.h5");
  ASSERT_EQ(reader.index().size(), 2u);
  for (const auto& row : reader.index()) expect_upgraded(reader.read(row.run_id));
  // Written again, the upgraded trace is a version-2 trace equal to itself read back.
  const Trace t = reader.read(reader.index().front().run_id);
  const dynfault_test::TempDir dir;
  save_trace_file(dir / "v2.h5", t);
  const Trace again = load_trace_file(dir / "v2.h5");
  EXPECT_TRUE(again == t);
  EXPECT_EQ(trace_checksum(again), trace_checksum(t));
}

// The analyses' read (TraceParts::Series) upgrades the same and has the same series; it leaves
// the identity, outcome and units, which the corpus index holds, empty.
TEST(SchemaV1, SeriesReadIsTheFullReadsSeries) {
  CorpusReader reader(kData + "/campaign/traces.h5");
  for (const auto& row : reader.index()) {
    const Trace full = reader.read(row.run_id);
    const Trace series = reader.read(row.run_id, TraceParts::Series);
    expect_upgraded(series);
    EXPECT_EQ(series.channel_names, full.channel_names);
    EXPECT_EQ(series.values, full.values);
    EXPECT_EQ(series.at_init, full.at_init);
    ASSERT_EQ(series.layer_series.size(), full.layer_series.size());
    for (size_t i = 0; i < full.layer_series.size(); ++i) {
      EXPECT_EQ(series.layer_series[i].name, full.layer_series[i].name);
      EXPECT_EQ(series.layer_series[i].layers, full.layer_series[i].layers);
      EXPECT_EQ(series.layer_series[i].values, full.layer_series[i].values);
    }
    EXPECT_TRUE(series.run_id.empty());
    EXPECT_TRUE(series.channel_units.empty());
    EXPECT_FALSE(full.run_id.empty());
    EXPECT_EQ(full.channel_units.size(), full.channel_names.size());
  }
}

TEST(SchemaV1, UpgradeIsANoOpOnVersion2AndRejectsNewer) {
  Trace t = load_trace_file(kData + "/trace.h5");
  const Trace before = t;
  upgrade_trace(t, 2, "test");
  EXPECT_TRUE(t == before);
  EXPECT_THROW(upgrade_trace(t, Trace::kSchemaVersion + 1, "test"), Error);
  EXPECT_THROW(check_trace_schema(0, "test"), Error);
}

}  // namespace
}  // namespace dynfault
