#pragma once
// Import of published per-epoch trace CSVs (the 31-column V2 layout of
// Deep4ge's data/training_logs, collect/published_schema.h) into traces and
// corpora. docs/collect.md describes the rules; in short:
//   - the manifest (filename,so_id,fault_category,run_number,num_rows) is
//     authoritative: its category wins, and a file name, row count or file set
//     that disagrees with it is an error;
//   - CRLF and LF line endings, quoted fields, True/False and
//     tf.Tensor(False, shape=(), dtype=bool) cells, nan/inf/empty cells;
//   - rows are kept in file order, exactly as logged (the 84-row Deep4ge files
//     with interleaved epochs included); such a file is flagged in the trace's
//     parameters JSON ("epoch_order": "non-monotonic");
//   - any malformed input throws dynfault::Error naming the file, line and
//     column, and no corpus is written.
#include <cstdint>
#include <string>
#include <vector>

#include "core/corpus.h"
#include "core/program_spec.h"
#include "core/trace.h"

namespace dynfault::collect {

// One manifest line.
struct ManifestRow {
  std::string filename;  // "{so_id}_{Category}_{run:04d}.csv", no directory part
  std::string so_id;     // Stack Overflow id of the program
  std::string category;  // canonical fault category ("Hyperparameter", ...); empty for an original
  int64_t run_number = 0;
  int64_t num_rows = 0;  // data rows after the header
  int64_t line = 0;      // line of the manifest it came from (for messages)

  std::string run_id() const;  // the file stem
};

// The published name of a run: "{so_id}_{Category}_{run:04d}" (Category
// "Original" for an empty category).
std::string published_stem(const std::string& so_id, const std::string& category, int64_t run_number);

// Reads and validates a manifest: exact header, one row per file, unique
// filenames, file names consistent with so_id/category/run_number.
std::vector<ManifestRow> read_manifest(const std::string& path);

// One published CSV -> one trace (run_id = file stem, program = so_id,
// category from the manifest, repeat = run number, source = "deep4ge",
// probes = "of", channels named by published_schema.h). `zoo` (optional)
// supplies the architecture; a program absent from the zoo keeps it empty.
Trace import_published_csv(const std::string& csv_path, const ManifestRow& row, const ProgramZoo* zoo = nullptr);

// Published buggy traces are killed mutants: killed = 1, label = category.
// Originals (empty category) are not mutants: killed = -1, no label.
RunVerdict published_verdict(const Trace& trace);

// Every file of `manifest_path`, read from `dir`, in manifest order. Every
// *.csv in `dir` must be listed (the manifest itself excepted) and every
// listed file must exist.
std::vector<Trace> import_published_dir(const std::string& dir, const std::string& manifest_path,
                                        const ProgramZoo* zoo = nullptr);

// import_published_dir + a corpus at `out_corpus_path` (written atomically,
// nothing written on error). Returns the number of runs.
size_t import_csv_dir(const std::string& dir, const std::string& manifest_path, const std::string& out_corpus_path,
                      const ProgramZoo* zoo = nullptr);

}  // namespace dynfault::collect
