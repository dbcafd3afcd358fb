#include "mutate/mutant.h"

#include <cstdio>
#include <set>
#include <stdexcept>

#include "core/error.h"
#include "core/seed.h"
#include "mutate/registry.h"

namespace dynfault::mutate {

std::string mutant_id(const std::string& program, const std::string& operator_name, const Json& parameters) {
  // nlohmann dumps objects with sorted keys and numbers in shortest round-trip
  // form, so equal parameters always give the same text.
  const uint64_t h = splitmix64(fnv1a64(parameters.dump()));
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(h >> 32));
  return program + "-" + operator_name + "-" + hex;
}

namespace {

Mutant assemble(const ProgramSpec& original, const Operator& op, Applied applied) {
  Mutant m;
  m.program = original.id;
  m.operator_name = op.info().name;
  m.category = op.info().category;
  m.parameters = std::move(applied.parameters);
  m.change = std::move(applied.change);
  m.spec = std::move(applied.spec);
  m.id = mutant_id(m.program, m.operator_name, m.parameters);
  return m;
}

// The mutant must still be a valid spec (what the runner will load).
void check_parses(const Mutant& m, const std::string& where) {
  try {
    program_from_json(to_json(m.spec), "mutant " + m.id);
  } catch (const Error& e) {
    throw Error(where, std::string("gives an invalid program spec: ") + e.what());
  }
}

void add_mutants_of(const ProgramSpec& spec, const Operator& op, std::vector<Mutant>& out,
                    std::set<std::string>& seen_specs, std::set<std::string>& seen_ids) {
  const Enumeration e = op.enumerate(spec);
  for (const Json& p : e.parameters) {
    Mutant m = assemble(spec, op, op.apply(spec, p));
    // Contract checks: violations are bugs in an operator file (test_mutate catches them).
    if (m.parameters != p)
      throw std::logic_error(op.info().name + " enumerates non-canonical parameters " + p.dump());
    if (m.spec == spec) throw std::logic_error(op.info().name + " " + p.dump() + " leaves " + spec.id + " unchanged");
    check_parses(m, "program " + spec.id + ": " + op.info().name);
    if (!seen_ids.insert(m.id).second) throw std::logic_error("mutant id collision: " + m.id);
    if (!seen_specs.insert(to_json(m.spec).dump()).second) continue;  // same spec as an earlier mutant
    out.push_back(std::move(m));
  }
}

}  // namespace

std::vector<Mutant> mutants_of(const ProgramSpec& spec) {
  std::vector<Mutant> out;
  std::set<std::string> seen_specs, seen_ids;
  for (const Operator* op : operators().all()) add_mutants_of(spec, *op, out, seen_specs, seen_ids);
  return out;
}

std::vector<Mutant> mutants_of(const ProgramSpec& spec, const std::string& operator_name) {
  const Operator& op = operators().get(operator_name);
  // Dedupe against the whole catalogue so the result is exactly its subset.
  std::vector<Mutant> out;
  for (auto& m : mutants_of(spec))
    if (m.operator_name == op.info().name) out.push_back(std::move(m));
  return out;
}

Mutant make_mutant(const ProgramSpec& spec, const std::string& operator_name, const Json& parameters) {
  const Operator& op = operators().get(operator_name);
  const std::string where = "program " + spec.id + ": " + operator_name;
  const Enumeration e = op.enumerate(spec);
  if (e.parameters.empty()) throw Error(where, "does not apply: " + e.reason);
  Mutant m = assemble(spec, op, op.apply(spec, parameters));
  if (m.spec == spec) throw Error(where, "parameters " + parameters.dump() + " leave the program unchanged");
  check_parses(m, where);
  return m;
}

Mutant find_mutant(const ProgramSpec& spec, const std::string& id) {
  for (auto& m : mutants_of(spec))
    if (m.id == id) return std::move(m);
  throw Error("program " + spec.id,
              "no mutant '" + id + "' in its catalogue (list them with `dynfault mutate --program " + spec.id + "`)");
}

std::vector<SkippedOperator> skipped_operators(const ProgramSpec& spec) {
  std::vector<SkippedOperator> out;
  for (const Operator* op : operators().all()) {
    const Enumeration e = op->enumerate(spec);
    if (e.parameters.empty()) out.push_back({op->info().name, e.reason});
  }
  return out;
}

SearchSpace search_space_of(const ProgramSpec& spec, const std::string& operator_name) {
  const Operator& op = operators().get(operator_name);
  const std::string where = "program " + spec.id + ": " + operator_name;
  if (op.info().search != SearchKind::Binary)
    throw Error(where, "is searched " + to_string(op.info().search) + "ly, not by binary search");
  const Enumeration e = op.enumerate(spec);
  if (e.parameters.empty()) throw Error(where, "does not apply: " + e.reason);
  auto space = op.search_space(spec);
  if (!space) throw std::logic_error(operator_name + " is a binary-search operator without a search space");
  return *space;
}

Json to_json(const Mutant& m, bool with_spec) {
  Json j = {{"id", m.id},
            {"program", m.program},
            {"operator", m.operator_name},
            {"category", to_string(m.category)},
            {"parameters", m.parameters},
            {"change", m.change}};
  if (with_spec) j["spec"] = to_json(m.spec);
  return j;
}

Mutant mutant_from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where, "a mutant must be a JSON object");
  auto text = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_string()) throw Error(where, std::string("missing string field '") + key + "'");
    return j[key].get<std::string>();
  };
  Mutant m;
  m.id = text("id");
  m.program = text("program");
  m.operator_name = text("operator");
  m.change = j.value("change", "");
  if (!j.contains("parameters") || !j["parameters"].is_object()) throw Error(where, "missing object 'parameters'");
  m.parameters = j["parameters"];
  const Operator* op = operators().find(m.operator_name);
  if (!op) throw Error(where, "unknown operator '" + m.operator_name + "'");
  m.category = parse_category(text("category"), where);
  if (m.category != op->info().category)
    throw Error(where, "category " + to_string(m.category) + " does not match operator " + m.operator_name + " (" +
                           to_string(op->info().category) + ")");
  if (m.id != mutant_id(m.program, m.operator_name, m.parameters))
    throw Error(where, "id '" + m.id + "' does not match its program, operator and parameters (expected '" +
                           mutant_id(m.program, m.operator_name, m.parameters) + "')");
  if (!j.contains("spec")) throw Error(where, "missing field 'spec'");
  m.spec = program_from_json(j["spec"], where + ": spec");
  if (m.spec.id != m.program) throw Error(where, "spec id '" + m.spec.id + "' is not the program '" + m.program + "'");
  return m;
}

}  // namespace dynfault::mutate
