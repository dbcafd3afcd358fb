#pragma once
// Mutants of a program from the mutate library (mutate/mutant.h): every
// catalogue mutant of an exhaustive or single-setting operator becomes a
// planned mutant; every applicable binary-search operator becomes a planned
// search whose first setting (the extreme) is planned and whose later
// settings the campaign schedules from kill verdicts (decide.h).
#include <string>

#include "core/program_spec.h"
#include "mutate/mutant.h"
#include "mutate/search.h"
#include "campaign/plan.h"

namespace dynfault::campaign {

// The planned form of a mutate::Mutant; `search` is the key of the search it belongs to, or empty.
PlannedMutant planned(const mutate::Mutant& m, const std::string& search);

// A search space as the JSON text kept in PlannedSearch::state, and back.
std::string search_state(const mutate::SearchSpace& space);
mutate::SearchSpace search_space_from_state(const std::string& state, const std::string& where);

}  // namespace dynfault::campaign
