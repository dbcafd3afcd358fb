#pragma once
// The peer techniques' feature sets, one row per run, over the first
// min(k, epochs) logged epochs (docs/peers.md):
//   default  DEFault's 20 detector features (d_DEFault/A_Detection, DEFault-tool
//            config.py): the per-run mean of each column over the window (its
//            first-level table is a per-column mean over epochs)
//   deepfd   DeepFD's intended 18 monitors x 8 statistics (pandas mean, std,
//            skew, median, var, sem, max, min; ddof = 1, bias-corrected skew)
//            + the last window epoch's val_loss, val_accuracy, loss, accuracy = 148,
//            monitors computed per epoch (one check per epoch)
// A column whose inputs some run lacks is dropped and listed as not computable.
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "evaluate/features.h"

namespace dynfault::evaluate {

struct PeerFeatures {
  std::string technique;
  std::vector<std::string> names;
  Eigen::MatrixXd values;  // runs x names, clipped to +-1e12 (NaN: imputed per split)
  // Inputs absent from some run: what they feed, e.g. "died_relu (grad_zero_share)".
  std::vector<std::string> not_computable;
  std::vector<std::string> required_missing;  // the technique's own core inputs absent: it cannot run
};

PeerFeatures default_features(const RunTable& table, int k);
PeerFeatures deepfd_features(const RunTable& table, int k);

// The 18 DeepFD monitor names in monitor_features.csv order, and the 8 statistics.
const std::vector<std::string>& deepfd_monitor_names();
const std::vector<std::string>& deepfd_statistics();

// pandas' agg statistics of one column (NaN skipped, as pandas does).
std::vector<double> pandas_statistics(const std::vector<double>& column);

}  // namespace dynfault::evaluate
