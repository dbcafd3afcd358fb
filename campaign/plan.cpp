#include "campaign/plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "core/seed.h"
#include "campaign/cost_model.h"
#include "campaign/journal.h"

namespace dynfault::campaign {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPlanFormat = "dynfault-campaign-plan";
constexpr const char* kRootFormat = "dynfault-campaign-shards";
// 2: tasks as task_groups (one object per run of tasks that share everything but the repeat; ids
// and seeds derived), which cut a million-task plan from 397 MB to 10 MB; version-1 plans
// ("tasks", one object per task) still read.
constexpr int kPlanVersion = 2;

// A plan's top-level "format" value, read with a SAX handler that stops as soon as it is seen, so
// telling a shard root from a campaign does not parse a plan of hundreds of megabytes.
class FormatPeek : public nlohmann::json::json_sax_t {
 public:
  std::optional<std::string> format;
  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t& v) override {
    if (depth_ == 1 && key_is_format_) {
      format = v;
      return false;
    }
    return scalar();
  }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override { return open(); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    key_is_format_ = depth_ == 1 && k == "format";
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  int depth_ = 0;
  bool key_is_format_ = false;
  // A "format" that is not a string ends the peek: the file is not one of ours.
  bool scalar() { return !key_is_format_; }
  bool open() {
    if (key_is_format_) return false;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }
};

std::optional<std::string> peek_format(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  FormatPeek peek;
  nlohmann::json::sax_parse(in, &peek, nlohmann::json::input_format_t::json, false);
  return peek.format;
}

std::string shard_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shard-%03d", i);
  return buf;
}

void check_settings(const CampaignSettings& s) {
  if (s.programs.empty()) throw Error("campaign plan", "no programs selected");
  if (s.repeats < 1) throw Error("--repeats", "must be at least 1, got " + std::to_string(s.repeats));
  if (s.shards < 1) throw Error("--shards", "must be at least 1, got " + std::to_string(s.shards));
  check_run_settings(s.hvp_vectors, s.probe_batch, s.recurrent, "campaign plan");
  std::set<std::string> seen;
  for (const auto& p : s.programs)
    if (!seen.insert(p).second) throw Error("campaign plan", "program '" + p + "' is selected twice");
}

// Tasks that a task group holds together: everything the same but the id, repeat and seed.
bool same_group(const RunTask& a, const RunTask& b) {
  return a.program == b.program && a.architecture == b.architecture && a.mutant_id == b.mutant_id &&
         a.operator_name == b.operator_name && a.category == b.category && a.parameters == b.parameters &&
         a.probes == b.probes && a.scale == b.scale && a.of_compat == b.of_compat && a.hvp_vectors == b.hvp_vectors &&
         a.probe_batch == b.probe_batch && a.recurrent == b.recurrent && a.spec == b.spec &&
         std::memcmp(&a.expected_cost, &b.expected_cost, sizeof(double)) == 0;
}

}  // namespace

bool PlannedMutant::operator==(const PlannedMutant& o) const {
  return mutant_id == o.mutant_id && program == o.program && operator_name == o.operator_name &&
         category == o.category && parameters == o.parameters && spec == o.spec && search == o.search;
}

bool PlannedSearch::operator==(const PlannedSearch& o) const {
  return key == o.key && program == o.program && operator_name == o.operator_name && category == o.category &&
         state == o.state;
}

const ProbeSet& probes_for(const CampaignSettings& s, const std::string& program) {
  const auto it = s.probes_by_program.find(program);
  return it == s.probes_by_program.end() ? s.probes : it->second;
}

std::map<std::string, ProbeSet> read_probes_by_program(const std::string& path, const std::vector<std::string>& programs,
                                                       const std::vector<std::string>& excluded) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error(path, "must be a JSON object {\"<program id>\": \"cf\" | \"of\" | \"cf,of\" | \"none\"}");
  const std::set<std::string> planned(programs.begin(), programs.end()), left_out(excluded.begin(), excluded.end());
  std::map<std::string, ProbeSet> out;
  for (const auto& [program, probes] : j.items()) {
    if (left_out.count(program)) continue;
    if (!planned.count(program)) throw Error(path, "names program '" + program + "', which the plan does not select");
    if (!probes.is_string()) throw Error(path, "program '" + program + "': probes must be a string such as \"cf\"");
    out[program] = parse_probes(probes.get<std::string>(), path + ": program " + program);
  }
  for (const auto& p : programs)
    if (!out.count(p)) throw Error(path, "has no probes for program '" + p + "' (every planned program needs an entry)");
  return out;
}

nlohmann::json to_json(const CampaignSettings& s) {
  nlohmann::json j = {{"programs", s.programs},  {"selection", s.selection},
                      {"repeats", s.repeats},    {"probes", to_string(s.probes)},
                      {"scale", to_string(s.scale)}, {"max_mutants", s.max_mutants},
                      {"seed", std::to_string(s.seed)}, {"shards", s.shards}};
  // Only when given, so plans without it keep their bytes.
  if (!s.probes_by_program.empty()) {
    nlohmann::json by = nlohmann::json::object();
    for (const auto& [program, probes] : s.probes_by_program) by[program] = to_string(probes);
    j["probes_by_program"] = by;
  }
  if (!s.cost_model.empty()) j["cost_model"] = s.cost_model;
  if (!s.of_compat.empty()) j["of_compat"] = s.of_compat;
  if (s.hvp_vectors != kDefaultHvpVectors) j["hvp_vectors"] = s.hvp_vectors;
  if (s.probe_batch != kDefaultProbeBatch) j["probe_batch"] = s.probe_batch;
  if (!s.recurrent.empty()) j["recurrent"] = s.recurrent;
  return j;
}

CampaignSettings settings_from_json(const nlohmann::json& j, const std::string& where) {
  CampaignSettings s;
  const std::string w = where + ": settings";
  try {
    s.programs = field<std::vector<std::string>>(j, "programs", w);
    s.selection = field<std::string>(j, "selection", w);
    s.repeats = field<int>(j, "repeats", w);
    s.probes = parse_probes(field<std::string>(j, "probes", w), where);
    s.scale = parse_scale(field<std::string>(j, "scale", w), where);
    s.max_mutants = field<int>(j, "max_mutants", w);
    s.seed = std::stoull(field<std::string>(j, "seed", w));
    s.shards = field<int>(j, "shards", w);
    if (j.contains("probes_by_program")) {
      const auto& by = j.at("probes_by_program");
      if (!by.is_object()) throw Error(w, "probes_by_program must be an object");
      for (const auto& [program, probes] : by.items()) {
        if (!probes.is_string()) throw Error(w, "probes_by_program: '" + program + "' must be a string");
        s.probes_by_program[program] = parse_probes(probes.get<std::string>(), w + ": probes_by_program");
      }
    }
    s.cost_model = optional_field<std::string>(j, "cost_model", "", w);
    s.of_compat = parse_of_compat(optional_field<std::string>(j, "of_compat", "", w), w + ": of_compat");
    s.hvp_vectors = optional_field(j, "hvp_vectors", kDefaultHvpVectors, w);
    s.probe_batch = optional_field(j, "probe_batch", kDefaultProbeBatch, w);
    s.recurrent = optional_field<std::string>(j, "recurrent", "", w);
    check_run_settings(s.hvp_vectors, s.probe_batch, s.recurrent, w);
  } catch (const std::invalid_argument&) {
    throw Error(where, "bad settings: seed is not an integer");
  }
  return s;
}

std::string spec_key(const std::string& program, const std::string& mutant_id) {
  return mutant_id.empty() ? program : program + "/" + mutant_id;
}

RunTask Plan::task_with_spec(size_t index) const {
  RunTask t = tasks.at(index);
  const auto it = specs.find(spec_key(t.program, t.mutant_id));
  if (it == specs.end()) throw Error("plan", "no spec for task " + t.run_id);
  t.spec = it->second;
  return t;
}

double estimate_cost(const ProgramSpec& spec, Scale scale, ProbeSet probes) {
  const ScaleCaps caps = caps_for(scale);
  double n_train = 1000;
  if (spec.data.contains("n_train") && spec.data["n_train"].is_number()) n_train = spec.data["n_train"].get<double>();
  if (caps.max_train > 0) n_train = std::min(n_train, static_cast<double>(caps.max_train));
  double epochs = spec.epochs;
  if (caps.max_epochs > 0) epochs = std::min(epochs, static_cast<double>(caps.max_epochs));
  double width = 1;
  for (size_t i = 0; i < spec.input_shape.size(); ++i) {
    double d = static_cast<double>(spec.input_shape[i]);
    if (static_cast<int>(i) == spec.sequence_axis && caps.max_sequence > 0)
      d = std::min(d, static_cast<double>(caps.max_sequence));
    width *= std::max(1.0, d);
  }
  // Weights ~ sum of fan-in x fan-out over layers that declare a size.
  double weights = 0, previous = width;
  for (const auto& layer : spec.layers) {
    for (const char* key : {"units", "filters"}) {
      if (layer.config.contains(key) && layer.config[key].is_number()) {
        const double units = layer.config[key].get<double>();
        weights += previous * units;
        previous = units;
      }
    }
  }
  weights = std::max(weights, width);
  double seconds = 6.0 * weights * n_train * std::max(1.0, epochs) / 1e9;
  if (probes.has("cf")) seconds *= 2.0;  // HVPs on a probe batch each epoch
  if (probes.has("of")) seconds *= 1.2;  // per-step gradient/activation statistics
  return 0.5 + seconds;            // process and data start-up
}

Candidates choose_mutants(const Candidates& all, int max_mutants, uint64_t seed) {
  if (max_mutants < 0) return all;
  // Unit of choice: a plain mutant, or a search with its first setting.
  struct Unit {
    std::string key, category;
    uint64_t rank;
  };
  std::vector<Unit> units;
  for (const auto& m : all.mutants)
    if (m.search.empty()) units.push_back({m.mutant_id, m.category, derive_seed(seed, "choose/" + m.mutant_id)});
  for (const auto& s : all.searches) units.push_back({s.key, s.category, derive_seed(seed, "choose/" + s.key)});
  std::map<int, std::vector<Unit>> by_category;
  for (auto& u : units) {
    int order = static_cast<int>(kAllCategories.size());
    for (size_t i = 0; i < kAllCategories.size(); ++i)
      if (to_string(kAllCategories[i]) == u.category) order = static_cast<int>(i);
    by_category[order].push_back(u);
  }
  for (auto& [order, list] : by_category)
    std::sort(list.begin(), list.end(), [](const Unit& a, const Unit& b) {
      return a.rank != b.rank ? a.rank < b.rank : a.key < b.key;
    });
  std::set<std::string> chosen;
  for (size_t round = 0; static_cast<int>(chosen.size()) < max_mutants; ++round) {
    bool any = false;
    for (auto& [order, list] : by_category) {
      if (round >= list.size()) continue;
      any = true;
      if (static_cast<int>(chosen.size()) < max_mutants) chosen.insert(list[round].key);
    }
    if (!any) break;
  }
  Candidates out;
  for (const auto& m : all.mutants)
    if (m.search.empty() ? chosen.count(m.mutant_id) : chosen.count(m.search)) out.mutants.push_back(m);
  for (const auto& s : all.searches)
    if (chosen.count(s.key)) out.searches.push_back(s);
  return out;
}

std::vector<RunTask> repeat_tasks(const CampaignSettings& settings, const RunIdentity& run, double expected_cost) {
  std::vector<RunTask> tasks;
  for (int r = 0; r < settings.repeats; ++r) {
    RunTask t;
    static_cast<RunIdentity&>(t) = run;
    t.repeat = r;
    t.run_id = make_task_id(run.program, run.mutant_id, r);
    t.seed = task_seed(settings.seed, t.run_id);
    t.probes = probes_for(settings, run.program);
    t.scale = settings.scale;
    t.of_compat = t.probes.has("of") ? settings.of_compat : "";  // the callback's side effect came with OF
    t.hvp_vectors = settings.hvp_vectors;
    t.probe_batch = settings.probe_batch;
    t.recurrent = settings.recurrent;
    t.expected_cost = expected_cost;
    tasks.push_back(std::move(t));
  }
  return tasks;
}

Plan make_plan(const CampaignSettings& settings, const ProgramZoo& zoo, const CostModel* cost) {
  check_settings(settings);
  Plan plan;
  plan.settings = settings;
  auto add_tasks = [&](const ProgramSpec& spec, const std::string& mutant_id, const std::string& op,
                       const std::string& category, const std::string& parameters, const ProgramSpec& trained) {
    RunIdentity run;
    run.program = spec.id;
    run.architecture = spec.architecture;
    run.mutant_id = mutant_id;
    run.operator_name = op;
    run.category = parse_optional_category(category, "mutant " + mutant_id);
    run.parameters = parameters;
    const double expected = cost ? cost->seconds(spec, trained, settings)
                                 : estimate_cost(trained, settings.scale, probes_for(settings, spec.id));
    for (auto& t : repeat_tasks(settings, run, expected))
      plan.tasks.push_back(std::move(t));
  };
  for (const auto& program : settings.programs) {
    const ProgramSpec spec = zoo.load(program);
    plan.specs[spec_key(spec.id, "")] = to_json(spec).dump();
    add_tasks(spec, "", "", "", "{}", spec);
    const Candidates chosen =
        choose_mutants(mutant_candidates(spec), settings.max_mutants, settings.seed);
    for (const auto& m : chosen.mutants) {
      const ProgramSpec mutant_spec = spec_from_plan_text(m.spec, "mutant " + m.mutant_id);
      if (plan.specs.count(spec_key(spec.id, m.mutant_id)))
        throw Error("campaign plan", "duplicate mutant id '" + m.mutant_id + "' for program " + spec.id);
      plan.specs[spec_key(spec.id, m.mutant_id)] = m.spec;
      plan.mutants.push_back(m);
      add_tasks(spec, m.mutant_id, m.operator_name, m.category, m.parameters, mutant_spec);
    }
    for (const auto& s : chosen.searches) plan.searches.push_back(s);
  }
  std::set<std::string> ids;
  for (const auto& t : plan.tasks)
    if (!ids.insert(t.run_id).second) throw Error("campaign plan", "two tasks share the id '" + t.run_id + "'");
  return plan;
}

std::vector<Plan> split_plan(const Plan& plan, int shards) {
  const auto& programs = plan.settings.programs;
  if (shards < 1) throw Error("--shards", "must be at least 1");
  if (static_cast<size_t>(shards) > programs.size())
    throw Error("--shards", std::to_string(shards) + " shards for " + std::to_string(programs.size()) +
                                " programs: a shard holds whole programs (their kill tests need the originals)");
  std::map<std::string, double> cost;
  for (const auto& t : plan.tasks) cost[t.program] += t.expected_cost;
  std::vector<std::string> order = programs;
  std::sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    return cost[a] != cost[b] ? cost[a] > cost[b] : a < b;
  });
  std::vector<double> load(shards, 0.0);
  std::map<std::string, int> shard_of;
  for (const auto& p : order) {
    const int s = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    shard_of[p] = s;
    load[s] += cost[p];
  }
  std::vector<Plan> out(shards);
  for (int s = 0; s < shards; ++s) {
    out[s].settings = plan.settings;
    out[s].settings.programs.clear();
    out[s].shard_index = s;
    out[s].shard_count = shards;
  }
  for (const auto& p : programs) out[shard_of[p]].settings.programs.push_back(p);
  for (auto& shard : out) {  // each shard names the probes of its own programs only
    std::map<std::string, ProbeSet> own;
    for (const auto& p : shard.settings.programs)
      if (const auto it = plan.settings.probes_by_program.find(p); it != plan.settings.probes_by_program.end())
        own.insert(*it);
    shard.settings.probes_by_program = std::move(own);
  }
  for (const auto& [key, text] : plan.specs) {
    const std::string program = key.substr(0, key.find('/'));
    out[shard_of.at(program)].specs[key] = text;
  }
  for (const auto& m : plan.mutants) out[shard_of.at(m.program)].mutants.push_back(m);
  for (const auto& s : plan.searches) out[shard_of.at(s.program)].searches.push_back(s);
  for (const auto& t : plan.tasks) out[shard_of.at(t.program)].tasks.push_back(t);
  return out;
}

nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json j;
  j["format"] = kPlanFormat;
  j["version"] = kPlanVersion;
  j["settings"] = to_json(plan.settings);
  if (plan.shard_index >= 0) j["shard"] = {{"index", plan.shard_index}, {"count", plan.shard_count}};
  j["specs"] = plan.specs;
  j["mutants"] = nlohmann::json::array();
  for (const auto& m : plan.mutants)
    j["mutants"].push_back({{"mutant_id", m.mutant_id},
                            {"program", m.program},
                            {"operator", m.operator_name},
                            {"category", m.category},
                            {"parameters", m.parameters},
                            {"search", m.search}});
  j["searches"] = nlohmann::json::array();
  for (const auto& s : plan.searches)
    j["searches"].push_back({{"key", s.key},
                             {"program", s.program},
                             {"operator", s.operator_name},
                             {"category", s.category},
                             {"state", s.state}});
  j["task_groups"] = nlohmann::json::array();
  for (size_t i = 0; i < plan.tasks.size();) {
    const RunTask& first = plan.tasks[i];
    nlohmann::json g = to_json(first, false);
    for (const char* per_task : {"id", "repeat", "seed"}) g.erase(per_task);
    nlohmann::json repeats = nlohmann::json::array();
    for (; i < plan.tasks.size() && same_group(plan.tasks[i], first); ++i) {
      const RunTask& t = plan.tasks[i];
      // Ids and seeds are not stored but derived by the reader, as make_plan made them, so a plan
      // cannot carry one that disagrees with its task's identity.
      if (t.run_id != make_task_id(t.program, t.mutant_id, t.repeat) ||
          t.seed != task_seed(plan.settings.seed, t.run_id))
        throw Error("campaign plan", "task '" + t.run_id + "' does not have the id and seed of its identity");
      repeats.push_back(t.repeat);
    }
    g["repeats"] = std::move(repeats);
    j["task_groups"].push_back(std::move(g));
  }
  return j;
}

Plan plan_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("format") || j["format"] != kPlanFormat)
    throw Error(where, "not a dynfault campaign plan (format != dynfault-campaign-plan)");
  if (optional_field<int64_t>(j, "version", 0, where) > kPlanVersion)
    throw Error(where, "plan version is newer than this dynfault");
  Plan plan;
  plan.settings = settings_from_json(required(j, "settings", where), where);
  if (j.contains("shard")) {
    plan.shard_index = field<int>(j["shard"], "index", where + ": shard");
    plan.shard_count = field<int>(j["shard"], "count", where + ": shard");
  }
  plan.specs = field<std::map<std::string, std::string>>(j, "specs", where);
  for (const auto& m : required(j, "mutants", where)) {
    const std::string w = where + ": mutant";
    PlannedMutant pm;
    pm.mutant_id = field<std::string>(m, "mutant_id", w);
    pm.program = field<std::string>(m, "program", w);
    pm.operator_name = field<std::string>(m, "operator", w);
    pm.category = field<std::string>(m, "category", w);
    pm.parameters = field<std::string>(m, "parameters", w);
    pm.search = field<std::string>(m, "search", w);
    const auto it = plan.specs.find(spec_key(pm.program, pm.mutant_id));
    if (it == plan.specs.end()) throw Error(where, "mutant " + pm.mutant_id + " has no spec");
    pm.spec = it->second;
    plan.mutants.push_back(std::move(pm));
  }
  for (const auto& s : required(j, "searches", where)) {
    const std::string w = where + ": search";
    PlannedSearch ps;
    ps.key = field<std::string>(s, "key", w);
    ps.program = field<std::string>(s, "program", w);
    ps.operator_name = field<std::string>(s, "operator", w);
    ps.category = field<std::string>(s, "category", w);
    ps.state = field<std::string>(s, "state", w);
    plan.searches.push_back(std::move(ps));
  }
  if (j.contains("tasks")) {  // version 1: one object per task, with its id and seed
    std::unordered_set<std::string> ids;
    for (const auto& t : required(j, "tasks", where)) {
      RunTask task = task_from_json(t, where);
      if (!ids.insert(task.run_id).second) throw Error(where, "duplicate task id '" + task.run_id + "'");
      if (!plan.specs.count(spec_key(task.program, task.mutant_id)))
        throw Error(where, "task " + task.run_id + " has no spec");
      plan.tasks.push_back(std::move(task));
    }
    return plan;
  }
  // Version 2: task groups. A task's id is make_task_id(program, mutant, repeat) and its seed
  // task_seed(campaign seed, id), so ids are unique when no (program, mutant, repeat) repeats.
  const auto& groups = required(j, "task_groups", where);
  size_t total = 0;
  for (const auto& g : groups) total += g.is_object() && g.contains("repeats") ? g["repeats"].size() : 0;
  plan.tasks.reserve(total);
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> repeats_of;  // (program, mutant)
  for (const auto& g : groups) {
    const std::string w = where + ": task group";
    if (!g.is_object()) throw Error(w, "is not a JSON object");
    const auto& repeats = required(g, "repeats", w);
    if (!repeats.is_array()) throw wrong_type(repeats, "repeats", w);
    // The shared fields once, through the one task reader; then each task's repeat, id and seed.
    nlohmann::json one = nlohmann::json::object();
    for (const auto& [key, value] : g.items())
      if (key != "repeats") one[key] = value;
    one["id"] = "";
    one["repeat"] = 0;
    one["seed"] = "0";
    const RunTask shared = task_from_json(one, w);
    if (!plan.specs.count(spec_key(shared.program, shared.mutant_id)))
      throw Error(w, "program " + shared.program + " mutant '" + shared.mutant_id + "' has no spec");
    auto& seen = repeats_of[{shared.program, shared.mutant_id}];
    for (const auto& r : repeats) {
      if (!r.is_number_integer()) throw wrong_type(r, "repeats", w);
      RunTask t = shared;
      t.repeat = r.get<int64_t>();
      t.run_id = make_task_id(t.program, t.mutant_id, t.repeat);
      t.seed = task_seed(plan.settings.seed, t.run_id);
      seen.push_back(t.repeat);
      plan.tasks.push_back(std::move(t));
    }
  }
  for (auto& [key, repeats] : repeats_of) {
    std::sort(repeats.begin(), repeats.end());
    const auto twice = std::adjacent_find(repeats.begin(), repeats.end());
    if (twice != repeats.end())
      throw Error(where, "duplicate task id '" + make_task_id(key.first, key.second, *twice) + "'");
  }
  return plan;
}

ProgramSpec spec_from_plan_text(const std::string& text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, std::string("the plan's spec is not JSON: ") + e.what());
  }
  return program_from_json(j, where);
}

bool is_sharded_root(const std::string& dir) {
  const std::string path = dir + "/plan.json";
  if (!fs::exists(path)) return false;
  return peek_format(path) == std::optional<std::string>(kRootFormat);
}

Plan load_plan(const std::string& dir) {
  const std::string path = dir + "/plan.json";
  if (!fs::exists(path)) throw Error(dir, "not a campaign directory (no plan.json)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path, std::string("invalid JSON: ") + e.what());
  }
  if (j.is_object() && optional_field<std::string>(j, "format", "", path) == kRootFormat)
    throw Error(dir, "is a sharded campaign: run one shard directory (e.g. " + dir + "/" + shard_name(0) +
                         ", or pass --shard I)");
  return plan_from_json(j, path);
}

std::vector<std::string> shard_dirs(const std::string& root) {
  const std::string path = root + "/plan.json";
  const auto j = nlohmann::json::parse(read_text_file(path));
  std::vector<std::string> out;
  for (const auto& s : required(j, "shards", path)) out.push_back(root + "/" + field<std::string>(s, "dir", path));
  return out;
}

void write_campaign(const std::string& dir, const Plan& plan, bool force) {
  if (dir.empty()) throw Error("--out", "no campaign directory given");
  const fs::path target = fs::path(dir).lexically_normal();
  const bool exists = fs::exists(target);
  if (exists && !fs::is_directory(target)) throw Error(dir, "exists and is not a directory");
  if (exists && !fs::is_empty(target) && !force)
    throw Error(dir, "is not empty; choose another --out or pass --force to replace it");
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code made;
  fs::create_directories(parent, made);
  if (made) throw_write_error(dir, "cannot create the parent directory", made.value());
  const fs::path temp = parent / ("." + target.filename().string() + ".plan-tmp." + std::to_string(::getpid()));
  fs::remove_all(temp);
  try {
    auto write_one = [](const fs::path& d, const Plan& p) {
      fs::create_directories(d);
      write_file_atomically((d / "plan.json").string(), plan_to_json(p).dump(1) + "\n");
      create_empty_journal((d / "journal.log").string());
    };
    if (plan.settings.shards <= 1) {
      write_one(temp, plan);
    } else {
      const auto parts = split_plan(plan, plan.settings.shards);
      nlohmann::json root = {{"format", kRootFormat}, {"version", kPlanVersion}, {"settings", to_json(plan.settings)}};
      root["shards"] = nlohmann::json::array();
      fs::create_directories(temp);
      for (const auto& part : parts) {
        const std::string name = shard_name(part.shard_index);
        write_one(temp / name, part);
        root["shards"].push_back({{"dir", name}, {"programs", part.settings.programs}, {"tasks", part.tasks.size()}});
      }
      write_file_atomically((temp / "plan.json").string(), root.dump(1) + "\n");
    }
    if (exists) {
      const fs::path old = parent / ("." + target.filename().string() + ".old." + std::to_string(::getpid()));
      fs::rename(target, old);
      fs::rename(temp, target);
      fs::remove_all(old);
    } else {
      fs::rename(temp, target);
    }
  } catch (const StorageError& e) {  // named by the directory asked for, not the staging one
    fs::remove_all(temp);
    throw StorageError(dir, "cannot write the campaign", e.error_number());
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(temp);
    if (is_storage_errno(e.code().value())) throw StorageError(dir, "cannot write the campaign", e.code().value());
    throw Error(dir, std::string("cannot write the campaign: ") + e.what());
  } catch (...) {
    fs::remove_all(temp);
    throw;
  }
}

}  // namespace dynfault::campaign
