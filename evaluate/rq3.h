#pragma once
// RQ3: do richer probe channels (CF, OF) help detect a train/validation
// mismatch on unseen programs? (docs/rq3.md)
//
// Label (labels.h, paper III-B3): a stable run (no loss above the instability
// threshold nor non-finite) whose trace logs both accuracies is positive when
// |train_acc - val_acc| >= 0.1 (--gap-rule ge, paper Eq. 4, the default) or
// > 0.1 (gt, the published callback's acc_gap_too_big) at some epoch of the
// first k. Unstable runs and runs without accuracy are left out and counted.
//
// A run carries a probe when its trace logs a channel of that probe's set
// (channel_sets.h) beyond the baseline. Populations (of labelled runs):
//   cf_all / of_all        every run carrying the CF / OF probe (Table IX)
//   cf_overlap/of_overlap  the same, restricted to the programs with runs under
//                          both probes (Table VIII, case program_overlap: the
//                          paper's control for per-program probe-split corpora)
//   both                   the runs carrying both probes (Table VIII, case exact:
//                          the same runs with baseline, +CF and +OF; a control
//                          the paper's corpus could not support)
// With one probe only, Table VIII is that probe's runs without a control
// (case single_probe). Every comparison: LogisticRegression out of fold under
// StratifiedKFold (within) and GroupKFold by program (held-out), ROC-AUC with
// cluster-bootstrap CIs over programs and the paired gap within - held-out.
// Parts: Table VIII and IX at --table-k, Fig. 10 (every k of --k on Table IX's
// populations), Fig. 11 (the +OF model's coefficients in every within fold of
// of_all at --table-k) and Fig. 12 (feature-group ablation of the OF set on
// of_all at --table-k; groups in channel_sets.h).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/corpus.h"
#include "evaluate/engine.h"
#include "evaluate/labels.h"
#include "evaluate/report.h"

namespace dynfault::evaluate {

struct Rq3Options {
  std::vector<int> windows = {1, 3, 5, 10, 20, 50};
  int table_window = 5;
  int folds = 5;
  int bootstrap = 1000;
  uint32_t seed = 0;
  bool shuffle_within = true;
  double instability_threshold = 1e6;  // RQ2's label (the first of --thresholds)
  double gap = 0.1;
  GapRule gap_rule = GapRule::AtLeast;
  double level_percent = 95;
  bool include_terminated = false;  // evaluate runs a triage rule stopped (load_runs)
  bool dump = false;
};

struct Rq3Population {
  std::string name, description;
  size_t runs = 0, programs = 0;
  std::string same_runs_as;  // another population with exactly these runs ("" if none)
};

// One comparison: a population, a feature set, a window.
struct Rq3Row {
  std::string population, features;
  int k = 0;
  size_t runs = 0, programs = 0, positives = 0, feature_count = 0;
  double prevalence = 0;
  Cell within, heldout, gap;  // ROC-AUC; NaN when not evaluable (note)
  std::string note;
};

struct Rq3AblationRow {
  std::string row;      // "full", "without_<group>", "baseline_only"
  std::string removed;  // group name ("" for full; "all OF groups" for baseline_only)
  std::vector<std::string> removed_channels;
  Rq3Row result;
};

struct Rq3Coefficients {
  std::string population;
  int k = 0;
  std::vector<std::string> features, groups;  // groups: baseline, activation, ..., or "other"
  std::vector<std::vector<double>> by_fold;   // fold -> feature (NaN: column dropped by the imputer)
  struct Spread {
    double mean, std, min, max;  // over the folds where defined; std with ddof = 0
    int positive, negative;      // folds with coefficient > 0 / < 0
    bool sign_flip;              // both signs occur
  };
  std::vector<Spread> spread;
};

struct Rq3Results {
  Rq3Options options;
  std::string corpus;
  size_t runs = 0, programs = 0, skipped_empty = 0, skipped_terminated = 0;
  size_t excluded_unstable = 0, excluded_no_accuracy = 0, labelled = 0;
  size_t runs_cf = 0, runs_of = 0, runs_both = 0;  // labelled runs carrying each probe
  std::string control;  // program_overlap, exact, single_probe
  std::string control_description;
  std::vector<std::string> overlap_programs;  // program_overlap only
  std::vector<std::string> cf_channels, of_channels;
  std::vector<std::string> ungrouped_of_channels;  // OF-set channels in no ablation group
  std::vector<Rq3Population> populations;
  std::vector<Rq3Row> table8, table9, fig10;
  std::string table9_note;
  Rq3Coefficients fig11;
  std::vector<Rq3AblationRow> fig12;
  std::map<std::string, std::string> notes;  // part -> why it is partial or skipped
  int bootstrap_redraws = 0;
  int ranks = 1;
};

struct Rq3Output {
  Rq3Results results;
  std::map<std::string, std::string> dump;
};

Rq3Output run_rq3(const CorpusReader& corpus, const Rq3Options& options, Engine& engine);
std::map<std::string, std::string> render_rq3(const Rq3Results& results);

}  // namespace dynfault::evaluate
