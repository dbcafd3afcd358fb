#pragma once
// Within-program vs program-held-out comparison of a binary detector on one
// population of runs (RQ3's tables; the scheme of RQ2's Table VI): programs
// as codes, the two fold vectors with the check that every training split
// holds both classes (scikit-learn's LogisticRegression refuses one), and
// result cells from cluster-bootstrap replicates (bootstrap.h): a value with
// its percentile CI, and the paired gap a - b over the same draws (RQ1, RQ3).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evaluate/report.h"

namespace dynfault::evaluate {

struct ProgramRows {
  std::vector<std::string> names;      // sorted unique
  std::vector<std::vector<int>> rows;  // per program, indices into the input
};
ProgramRows index_by_program(const std::vector<std::string>& programs);

struct BinaryFolds {
  std::vector<int> within, heldout;
  std::string problem;  // why the label cannot be cross-validated ("" when it can)
};
// StratifiedKFold(folds, shuffle when within_seed) and GroupKFold(folds) by program;
// `positive` names class 1 in the messages (e.g. "unstable").
BinaryFolds binary_folds(const std::vector<int>& y, const std::vector<std::string>& programs, int folds,
                         std::optional<uint32_t> within_seed, const std::string& where,
                         const std::string& positive = "positive");

// The options every cross-validated analysis shares, checked in one place
// (one-line errors naming the option): folds >= 2, bootstrap >= 0, windows
// non-empty, distinct and >= 1 epoch, and the table window one of them.
void check_cv_options(int folds, int bootstrap, const std::vector<int>& windows, int table_window);
void check_cv_options(int folds, int bootstrap, const std::vector<int>& windows);  // no table window

// replicates empty (no bootstrap): NaN bounds.
Cell bootstrap_cell(double point, const std::vector<double>& replicates, double level_percent);
Cell paired_gap_cell(double point_a, double point_b, const std::vector<double>& replicates_a,
                     const std::vector<double>& replicates_b, double level_percent);

}  // namespace dynfault::evaluate
