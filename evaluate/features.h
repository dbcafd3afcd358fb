#pragma once
// The evaluated runs and their window features (paper III-C).
//
// A run is evaluated when it carries a fault label (a killed mutant) and
// logged at least one epoch; a labelled run without a program id is an error
// (program-held-out splits need it). For each channel and window k the
// features over the first min(k, epochs) logged epochs (row order) are
//   <channel>_mean_k<k>   the window mean
//   <channel>_slope_k<k>  the OLS slope over epoch positions 0..m-1 (k > 1 only;
//                         NaN for a one-epoch run: imputed later)
// Runs shorter than k use the epochs they have. Any NaN in the window makes the
// feature NaN (imputed from the training split); infinities survive to the
// +-1e12 clip, which is applied here.
#include <map>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/corpus.h"

namespace dynfault::evaluate {

struct EvaluatedRun {
  std::string run_id, program, label;
  size_t epochs = 0;
};

struct RunTable {
  std::string corpus;
  std::vector<EvaluatedRun> runs;        // corpus index order (sorted by run id)
  std::vector<std::string> channels;     // loaded channels, in request order
  std::vector<Eigen::MatrixXd> series;   // per run: epochs x channels (NaN where the run lacks one)
  std::vector<std::vector<bool>> has_channel;  // per run, per channel: its trace logs the channel
  std::vector<std::vector<LayerSeries>> layer_series;  // per run, as logged (e.g. the CF probe's hvp_norm)
  std::vector<std::map<std::string, double>> at_init;  // per run: probe values before the first update
  std::vector<std::string> all_channels; // union of channel names over evaluated runs, sorted
  size_t skipped_unlabelled = 0;         // originals / survivors / undecided
  size_t skipped_empty = 0;              // labelled runs with zero epochs (crashed)
  size_t skipped_terminated = 0;         // runs a triage rule stopped (docs/triage.md), unless included
  size_t max_epochs() const;
};

// Which runs carry a fault label.
//   Killed   - the paper's protocol: mutants the kill rule killed, labelled with their category
//   Category - every mutant run, labelled with its operator's category whether killed or not
//              (for small campaigns whose few repeats kill little; not the paper's protocol)
//   Every    - every run with a logged epoch, originals included (RQ2's instability); the label
//              is the category of a mutant, empty for an original
enum class LabelSource { Killed, Category, Every };
LabelSource parse_label_source(const std::string& text);

// Reads the selected runs of a corpus with every channel.
// Throws dynfault::Error for an empty corpus, no selected run, or a missing program id.
// Runs a triage rule stopped (status "terminated") hold only the epochs before
// the stop: left out unless `include_terminated` (--include-terminated).
RunTable load_runs(const CorpusReader& corpus, LabelSource source = LabelSource::Killed,
                   bool include_terminated = false);

struct FeatureMatrix {
  std::vector<std::string> names;
  Eigen::MatrixXd values;  // runs x features, clipped to +-1e12
};

FeatureMatrix window_features(const RunTable& table, int k, const std::vector<std::string>& channels);

}  // namespace dynfault::evaluate
