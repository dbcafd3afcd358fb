#pragma once
// Merging corpus files (core/corpus.h) into one corpus: `dynfault collect
// SHARD... --out corpus.h5`. Every input is validated completely before
// anything is written; any problem throws dynfault::Error naming the file and
// the run, and the output path is left untouched.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dynfault::collect {

// A group of corpus files that belong together, e.g. the shards of one
// campaign, optionally with the checksums its journal recorded.
struct MergeSource {
  std::vector<std::string> corpus_files;
  // run_id -> trace_checksum (core/trace.h) of every run these files must
  // hold. When set, a run missing from the files, a run the map does not list
  // and a run whose checksum differs are all errors.
  std::optional<std::map<std::string, uint64_t>> expected_checksums;
  std::string origin;  // names the source in messages (e.g. the campaign directory); default: the files
};

struct MergeReport {
  size_t files = 0;       // corpus files read
  size_t runs_read = 0;   // runs over all files
  size_t runs_written = 0;
  size_t duplicates = 0;  // identical copies of a run id dropped
};

// Checks one corpus file completely: an HDF5 corpus (kind, schema), every
// index column of the same length, /runs and the index holding the same run
// ids, every trace readable and agreeing with its index row. Returns
// run_id -> trace_checksum.
std::map<std::string, uint64_t> validate_corpus(const std::string& path);

// A corpus from outside (docs/reliability.md): the HDF5 signature and
// superblock checked first, then validate_corpus run in a child process
// (core/isolate.h), so a crash inside libhdf5 on a hostile file is a one-line
// error naming it. `dynfault collect` runs it on every corpus file it is given
// directly (not on a campaign's own traces.h5) before reading it. A child
// still reading after 60 s + 1 s per MB ($DYNFAULT_UNTRUSTED_SECONDS) is
// stopped: a hostile file that makes libhdf5 loop is an error too.
// `what` says how much the command will read: Index for commands that read
// only the run index (collect --summary: the child reads just that, so the
// check costs milliseconds, not a pass over every trace), Everything otherwise.
enum class UntrustedRead { Index, Everything };
void check_untrusted_corpus(const std::string& path, UntrustedRead what = UntrustedRead::Everything);

// Merges into `out_path` (written atomically). A run id present in several
// files is kept once if the copies are equal (Trace::operator==, so sys_*
// channels may differ; the copy from the file whose path sorts first is kept)
// with the same verdict, and is an error otherwise. Verdicts are preserved.
MergeReport merge_corpora(const std::vector<MergeSource>& sources, const std::string& out_path);
MergeReport merge_corpora(const std::vector<std::string>& corpus_files, const std::string& out_path);

// Campaign directories: collect cannot depend on the campaign stage, so the
// campaign registers how a directory becomes a MergeSource (its shard corpus
// files and journal checksums). expand_merge_inputs turns each command-line
// path into a source: a file is a one-file source without checksums, a
// directory goes through the registered reader (an error if none is).
using CampaignDirectoryReader = std::function<MergeSource(const std::string& dir)>;
void register_campaign_directory_reader(CampaignDirectoryReader reader);
std::vector<MergeSource> expand_merge_inputs(const std::vector<std::string>& paths);

}  // namespace dynfault::collect
