#include "campaign/status.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/flat_json.h"
#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/state.h"

namespace dynfault::campaign {
namespace fs = std::filesystem;

namespace {

struct StatusCounts {
  size_t done = 0, total = 0, crashed = 0, mutants = 0, decided = 0, killed = 0;
  bool complete = false, consolidated = false;
  // Estimate vs actual over the finished tasks that status.jsonl timed.
  size_t timed = 0;
  double estimated_seconds = 0, actual_seconds = 0;
  std::string cost_model;
};

// Seconds of each task's last attempt in <dir>/status.jsonl (written by the master, one JSON object
// per line; a torn last line after a kill is skipped), by task index of `state`.
std::vector<double> attempt_seconds(const std::string& dir, const CampaignState& state) {
  std::vector<double> seconds(state.size(), std::nan(""));
  const std::string path = dir + "/status.jsonl";
  if (!fs::exists(path)) return seconds;
  FlatJson j;
  for_each_line(path, [&](std::string_view line, bool, uint64_t) {
    if (!j.parse(line)) return;
    const nlohmann::json* id = j.find("id");
    const nlohmann::json* s = j.find("seconds");
    if (!id || !id->is_string() || !s || !s->is_number()) return;
    if (const auto i = state.find(id->get_ref<const std::string&>())) seconds[*i] = s->get<double>();
  });
  return seconds;
}

StatusCounts status_of(const std::string& dir) {
  Plan plan = load_plan(dir);
  // The planned tasks are the state's first ones; searches append their later settings at run time,
  // priced by the heuristic, so the estimate is compared over the planned ones.
  const size_t planned = plan.tasks.size();
  StatusCounts c;
  c.cost_model = plan.settings.cost_model.empty() ? "heuristic" : plan.settings.cost_model;
  const CampaignState state(std::move(plan), read_journal(dir + "/journal.log"));
  const auto seconds = attempt_seconds(dir, state);
  for (size_t i = 0; i < planned; ++i) {
    if (std::isnan(seconds[i]) || !state.is_done(i)) continue;
    ++c.timed;
    c.estimated_seconds += state.task(i).expected_cost;
    c.actual_seconds += seconds[i];
  }
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
  std::string text = buf;
  if (c.timed > 0) {
    std::snprintf(buf, sizeof buf, "\n  cost of the %zu finished planned tasks: estimated %.3f core-hours (%s), took %.3f (actual/estimate %.2f)",
                  c.timed, c.estimated_seconds / 3600, c.cost_model.c_str(), c.actual_seconds / 3600,
                  c.estimated_seconds > 0 ? c.actual_seconds / c.estimated_seconds : std::nan(""));
    text += buf;
  }
  return text;
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
    total.timed += c.timed;
    total.estimated_seconds += c.estimated_seconds;
    total.actual_seconds += c.actual_seconds;
    total.cost_model = c.cost_model;
    complete += c.complete;
  }
  total.complete = complete == shards.size();
  return format(dir + " (" + std::to_string(complete) + "/" + std::to_string(shards.size()) + " shards complete)",
                total) +
         "\n" + out.str();
}

}  // namespace dynfault::campaign
