#pragma once
// The epoch-0 curvature triage rule (the paper's Algorithm 1) as a file and as
// a decision: `dynfault triage fit` writes it from a corpus (evaluate/rq2), and
// `dynfault run|campaign run --triage rule.json` applies it during training to
// stop a run the rule calls doomed (docs/triage.md).
//
// Applying a rule is median imputation, standardisation and the nearest
// centroid: no Eigen, no LibTorch, so the runner can use it without depending
// on evaluate/ (the dependency runs evaluate -> triage <- runner).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/domain.h"

namespace dynfault::triage {

// log10 of x clamped to [1e-12, 1e12]; NaN stays NaN (RQ2's geometry features).
double log10_clamped(double x);

// One column of the rule: a probe channel at the rule's epoch, transformed,
// then imputed and standardised with the statistics of the fit corpus.
struct Feature {
  std::string name;       // e.g. "log10_mean_hvp"
  std::string channel;    // e.g. "cf_hvp_layer_mean"
  std::string transform;  // "log10_clamped" or "identity"
  double impute = 0;      // the fit corpus's median (SimpleImputer('median'))
  double mean = 0, scale = 1;  // StandardScaler
};

struct Counts {
  size_t runs = 0, tp = 0, fp = 0, fn = 0, tn = 0;
  double precision = 0, recall = 0, f1 = 0;  // NaN where undefined
};
// Counts with precision, recall and F1 computed from tp, fp, fn (NaN where undefined).
Counts with_ratios(Counts c);

struct Rule {
  static constexpr int kFormatVersion = 1;
  std::vector<Feature> features;
  std::vector<std::vector<double>> centroids;  // K x features, standardised space
  int terminate_cluster = 0;                   // the centroid of highest standardised log10 mean HVP
  // When the rule looks: "after_epoch_0" (the probe row of the first epoch, as
  // the paper) or "at_init" (the probe values before any update).
  std::string epoch = "after_epoch_0";
  // The CF probe settings the features were measured with; a run must use the same.
  std::string probe = "cf";
  int hvp_vectors = kDefaultHvpVectors;
  int probe_batch = kDefaultProbeBatch;
  // Provenance and validation.
  double instability_threshold = 1e6;
  std::string corpus, corpus_sha256;
  size_t fit_runs = 0, fit_programs = 0, fit_unstable = 0;
  uint32_t seed = 0;
  int restarts = 10;
  Counts lopo, in_sample;

  int K() const { return static_cast<int>(centroids.size()); }
  std::vector<std::string> channels() const;  // distinct, in feature order
};

// The rule as JSON text (sorted keys) with its "checksum" field: the SHA-256 of
// the same text without that field.
std::string to_json_text(const Rule& rule);
std::string checksum(const Rule& rule);
// Atomic write (temporary name, then rename).
void write_rule(const std::string& path, const Rule& rule);
// Reads and validates a rule file: a missing field, a wrong type, a shape that
// does not fit, or a checksum that does not match is one dynfault::Error
// naming the file.
Rule read_rule(const std::string& path);

struct Decision {
  int cluster = -1;
  bool terminate = false;
};
// value(channel) gives the run's value of a channel at the rule's epoch (NaN
// when missing: it is imputed like the fit corpus's missing values).
Decision decide(const Rule& rule, const std::function<double(const std::string&)>& value);

// Why a run cannot use the rule (empty when it can): its probes, hvp vectors
// or probe batch differ from the rule's, or its probes do not log a channel
// the rule reads (`channels`: what the run will log).
std::string mismatch(const Rule& rule, const std::vector<std::string>& probes, int hvp_vectors, int probe_batch);
// mismatch(), then whether the rule's probe logs every channel the rule reads
// (`claims`: the probe catalogue's test, core/probe_catalogue.h), before training.
std::string mismatch_before_training(const Rule& rule, const std::vector<std::string>& probes, int hvp_vectors,
                                     int probe_batch);
std::string missing_channels(const Rule& rule, const std::vector<std::string>& channels);

}  // namespace dynfault::triage
