#include "campaign/mutants.h"

#include "core/error.h"
#include "mutate/registry.h"

namespace dynfault::campaign {

PlannedMutant planned(const mutate::Mutant& m, const std::string& search) {
  PlannedMutant p;
  p.mutant_id = m.id;
  p.program = m.program;
  p.operator_name = m.operator_name;
  p.category = to_string(m.category);
  p.parameters = m.parameters.dump();
  p.spec = to_json(m.spec).dump();
  p.search = search;
  return p;
}

std::string search_state(const mutate::SearchSpace& s) {
  return Json{{"operator", s.operator_name}, {"parameter", s.parameter}, {"original", s.original},
              {"extreme", s.extreme},         {"precision", s.precision}, {"decimals", s.decimals}}
      .dump();
}

mutate::SearchSpace search_space_from_state(const std::string& state, const std::string& where) {
  mutate::SearchSpace s;
  try {
    const Json j = Json::parse(state);
    s.operator_name = j.at("operator").get<std::string>();
    s.parameter = j.at("parameter").get<std::string>();
    s.original = j.at("original").get<double>();
    s.extreme = j.at("extreme").get<double>();
    s.precision = j.at("precision").get<double>();
    s.decimals = j.at("decimals").get<int>();
  } catch (const std::exception& e) {
    throw Error(where, std::string("bad search state: ") + e.what());
  }
  return s;
}

Candidates mutant_candidates(const ProgramSpec& original) {
  Candidates out;
  // Exhaustive and single-setting operators: the catalogue as it stands.
  for (const auto& m : mutate::mutants_of(original)) {
    if (mutate::operators().get(m.operator_name).info().search == mutate::SearchKind::Binary) continue;
    out.mutants.push_back(planned(m, ""));
  }
  // Binary-search operators: the search starts at the extreme setting.
  for (const mutate::Operator* op : mutate::operators().all()) {
    if (op->info().search != mutate::SearchKind::Binary) continue;
    if (op->enumerate(original).parameters.empty()) continue;  // does not apply to this program
    const mutate::SearchSpace space = mutate::search_space_of(original, op->info().name);
    PlannedSearch s;
    s.key = original.id + "/" + op->info().name;
    s.program = original.id;
    s.operator_name = op->info().name;
    s.category = to_string(op->info().category);
    s.state = search_state(space);
    out.mutants.push_back(
        planned(mutate::make_mutant(original, op->info().name, space.parameters(space.extreme)), s.key));
    out.searches.push_back(std::move(s));
  }
  return out;
}

}  // namespace dynfault::campaign
