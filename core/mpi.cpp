#include "core/mpi.h"

#include <mpi.h>

#include <cstdlib>

#include "core/error.h"

namespace dynfault::mpi {
namespace {
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error("MPI", std::string(what) + " failed (code " + std::to_string(rc) + ")");
}
}  // namespace

bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(var)) return true;
  return false;
}

Session::Session(Threads threads) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    if (!launched_by_mpi()) return;  // single process, no MPI runtime needed
    if (threads == Threads::Single) {
      check(MPI_Init(nullptr, nullptr), "MPI_Init");
    } else {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      if (provided < MPI_THREAD_FUNNELED) {
        MPI_Finalize();
        throw Error("MPI", "the MPI library does not support MPI_THREAD_FUNNELED");
      }
    }
    finalize_ = true;
  }
  active_ = true;
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

Session::~Session() {
  if (finalize_) {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Finalize();
  }
}

void Session::abort(int code) const {
  if (active_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

std::vector<std::vector<uint8_t>> Session::allgather(const std::vector<uint8_t>& mine) const {
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

// MPI_Iprobe in a burst: measured with Open MPI 4.1, a message that has
// arrived is only reported after ~4-8 Iprobe calls (low-priority progress
// callbacks run once per several progress calls), so one Iprobe per poll saw
// each message late (the campaign master's backoff then waited 1.5 ms per
// one-way message); 8 calls per poll see it within microseconds.
std::optional<Message> probe(int source, int tag) {
  MPI_Status status;
  int flag = 0;
  for (int k = 0; k < 8 && !flag; ++k)
    MPI_Iprobe(source == kAnySource ? MPI_ANY_SOURCE : source, tag == kAnyTag ? MPI_ANY_TAG : tag, MPI_COMM_WORLD,
               &flag, &status);
  if (!flag) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  return Message{status.MPI_SOURCE, status.MPI_TAG, static_cast<size_t>(count)};
}

std::string receive(const Message& probed) {
  std::string bytes(probed.bytes, '\0');
  check(MPI_Recv(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, probed.source, probed.tag, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE),
        "MPI_Recv");
  return bytes;
}

struct Outbox::Pending {
  std::string bytes;
  MPI_Request request = MPI_REQUEST_NULL;
};

Outbox::Outbox() = default;
Outbox::~Outbox() = default;

void Outbox::send(std::string bytes, int dest, int tag) {
  pending_.push_back({std::move(bytes), MPI_REQUEST_NULL});
  auto& p = pending_.back();
  check(MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD, &p.request),
        "MPI_Isend");
}

bool Outbox::progress() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    int done = 0;
    MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    it = done ? pending_.erase(it) : std::next(it);
  }
  return pending_.empty();
}

}  // namespace dynfault::mpi
