#pragma once
// Running another program (sbatch, squeue, node): the one process launcher of
// the stages that call out. posix_spawnp, no shell, so arguments need no quoting.
#include <string>
#include <vector>

namespace dynfault {

// Runs argv (PATH lookup), returns its exit status (128 + signal if killed, or
// -1 if it could not be started) and its standard output. Standard error passes
// through, or goes to the file `stderr_path` when one is given.
int run_capturing(const std::vector<std::string>& argv, std::string& out, const std::string& stderr_path = "");

}  // namespace dynfault
