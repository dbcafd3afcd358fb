#include "campaign/status.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/state.h"

namespace dynfault::campaign {
namespace fs = std::filesystem;

namespace {

struct StatusCounts {
  size_t done = 0, total = 0, crashed = 0, mutants = 0, decided = 0, killed = 0;
  bool complete = false, consolidated = false;
};

StatusCounts status_of(const std::string& dir) {
  const CampaignState state(load_plan(dir), read_journal(dir + "/journal.log"));
  StatusCounts c;
  c.done = state.done_count();
  c.total = state.size();
  c.crashed = state.crashed_count();
  c.mutants = state.plan().mutants.size();
  c.decided = state.verdict_count();
  c.killed = state.killed_count();
  c.complete = state.complete();
  c.consolidated = fs::exists(dir + "/traces.h5");
  return c;
}

std::string format(const std::string& name, const StatusCounts& c) {
  char buf[400];
  std::snprintf(buf, sizeof buf, "%s: %zu/%zu tasks done (%.1f%%), %zu crashed, %zu/%zu mutants decided, %zu killed%s",
                name.c_str(), c.done, c.total,
                c.total ? 100.0 * static_cast<double>(c.done) / static_cast<double>(c.total) : 100.0, c.crashed,
                c.decided, c.mutants, c.killed,
                c.complete ? (c.consolidated ? "; complete (traces.h5)" : "; complete (traces.h5 not yet written)")
                           : "");
  return buf;
}

}  // namespace

std::string status_text(const std::string& dir) {
  if (!is_sharded_root(dir)) return format(dir, status_of(dir)) + "\n";
  std::ostringstream out;
  StatusCounts total;
  size_t complete = 0;
  const auto shards = shard_dirs(dir);
  for (const auto& shard : shards) {
    const StatusCounts c = status_of(shard);
    out << "  " << format(fs::path(shard).filename().string(), c) << "\n";
    total.done += c.done;
    total.total += c.total;
    total.crashed += c.crashed;
    total.mutants += c.mutants;
    total.decided += c.decided;
    total.killed += c.killed;
    complete += c.complete;
  }
  total.complete = complete == shards.size();
  return format(dir + " (" + std::to_string(complete) + "/" + std::to_string(shards.size()) + " shards complete)",
                total) +
         "\n" + out.str();
}

}  // namespace dynfault::campaign
