#include "campaign/cost_model.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/isolate.h"
#include "core/json_fields.h"
#include "core/process_stats.h"
#include "core/run_task.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/version.h"

namespace dynfault::campaign {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "dynfault-cost-model-1";

// The plan's probe settings and recurrent path, as its tasks carry them.
runner::RunRequest calibration_request(const ProgramSpec& original, const CampaignSettings& settings) {
  runner::RunRequest r;
  r.hvp_vectors = settings.hvp_vectors;
  r.probe_batch = settings.probe_batch;
  r.recurrent = settings.recurrent;
  r.program = original.id;
  r.architecture = original.architecture;
  r.run_id = make_task_id(original.id, "", 0);
  r.seed = task_seed(settings.seed, r.run_id);
  r.probes = probes_for(settings, original.id);
  r.scale = settings.scale;
  r.spec = original;
  return r;
}

nlohmann::json to_json(const runner::Calibration& c) {
  if (!c.error.empty()) return {{"error", c.error}};
  return {{"prepare_seconds", c.prepare_seconds},       {"init_probe_seconds", c.init_probe_seconds},
          {"step_seconds", c.step_seconds},             {"validation_seconds", c.validation_seconds},
          {"epoch_probe_seconds", c.epoch_probe_seconds}, {"steps_per_epoch", c.steps_per_epoch},
          {"epochs", c.epochs}};
}

runner::Calibration calibration_from_json(const nlohmann::json& j, const std::string& where) {
  runner::Calibration c;
  if (!j.is_object()) throw Error(where, "each entry must be an object");
  if (j.contains("error")) {
    c.error = field<std::string>(j, "error", where);
    return c;
  }
  c.prepare_seconds = field<double>(j, "prepare_seconds", where);
  c.init_probe_seconds = field<double>(j, "init_probe_seconds", where);
  c.step_seconds = field<double>(j, "step_seconds", where);
  c.validation_seconds = field<double>(j, "validation_seconds", where);
  c.epoch_probe_seconds = field<double>(j, "epoch_probe_seconds", where);
  c.steps_per_epoch = field<int64_t>(j, "steps_per_epoch", where);
  c.epochs = field<int64_t>(j, "epochs", where);
  for (double v : {c.prepare_seconds, c.init_probe_seconds, c.step_seconds, c.validation_seconds,
                   c.epoch_probe_seconds})
    if (!std::isfinite(v) || v < 0) throw Error(where, "seconds must be finite and >= 0");
  if (c.steps_per_epoch < 0 || c.epochs < 0) throw Error(where, "steps_per_epoch and epochs must be >= 0");
  return c;
}

// One calibration in a forked child (core/isolate.h; see calibrate_missing): the result comes back
// as JSON text, its address space is capped at the machine's physical memory, and it has
// `seconds` to finish.
runner::Calibration calibrate_in_child(const Calibrator& calibrator, const runner::RunRequest& request,
                                       unsigned seconds) {
  const auto cap_memory = [] {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return;
    const rlim_t bytes = static_cast<rlim_t>(pages) * static_cast<rlim_t>(page);
    const rlimit limit{bytes, bytes};
    ::setrlimit(RLIMIT_AS, &limit);
  };
  const ChildOutcome r = run_in_child([&] { return to_json(calibrator(request)).dump(); }, seconds, cap_memory);
  runner::Calibration c;
  switch (r.end) {
    case ChildOutcome::End::Returned: {
      const nlohmann::json j = nlohmann::json::parse(r.text, nullptr, false);
      if (!j.is_discarded()) return calibration_from_json(j, "calibration of " + request.program);
      c.error = "the calibration process returned no result";
      break;
    }
    case ChildOutcome::End::Threw:
    case ChildOutcome::End::Failed:
      c.error = r.text.empty() ? "the calibration process exited with status " + std::to_string(r.exit_status)
                               : r.text;
      break;
    case ChildOutcome::End::TimedOut:
      c.error = "still calibrating after " + std::to_string(seconds) + " s (--calibration-timeout); stopped";
      break;
    case ChildOutcome::End::Signalled:
      c.error = "the calibration process died of signal " + std::to_string(r.signal) + " (" + ::strsignal(r.signal) +
                (r.signal == SIGKILL ? "; out of memory?" : "") + ")";
      break;
  }
  return c;
}

}  // namespace

std::string CostModel::default_cache_path() {
  if (const char* env = std::getenv("DYNFAULT_COST_CACHE"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "dynfault" / "cost-model.json").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : ".") / ".cache" / "dynfault" / "cost-model.json").string();
}

CostModel::CostModel(std::string cache_path) : path_(std::move(cache_path)) {
  if (!fs::exists(path_)) return;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text_file(path_));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path_, std::string("not a cost-model cache (not valid JSON): ") + e.what());
  }
  if (!j.is_object() || j.value("format", "") != kFormat || !j.contains("entries") || !j["entries"].is_object())
    throw Error(path_, std::string("not a cost-model cache (expected {\"format\": \"") + kFormat +
                           "\", \"entries\": {...}}); delete it to recalibrate");
  for (const auto& [key, entry] : j["entries"].items())
    entries_[key] = calibration_from_json(entry, path_ + ": entry " + key);
}

std::string CostModel::key(const ProgramSpec& original, const CampaignSettings& settings) {
  const runner::RunRequest r = calibration_request(original, settings);
  const std::string identity = to_json(original).dump() + "|" + to_string(settings.scale) + "|" +
                               to_string(r.probes) + "|threads=" + std::to_string(r.threads) +
                               "|K=" + std::to_string(r.hvp_vectors) + "|P=" + std::to_string(r.probe_batch) +
                               (r.recurrent.empty() ? "" : "|recurrent=" + r.recurrent) +
                               "|" + kVersion + "|" + cpu_model();
  return original.id + "/" + to_string(settings.scale) + "/" + to_string(r.probes) + "/" +
         sha256_hex(identity).substr(0, 16);
}

const runner::Calibration* CostModel::find(const ProgramSpec& original, const CampaignSettings& settings) const {
  const auto it = entries_.find(key(original, settings));
  return it == entries_.end() || !it->second.error.empty() ? nullptr : &it->second;
}

double CostModel::seconds(const ProgramSpec& original, const ProgramSpec& trained,
                          const CampaignSettings& settings) const {
  const ProbeSet& probes = probes_for(settings, original.id);
  const double heuristic = estimate_cost(trained, settings.scale, probes);
  const runner::Calibration* c = find(original, settings);
  if (!c) return heuristic;
  // The heuristic's ratio carries what the mutant changed (epochs, widths, layers, samples).
  return c->run_seconds() * heuristic / estimate_cost(original, settings.scale, probes);
}

size_t CostModel::calibrate_missing(const CampaignSettings& settings, const ProgramZoo& zoo,
                                    const Calibrator& calibrator, std::ostream& log, bool isolate,
                                    unsigned timeout_seconds) {
  std::vector<ProgramSpec> missing;
  for (const auto& id : settings.programs) {
    ProgramSpec spec = zoo.load(id);
    if (!entries_.count(key(spec, settings))) missing.push_back(std::move(spec));
  }
  size_t done = 0;
  const double start = monotonic_seconds();
  for (const ProgramSpec& spec : missing) {
    const double t0 = monotonic_seconds();
    const runner::RunRequest request = calibration_request(spec, settings);
    const runner::Calibration c = isolate ? calibrate_in_child(calibrator, request, timeout_seconds) : calibrator(request);
    entries_[key(spec, settings)] = c;
    save();
    ++done;
    log << "calibrate: " << done << "/" << missing.size() << " " << spec.id << " ("
        << to_string(probes_for(settings, spec.id)) << "): "
        << (c.error.empty() ? "one run ~" + format_fixed(c.run_seconds(), 1) + " s"
                            : "not calibrated (" + c.error + "), heuristic used")
        << ", timed in " << format_fixed(monotonic_seconds() - t0, 1) << " s\n";
  }
  if (!missing.empty())
    log << "calibrate: " << missing.size() << " programs timed in " << format_fixed(monotonic_seconds() - start, 1)
        << " s; cache " << path_ << "\n";
  return done;
}

void CostModel::save() const {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& [key, c] : entries_) entries[key] = to_json(c);
  const nlohmann::json j = {{"format", kFormat}, {"entries", entries}};
  fs::create_directories(fs::path(path_).parent_path().empty() ? fs::path(".") : fs::path(path_).parent_path());
  write_file_atomically(path_, j.dump(1) + "\n");
}

std::string estimate_text(const Plan& plan, const CostModel* model, const ProgramZoo& zoo) {
  struct Row {
    size_t tasks = 0;
    double seconds = 0, largest = 0;
    size_t searches = 0;
  };
  std::map<std::string, Row> rows;
  for (const auto& t : plan.tasks) {
    Row& r = rows[t.program];
    ++r.tasks;
    r.seconds += t.expected_cost;
    r.largest = std::max(r.largest, t.expected_cost);
  }
  for (const auto& s : plan.searches) ++rows[s.program].searches;
  std::ostringstream out;
  out << "| program | probes | cost model | tasks | core-hours | largest task (s) | searches |\n"
      << "|---|---|---|---:|---:|---:|---:|\n";
  Row total;
  size_t calibrated = 0;
  for (const auto& id : plan.settings.programs) {
    const Row& r = rows[id];
    const bool timed = model && model->find(zoo.load(id), plan.settings);
    calibrated += timed;
    out << "| " << id << " | " << to_string(probes_for(plan.settings, id)) << " | "
        << (timed ? "calibrated" : "heuristic") << " | " << r.tasks << " | " << format_fixed(r.seconds / 3600, 3)
        << " | " << format_fixed(r.largest, 1) << " | " << r.searches << " |\n";
    total.tasks += r.tasks;
    total.seconds += r.seconds;
    total.largest = std::max(total.largest, r.largest);
    total.searches += r.searches;
  }
  out << "| **total** | | " << calibrated << "/" << plan.settings.programs.size() << " calibrated | " << total.tasks
      << " | " << format_fixed(total.seconds / 3600, 2) << " | " << format_fixed(total.largest, 1) << " | "
      << total.searches << " |\n\n";
  out << "estimate: " << total.tasks << " tasks, " << format_fixed(total.seconds / 3600, 2) << " core-hours ("
      << format_fixed(total.seconds / 3600 / 2, 2) << " h on 2 cores, " << format_fixed(total.seconds / 3600 / 64, 2)
      << " h on 64), largest task " << format_fixed(total.largest, 1) << " s";
  if (total.searches > 0)
    out << "; the " << total.searches << " binary searches add " << plan.settings.repeats
        << " tasks per bisection step at run time (not counted)";
  out << "\n";
  return out.str();
}

}  // namespace dynfault::campaign
