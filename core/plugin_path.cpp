#include "core/plugin_path.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace dynfault {

std::string plugin_library_path(const char* env_variable, const char* file, const std::string& build_subdir) {
  namespace fs = std::filesystem;
  if (const char* path = std::getenv(env_variable); path && *path) return path;
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return file;
  const fs::path bin = fs::path(std::string(exe, static_cast<size_t>(n))).parent_path();
  const fs::path build_tree = bin.parent_path() / build_subdir / file;
  if (fs::exists(build_tree)) return build_tree.string();
  return (bin.parent_path() / "lib" / "dynfault" / file).string();
}

}  // namespace dynfault
