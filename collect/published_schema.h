#pragma once
// The published 31-column per-epoch layout (V2 EnhancedLoggingCallback, as in
// Deep4ge's data/training_logs; docs/trace-format.md) and
// the dynfault channel behind each column. This table is the single place
// where published names meet dynfault channel names: import and export both
// use it.
#include <string>
#include <vector>

namespace dynfault::collect {

// How a column's cells are written in the published files.
enum class CellFormat {
  Integer,     // "0", "17": counts, 0/1 flags and the epoch index
  PythonBool,  // "True" / "False" (saturated_activation)
  Real,        // Python float repr: shortest round trip, "1.0", "1e-05", "nan"
};

struct PublishedColumn {
  const char* name;     // CSV header name
  const char* channel;  // dynfault channel name (sys_* for the hardware columns)
  const char* unit;     // "1", "count", "flag", "%" or "MB"
  CellFormat format;
  bool is_flag;         // 0/1 column: True/False and tf.Tensor(bool) cells are accepted on import
  // Export only: the channel a dynfault-trained trace logs for this column when
  // it lacks `channel` (docs/trace-format.md, mapping table), or, with
  // zero_for_dynfault, 0 for runs of source "dynfault" (no GPU).
  const char* dynfault_channel = nullptr;
  bool zero_for_dynfault = false;
};

// The 31 columns in file order.
const std::vector<PublishedColumn>& published_columns();

// The exact header line (without line ending).
const std::string& published_header();

// Column of a dynfault channel name, or -1.
int published_column_of_channel(const std::string& channel);

}  // namespace dynfault::collect
