#pragma once
// A mutation operator: one DeepCrime (or layer) fault, applied to a ProgramSpec
// (never to source text). Each operator lives in its own file under
// mutate/operators/<name>.cpp and defines DYNFAULT_OPERATOR(<name>); the build
// generates the table that registers every such file (mutate/CMakeLists.txt), so
// an operator cannot be dropped by the linker or forgotten in a hand-written list.
// docs/mutate.md lists the operators, their value sets and how to add one.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/program_spec.h"
#include "mutate/search.h"

namespace dynfault::mutate {

// DeepCrime's search type for the operator's settings.
enum class SearchKind {
  Exhaustive,  // every catalogue value is its own mutant
  Binary,      // extreme value first, then bisect toward the original (mutate/search.h)
  Single,      // one configuration per target, no parameter value
};
std::string to_string(SearchKind kind);

struct OperatorInfo {
  std::string name;      // DeepCrime's name, e.g. "change_batch_size"; also the file name
  std::string code;      // DeepCrime / DEFault code, e.g. "HBS"
  FaultCategory category = FaultCategory::Hyperparameter;
  SearchKind search = SearchKind::Exhaustive;
  std::string summary;   // what it changes, one line
  std::string values;    // the value set it enumerates, one line (the why: docs/mutate.md)
};

// The parameter sets an operator enumerates for one program, or why it does not apply.
struct Enumeration {
  std::vector<Json> parameters;  // canonical, deterministic order; empty when not applicable
  std::string reason;            // one line, set when `parameters` is empty
};

// A validated application of an operator.
struct Applied {
  Json parameters;     // canonical form of the parameters (the mutant id hashes it)
  ProgramSpec spec;    // the mutated program
  std::string change;  // what changed, e.g. "batch_size 16 -> 128"
};

class Operator {
 public:
  virtual ~Operator() = default;
  virtual const OperatorInfo& info() const = 0;

  // The catalogue settings for `spec`. Every one yields a spec that differs
  // from `spec` in behaviour, not only in spelling (an explicit Keras default
  // is no change). Empty parameters + reason when the operator does not apply.
  virtual Enumeration enumerate(const ProgramSpec& spec) const = 0;

  // Applies one setting. Throws dynfault::Error (one line naming the program,
  // the operator and the problem) for unknown keys, ill-typed or out-of-range
  // values and targets the operator cannot act on.
  virtual Applied apply(const ProgramSpec& spec, const Json& parameters) const = 0;

  // Binary-search operators: the search interval for `spec` (nullopt otherwise
  // or when the operator does not apply).
  virtual std::optional<SearchSpace> search_space(const ProgramSpec& spec) const { return std::nullopt; }

 protected:
  // "program <id>: <operator>" — the `where` of every error an operator throws.
  std::string where(const ProgramSpec& spec) const { return "program " + spec.id + ": " + info().name; }
};

}  // namespace dynfault::mutate

// Defines the factory of the operator in mutate/operators/<name>.cpp. The name
// must equal the file name: the generated table calls make_<file name>().
#define DYNFAULT_OPERATOR(name) std::unique_ptr<::dynfault::mutate::Operator> make_##name()
