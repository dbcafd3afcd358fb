#pragma once
// The HDF5 trace format (docs/trace-format.md). A trace is a group: identity and
// outcome as attributes, per-epoch channels as one [epochs x channels] matrix
// with names and units, per-layer series under layers/. The same layout is a
// whole file for `dynfault run` and one group per run inside a corpus.
#include <string>

#include "core/h5.h"
#include "core/trace.h"

namespace dynfault {

void write_trace(h5::Group& group, const Trace& trace);
Trace read_trace(const h5::Group& group);

// A single-trace file, written atomically (temporary name, then rename).
void save_trace_file(const std::string& path, const Trace& trace);
Trace load_trace_file(const std::string& path);

}  // namespace dynfault
