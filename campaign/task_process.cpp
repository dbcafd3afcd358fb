#include "campaign/task_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "core/error.h"
#include "core/process_stats.h"

namespace dynfault::campaign {
namespace {

// Child -> parent frame: one byte kind, then the payload until EOF.
constexpr char kTraceFrame = 'T';
constexpr char kErrorFrame = 'E';

void write_fully(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // parent gone: nothing to report to
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

[[noreturn]] void run_child(int write_fd, pid_t parent, const RunTask& task, const ExecutorInfo& executor,
                            const ExecContext& context) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(3);  // the parent died before prctl took effect
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP}) ::signal(sig, SIG_IGN);
  std::string frame;
  try {
    const Trace trace = executor.run(task, context);
    frame = kTraceFrame + serialize_trace(trace);
  } catch (const std::exception& e) {
    frame = std::string(1, kErrorFrame) + "executor threw: " + e.what();
  } catch (...) {
    frame = std::string(1, kErrorFrame) + "executor threw a non-standard exception";
  }
  write_fully(write_fd, frame.data(), frame.size());
  ::close(write_fd);
  ::_exit(0);
}

std::string describe_signal(int sig) {
  const char* name = ::strsignal(sig);
  return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
}

// Signals that mean "someone stopped this on purpose" rather than "it crashed".
bool is_stop_signal(int sig) { return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGUSR1; }

}  // namespace

double unix_seconds() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::string host_name() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

Trace crash_trace(const RunTask& task, int attempts, const std::string& last_message) {
  Trace t = trace_identity(task);
  t.status = RunStatus::Crashed;
  t.error = "the task crashed its worker process " + std::to_string(attempts) + " time" +
            (attempts == 1 ? "" : "s") + "; last: " + last_message;
  return t;
}

TaskResult TaskProcess::base_result() const {
  TaskResult r;
  r.start_unix = started_unix_;
  r.seconds = monotonic_seconds() - started_monotonic_;
  return r;
}

TaskProcess::TaskProcess(const RunTask& task, const ExecutorInfo& executor, const ExecContext& context,
                         double timeout_seconds, bool isolate)
    : task_(task), timeout_seconds_(timeout_seconds) {
  started_monotonic_ = monotonic_seconds();
  started_unix_ = unix_seconds();
  if (!isolate) {
    TaskResult r;
    try {
      r.trace = executor.run(task, context);
      r.outcome = Outcome::Done;
    } catch (const std::exception& e) {
      r.outcome = Outcome::Crashed;
      r.message = std::string("executor threw: ") + e.what();
    }
    const TaskResult timing = base_result();
    r.start_unix = timing.start_unix;
    r.seconds = timing.seconds;
    inline_result_ = std::move(r);
    return;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(task.run_id, std::string("pipe failed: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(task.run_id, std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    ::close(fds[0]);
    run_child(fds[1], parent, task, executor, context);
  }
  ::close(fds[1]);
  read_fd_ = fds[0];
  ::fcntl(read_fd_, F_SETFL, ::fcntl(read_fd_, F_GETFL) | O_NONBLOCK);
}

TaskProcess::~TaskProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (read_fd_ >= 0) ::close(read_fd_);
}

std::optional<TaskResult> TaskProcess::poll(int wait_ms) {
  if (inline_result_) {
    auto r = std::move(*inline_result_);
    inline_result_.reset();
    return r;
  }
  if (pid_ <= 0) return std::nullopt;
  // Never wait past the deadline.
  if (timeout_seconds_ > 0) {
    const double left_ms = (started_monotonic_ + timeout_seconds_ - monotonic_seconds()) * 1000.0;
    if (left_ms < wait_ms) wait_ms = left_ms < 0 ? 0 : static_cast<int>(left_ms) + 1;
  }
  pollfd p{read_fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, wait_ms);
  if (ready > 0) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(read_fd_, buf, sizeof buf);
      if (n > 0) {
        received_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {  // EOF: the child closed its end (exited or is exiting)
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return finish_child(status);
      }
      if (errno == EINTR) continue;
      break;  // EAGAIN: more later
    }
  }
  if (timeout_seconds_ > 0 && monotonic_seconds() - started_monotonic_ >= timeout_seconds_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    TaskResult r = base_result();
    r.outcome = Outcome::Done;
    r.trace = trace_identity(task_);
    r.trace.status = RunStatus::Timeout;
    r.trace.error = "stopped after exceeding the task timeout of " + std::to_string(timeout_seconds_) + " s";
    r.trace.wall_seconds = r.seconds;
    return r;
  }
  return std::nullopt;
}

TaskResult TaskProcess::stop_on_purpose(const std::string& why) {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  TaskResult r = base_result();
  r.outcome = Outcome::Stopped;
  r.message = why;
  return r;
}

TaskResult TaskProcess::finish_child(int status) {
  TaskResult r = base_result();
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    r.outcome = is_stop_signal(sig) ? Outcome::Stopped : Outcome::Crashed;
    r.message = describe_signal(sig);
    return r;
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 0 && !received_.empty() && received_[0] == kTraceFrame) {
    try {
      r.trace = deserialize_trace(received_.substr(1));
      r.outcome = Outcome::Done;
      return r;
    } catch (const std::exception& e) {
      r.outcome = Outcome::Crashed;
      r.message = std::string("undecodable result from the task process: ") + e.what();
      return r;
    }
  }
  r.outcome = Outcome::Crashed;
  if (!received_.empty() && received_[0] == kErrorFrame) r.message = received_.substr(1);
  else r.message = "the task process exited with status " + std::to_string(code) + " without a result";
  return r;
}

}  // namespace dynfault::campaign
