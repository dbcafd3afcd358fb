#pragma once
// Where a dynfault binary finds a shared library it loads on demand (the
// LibTorch runner, the OpenCV random forests): one search order for all.
//   1. $<env_variable>, when set;
//   2. the build tree: <dir of the binary>/../<build_subdir>/<file> (build/cli/dynfault);
//   3. installed: <dir of the binary>/../lib/dynfault/<file>.
// Without /proc/self/exe, the bare file name (dlopen's own search).
#include <string>

namespace dynfault {

std::string plugin_library_path(const char* env_variable, const char* file, const std::string& build_subdir);

}  // namespace dynfault
