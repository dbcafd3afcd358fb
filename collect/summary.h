#pragma once
// `dynfault collect --summary`: the composition of a corpus, as in the seed
// paper's Table II (trace files, non-empty runs, crashes before the first
// epoch, programs, runs per probe set, unstable runs, runs and programs per
// fault category), computed from the corpus index.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/corpus.h"

namespace dynfault::collect {

struct CategoryComposition {
  std::string category;  // canonical fault category, or "Original" for original programs
  size_t runs = 0;
  size_t programs = 0;  // distinct programs with at least one run of this category
  size_t killed = 0;    // runs whose verdict is killed = 1
};

struct CorpusSummary {
  size_t trace_files = 0;           // runs stored in the corpus (one trace each)
  size_t non_empty_runs = 0;        // runs with at least one epoch
  size_t crashed_before_epoch = 0;  // runs with zero epochs (trace_files - non_empty_runs)
  size_t programs = 0;              // distinct programs over all runs
  size_t unstable_runs = 0;         // loss above 1e6 or non-finite at some epoch
  std::map<std::string, size_t> runs_per_probe_set;  // "cf,of", "cf", "of", "none"
  std::map<std::string, size_t> runs_per_status;     // ok, crashed, failed, timeout
  std::map<std::string, size_t> runs_per_source;     // dynfault, deep4ge, ...
  // Original first, then the seven categories in core order (zeros kept so
  // tables of different corpora line up), then any other label found.
  std::vector<CategoryComposition> categories;
};

CorpusSummary summarize(const std::vector<RunIndexRow>& index);
CorpusSummary summarize_corpus(const std::string& corpus_path);

std::string summary_table(const CorpusSummary& summary);  // human-readable, one fact per line
std::string summary_json(const CorpusSummary& summary);   // machine-readable, stable key order

}  // namespace dynfault::collect
