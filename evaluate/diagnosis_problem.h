#pragma once
// The RQ1 diagnosis problems: which fault categories form which class. The
// command line (`--tasks`) and the outputs (tasks.csv) call them tasks, as the
// paper does; in code a task is a campaign's RunTask, so these are problems.
//   cat4  the four categories of the published traces: Hyperparameter, Layer,
//         Loss, Optimization (runs of other categories are not in this task)
//   cat6  six classes from DeepCrime's seven categories: Activation,
//         Hyperparameter, Layer, Loss, Optimization, and Weight+Regularization
//         merged into "Parameters" (both act on parameter values: initialisation
//         and penalty)
//   fam3  three families: "model" (Layer, Activation), "training"
//         (Hyperparameter, Optimization, Loss), "parameters" (Weight,
//         Regularization)
// Class codes follow the sorted class names (sklearn's classes_ order).
#include <optional>
#include <string>
#include <vector>

namespace dynfault::evaluate {

struct ProblemClass {
  std::string name;
  std::vector<std::string> categories;
};

struct DiagnosisProblem {
  std::string name;   // cat4, cat6, fam3
  std::string title;  // for tables
  std::vector<ProblemClass> classes;  // sorted by name

  // Class code of a fault category, or nullopt if the task does not include it.
  std::optional<int> class_of(const std::string& category) const;
};

const std::vector<DiagnosisProblem>& diagnosis_problems();
const DiagnosisProblem& find_problem(const std::string& name);  // throws for an unknown name

}  // namespace dynfault::evaluate
