#pragma once
// Analyses by name: `dynfault evaluate <name> corpus.h5 --out DIR`, and
// `evaluate all`. One file per analysis in evaluate/analyses/, named after it
// and defining DYNFAULT_ANALYSIS(<name>); the table is generated from that
// folder at configure time (evaluate/CMakeLists.txt), as mutate's operators are.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/corpus.h"
#include "core/error.h"
#include "evaluate/engine.h"
#include "evaluate/registry.h"

namespace dynfault::evaluate {

// Every option of every analysis as given on the command line; each analysis
// validates the ones it reads (Analysis::options names them).
struct AnalysisArgs {
  std::string channels = "baseline";
  std::string windows = "1,3,5,10,20,50";
  int table_window = 5;
  int folds = 5;
  int bootstrap = 1000;
  int permutations = 25;
  std::string seed = "0";       // text: parsed by core/seed.h like every --seed
  bool no_shuffle = false;
  std::string tasks;             // rq1
  std::string labels = "killed"; // rq1
  std::string thresholds = "1e6,1e3,1e4";  // rq2: the first is the instability label, the rest sensitivity
  std::string clusters = "2,3,4,5,6,7,8,9,10";  // rq2: K of the silhouette sweep
  int triage_k = 7;              // rq2: K of Table VII and Algorithm 1
  int restarts = 10;             // rq2: k-means n_init
  std::string parts;             // rq2: comma-separated parts (default: all the corpus supports)
  // rq3
  std::string gap_rule = "ge";   // rq3: ge (paper Eq. 4) or gt (the callback's acc_gap_too_big)
  bool include_terminated = false;  // runs a triage rule stopped (docs/triage.md)
  // peers
  std::string techniques;        // peers: comma-separated (default: every technique the corpus supports)
  std::string peer_classifiers = "lr,rf";  // peers: Fig. 13 classifiers
  bool rf_grid = false;          // peers: DEFault's forest by its grid search
  bool dump = false;
};

// What an analysis writes: files under --out, and under --dump.
struct AnalysisOutput {
  std::map<std::string, std::string> files, dump;
  std::string summary;  // one line for stderr
};

// The corpus cannot support an analysis (e.g. no task with all classes, no
// unstable run): an error when the analysis is requested by name, a skip with
// a note under `evaluate all`.
class CannotRun : public Error {
 public:
  using Error::Error;
};

class Analysis {
 public:
  virtual ~Analysis() = default;
  virtual std::string summary() const = 0;
  virtual std::vector<std::string> options() const = 0;  // option names it reads, e.g. "--k"
  virtual AnalysisOutput run(const CorpusReader& corpus, const AnalysisArgs& args, Engine& engine) const = 0;
};

#define DYNFAULT_ANALYSIS(name) std::unique_ptr<::dynfault::evaluate::Analysis> make_analysis_##name()

const Registry<Analysis>& analyses();

// `evaluate all`: every analysis into <name>/ (files and dump); one that cannot
// run leaves <name>/skipped.md with the reason. analyses.json lists them.
AnalysisOutput run_all_analyses(const CorpusReader& corpus, const AnalysisArgs& args, Engine& engine);

// Shared option parsing (one-line errors naming the option).
std::vector<int> parse_int_list(const std::string& text, const std::string& option);
std::vector<double> parse_double_list(const std::string& text, const std::string& option);
uint32_t parse_analysis_seed(const std::string& seed);  // numpy's RandomState range

}  // namespace dynfault::evaluate
