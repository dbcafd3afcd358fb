#pragma once
// RQ1: does diagnosing the fault category from training traces generalise to
// unseen programs? (docs/evaluate.md)
//
// For each task (diagnosis_problem.h) and window k: out-of-fold predictions of the
// diagnosis pipeline (classifier.h) under
//   within    StratifiedKFold(5) over runs (programs shared by train and test)
//   heldout   GroupKFold(5) by program
//   lopo      leave one program out
// pooled over folds and scored (metrics.h), with 95% CIs from a cluster
// bootstrap over programs (bootstrap.h) and the gap within - heldout with its
// paired-bootstrap CI. Controls: program-identity prediction vs k, within-
// program label permutations, per-program z-normalisation, pairwise MMD^2
// between programs and silhouettes. Work units run on the engine (engine.h);
// the results are bit-identical for any rank count.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/corpus.h"
#include "evaluate/features.h"
#include "evaluate/report.h"
#include "evaluate/engine.h"

namespace dynfault::evaluate {

struct Rq1Options {
  std::string channels = "baseline";
  std::vector<int> windows = {1, 3, 5, 10, 20, 50};
  int table_window = 5;        // Table IV, Table V, MMD
  int folds = 5;
  int bootstrap = 1000;        // 0 disables CIs
  int permutations = 25;
  uint32_t seed = 0;           // StratifiedKFold random_state; base of every other stream
  bool shuffle_within = true;  // StratifiedKFold(shuffle=True, random_state=seed)
  std::vector<std::string> tasks;  // empty: every task, skipping those with absent classes
  double level_percent = 95;
  bool include_terminated = false;  // evaluate runs a triage rule stopped (load_runs)
  bool dump = false;
  LabelSource labels = LabelSource::Killed;
};

struct TaskInfo {
  std::string name, title;
  std::vector<std::string> classes;
  std::vector<size_t> class_counts;
  size_t runs = 0, programs = 0;
  bool evaluated = false;
  std::string note;  // why a task was skipped
};

// One line per (task, k, variant, metric): Fig. 2 / Table IV / Table V.
struct SplitRow {
  std::string task;
  int k = 0;
  std::string variant;  // "raw" or "program_z"
  std::string metric;
  Cell within, heldout, lopo, gap, gap_lopo;  // lopo / gap_lopo NaN for program_z
};

struct PermutationRow {
  std::string task;
  int k = 0;
  std::string scheme, metric;
  double observed, median, q25, q75, min, max;
  int at_least_observed = 0;
  std::vector<double> values;  // one per permutation
};

// Program identity (Fig. 3a at every k; Table V's identity row: raw and
// program_z at the table window), with cluster-bootstrap CIs over programs.
struct IdentityRow {
  int k = 0;
  std::string variant;  // "raw" or "program_z"
  Cell accuracy, balanced_accuracy;
  double chance_uniform, chance_majority;
  size_t runs = 0, programs = 0;
};

struct Separation {
  int k = 0;
  std::vector<std::string> channels;
  std::vector<std::string> programs;
  std::vector<std::vector<double>> program_mmd2;  // symmetric, zero diagonal
  std::vector<std::string> labels;
  std::vector<std::vector<double>> label_mmd2;
  double median_sq_distance = 0;
  double silhouette_program = 0, silhouette_label = 0;
  bool silhouette_label_defined = true;
};

struct Rq1Results {
  Rq1Options options;
  std::string corpus;
  std::vector<std::string> channels;
  size_t runs = 0, programs = 0, skipped_unlabelled = 0, skipped_empty = 0, skipped_terminated = 0;
  std::map<int, size_t> runs_shorter_than_k;
  std::vector<TaskInfo> tasks;
  std::vector<SplitRow> splits;
  std::vector<PermutationRow> permutations;
  std::vector<IdentityRow> identity;
  std::string identity_note;
  Separation separation;
  std::map<std::string, int> bootstrap_redraws;  // task -> degenerate resamples redrawn
  int ranks = 1;
};

struct Rq1Output {
  Rq1Results results;
  std::map<std::string, std::string> dump;  // relative path -> content (options.dump)
};

Rq1Output run_rq1(const CorpusReader& corpus, const Rq1Options& options, Engine& engine);

// Tables and figures data as files: relative path -> content (CSV, JSON, Markdown).
std::map<std::string, std::string> render_rq1(const Rq1Results& results);

}  // namespace dynfault::evaluate
