#include "evaluate/mpi_comm.h"

#include <cstdlib>
#include <string>

#include <mpi.h>

#include "core/error.h"

namespace dynfault::evaluate {
namespace {
bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(var)) return true;
  return false;
}
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error("MPI", std::string(what) + " failed (code " + std::to_string(rc) + ")");
}
}  // namespace

MpiComm::MpiComm() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    if (!launched_by_mpi()) return;  // single process, no MPI runtime needed
    check(MPI_Init(nullptr, nullptr), "MPI_Init");
    finalize_ = true;
  }
  active_ = true;
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

MpiComm::~MpiComm() {
  if (finalize_) {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Finalize();
  }
}

std::vector<std::vector<uint8_t>> MpiComm::allgather(const std::vector<uint8_t>& mine) const {
  if (!active_ || size_ == 1) return {mine};
  if (mine.size() > static_cast<size_t>(INT32_MAX)) throw Error("MPI", "a rank's results exceed 2 GiB");
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(size_), displs(size_);
  check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  int64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    displs[r] = static_cast<int>(total);
    total += counts[r];
  }
  if (total > INT32_MAX) throw Error("MPI", "gathered results exceed 2 GiB");
  std::vector<uint8_t> all(static_cast<size_t>(total));
  check(MPI_Allgatherv(mine.data(), count, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                       MPI_COMM_WORLD),
        "MPI_Allgatherv");
  std::vector<std::vector<uint8_t>> out(size_);
  for (int r = 0; r < size_; ++r) out[r].assign(all.begin() + displs[r], all.begin() + displs[r] + counts[r]);
  return out;
}

}  // namespace dynfault::evaluate
