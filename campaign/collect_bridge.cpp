#include "campaign/collect_bridge.h"

#include <filesystem>
#include <set>

#include "core/error.h"
#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/state.h"
#include "campaign/store.h"

namespace dynfault::campaign {
namespace fs = std::filesystem;

collect::MergeSource campaign_merge_source(const std::string& dir) {
  if (!fs::exists(dir + "/plan.json")) throw Error(dir, "is not a campaign directory (no plan.json)");
  const std::vector<std::string> dirs = is_sharded_root(dir) ? shard_dirs(dir) : std::vector<std::string>{dir};
  collect::MergeSource source;
  source.origin = dir;
  source.expected_checksums.emplace();
  for (const auto& d : dirs) {
    const JournalContents journal = read_journal(d + "/journal.log");
    const CampaignState state(load_plan(d), journal);
    if (!state.complete())
      throw Error(d, "campaign is unfinished (" + std::to_string(state.done_count()) + " of " +
                         std::to_string(state.size()) + " tasks done): run `dynfault campaign run " + d +
                         "` to completion first");
    const std::string corpus = d + "/traces.h5";
    // export_corpus validates every batch trace against the journal as it writes.
    if (!fs::exists(corpus)) export_corpus(d, corpus, false);
    source.corpus_files.push_back(corpus);
    // The journal's checksums are of the traces as written. Where batches hold an
    // older trace schema, the corpus holds the traces upgraded: expect their
    // checksums instead, from the batches (validated against the journal on the way).
    std::set<std::string> batches;
    for (const auto& r : journal.done) batches.insert(r.batch);
    bool older = false;
    for (const auto& b : batches) older = older || batch_trace_schema(d + "/batches/" + b) < Trace::kSchemaVersion;
    if (older)
      for_each_journaled_trace(d, [&](const Trace& t, const RunVerdict&) {
        (*source.expected_checksums)[t.run_id] = trace_checksum(t);
      });
    else
      for (const auto& r : journal.done) (*source.expected_checksums)[r.task_id] = r.checksum;
  }
  return source;
}

void register_collect_reader() { collect::register_campaign_directory_reader(campaign_merge_source); }

}  // namespace dynfault::campaign
