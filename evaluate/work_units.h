#pragma once
// Sharding independent work units over MPI ranks, deterministically.
//
// Unit u runs on rank u % size. A unit must be a pure function of its index
// (it seeds any RNG from its identity, never from the rank), so the gathered
// results — returned on every rank, in unit order — are bit-identical whatever
// the number of ranks; every reduction afterwards walks them in that order.
// A dynfault::Error thrown by a unit is carried to every rank and rethrown
// there (the lowest failing unit wins), so all ranks fail together.
#include <functional>
#include <string>
#include <vector>

#include "core/mpi.h"

namespace dynfault::evaluate {

using UnitResult = std::vector<double>;

std::vector<UnitResult> run_units(const mpi::Session& comm, size_t n_units,
                                  const std::function<UnitResult(size_t unit)>& compute);

}  // namespace dynfault::evaluate
