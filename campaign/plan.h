#pragma once
// Campaign plans: which programs, mutants and repeats to train, with stable
// task ids, written as <campaign>/plan.json next to an empty journal.
//
// Layout of a campaign directory (docs/campaign.md):
//   plan.json      settings, spec table, mutants, searches, task list (this file's format)
//   journal.log    append-only record of finished tasks and kill verdicts (journal.h)
//   batches/       batch-NNNNNN.h5: traces, one corpus file (docs/trace-format.md) per flushed batch
//   status.jsonl   one JSON line per finished task attempt (progress stream)
//   traces.h5      the consolidated corpus, written when the campaign completes
// A sharded campaign (--shards S > 1) is a root with plan.json listing the
// shards and shard-000/ ... shard-<S-1>/, each a complete campaign directory.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/domain.h"
#include "core/program_spec.h"
#include "core/run_task.h"

namespace dynfault::campaign {

struct CampaignSettings {
  std::vector<std::string> programs;  // resolved program ids, in plan order
  std::string selection;              // what the user asked for: "set:dynfault38" or "list:a,b"
  int repeats = 20;                   // runs per original and per mutant configuration
  ProbeSet probes{{"cf", "of"}};
  // Per-program probes (campaign plan --probes-by-program), as DynFault ran
  // some programs with CF and others with OF; empty: `probes` for every program.
  std::map<std::string, ProbeSet> probes_by_program;
  Scale scale = Scale::Reduced;
  int max_mutants = -1;               // per program; -1 = all
  uint64_t seed = 0;
  int shards = 1;
  // How the tasks' expected costs were made: "" = the heuristic (estimate_cost), "calibrated" = the
  // cost model of campaign/cost_model.h (`campaign plan --estimate`); plan.json holds the key only then.
  std::string cost_model;
  // "v2": the runs that carry the OF probe reproduce the published OF callback's lr x 0.9 per epoch
  // (`campaign plan --of-compat v2`; RunIdentity::of_compat). "": off, the default.
  std::string of_compat;
  // Every run's probe settings and recurrent path (`campaign plan --hvp-vectors, --probe-batch,
  // --recurrent`; RunIdentity). plan.json holds them only when not the defaults.
  int hvp_vectors = kDefaultHvpVectors;
  int probe_batch = kDefaultProbeBatch;
  std::string recurrent;
};
// The probes the runs of `program` use.
const ProbeSet& probes_for(const CampaignSettings& s, const std::string& program);
// Reads a --probes-by-program file: a JSON object {"<program id>": "cf" | "of" | "cf,of" | "none"}
// that names every program of `programs` and no other, except programs the plan left out on purpose
// (`excluded`, `campaign plan --exclude`), which it may name and which are ignored, so one profile
// serves a plan with or without its heavy programs. Throws dynfault::Error naming the file.
std::map<std::string, ProbeSet> read_probes_by_program(const std::string& path, const std::vector<std::string>& programs,
                                                       const std::vector<std::string>& excluded = {});
nlohmann::json to_json(const CampaignSettings& s);
CampaignSettings settings_from_json(const nlohmann::json& j, const std::string& where);

// A mutant the plan trains (or the first setting of a search, see search_*).
struct PlannedMutant {
  std::string mutant_id;
  std::string program;
  std::string operator_name;
  std::string category;
  std::string parameters = "{}";
  std::string spec;        // the mutant's ProgramSpec as JSON text
  std::string search;      // non-empty: key of the search that proposed it
  bool operator==(const PlannedMutant& o) const;
};

// A DeepCrime search over a continuous operator; its later settings are
// scheduled at run time from kill verdicts (state.h).
struct PlannedSearch {
  std::string key;         // stable: "<program>/<operator>[/<target>]"
  std::string program;
  std::string operator_name;
  std::string category;
  std::string state;       // the search's serialized start state (mutate/search.h)
  bool operator==(const PlannedSearch& o) const;
};

struct Plan {
  CampaignSettings settings;
  int shard_index = -1;  // >= 0 inside a shard of a sharded campaign
  int shard_count = 1;
  std::map<std::string, std::string> specs;  // spec_key -> ProgramSpec JSON text
  std::vector<PlannedMutant> mutants;
  std::vector<PlannedSearch> searches;
  std::vector<RunTask> tasks;                // RunTask::spec left empty; see task_with_spec()

  // The full task (with its spec text) for dispatch.
  RunTask task_with_spec(size_t index) const;
};

// Spec table key of a task/mutant: the program id for originals, "<program>/<mutant id>" otherwise.
std::string spec_key(const std::string& program, const std::string& mutant_id);

// Relative cost estimate of one run of `spec` at `scale` with `probes`
// (approximate multiply-adds of training plus probe overhead, in seconds on a
// ~1 GFLOP/s core). Only the order matters: the master dispatches the largest first.
double estimate_cost(const ProgramSpec& spec, Scale scale, ProbeSet probes);

// The settings' repeats of one original or mutant setting: `run` names the
// program and mutant; ids, seeds, repeats, probes and scale come from the settings.
std::vector<RunTask> repeat_tasks(const CampaignSettings& settings, const RunIdentity& run, double expected_cost);

// Mutant candidates of one program: the mutate library's applicable operators,
// one candidate per exhaustive value/target, and one (the search's first
// setting) per binary-search operator. Declared here, defined in mutants.cpp.
struct Candidates {
  std::vector<PlannedMutant> mutants;
  std::vector<PlannedSearch> searches;
};
Candidates mutant_candidates(const ProgramSpec& original);

// At most `max_mutants` of the candidates (< 0: all), chosen deterministically
// and spread over fault categories: round-robin over categories in
// kAllCategories order, each category's candidates in the order of
// derive_seed(seed, mutant id). A search counts as one mutant and is kept or
// dropped with its first setting.
Candidates choose_mutants(const Candidates& all, int max_mutants, uint64_t seed);

// Builds the plan: originals and mutants x repeats, stable ids and seeds. Expected task costs come
// from `cost` when given (its calibrated seconds; set settings.cost_model), else the heuristic. They
// order dispatch only: no trace depends on them.
class CostModel;
Plan make_plan(const CampaignSettings& settings, const ProgramZoo& zoo, const CostModel* cost = nullptr);

// Splits a plan by program into `shards` plans, balancing expected cost
// (largest program first onto the least loaded shard; ties by program id).
// Throws if there are fewer programs than shards.
std::vector<Plan> split_plan(const Plan& plan, int shards);

nlohmann::json plan_to_json(const Plan& plan);
Plan plan_from_json(const nlohmann::json& j, const std::string& where);
// A spec as the plan stores it (JSON text): program_from_json only, since an
// operator's mutant may not build (a crash trace); text that is not JSON or
// not a spec throws dynfault::Error naming `where`.
ProgramSpec spec_from_plan_text(const std::string& text, const std::string& where);

// Directory handling.
bool is_sharded_root(const std::string& dir);
Plan load_plan(const std::string& dir);  // throws naming the dir for a sharded root
// Shard directories of a sharded root, in shard order.
std::vector<std::string> shard_dirs(const std::string& root);
// Writes a campaign directory (or a sharded root with its shards) atomically:
// everything is built in a temporary directory next to `dir` and renamed into
// place. Refuses a non-empty `dir` unless `force`.
void write_campaign(const std::string& dir, const Plan& plan, bool force);

}  // namespace dynfault::campaign
