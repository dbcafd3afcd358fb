#pragma once
// Work in a forked child, so that a crash inside a C library it calls (HDF5 on
// a malformed file), a run that exhausts memory or one that never ends becomes
// an error the parent reports instead of a dead command (docs/reliability.md).
// Call these only from a single-threaded process (fork keeps only the calling
// thread).
#include <functional>
#include <string>

namespace dynfault {

// How a child's work ended.
struct ChildOutcome {
  enum class End {
    Returned,   // `text` is what the work returned
    Threw,      // a dynfault::Error: `text` is its message
    Failed,     // another exception (exit_status 2, `text` its message) or another exit status
    Signalled,  // killed by `signal` (a crash, or the kernel's out-of-memory killer)
    TimedOut,   // still running after its `seconds` (SIGALRM)
  };
  End end = End::Returned;
  int signal = 0;        // Signalled, TimedOut
  int exit_status = -1;  // the child's exit status when it exited
  std::string text;
};

// Forks; the child sets `prepare` up (e.g. resource limits; may be empty), runs `work` with an alarm
// of `seconds`, sends its result back on a pipe and exits without atexit handlers.
ChildOutcome run_in_child(const std::function<std::string()>& work, unsigned seconds,
                          const std::function<void()>& prepare = {});

// run_in_child for a reader of untrusted bytes: returns normally if `read` returned; rethrows a
// dynfault::Error the child threw as an Error with the same message; a child killed by a signal, one
// still reading after `seconds`, or one that ended otherwise throws Error(`what`, "... the file is
// damaged or not what it claims to be"): a reader looping on a hostile file must not hang the command.
void run_isolated(const std::string& what, const std::function<void()>& read, unsigned seconds = 600);

}  // namespace dynfault
