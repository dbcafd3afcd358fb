#pragma once
// The mutant catalogue of a program set: what `dynfault mutate --set` writes
// and the count table of docs/mutation-counts.md.
#include <string>
#include <vector>

#include "core/program_spec.h"
#include "mutate/mutant.h"

namespace dynfault::mutate {

// {"set", "operators": [...], "programs": [{id, architecture, mutants, skipped: [{operator, reason}]}],
//  "mutants": [to_json(mutant, with_specs)...]}.
Json catalogue_json(const ProgramZoo& zoo, const std::string& set_or_list, bool with_specs = true);

// Markdown: mutants per operator (with the programs it applies to) and the
// programs x operators grid. docs/mutation-counts.md is this text for dynfault38.
std::string counts_markdown(const ProgramZoo& zoo, const std::string& set_or_list);

// One row per operator: name, code, category, search, values, summary (`dynfault mutate --list`).
Json operators_json();

}  // namespace dynfault::mutate
