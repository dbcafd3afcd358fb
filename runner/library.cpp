#include "runner/library.h"

#include <dlfcn.h>

#include <mutex>

#include "core/error.h"
#include "core/plugin_path.h"
#include "core/version.h"

namespace dynfault::runner {

namespace {
constexpr const char* kLibraryName = "libdynfault_runner.so";
constexpr const char* kPathVariable = "DYNFAULT_RUNNER_LIBRARY";
}  // namespace

std::string runner_library_path() { return plugin_library_path(kPathVariable, kLibraryName, "runner"); }

const RunnerLibrary& runner_library() {
  static const RunnerLibrary* library = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string path = runner_library_path();
    const std::string hint = "; build with DYNFAULT_WITH_TORCH=ON or set " + std::string(kPathVariable);
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed: LibTorch stays for the process
    if (!handle) {
      std::string reason = ::dlerror();
      if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);  // Error names the path
      throw Error(path, "cannot load the LibTorch runner (" + reason + ")" + hint);
    }
    using Entry = const RunnerLibrary* (*)();
    const auto entry = reinterpret_cast<Entry>(::dlsym(handle, "dynfault_runner_library"));
    const RunnerLibrary* lib = entry ? entry() : nullptr;
    if (!lib) throw Error(path, "is not a dynfault runner library" + hint);
    if (std::string(lib->version) != kVersion || lib->request_size != sizeof(RunRequest) ||
        lib->trace_size != sizeof(Trace))
      throw Error(path, "is from another build (dynfault " + std::string(lib->version) + ", this binary " +
                            kVersion + "); rebuild it or set " + kPathVariable);
    library = lib;
  });
  return *library;
}

}  // namespace dynfault::runner
