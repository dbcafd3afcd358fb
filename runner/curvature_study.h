#pragma once
// How the CF estimator's error depends on its two settings, the number of
// Rademacher vectors K (--hvp-vectors) and the probe batch P (--probe-batch):
// one run's model re-probed at three moments with every setting of a grid,
// each several times with independent vectors, and once with a reference
// setting. bench/cf_error prints the table; docs/run.md#choosing-k-and-p reads
// it. Torch-free: defined in the runner (LibTorch), called by the bench.
#include <cstdint>
#include <string>
#include <vector>

#include "runner/run.h"

namespace dynfault::runner {

struct CurvatureSetting {
  int hvp_vectors = kDefaultHvpVectors;  // K
  int probe_batch = kDefaultProbeBatch;  // P (capped at the training split)
};

// One measurement of the CF probe's quantities (probes/cf.cpp).
struct CurvatureReading {
  std::string moment;  // "init" (before the first update), "epoch0" (after epoch 0), "last" (after the last epoch)
  int64_t epoch = -1;  // the epoch after which it was measured; -1 at init
  CurvatureSetting setting;
  int replicate = 0;   // which independent vector draw; -1 for the reference
  double hvp_norm = 0;                 // cf_hvp_norm: mean_k ||Hv_k||
  double mean_hvp = 0, hvp_std = 0;    // cf_hvp_layer_mean / _std: the paper's muHVP, sigmaHVP
  std::vector<double> layer_hvp_norm;  // per layer: mean_k ||(Hv_k)_l||
  double seconds = 0;                  // wall time of the measurement
};

struct CurvatureStudy {
  std::vector<std::string> layers;  // layer_hvp_norm's columns
  std::vector<CurvatureReading> readings;
  std::string error;  // the program could not be built or trained ("" on success)
};

// The seed of one reading's Rademacher vectors: derive_seed(run seed,
// "cf-study/<moment>/K=<K>/P=<P>/r=<replicate>").
uint64_t curvature_study_seed(uint64_t run_seed, const std::string& moment, const CurvatureSetting& setting,
                              int replicate);

// Trains `request`'s program (its probes and triage ignored; training is the
// same as with them) and measures its model at the three moments, each reading
// with its own vectors (curvature_study_seed), so every reading is reproducible
// and independent of the others. "epoch0" is measured on a one-epoch run: the
// same data, initialisation and streams as the full run's first epoch.
CurvatureStudy study_curvature(const RunRequest& request, const std::vector<CurvatureSetting>& grid,
                               const CurvatureSetting& reference, int replicates);

}  // namespace dynfault::runner
