#pragma once
// This process's resource use, read the same way wherever it is reported:
// the campaign master's statistics, benchmarks and the OF probe's sys_*
// channels. Linux only (/proc, getrusage).
#include <string>

namespace dynfault {

// Resident set size now, kB (/proc/self/statm); 0 when it cannot be read.
long current_rss_kb();
// Peak resident set size so far, kB (getrusage ru_maxrss).
long peak_rss_kb();
// User + system CPU time of the process so far, seconds (getrusage).
double process_cpu_seconds();
// Seconds on CLOCK_MONOTONIC: for intervals, never for dates.
double monotonic_seconds();
// The machine's CPU model (/proc/cpuinfo "model name"), "unknown" when it cannot be read: part of
// the cost model's cache key, since timings do not carry over between CPUs.
std::string cpu_model();

}  // namespace dynfault
