#pragma once
// Labelers: which evaluated runs a classification includes, and their class.
//   fault_category  a diagnosis task's classes (diagnosis_problem.h) from the runs' fault labels
//   instability     every run: "unstable" when train_loss or val_loss exceeds the
//                   threshold, or is non-finite (an explosion), at any logged epoch
//   mismatch        stable runs with both accuracies logged: "mismatch" when
//                   |train_acc - val_acc| >= gap (paper Eq. 4; GapRule::AtLeast) or
//                   > gap (the published callback's acc_gap_too_big; GapRule::Above)
//                   at some epoch of the first k. Computed from the accuracies, so
//                   it exists for traces without the OF probe's flag; compared on
//                   the stored doubles without tolerance, as the callback does; a
//                   NaN accuracy at an epoch never fires.
// Class codes follow the sorted class names (scikit-learn's classes_).
#include <string>
#include <vector>

#include "evaluate/features.h"
#include "evaluate/diagnosis_problem.h"

namespace dynfault::evaluate {

struct Labeling {
  std::string name;
  std::vector<std::string> classes;  // sorted
  std::vector<int> rows;             // RunTable rows included
  std::vector<int> y;                // class code per included row
};

Labeling fault_category_labels(const RunTable& table, const DiagnosisProblem& task);

// First logged epoch (row) at which a run's loss explodes under `threshold`, -1 if none.
struct Explosion {
  int epoch = -1;
  bool non_finite = false;  // the first explosion is a NaN/inf loss (not a finite value above the threshold)
};
Explosion first_explosion(const RunTable& table, size_t row, double threshold);

Labeling instability_labels(const RunTable& table, double threshold);
enum class GapRule { AtLeast, Above };  // >= (paper Eq. 4, the default) or > (acc_gap_too_big)
GapRule parse_gap_rule(const std::string& text);  // "ge" or "gt"; throws dynfault::Error naming --gap-rule
const char* gap_rule_name(GapRule rule);          // "ge" / "gt"

// Why runs are not in a mismatch labelling.
struct MismatchExclusions {
  size_t unstable = 0;     // unstable under the instability threshold
  size_t no_accuracy = 0;  // stable, but train_acc or val_acc is not logged by the run
};

Labeling mismatch_labels(const RunTable& table, int k, double instability_threshold, double gap = 0.1,
                         GapRule rule = GapRule::AtLeast, MismatchExclusions* excluded = nullptr);

}  // namespace dynfault::evaluate
