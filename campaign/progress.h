#pragma once
// Progress reporting of the master: a live line on stderr (rewritten in place
// on a terminal, one line per interval otherwise) and <campaign>/status.jsonl,
// one JSON record per finished task attempt:
//   {"id","rank","host","start","seconds","status","attempt"}
// status is the trace's status (ok/crashed/failed/timeout) for a finished
// task, "worker-crash" for a crashed attempt that will be retried, "stopped"
// for an attempt stopped on purpose. The stream is for monitoring; the journal
// is the source of truth.
#include <cstdio>
#include <string>

namespace dynfault::campaign {

class StatusStream {
 public:
  explicit StatusStream(const std::string& path);
  ~StatusStream();
  void record(const std::string& task_id, int rank, const std::string& host, double start_unix, double seconds,
              const std::string& status, int attempt);

 private:
  std::string path_;
  int fd_ = -1;
};

struct ProgressCounts {
  size_t done = 0, total = 0, crashed = 0, killed = 0, decided = 0, running = 0;
  size_t done_this_session = 0;
};

class ProgressLine {
 public:
  ProgressLine(bool enabled, double interval_seconds);
  // Prints when the interval has passed (or `force`).
  void update(const ProgressCounts& c, bool force = false);
  void finish(const ProgressCounts& c);

 private:
  std::string format(const ProgressCounts& c) const;
  bool enabled_;
  bool tty_;
  double interval_;
  double started_;
  double last_ = -1e9;
};

}  // namespace dynfault::campaign
