#pragma once
// THE mutant type of dynfault: a program spec changed by one operator setting.
// Its id is derived from (program, operator, canonical parameters), so a
// catalogue is reproducible and a campaign can add mutants (e.g. new binary
// search settings) without renumbering the old ones.
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/program_spec.h"
#include "mutate/search.h"

namespace dynfault::mutate {

struct Mutant {
  std::string id;             // "<program>-<operator>-<8 hex digits of a hash of the canonical parameters>"
  std::string program;        // Stack Overflow id of the original
  std::string operator_name;  // e.g. "change_learning_rate"
  FaultCategory category = FaultCategory::Hyperparameter;
  Json parameters;            // canonical parameters, e.g. {"learning_rate": 0.0001}
  std::string change;         // what changed, one line, e.g. "learning_rate 0.001 -> 0.0001"
  ProgramSpec spec;           // the mutated program (same id as the original)
};

// The id of a mutant; `parameters` must be canonical (as Operator::apply returns them).
std::string mutant_id(const std::string& program, const std::string& operator_name, const Json& parameters);

// Every catalogue mutant of `spec`: operators in registry order (fault category,
// then name), settings in each operator's order. Deterministic. No mutant equals
// the original, and no two share a spec (the first setting that gives a spec wins).
std::vector<Mutant> mutants_of(const ProgramSpec& spec);
// Only the mutants of one operator (unknown names throw dynfault::Error).
std::vector<Mutant> mutants_of(const ProgramSpec& spec, const std::string& operator_name);

// One mutant from explicit parameters, which need not be in the catalogue (e.g.
// a binary-search midpoint, or learning rate x100). Throws dynfault::Error with
// one line for unknown operators, bad or out-of-range parameters, operators
// that do not apply to the program, and settings that change nothing.
Mutant make_mutant(const ProgramSpec& spec, const std::string& operator_name, const Json& parameters);

// The catalogue mutant with this id; throws dynfault::Error when there is none.
Mutant find_mutant(const ProgramSpec& spec, const std::string& id);

struct SkippedOperator {
  std::string operator_name;
  std::string reason;  // one line
};
// Operators that give no mutant for `spec`, with the reason.
std::vector<SkippedOperator> skipped_operators(const ProgramSpec& spec);

// The binary-search interval of a Binary operator on `spec`; throws
// dynfault::Error when the operator is not a binary-search one or does not apply.
SearchSpace search_space_of(const ProgramSpec& spec, const std::string& operator_name);

// {"id", "program", "operator", "category", "parameters", "change", "spec"}.
Json to_json(const Mutant& mutant, bool with_spec = true);
// Parses and checks a mutant written by to_json (the id must match program,
// operator and parameters; the operator must exist). Throws dynfault::Error naming `where`.
Mutant mutant_from_json(const Json& j, const std::string& where);

}  // namespace dynfault::mutate
