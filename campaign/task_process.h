#pragma once
// Runs one task attempt, either in a forked child (default) or inline.
//
// Why fork: a task that hangs or crashes (a segfault inside LibTorch, an
// abort, the OOM killer) must not take its MPI worker rank down, and a hung
// task must be stoppable at --task-timeout. The worker rank itself never
// touches LibTorch, so no torch thread pool exists when it forks; the child
// initialises LibTorch on its own, sends the serialized trace through a pipe
// and leaves with _exit() (no MPI or atexit teardown in the child). The child
// ignores SIGTERM/SIGINT/SIGUSR1 (stopping is the master's decision) and dies
// with its parent (PR_SET_PDEATHSIG), so a killed worker leaves no orphan.
#include <sys/types.h>

#include <optional>
#include <string>

#include "campaign/executor.h"
#include "campaign/serialize.h"

namespace dynfault::campaign {

class TaskProcess {
 public:
  // `timeout_seconds` <= 0: no timeout. `isolate` false runs the task inline
  // inside start() (no timeout, no crash protection: for no-op benchmarks).
  TaskProcess(const RunTask& task, const ExecutorInfo& executor, const ExecContext& context, double timeout_seconds,
              bool isolate);
  ~TaskProcess();
  TaskProcess(const TaskProcess&) = delete;
  TaskProcess& operator=(const TaskProcess&) = delete;

  // Waits up to `wait_ms` for the attempt to end. Returns the result once it has
  // (outcome Done with a trace — a Timeout trace when the deadline passed —,
  // Crashed or Stopped); std::nullopt while it is still running.
  std::optional<TaskResult> poll(int wait_ms);

  // Stops the attempt on purpose (drain, abort): SIGKILL, then the result is Stopped.
  TaskResult stop_on_purpose(const std::string& why);

  pid_t pid() const { return pid_; }

 private:
  TaskResult finish_child(int wait_status);
  TaskResult base_result() const;

  RunTask task_;
  double timeout_seconds_;
  double started_monotonic_ = 0;
  double started_unix_ = 0;
  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::string received_;
  std::optional<TaskResult> inline_result_;
};

// A Crashed trace for a task that crashed its worker process `attempts` times.
Trace crash_trace(const RunTask& task, int attempts, const std::string& last_message);

double unix_seconds();
std::string host_name();

}  // namespace dynfault::campaign
