#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collect/csv_import.h"
#include "collect/summary.h"
#include "collect_test_util.h"
#include "core/corpus.h"

using namespace dynfault;
using namespace dynfault::collect;
using namespace dynfault::collect::testing;

namespace {
const CategoryComposition& category(const CorpusSummary& s, const std::string& name) {
  for (const auto& c : s.categories)
    if (c.category == name) return c;
  throw std::runtime_error("no category " + name);
}
}  // namespace

TEST(Summary, ConstructedCorpus) {
  ScratchDir dir("summary");
  const std::string path = dir / "c.h5";
  {
    CorpusWriter w(path);
    // p1: original + two Loss mutants (one killed, one unstable) + a Layer crash.
    w.add(synthetic_trace("p1-orig", "p1", "", 5), RunVerdict{});
    w.add(synthetic_trace("p1-loss-a", "p1", "Loss", 5), RunVerdict{1, "Loss"});
    Trace unstable = synthetic_trace("p1-loss-b", "p1", "Loss", 5);
    unstable.unstable = true;
    unstable.first_unstable_epoch = 2;
    unstable.probes = "cf";
    w.add(unstable, RunVerdict{0, ""});
    Trace crash = synthetic_trace("p1-layer-a", "p1", "Layer", 0);
    crash.status = RunStatus::Crashed;
    crash.probes = "cf,of";
    w.add(crash, RunVerdict{-1, ""});
    // p2: a Loss mutant that failed after 2 epochs, and an original.
    Trace failed = synthetic_trace("p2-loss-a", "p2", "Loss", 2);
    failed.status = RunStatus::Failed;
    w.add(failed, RunVerdict{1, "Loss"});
    w.add(synthetic_trace("p2-orig", "p2", "", 5), RunVerdict{});
    w.finish();
  }
  const CorpusSummary s = summarize_corpus(path);
  EXPECT_EQ(s.trace_files, 6u);
  EXPECT_EQ(s.non_empty_runs, 5u);
  EXPECT_EQ(s.crashed_before_epoch, 1u);
  EXPECT_EQ(s.programs, 2u);
  EXPECT_EQ(s.unstable_runs, 1u);
  EXPECT_EQ(s.runs_per_probe_set, (std::map<std::string, size_t>{{"cf", 1}, {"cf,of", 1}, {"of", 4}}));
  EXPECT_EQ(s.runs_per_status, (std::map<std::string, size_t>{{"crashed", 1}, {"failed", 1}, {"ok", 4}}));
  EXPECT_EQ(s.runs_per_source, (std::map<std::string, size_t>{{"dynfault", 6}}));
  ASSERT_EQ(s.categories.size(), 8u);  // Original + the seven categories
  EXPECT_EQ(s.categories[0].category, "Original");
  EXPECT_EQ(category(s, "Original").runs, 2u);
  EXPECT_EQ(category(s, "Original").programs, 2u);
  EXPECT_EQ(category(s, "Loss").runs, 3u);
  EXPECT_EQ(category(s, "Loss").programs, 2u);
  EXPECT_EQ(category(s, "Loss").killed, 2u);
  EXPECT_EQ(category(s, "Layer").runs, 1u);
  EXPECT_EQ(category(s, "Layer").killed, 0u);
  EXPECT_EQ(category(s, "Weight").runs, 0u);

  const auto j = nlohmann::json::parse(summary_json(s));
  EXPECT_EQ(j["trace_files"], 6);
  EXPECT_EQ(j["crashed_before_epoch"], 1);
  EXPECT_EQ(j["runs_per_probe_set"]["cf,of"], 1);
  EXPECT_EQ(j["categories"][0]["category"], "Original");
  EXPECT_EQ(j["categories"].size(), 8u);

  const std::string table = summary_table(s);
  EXPECT_NE(table.find("crash before first epoch"), std::string::npos);
  EXPECT_NE(table.find("unstable runs"), std::string::npos);
}

TEST(Summary, Deep4geSample) {
  REQUIRE_DEEP4GE_SAMPLE();
  ScratchDir dir("sample");
  const std::string path = dir / "d.h5";
  import_csv_dir((sample_dir() / "traces").string(), (sample_dir() / "manifest.csv").string(), path);
  const CorpusSummary s = summarize_corpus(path);
  EXPECT_EQ(s.trace_files, 180u);
  EXPECT_EQ(s.non_empty_runs, 180u);
  EXPECT_EQ(s.crashed_before_epoch, 0u);
  EXPECT_EQ(s.programs, 37u);
  EXPECT_EQ(s.unstable_runs, 3u);
  EXPECT_EQ(category(s, "Hyperparameter").programs, 26u);
  EXPECT_EQ(category(s, "Layer").runs, 74u);
  EXPECT_EQ(category(s, "Layer").killed, 74u);
  EXPECT_EQ(category(s, "Original").runs, 0u);
}
