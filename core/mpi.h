#pragma once
// The project's only MPI code: a thin RAII wrapper over the MPI C API with
// what the campaign (master/worker messages) and the evaluation (allgather of
// results) use. <mpi.h> stays out of this header, so users need no MPI
// include paths. A process not started by an MPI launcher never touches MPI:
// plain `dynfault evaluate ...` and `dynfault campaign run ...` run as one rank.
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dynfault::mpi {

// True when an MPI launcher started this process. The one list of variables,
// the union of what the evaluation and the campaign used to check:
//   OMPI_COMM_WORLD_SIZE  Open MPI's mpirun/mpiexec
//   PMIX_RANK             PMIx launchers (Open MPI >= 4 prterun, srun --mpi=pmix)
//   PMI_RANK, PMI_SIZE    PMI-1/PMI-2 launchers (MPICH/Intel hydra, srun --mpi=pmi2);
//                         some set only one of the two, so both are checked
//   MPI_LOCALNRANKS       MPICH's hydra
// SLURM_* variables are deliberately absent: a batch script's own shell has them.
bool launched_by_mpi();

enum class Threads {
  Single,    // only one thread exists (MPI_THREAD_SINGLE)
  Funneled,  // other threads exist, only the main thread calls MPI (MPI_THREAD_FUNNELED)
};

// MPI for the lifetime of this object: initialises MPI when launched by an
// MPI launcher and nobody has yet, and finalises it if it initialised it.
// Otherwise (no launcher) it is a single rank and no MPI call is made.
class Session {
 public:
  explicit Session(Threads threads = Threads::Single);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }

  // Every rank contributes `mine`; every rank receives all contributions in rank order.
  std::vector<std::vector<uint8_t>> allgather(const std::vector<uint8_t>& mine) const;

  // Takes the whole job down (one failed rank would leave the others waiting on it).
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0;
  int size_ = 1;
  bool active_ = false;
  bool finalize_ = false;
};

// Point-to-point byte messages on MPI_COMM_WORLD (a Session must be active).
inline constexpr int kAnySource = -1;
inline constexpr int kAnyTag = -1;

struct Message {
  int source = 0;
  int tag = 0;
  size_t bytes = 0;
};

// Nonblocking: a message from `source` with `tag` (or any) that has arrived.
std::optional<Message> probe(int source, int tag);
// Receives the probed message.
std::string receive(const Message& probed);

// Nonblocking sends whose buffers live until MPI is done with them.
class Outbox {
 public:
  Outbox();
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void send(std::string bytes, int dest, int tag);
  // Releases the sends that have completed; true when none is left.
  bool progress();

 private:
  struct Pending;
  std::list<Pending> pending_;  // std::list: buffers never move
};

}  // namespace dynfault::mpi
