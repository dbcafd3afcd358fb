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
