#pragma once
// Synthetic corpora for the evaluation tests, the MPI identity test and the
// benchmark: every program leaves a strong signature on its traces (offsets
// per program) and every fault category a weaker one, so within-program
// splits score higher than program-held-out ones, as in the published traces:
// each program is dominated by one category (as many Deep4ge programs only
// have Layer mutants), so a classifier that recognises the program scores
// within programs but not on unseen ones.
// Deterministic (own Box-Muller over std::mt19937_64).
#include <cstdint>
#include <string>
#include <vector>

namespace dynfault::evaluate::synthetic {

struct SyntheticCorpusSpec {
  int programs = 12;
  std::vector<std::string> categories = {"Hyperparameter", "Layer", "Loss", "Optimization"};
  int runs_per_pair = 3;    // runs per (program, category); the program's dominant category has 3x more
  int epochs = 50;
  double program_effect = 2.0;
  double category_effect = 0.4;     // shared by all programs: transfers to unseen programs
  double interaction_effect = 1.5;  // program-specific effect of a category: does not transfer
  double noise = 0.3;
  uint64_t seed = 1;
  bool program_ids = true;  // false: labelled runs without a program id
  bool extras = true;       // one original (unlabelled) per program, one crashed mutant, a NaN cell
};

void write_synthetic_corpus(const std::string& path, const SyntheticCorpusSpec& spec);

// RQ2: runs that explode, with curvature probes. Programs 0, 2, 4, ... are
// "fragile": every third of their mutant runs explodes (train_loss 1e8 from
// epoch 0; the first fragile program's first one only at epoch 2, its second
// one with a NaN val_loss at epoch 0 and train_loss 1e8 from epoch 1). Every program has one run with a loss of
// 5e3 at epoch 1 (flagged at threshold 1e3 only). Stable and unstable runs
// share their accuracy curves (loss-ablated baselines cannot tell them apart).
// Curvature (cf_hvp_norm, cf_hvp_norm_spread, cf_grad_std, the cf_hvp_layer_*
// profile of the per-layer hvp_norm, 2..4 layers by program): with `separable`, unstable runs have 10^4 times larger
// HVP at epoch 0; otherwise curvature is noise unrelated to instability.
struct InstabilitySpec {
  int programs = 8;
  int runs_per_program = 12;  // mutants; plus one original per program
  int epochs = 6;
  bool separable = true;
  bool curvature = true;
  uint64_t seed = 3;
  // Fault categories of the mutant runs, in turn (run r gets categories[r % n]); several make
  // the corpus support RQ1's tasks too (the report's tests draw every figure from one corpus).
  std::vector<std::string> categories = {"Loss"};
};
// Planted counts, for the tests' known answers.
struct InstabilityTruth {
  int runs = 0, unstable_1e6 = 0, at_epoch0_1e6 = 0, non_finite = 0, moderate = 0;
};
InstabilityTruth write_instability_corpus(const std::string& path, const InstabilitySpec& spec);

// RQ3: a train/validation mismatch planted in the accuracies. Run r of a
// program is a mismatch when r % 3 == 0: |train_acc - val_acc| = 0.3 at epoch 0
// (r % 2 == 1) or 2 (otherwise), train above val when (r / 3 + program) is even;
// elsewhere the gap is 0.02 +- 0.005. Program 0's run 1 has train_acc 0.1 and
// val_acc 0.0 at epoch 1: a gap of exactly 0.1 (positive under >=, not under >).
// Programs 0 and 1 have run 2 explode (train_loss 1e8 from epoch 3); program 2
// has one extra run without accuracies. Probes:
//   Both    every run logs the CF and the OF channels (dynfault's default)
//   Split   programs 0-1 CF only, 2-3 OF only, the rest CF on even runs and OF
//           on odd ones (the paper's per-program probe split)
//   OfOnly  only OF channels (as the Deep4ge sample)
// CF: cf_hvp_norm (noise). OF: mean_activation (3.0 higher on mismatch runs
// when activation_signal, else noise), std_activation, gradient_max,
// learning_rate, sys_cpu_percent (noise).
struct MismatchSpec {
  enum class Probes { Both, Split, OfOnly };
  int programs = 10;
  int runs_per_program = 12;
  int epochs = 8;
  Probes probes = Probes::Both;
  bool activation_signal = true;
  uint64_t seed = 4;
};
struct MismatchTruth {
  int runs = 0, unstable = 0, no_accuracy = 0, labelled = 0;
  int positives_ge_k5 = 0, positives_gt_k5 = 0, positives_ge_k1 = 0;
  int labelled_cf = 0, labelled_of = 0, labelled_both = 0;
  std::vector<std::string> overlap_programs;  // Split: programs with labelled runs under both probes
};
MismatchTruth write_mismatch_corpus(const std::string& path, const MismatchSpec& spec);

}  // namespace dynfault::evaluate::synthetic
