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

// What read_trace reads. Series: only the schema version and what analyses use (channel names
// and values, at_init, layer series, upgraded as All would be); the identity and outcome
// attributes, which a corpus index already holds, and the units are left empty.
enum class TraceParts { All, Series };
Trace read_trace(const h5::Group& group, TraceParts parts = TraceParts::All);

// A single-trace file, written atomically (temporary name, then rename).
void save_trace_file(const std::string& path, const Trace& trace);
Trace load_trace_file(const std::string& path);

}  // namespace dynfault
