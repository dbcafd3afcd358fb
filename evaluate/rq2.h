#pragma once
// RQ2: when does instability happen, and does curvature detect it on unseen
// programs? (docs/evaluate.md)
//
// Runs: every run of the corpus with at least one logged epoch (originals and
// mutants). Instability: train_loss or val_loss above the threshold, or
// non-finite, at any logged epoch (labels.h). Parts:
//   fig5a    first explosion epoch of every unstable run, at every threshold
//   table6   instability detection (Fig. 5b): baseline vs +CF and the loss-ablated
//            variants, held-out GroupKFold and within StratifiedKFold, every k,
//            ROC-AUC and PR-AUC with cluster-bootstrap CIs
//   fig6     instability rate by quintile of epoch-0 mean HVP and gradient std
//   fig7     epoch-0 per-layer ||Hv|| by relative depth, stable vs unstable
//   table7   k-means on epoch-0 curvature geometry: silhouettes over K, the
//            phenotype table at --triage-k, 2-D PCA coordinates (Fig. 8)
//   triage   Algorithm 1: leave-one-program-out k-means triage, and the in-sample rule
//   fig9     held-out PR curves of baseline and +CF at k=1 and k=5 with the rule points
// The CF parts (all but fig5a, and table6's +CF variants) need the curvature
// channels (curvature.h); without them they are skipped with a note, unless
// named in `parts` (then an error).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/corpus.h"
#include "evaluate/engine.h"
#include "evaluate/report.h"
#include "triage/rule.h"

namespace dynfault::evaluate {

struct Rq2Options {
  std::vector<double> thresholds = {1e6, 1e3, 1e4};  // the first labels instability
  std::vector<int> windows = {1, 3, 5, 10, 20, 50};
  int mismatch_window = 5;  // Table VII's mismatch prevalence (Eq. 4 over the first k epochs)
  int folds = 5;
  int bootstrap = 1000;
  uint32_t seed = 0;
  bool shuffle_within = true;
  std::vector<int> clusters = {2, 3, 4, 5, 6, 7, 8, 9, 10};
  int triage_k = 7;
  int restarts = 10;
  // The curvature geometry (Figs 6-8, Table VII, Algorithm 1) at the end of
  // epoch 0 (the paper's "epoch 0", the probe row), or at initialisation (the
  // traces' at_init values, before any update): `triage fit --epoch at_init`.
  bool geometry_at_init = false;
  std::vector<std::string> parts;  // empty: every part that the corpus supports
  double level_percent = 95;
  bool include_terminated = false;  // evaluate runs a triage rule stopped (load_runs)
  bool dump = false;
};

const std::vector<std::string>& rq2_parts();

struct ThresholdSummary {
  double threshold = 0;
  size_t runs = 0, unstable = 0, at_epoch0 = 0, by_epoch1 = 0, non_finite = 0;
  std::map<int, size_t> by_epoch;  // first explosion epoch -> runs
};

struct ExplosionRow {
  std::string run_id, program;
  double threshold = 0;
  int epoch = -1;
  bool non_finite = false;
};

struct DetectionRow {
  int k = 0;
  std::string variant, split, metric;
  Cell value;
};

struct QuintileRow {
  std::string quantity;
  int quintile = 0;
  double low = 0, high = 0;  // value range of the bin's runs
  size_t runs = 0, unstable = 0;
  double rate = 0;
};

struct DepthRow {
  int bin = 0;
  double depth_low = 0, depth_high = 0;
  size_t stable_runs = 0, unstable_runs = 0;
  double stable_median_log10 = 0, unstable_median_log10 = 0;  // NaN without runs
};

struct SilhouetteRow {
  int K = 0;
  double silhouette = 0, inertia = 0;
};

struct PhenotypeRow {
  int cluster = 0;
  size_t runs = 0, programs = 0, unstable = 0, stable = 0, mismatch = 0;
  double median_mean_hvp = 0, median_grad_std = 0, instability_rate = 0, mismatch_prevalence = 0;
  double centre_mean_hvp = 0;  // centroid on the standardised log mean-HVP feature
  bool terminate = false;       // highest centroid mean HVP: the triage rule's cluster
};

struct TriageCounts {
  std::string program;  // "all" for the pooled row
  size_t runs = 0, tp = 0, fp = 0, fn = 0, tn = 0;
  double precision = 0, recall = 0, f1 = 0;  // NaN where undefined
};

struct PrPoint {
  std::string variant;
  int k = 0;
  double precision = 0, recall = 0, threshold = 0;
};

struct Rq2Results {
  Rq2Options options;
  std::string corpus;
  size_t runs = 0, programs = 0, skipped_empty = 0, skipped_terminated = 0, cf_runs = 0, cf_programs = 0, cf_excluded = 0;
  std::vector<std::string> geometry_features;
  std::map<std::string, std::string> notes;  // part -> why skipped ("" when it ran)
  std::vector<ThresholdSummary> thresholds;
  std::vector<ExplosionRow> explosions;
  std::string detection_population;
  size_t detection_runs = 0, detection_programs = 0, detection_unstable = 0;
  std::vector<DetectionRow> detection;
  int bootstrap_redraws = 0;
  std::vector<QuintileRow> quintiles;
  int depth_bins = 5;
  std::vector<DepthRow> depth;
  std::vector<SilhouetteRow> silhouettes;
  std::vector<PhenotypeRow> phenotypes;
  struct PcaPoint {
    std::string run_id, program;
    int cluster = 0, unstable = 0;
    double pc1 = 0, pc2 = 0;
  };
  std::vector<PcaPoint> pca;
  std::vector<double> pca_explained;
  std::vector<TriageCounts> triage_lopo;  // per program, then the pooled "all"
  TriageCounts triage_in_sample;
  // The in-sample rule of the triage part as `dynfault triage fit` writes it:
  // the kept geometry columns with their channel, transform, imputer median and
  // scaler statistics, the K centroids and the terminate cluster.
  struct TriageFit {
    std::vector<triage::Feature> features;
    std::vector<std::vector<double>> centroids;
    int terminate_cluster = -1;
    size_t runs = 0, programs = 0, unstable = 0;
  } triage_fit;
  std::vector<PrPoint> pr_curves;
  int ranks = 1;
};

struct Rq2Output {
  Rq2Results results;
  std::map<std::string, std::string> dump;
};

Rq2Output run_rq2(const CorpusReader& corpus, const Rq2Options& options, Engine& engine);
std::map<std::string, std::string> render_rq2(const Rq2Results& results);

}  // namespace dynfault::evaluate
