// collect reads campaign directories through one named registration
// (campaign::register_collect_reader, called by cli/main.cpp), not as a side
// effect of setting up the `campaign` subcommand.
#include <gtest/gtest.h>

#include "campaign/collect_bridge.h"
#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/dispatch.h"
#include "campaign/state.h"
#include "collect/merge.h"
#include "core/corpus.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "helpers.h"
#include "tests/support/child_process.h"

using namespace dynfault;
using campaign_test::TempDir;
using campaign_test::plan_into;

namespace {

// A finished campaign left without traces.h5: collect must write it from the batch files.
size_t run_unconsolidated(const std::string& dir) {
  plan_into(dir, 2, 1);
  campaign::CampaignRunOptions o;
  o.executor = "noop";
  o.progress = false;
  o.consolidate = false;
  EXPECT_EQ(campaign::run_campaign(dir, o).exit_code, campaign::kExitComplete);
  return campaign::CampaignState(campaign::load_plan(dir), campaign::read_journal(dir + "/journal.log")).size();
}

}  // namespace

TEST(CollectBridge, CampaignDirectoriesMergeThroughTheNamedRegistration) {
  TempDir d("collect_bridge");
  const std::string c = d / "c";
  const size_t runs = run_unconsolidated(c);
  collect::register_campaign_directory_reader(nullptr);
  EXPECT_THROW(collect::expand_merge_inputs({c}), Error);

  campaign::register_collect_reader();
  const auto sources = collect::expand_merge_inputs({c});
  ASSERT_EQ(sources.size(), 1u);
  ASSERT_TRUE(sources[0].expected_checksums);
  EXPECT_EQ(sources[0].expected_checksums->size(), runs);
  EXPECT_EQ(collect::merge_corpora(sources, d / "merged.h5").runs_written, runs);
  EXPECT_EQ(CorpusReader(d / "merged.h5").index().size(), runs);
}

TEST(CollectBridge, DynfaultCollectReadsACampaignDirectory) {
#ifndef DYNFAULT_BINARY
  GTEST_SKIP() << "no dynfault binary in this build";
#else
  TempDir d("collect_bridge_cli");
  const std::string c = d / "c";
  const size_t runs = run_unconsolidated(c);
  dynfault_test::ChildProcess collect({DYNFAULT_BINARY, "collect", c, "--out", d / "corpus.h5"}, {}, d / "log");
  ASSERT_EQ(collect.wait(120), 0) << read_text_file(d / "log");
  EXPECT_EQ(CorpusReader(d / "corpus.h5").index().size(), runs);
#endif
}

// A campaign of schema version 1 (tests/core/data/schema-v1/campaign: batches
// and a consolidated traces.h5 written by the version-1 code) collects with
// today's binary: the journal's checksums are checked on the traces as
// written, and the merged corpus holds them upgraded.
TEST(CollectBridge, Version1CampaignCollectsUpgraded) {
  TempDir d("collect_bridge_v1");
  const std::string c = d / "c";
  std::filesystem::copy(std::string(DYNFAULT_SOURCE_DIR) + "/tests/core/data/schema-v1/campaign", c,
                        std::filesystem::copy_options::recursive);
  campaign::register_collect_reader();
  for (const bool consolidated : {true, false}) {
    if (!consolidated) std::filesystem::remove(c + "/traces.h5");  // then from the batch files
    const std::string out = d / (consolidated ? "from_traces.h5" : "from_batches.h5");
    EXPECT_EQ(collect::merge_corpora(collect::expand_merge_inputs({c}), out).runs_written, 2u);
    const CorpusReader merged(out);
    for (const auto& row : merged.index()) {
      const Trace t = merged.read(row.run_id);
      EXPECT_TRUE(t.has_channel("cf_hvp_layer_mean")) << row.run_id;
      EXPECT_FALSE(t.has_channel("cf_hvp_mean")) << row.run_id;
    }
  }
  EXPECT_TRUE(CorpusReader(d / "from_traces.h5").read("31556268.orig.r000") ==
              CorpusReader(d / "from_batches.h5").read("31556268.orig.r000"));
}
