#pragma once
// Runs a reader of untrusted bytes in a forked child, so that a crash inside
// a C library it calls (HDF5 on a malformed file) becomes a one-line
// dynfault::Error instead of a dead command (docs/reliability.md).
#include <functional>
#include <string>

namespace dynfault {

// Forks; the child runs `read` and reports how it ended. Returns normally if
// `read` returned; rethrows a dynfault::Error the child threw as an Error with
// the same message; a child killed by a signal (or exiting otherwise) throws
// Error(`what`, "... crashed reading it (signal N: name) ..."). A child still
// reading after `seconds` is killed (SIGALRM), which reads as such a crash:
// a reader looping on a hostile file must not hang the command. Call it only
// from a single-threaded process (fork keeps only the calling thread).
void run_isolated(const std::string& what, const std::function<void()>& read, unsigned seconds = 600);

}  // namespace dynfault
