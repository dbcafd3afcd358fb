#pragma once
// Boost.Serialization for the types the campaign sends over MPI (RunTask out,
// Trace back). Binary archives copy doubles byte for byte, so NaN payloads and
// signed zeros survive. Kept out of core headers: only campaign code pays for
// Boost. Archives are for one homogeneous MPI job, not for storage.
#include <string>

#include "core/run_task.h"
#include "core/trace.h"

namespace dynfault::campaign {

std::string serialize_task(const RunTask& task);
RunTask deserialize_task(const std::string& bytes);

std::string serialize_trace(const Trace& trace);
Trace deserialize_trace(const std::string& bytes);

// What a worker reports for one task attempt.
enum class Outcome {
  Done,     // the executor returned a trace (any RunStatus, including Timeout)
  Crashed,  // the process running the task died or threw: counts towards --retries
  Stopped,  // stopped on purpose (drain, abort, SIGTERM from outside): not a crash
};
std::string to_string(Outcome o);

struct TaskResult {
  int64_t task_index = -1;  // index in the master's task table
  Outcome outcome = Outcome::Done;
  std::string message;      // why it crashed or stopped
  Trace trace;              // valid when outcome == Done
  uint64_t checksum = 0;    // trace_checksum(trace) as computed by the worker
  std::string host;
  int rank = 0;
  double start_unix = 0;    // wall clock at task start (for status.jsonl only)
  double seconds = 0;       // elapsed wall time of the attempt
};

std::string serialize_result(const TaskResult& result);
TaskResult deserialize_result(const std::string& bytes);

}  // namespace dynfault::campaign
