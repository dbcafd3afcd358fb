#include "campaign/progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/process_stats.h"

namespace dynfault::campaign {

StatusStream::StatusStream(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path, std::string("cannot open the status stream: ") + std::strerror(errno));
}

StatusStream::~StatusStream() {
  if (fd_ >= 0) ::close(fd_);
}

void StatusStream::record(const std::string& task_id, int rank, const std::string& host, double start_unix,
                          double seconds, const std::string& status, int attempt) {
  const nlohmann::json j = {{"id", task_id}, {"rank", rank},       {"host", host},      {"start", start_unix},
                            {"seconds", seconds}, {"status", status}, {"attempt", attempt}};
  // One write() per line with O_APPEND: a reader never sees two records interleaved.
  const std::string line = j.dump() + "\n";
  if (::write(fd_, line.data(), line.size()) < 0) {
    // Monitoring only: a full disk shows up in the journal's fsync soon enough.
  }
}

ProgressLine::ProgressLine(bool enabled, double interval_seconds)
    : enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1), interval_(interval_seconds) {
  started_ = monotonic_seconds();
}

std::string ProgressLine::format(const ProgressCounts& c) const {
  const double elapsed = monotonic_seconds() - started_;
  const double rate = elapsed > 0 ? static_cast<double>(c.done_this_session) / elapsed : 0;  // tasks/s
  char eta[64] = "?";
  if (rate > 0 && c.total >= c.done) {
    const double s = static_cast<double>(c.total - c.done) / rate;
    const long secs = std::lround(s);
    std::snprintf(eta, sizeof eta, "%ldh%02ldm%02lds", secs / 3600, (secs / 60) % 60, secs % 60);
  }
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "campaign: %zu/%zu done (%.1f%%), %zu running, %zu crashed, %zu killed of %zu decided mutants, %.2f tasks/min, "
                "ETA %s",
                c.done, c.total, c.total ? 100.0 * static_cast<double>(c.done) / static_cast<double>(c.total) : 100.0,
                c.running, c.crashed, c.killed, c.decided, rate * 60.0, eta);
  return buf;
}

void ProgressLine::update(const ProgressCounts& c, bool force) {
  if (!enabled_) return;
  const double now = monotonic_seconds();
  if (!force && now - last_ < interval_) return;
  last_ = now;
  const std::string line = format(c);
  if (tty_) std::fprintf(stderr, "\r\033[K%s", line.c_str());
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void ProgressLine::finish(const ProgressCounts& c) {
  if (!enabled_) return;
  update(c, true);
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace dynfault::campaign
