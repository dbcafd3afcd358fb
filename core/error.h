#pragma once
// The one error type users see. Its message is a single line "<where>: <problem>";
// the CLI prints it and exits non-zero, so every throw site names the file or
// object at fault.
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dynfault {

class Error : public std::runtime_error {
 public:
  Error(const std::string& where, const std::string& problem)
      : std::runtime_error(where.empty() ? problem : where + ": " + problem) {}
};

// A write that failed for want of space or by the storage (ENOSPC, EDQUOT,
// EIO): not bad input, and not lasting. The CLI exits 75 ("resume me",
// core/exit_status.h): run the same command again once the cause is gone.
class StorageError : public Error {
 public:
  StorageError(const std::string& where, const std::string& problem, int error_number)
      : Error(where, problem + ": " + std::strerror(error_number)), error_number_(error_number) {}
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

// Is `error_number` one of the storage errors a resume can cure?
inline bool is_storage_errno(int error_number) {
  return error_number == ENOSPC || error_number == EDQUOT || error_number == EIO;
}

// A failed write of `where`: StorageError for ENOSPC, EDQUOT and EIO, else
// Error; both carry strerror(error_number).
[[noreturn]] inline void throw_write_error(const std::string& where, const std::string& problem, int error_number) {
  if (is_storage_errno(error_number)) throw StorageError(where, problem, error_number);
  throw Error(where, problem + ": " + std::strerror(error_number));
}

}  // namespace dynfault
