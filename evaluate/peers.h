#pragma once
// Peer re-evaluation (`dynfault evaluate peers`, docs/peers.md): DEFault's and
// DeepFD's features diagnosed under within-program vs program-held-out CV
// (cat4, window k; Fig. 13) with each technique's random forest and RQ1's
// logistic regression; AutoTrainer's and DeepDiagnosis' rules run on every
// trace (firing shares per rule and fault category). Work units on the engine
// (engine.h): the results are identical for any rank count.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/corpus.h"
#include "evaluate/engine.h"
#include "evaluate/features.h"
#include "evaluate/peer_features.h"
#include "evaluate/report.h"

namespace dynfault::evaluate {

struct PeersOptions {
  int k = 5;
  int folds = 5;
  int bootstrap = 1000;
  uint32_t seed = 0;
  bool shuffle_within = true;
  LabelSource labels = LabelSource::Killed;
  std::vector<std::string> techniques;  // empty: every technique the corpus supports
  std::vector<std::string> classifiers = {"lr", "rf"};  // Fig. 13 rows: logistic regression, the technique's forest
  bool rf_grid = false;  // DEFault's forest by its grid search (random_forest_default_grid), not sklearn's defaults
  bool include_terminated = false;  // evaluate runs a triage rule stopped (load_runs)
  bool dump = false;
};

struct Fig13Row {
  std::string technique, classifier;
  size_t features = 0, runs = 0, programs = 0;
  Cell within, heldout, gap;  // balanced accuracy
};

struct RuleRow {
  std::string rule_set, rule, category;  // category "all" for every trace
  size_t traces = 0, fired = 0;
  bool computable = true;
};

struct PeersResults {
  PeersOptions options;
  std::string corpus;
  size_t runs = 0, programs = 0, skipped_unlabelled = 0, skipped_empty = 0, skipped_terminated = 0;
  std::vector<std::string> categories;
  std::vector<PeerFeatures> features;  // techniques with features evaluated
  std::vector<Fig13Row> fig13;
  std::vector<RuleRow> rules;  // per rule set: rules x (all, categories), then "any_rule"
  std::map<std::string, std::vector<std::string>> not_computable;  // technique -> items
  std::vector<std::string> notes;  // techniques skipped under the defaults
  std::vector<EvaluatedRun> run_identity;
  std::vector<std::string> run_labels;
  int ranks = 1;
};

struct PeersOutput {
  PeersResults results;
  std::map<std::string, std::string> dump;
};

const std::vector<std::string>& peer_techniques();  // default, deepfd, autotrainer, deepdiagnosis

// Throws CannotRun (analysis.h) when a requested technique's inputs are absent.
PeersOutput run_peers(const CorpusReader& corpus, const PeersOptions& options, Engine& engine);

// run.json, fig13.csv, rules.csv, features_<technique>.csv, not_computable.csv, summary.md.
std::map<std::string, std::string> render_peers(const PeersResults& results);

}  // namespace dynfault::evaluate
