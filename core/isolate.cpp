#include "core/isolate.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <string>

#include "core/error.h"

namespace dynfault {
namespace {

void write_all(int fd, const std::string& text) {
  for (size_t off = 0; off < text.size();) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

ChildOutcome run_in_child(const std::function<std::string()>& work, unsigned seconds,
                          const std::function<void()>& prepare) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error("fork", std::string("cannot create a pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error("fork", std::string("cannot fork a child process: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(seconds);
    int code = 0;
    try {
      if (prepare) prepare();
      write_all(fds[1], work());
    } catch (const Error& e) {
      write_all(fds[1], e.what());
      code = 1;
    } catch (const std::exception& e) {
      write_all(fds[1], e.what());
      code = 2;
    }
    ::close(fds[1]);
    ::_exit(code);  // no atexit handlers, no HDF5 shutdown of the parent's state
  }
  ::close(fds[1]);
  ChildOutcome out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.text.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) out.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
    out.end = out.signal == SIGALRM ? ChildOutcome::End::TimedOut : ChildOutcome::End::Signalled;
  } else if (out.exit_status == 0) {
    out.end = ChildOutcome::End::Returned;
  } else if (out.exit_status == 1 && !out.text.empty()) {
    out.end = ChildOutcome::End::Threw;
  } else {
    out.end = ChildOutcome::End::Failed;
  }
  return out;
}

void run_isolated(const std::string& what, const std::function<void()>& read, unsigned seconds) {
  const ChildOutcome r = run_in_child(
      [&] {
        read();
        return std::string();
      },
      seconds);
  switch (r.end) {
    case ChildOutcome::End::Returned:
      return;
    case ChildOutcome::End::Threw: throw Error("", r.text);
    case ChildOutcome::End::TimedOut:
      throw Error(what, "the reader was still reading it after " + std::to_string(seconds) +
                            " s and was stopped; the file is damaged or not what it claims to be");
    case ChildOutcome::End::Signalled:
      throw Error(what, "the reader crashed on this file (signal " + std::to_string(r.signal) + ": " +
                            ::strsignal(r.signal) + "); the file is damaged or not what it claims to be");
    case ChildOutcome::End::Failed:
      if (r.exit_status == 2 && !r.text.empty())
        throw Error(what, "the reader failed on this file (internal error: " + r.text +
                              "); the file is damaged or not what it claims to be");
      throw Error(what, "the reader ended abnormally on this file (exit " + std::to_string(r.exit_status) + ")");
  }
}

}  // namespace dynfault
