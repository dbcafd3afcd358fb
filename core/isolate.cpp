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

void run_isolated(const std::string& what, const std::function<void()>& read, unsigned seconds) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(what, std::string("cannot create a pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(what, std::string("cannot fork the checking process: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(seconds);
    int code = 0;
    try {
      read();
    } catch (const Error& e) {
      write_all(fds[1], e.what());
      code = 1;
    } catch (const std::exception& e) {
      write_all(fds[1], std::string("internal error: ") + e.what());
      code = 2;
    }
    ::close(fds[1]);
    ::_exit(code);  // no atexit handlers, no HDF5 shutdown of the parent's state
  }
  ::close(fds[1]);
  std::string message;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && !message.empty()) throw Error("", message);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2 && !message.empty())
    throw Error(what, "the reader failed on this file (" + message + "); the file is damaged or not what it claims to be");
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGALRM)
      throw Error(what, "the reader was still reading it after " + std::to_string(seconds) +
                            " s and was stopped; the file is damaged or not what it claims to be");
    throw Error(what, "the reader crashed on this file (signal " + std::to_string(sig) + ": " + ::strsignal(sig) +
                          "); the file is damaged or not what it claims to be");
  }
  throw Error(what, "the reader ended abnormally on this file (exit " + std::to_string(WEXITSTATUS(status)) + ")");
}

}  // namespace dynfault
