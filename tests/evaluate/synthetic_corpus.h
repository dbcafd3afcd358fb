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

}  // namespace dynfault::evaluate::synthetic
