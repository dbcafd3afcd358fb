#include "evaluate/diagnosis_problem.h"

#include <algorithm>

#include "core/error.h"

namespace dynfault::evaluate {

std::optional<int> DiagnosisProblem::class_of(const std::string& category) const {
  for (size_t c = 0; c < classes.size(); ++c)
    for (const auto& cat : classes[c].categories)
      if (cat == category) return static_cast<int>(c);
  return std::nullopt;
}

namespace {
DiagnosisProblem make(std::string name, std::string title, std::vector<ProblemClass> classes) {
  std::sort(classes.begin(), classes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return {std::move(name), std::move(title), std::move(classes)};
}
}  // namespace

const std::vector<DiagnosisProblem>& diagnosis_problems() {
  static const std::vector<DiagnosisProblem> tasks = {
      make("cat4", "4-class (published categories)",
           {{"Hyperparameter", {"Hyperparameter"}},
            {"Layer", {"Layer"}},
            {"Loss", {"Loss"}},
            {"Optimization", {"Optimization"}}}),
      make("cat6", "6-class (Weight+Regularization merged)",
           {{"Activation", {"Activation"}},
            {"Hyperparameter", {"Hyperparameter"}},
            {"Layer", {"Layer"}},
            {"Loss", {"Loss"}},
            {"Optimization", {"Optimization"}},
            {"Parameters", {"Weight", "Regularization"}}}),
      make("fam3", "3 families",
           {{"model", {"Layer", "Activation"}},
            {"training", {"Hyperparameter", "Optimization", "Loss"}},
            {"parameters", {"Weight", "Regularization"}}}),
  };
  return tasks;
}

const DiagnosisProblem& find_problem(const std::string& name) {
  for (const auto& t : diagnosis_problems())
    if (t.name == name) return t;
  throw Error("--tasks", "unknown task '" + name + "' (known: cat4, cat6, fam3)");
}

}  // namespace dynfault::evaluate
