#pragma once
// The exit statuses of every dynfault command, in one place (docs/reliability.md).
namespace dynfault {

constexpr int kExitOk = 0;
// Bad input: a file or option value is invalid. One line on stderr names it;
// nothing is written.
constexpr int kExitBadInput = 1;
// A bug: an exception that is not a dynfault::Error.
constexpr int kExitInternal = 2;
// `dynfault run`: the trace is written, but the program crashed or failed.
constexpr int kExitRunFailed = 3;
// A command line that does not parse (unknown option, missing value or
// argument, a value of the wrong type): BSD sysexits EX_USAGE. One line names
// the option.
constexpr int kExitUsage = 64;
// "Resume me": the command stopped before the end on purpose (drain) or
// because a write failed for want of space or by an I/O error (ENOSPC,
// EDQUOT, EIO). Nothing journaled is lost; run the same command again once
// the cause is gone. BSD sysexits EX_TEMPFAIL.
constexpr int kExitResumeMe = 75;

}  // namespace dynfault
