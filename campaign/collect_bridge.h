#pragma once
// How `dynfault collect C/ ...` reads a campaign directory. collect comes
// before campaign in the stage order and cannot depend on it, so
// collect/merge.h takes a registered reader; cli/main.cpp registers this one
// (register_collect_reader) before it sets up any subcommand.
#include <string>

#include "collect/merge.h"

namespace dynfault::campaign {

// A campaign directory (or a sharded root: all its shards) as a merge source:
// the corpus file of every (shard) campaign, <dir>/traces.h5 — written first
// from the batch files if the run did not (--no-consolidate) — and the
// checksum of every run as the journal recorded it, so collect checks each
// trace against the journal. An unfinished campaign or shard is an error
// naming it and its progress.
collect::MergeSource campaign_merge_source(const std::string& dir);

// Registers campaign_merge_source as collect's campaign directory reader (idempotent).
void register_collect_reader();

}  // namespace dynfault::campaign
