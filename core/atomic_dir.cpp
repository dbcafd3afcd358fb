#include "core/atomic_dir.h"

#include <filesystem>
#include <random>
#include <system_error>

#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace dynfault {
namespace fs = std::filesystem;

namespace {
std::string unique_suffix() {
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(rd());
}

// Removes the staging directory unless it was renamed into place.
struct StagingGuard {
  fs::path path;
  bool keep = false;
  ~StagingGuard() {
    std::error_code ec;
    if (!keep && !path.empty()) fs::remove_all(path, ec);
  }
};
}  // namespace

namespace {
fs::path checked_target(const std::string& dir) {
  if (dir.empty()) throw Error("--out", "no output directory given");
  fs::path target = fs::path(dir);
  if (target.filename().empty()) target = target.parent_path();  // trailing '/'
  std::error_code ec;
  if (fs::exists(target, ec) && !fs::is_directory(target, ec)) throw Error(dir, "exists and is not a directory");
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) throw Error(dir, "parent directory '" + parent.string() + "' does not exist");
  return target;
}
}  // namespace

void check_output_directory(const std::string& dir) { checked_target(dir); }

void write_directory_atomically(const std::string& dir, const std::map<std::string, std::string>& files) {
  const fs::path target = checked_target(dir);
  std::error_code ec;
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  StagingGuard staging;
  staging.path = parent / ("." + target.filename().string() + ".staging-" + unique_suffix());
  if (!fs::create_directory(staging.path, ec)) throw_write_error(dir, "cannot create a staging directory", ec.value());
  for (const auto& [relative, content] : files) {
    const fs::path p = staging.path / relative;
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw_write_error(dir, "cannot create the results", ec.value());
    try {
      write_file(p.string(), content);  // the directory as a whole is renamed into place
    } catch (const StorageError& e) {
      throw StorageError(dir + "/" + relative, "cannot write the results", e.error_number());
    }
  }
  if (fs::exists(target, ec)) {
    const fs::path old = parent / ("." + target.filename().string() + ".old-" + unique_suffix());
    fs::rename(target, old, ec);
    if (ec) throw Error(dir, "cannot move the previous directory aside: " + ec.message());
    fs::rename(staging.path, target, ec);
    if (ec) {
      std::error_code ignore;
      fs::rename(old, target, ignore);
      throw Error(dir, "cannot move the new directory into place: " + ec.message());
    }
    staging.keep = true;
    fs::remove_all(old, ec);
    return;
  }
  fs::rename(staging.path, target, ec);
  if (ec) throw Error(dir, "cannot move the directory into place: " + ec.message());
  staging.keep = true;
}

}  // namespace dynfault
