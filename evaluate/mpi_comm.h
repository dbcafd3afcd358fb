#pragma once
// A thin RAII wrapper over the MPI C API: what the evaluation needs and no more.
// MPI is initialised only when the process was started by an MPI launcher
// (mpirun/srun set OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK); a plain
// `dynfault evaluate ...` runs as a single rank without touching MPI.
#include <cstdint>
#include <vector>

namespace dynfault::evaluate {

class MpiComm {
 public:
  MpiComm();   // initialises MPI when launched by mpirun and nobody has yet
  ~MpiComm();  // finalises it if this object initialised it
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }

  // Every rank contributes `mine`; every rank receives all contributions in rank order.
  std::vector<std::vector<uint8_t>> allgather(const std::vector<uint8_t>& mine) const;

 private:
  int rank_ = 0;
  int size_ = 1;
  bool active_ = false;
  bool finalize_ = false;
};

}  // namespace dynfault::evaluate
