#include "evaluate/work_units.h"

#include <cstring>

#include "core/error.h"

namespace dynfault::evaluate {
namespace {

void put_u64(std::vector<uint8_t>& buf, uint64_t v) {
  const size_t at = buf.size();
  buf.resize(at + sizeof v);
  std::memcpy(buf.data() + at, &v, sizeof v);
}
uint64_t get_u64(const std::vector<uint8_t>& buf, size_t& at) {
  uint64_t v;
  if (at + sizeof v > buf.size()) throw Error("MPI", "truncated unit results");
  std::memcpy(&v, buf.data() + at, sizeof v);
  at += sizeof v;
  return v;
}

}  // namespace

std::vector<UnitResult> run_units(const mpi::Session& comm, size_t n_units,
                                  const std::function<UnitResult(size_t unit)>& compute) {
  // Record layout: unit index, status (0 ok, 1 error), payload length, payload
  // (doubles' bytes, or the error message's bytes).
  std::vector<uint8_t> mine;
  for (size_t u = static_cast<size_t>(comm.rank()); u < n_units; u += static_cast<size_t>(comm.size())) {
    uint64_t status = 0;
    std::vector<uint8_t> payload;
    try {
      const UnitResult r = compute(u);
      payload.resize(r.size() * sizeof(double));
      if (!r.empty()) std::memcpy(payload.data(), r.data(), payload.size());
    } catch (const std::exception& e) {
      status = 1;
      const std::string msg = e.what();
      payload.assign(msg.begin(), msg.end());
    }
    put_u64(mine, u);
    put_u64(mine, status);
    put_u64(mine, payload.size());
    mine.insert(mine.end(), payload.begin(), payload.end());
  }
  const auto gathered = comm.allgather(mine);
  std::vector<UnitResult> results(n_units);
  std::vector<bool> seen(n_units, false);
  size_t first_error = n_units;
  std::string error_message;
  for (const auto& buf : gathered) {
    size_t at = 0;
    while (at < buf.size()) {
      const uint64_t u = get_u64(buf, at), status = get_u64(buf, at), len = get_u64(buf, at);
      if (u >= n_units || at + len > buf.size()) throw Error("MPI", "corrupt unit results");
      if (status == 0) {
        results[u].resize(len / sizeof(double));
        if (len) std::memcpy(results[u].data(), buf.data() + at, len);
      } else if (u < first_error) {
        first_error = u;
        error_message.assign(buf.begin() + at, buf.begin() + at + len);
      }
      seen[u] = true;
      at += len;
    }
  }
  if (first_error < n_units) throw Error("", error_message);
  for (size_t u = 0; u < n_units; ++u)
    if (!seen[u]) throw Error("MPI", "unit " + std::to_string(u) + " produced no result");
  return results;
}

}  // namespace dynfault::evaluate
