#pragma once
// The RQ1 diagnosis tasks: which fault categories form which class.
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

struct TaskClass {
  std::string name;
  std::vector<std::string> categories;
};

struct TaskDefinition {
  std::string name;   // cat4, cat6, fam3
  std::string title;  // for tables
  std::vector<TaskClass> classes;  // sorted by name

  // Class code of a fault category, or nullopt if the task does not include it.
  std::optional<int> class_of(const std::string& category) const;
};

const std::vector<TaskDefinition>& rq1_tasks();
const TaskDefinition& find_task(const std::string& name);  // throws for an unknown name

}  // namespace dynfault::evaluate
