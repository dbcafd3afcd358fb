#pragma once
// The corpus file: many traces plus a run index, in one HDF5 file
// (docs/trace-format.md). collect/ writes it; evaluate/ and report read it.
//   /            attrs kind="dynfault-corpus", schema_version
//   /runs/<id>   one trace group per run (core/trace_io.h layout)
//   /index/<col> one dataset per index column, one row per run, sorted by run id
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/h5.h"
#include "core/trace.h"
#include "core/trace_io.h"

namespace dynfault {

// What the kill decision says about a run. Originals carry no fault label.
struct RunVerdict {
  int killed = -1;    // 1 killed, 0 survived, -1 not decided / not a mutant
  std::string label;  // fault category of a killed mutant, else empty
};

struct RunIndexRow {
  std::string run_id, program, architecture, mutant_id, category, operator_name, parameters;
  int64_t repeat = 0;
  std::string probes, scale, status, source;
  int64_t epochs = 0;
  int64_t killed = -1;
  std::string label;
  int64_t unstable = 0;
  int64_t first_unstable_epoch = -1;
};

RunIndexRow index_row(const Trace& t, const RunVerdict& verdict);

class CorpusWriter {
 public:
  // Writes to a temporary next to `path`; nothing appears at `path` until finish().
  explicit CorpusWriter(const std::string& path);
  void add(const Trace& trace, const RunVerdict& verdict);
  size_t size() const { return rows_.size(); }
  void finish();  // writes the index and renames into place

 private:
  std::string path_;
  AtomicFile atomic_;
  std::unique_ptr<h5::File> file_;
  std::unique_ptr<h5::Group> runs_;
  std::map<std::string, RunIndexRow> rows_;  // sorted by run id
};

class CorpusReader {
 public:
  explicit CorpusReader(const std::string& path);
  const std::string& path() const { return path_; }
  const std::vector<RunIndexRow>& index() const { return index_; }
  Trace read(const std::string& run_id, TraceParts parts = TraceParts::All) const;

 private:
  std::string path_;
  std::unique_ptr<h5::File> file_;
  mutable std::unique_ptr<h5::Group> runs_;  // opened on the first read, once: analyses read every run
  std::vector<RunIndexRow> index_;
};

}  // namespace dynfault
