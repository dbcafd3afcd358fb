#pragma once
// Executors turn a RunTask into a Trace. The real one ("train", registered by the
// dynfault binary's `campaign run`, which loads the LibTorch runner) trains the
// program; "noop" and "sleep" are torch-free stand-ins so the MPI machinery,
// the journal and the fault handling can be tested and benchmarked without
// LibTorch. An executor reports problems of the program inside the trace
// (Crashed/Failed status); it throws only for internal errors.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/run_task.h"
#include "core/trace.h"
#include "triage/rule.h"

namespace dynfault::campaign {

struct ExecContext {
  int threads = 1;  // intra-op threads the executor may use
  int rank = 0;     // MPI rank running the task (diagnostics only: never affects results)
  std::shared_ptr<const triage::Rule> triage;  // campaign run --triage (docs/triage.md); null for none
};

using ExecutorFn = std::function<Trace(const RunTask&, const ExecContext&)>;

struct ExecutorInfo {
  std::string name;
  std::string help;
  ExecutorFn run;
  // Once per process before any task, so task children inherit what it loads
  // (train: the LibTorch runner library). Optional; throws dynfault::Error.
  std::function<void()> prepare;
};

// Registration, in the manner of cli/command.h: a static RegisterExecutor in the
// executor's translation unit.
void register_executor(ExecutorInfo info);
struct RegisterExecutor {
  RegisterExecutor(std::string name, std::string help, ExecutorFn run, std::function<void()> prepare = {}) {
    register_executor({std::move(name), std::move(help), std::move(run), std::move(prepare)});
  }
};
// Throws dynfault::Error listing the known executors when `name` is unknown.
const ExecutorInfo& find_executor(const std::string& name);
std::vector<std::string> executor_names();

// A trace carrying the task's identity (run_id = task id) and nothing else.
Trace trace_identity(const RunTask& task);

// Fault injection for tests of the stand-in executors, read from the environment
// of each worker (Open MPI passes the launching shell's environment to local ranks):
//   DYNFAULT_FAKE_CRASH=<s1,s2,...>  abort() in tasks whose id contains one of them
//   DYNFAULT_FAKE_HANG=<s1,...>      sleep forever in those tasks (for --task-timeout)
//   DYNFAULT_SLEEP_MS=<ms>           base duration of a "sleep" task (default 20); each
//                                    task sleeps 0.5-1.5 times it (fixed by its seed)
// The stand-ins' values are a pure function of the task (seed, mutant id), so
// resumed and uninterrupted campaigns give identical traces.

}  // namespace dynfault::campaign
