#include "evaluate/comparison.h"

#include <algorithm>
#include <set>
#include <string>
#include <limits>

#include "core/error.h"
#include "evaluate/bootstrap.h"
#include "evaluate/splits.h"

namespace dynfault::evaluate {

ProgramRows index_by_program(const std::vector<std::string>& programs) {
  ProgramRows p;
  p.names = programs;
  std::sort(p.names.begin(), p.names.end());
  p.names.erase(std::unique(p.names.begin(), p.names.end()), p.names.end());
  p.rows.assign(p.names.size(), {});
  for (size_t i = 0; i < programs.size(); ++i)
    p.rows[std::lower_bound(p.names.begin(), p.names.end(), programs[i]) - p.names.begin()].push_back(static_cast<int>(i));
  return p;
}

BinaryFolds binary_folds(const std::vector<int>& y, const std::vector<std::string>& programs, int folds,
                         std::optional<uint32_t> within_seed, const std::string& where, const std::string& positive) {
  BinaryFolds f;
  const size_t positives = static_cast<size_t>(std::count(y.begin(), y.end(), 1));
  const size_t n_programs = index_by_program(programs).names.size();
  if (positives == 0 || positives == y.size()) {
    f.problem = "one class only (" + std::to_string(positives) + " " + positive + " of " + std::to_string(y.size()) + " runs)";
    return f;
  }
  if (n_programs < static_cast<size_t>(folds)) {
    f.problem = "fewer programs (" + std::to_string(n_programs) + ") than folds (" + std::to_string(folds) + ")";
    return f;
  }
  try {
    f.heldout = group_kfold(programs, folds, where + " (program-held-out folds)");
    f.within = stratified_kfold(y, folds, within_seed, where + " (within-program folds)");
  } catch (const Error& e) {
    f.problem = e.what();
    return f;
  }
  for (const auto* fold : {&f.heldout, &f.within})
    for (int k = 0; k < folds && f.problem.empty(); ++k) {
      size_t train = 0, train_positive = 0;
      for (size_t i = 0; i < y.size(); ++i)
        if ((*fold)[i] != k) ++train, train_positive += y[i];
      if (train_positive == 0 || train_positive == train)
        f.problem = std::string(fold == &f.within ? "within-program" : "program-held-out") + " fold " +
                    std::to_string(k) + " leaves a training split of one class (" + std::to_string(positives) + " " +
                    positive + " runs in " + std::to_string(n_programs) + " programs)";
    }
  return f;
}

Cell bootstrap_cell(double point, const std::vector<double>& replicates, double level_percent) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (replicates.empty()) return {point, nan, nan};
  const Interval iv = percentile_interval(replicates, level_percent);
  return {point, iv.low, iv.high};
}

Cell paired_gap_cell(double point_a, double point_b, const std::vector<double>& replicates_a,
                     const std::vector<double>& replicates_b, double level_percent) {
  std::vector<double> d(replicates_a.size());
  for (size_t i = 0; i < d.size(); ++i) d[i] = replicates_a[i] - replicates_b[i];
  return bootstrap_cell(point_a - point_b, d, level_percent);
}

void check_cv_options(int folds, int bootstrap, const std::vector<int>& windows) {
  if (folds < 2) throw Error("--folds", "at least 2 folds are needed");
  if (bootstrap < 0) throw Error("--bootstrap", "must not be negative");
  if (windows.empty()) throw Error("--k", "no window given");
  if (std::set<int>(windows.begin(), windows.end()).size() != windows.size())
    throw Error("--k", "a window is listed twice");
  for (int k : windows)
    if (k < 1) throw Error("--k", "windows must be at least 1 epoch");
}

void check_cv_options(int folds, int bootstrap, const std::vector<int>& windows, int table_window) {
  check_cv_options(folds, bootstrap, windows);
  if (std::find(windows.begin(), windows.end(), table_window) == windows.end())
    throw Error("--table-k", "the table window k=" + std::to_string(table_window) + " must be one of --k");
}

}  // namespace dynfault::evaluate
