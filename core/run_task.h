#pragma once
// One unit of campaign work: train one program (original or mutant) once.
// The campaign plans tasks (campaign/), the MPI master hands them to
// workers, the executor turns a task into a Trace with the task's run_id.
// Everything random about the run derives from `seed`, and `seed` derives from
// the campaign seed and the task id, so a task gives the same trace wherever
// and whenever it runs.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/run_identity.h"

namespace dynfault {

struct RunTask : RunIdentity {
  // run_id: stable, unique within a campaign (make_task_id); seed: task_seed(campaign seed, run_id)
  std::string spec;          // ProgramSpec JSON text to train (the mutant's spec for mutants), unscaled
  double expected_cost = 0;  // relative cost estimate; the master dispatches the largest first

  bool operator==(const RunTask& o) const;
  bool operator!=(const RunTask& o) const { return !(*this == o); }
};

// "<program>.orig.r<repeat>" for originals, "<mutant id>.r<repeat>" for mutants whose id
// starts with "<program>-" (the mutate library's ids), else "<program>.<mutant id>.r<repeat>";
// repeat zero-padded to 3 digits. Characters outside [A-Za-z0-9_.=+-] in the mutant id become '-', so the id is a
// valid HDF5 group name, file-name fragment and journal token.
std::string make_task_id(const std::string& program, const std::string& mutant_id, int64_t repeat);

// The task's seed: a function of the campaign seed and the task identity only.
uint64_t task_seed(uint64_t campaign_seed, const std::string& task_id);

// JSON form used in plan files. `spec` is included only when `with_spec`.
nlohmann::json to_json(const RunTask& t, bool with_spec = true);
// Throws dynfault::Error naming `where` for missing or ill-typed fields.
RunTask task_from_json(const nlohmann::json& j, const std::string& where);

// The one check of RunIdentity::of_compat's spellings: "" (off) or "v2". Returns `text`; throws
// dynfault::Error naming `where` (an option or a file) otherwise.
std::string parse_of_compat(const std::string& text, const std::string& where);

}  // namespace dynfault
