#pragma once
// Where finished traces live until the campaign is consolidated. The master is
// the only writer. It buffers finished traces and writes each buffer as one
// batch file, <campaign>/batches/batch-NNNNNN.dfb, through a temporary name,
// fsync and an atomic rename; only then does it append the batch's done
// records to the journal (fsync). So at any instant every batch file is either
// complete or absent, and the journal names only complete files: a SIGKILL or
// power cut can lose the unflushed buffer (those tasks simply run again), never
// a journaled trace. When the campaign completes, the journaled traces are
// consolidated into <campaign>/traces.h5, a corpus (core/corpus.h).
//
// Why not append to an HDF5 file as traces arrive: an HDF5 file open for
// writing is not crash-safe (hpc.md §6), and writing the corpus layout costs
// ~0.5 ms per trace (a group and ~20 attributes), five times the dispatch
// budget of 0.1 ms per task. A batch file is a flat, checksummed sequence of
// CBOR-encoded traces (RFC 8949; doubles kept as raw little-endian bytes so
// NaN payloads survive): ~20 us per trace, portable across machines.
//
// Batch file layout (all integers little-endian):
//   "DYNFAULT-BATCH\n" (15 bytes) + u8 version (2; batch version N holds traces of schema N)
//   per trace: u64 length, then that many bytes of CBOR
//   trailer: "END!" + u64 trace count + u64 FNV-1a 64 of every byte before the trailer
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/corpus.h"
#include "core/trace.h"
#include "campaign/journal.h"

namespace dynfault::campaign {

// A trace as CBOR, and back (bit-exact: every double is stored as its 8 bytes).
std::string encode_trace(const Trace& trace);
Trace decode_trace(const std::string& bytes, const std::string& where);

// Writes a batch file atomically.
void write_batch_file(const std::string& path, const std::vector<Trace>& traces);
// Reads a batch file: run id -> trace, as written (not upgraded, so their
// checksums are the journal's); `trace_schema` gets their schema version, for
// upgrade_trace. Throws dynfault::Error naming the file when it is truncated,
// corrupt (checksum) or not a batch file.
std::map<std::string, Trace> read_batch_file(const std::string& path, int64_t* trace_schema = nullptr);
// The trace schema of a batch file from its header alone (no checksum check).
int64_t batch_trace_schema(const std::string& path);

class BatchStore {
 public:
  // Removes what a killed master may have left: temporaries and batch files no
  // journal record names (written but not journaled: their tasks will rerun).
  BatchStore(const std::string& campaign_dir, const JournalContents& journal);
  // Writes the traces as the next batch file; returns its name (relative to batches/).
  std::string write(const std::vector<Trace>& traces);
  size_t removed_orphans() const { return removed_; }

 private:
  std::string dir_;
  int64_t next_ = 1;
  size_t removed_ = 0;
};

// Every journaled trace of a campaign directory, validated: each done record's
// batch file must exist and hold the task's trace, and the trace's checksum
// must equal the journal's; traces of an older schema are then upgraded
// (core/trace.h upgrade_trace). The verdict comes from the journal (mutant runs
// with a decided kill test; originals and undecided mutants get killed = -1).
// Throws dynfault::Error naming the campaign, batch and task on any mismatch.
using TraceVisitor = std::function<void(const Trace& trace, const RunVerdict& verdict)>;
void for_each_journaled_trace(const std::string& campaign_dir, const TraceVisitor& visit);

struct ExportSummary {
  size_t runs = 0, mutant_runs = 0, killed_runs = 0, crashed_runs = 0, terminated_runs = 0;
  size_t total_tasks = 0;  // tasks known to the campaign (plan + searches)
};

// Writes the campaign's traces as one corpus file (atomic). Refuses an
// unfinished campaign unless `allow_incomplete`. `dynfault collect` merges
// several campaign directories (shards) the same way: see docs/campaign.md.
ExportSummary export_corpus(const std::string& campaign_dir, const std::string& out_path, bool allow_incomplete);

}  // namespace dynfault::campaign
