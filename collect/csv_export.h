#pragma once
// Export of a corpus to the published 31-column per-epoch CSV layout, one file
// per run plus a manifest, laid out like the Deep4ge sample:
//   OUT/manifest.csv   filename,so_id,fault_category,run_number,num_rows
//   OUT/traces/{so_id}_{Category}_{run:04d}.csv
// Columns come from the channels named in collect/published_schema.h; a column
// the run lacks is written as nan (the epoch column falls back to the row
// index). Cells are printed as Python prints them, so a Deep4ge file that was
// imported is written back byte for byte (apart from CRLF -> LF).
#include <string>
#include <vector>

#include "collect/csv_import.h"
#include "core/corpus.h"
#include "core/trace.h"

namespace dynfault::collect {

// The CSV text of one trace: header + one line per epoch, LF line endings.
std::string published_csv_text(const Trace& trace);

// Which file each run of an index goes to. A run whose id already has the
// published form {program}_{Category}_{NNNN} keeps it; the others are
// numbered 1, 2, ... within their (program, category) in run-id order,
// skipping numbers already taken. Originals use the category "Original".
struct ExportEntry {
  std::string run_id;
  ManifestRow row;  // filename, so_id, category, run_number, num_rows (= epochs)
};
std::vector<ExportEntry> plan_export(const std::vector<RunIndexRow>& index, const std::string& where = "");

// Writes OUT as above. OUT must not exist (or be an empty directory); it is
// staged in a temporary sibling and renamed into place, so on error nothing
// appears at OUT. Returns the number of files written.
size_t export_csv_dir(const std::string& corpus_path, const std::string& out_dir);

}  // namespace dynfault::collect
