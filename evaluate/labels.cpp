#include "evaluate/labels.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace dynfault::evaluate {
namespace {

Eigen::Index column_of(const RunTable& table, const std::string& channel) {
  const auto it = std::find(table.channels.begin(), table.channels.end(), channel);
  if (it == table.channels.end()) throw Error(table.corpus, "no channel '" + channel + "' in the evaluated runs");
  return it - table.channels.begin();
}

}  // namespace

Labeling fault_category_labels(const RunTable& table, const DiagnosisProblem& task) {
  Labeling l;
  l.name = task.name;
  for (const auto& c : task.classes) l.classes.push_back(c.name);
  for (size_t r = 0; r < table.runs.size(); ++r)
    if (const auto code = task.class_of(table.runs[r].label)) {
      l.rows.push_back(static_cast<int>(r));
      l.y.push_back(*code);
    }
  return l;
}

Explosion first_explosion(const RunTable& table, size_t row, double threshold) {
  const Eigen::Index train = column_of(table, "train_loss"), val = column_of(table, "val_loss");
  const Eigen::MatrixXd& s = table.series[row];
  for (Eigen::Index e = 0; e < s.rows(); ++e)
    for (Eigen::Index c : {train, val}) {
      const double v = s(e, c);
      // A NaN from a channel the run does not log is absent, not an explosion:
      // only a logged non-finite value counts. The series holds NaN for both, so
      // a run is unstable on NaN only when the channel exists in its trace.
      if (std::isnan(v) && !table.has_channel[row][c]) continue;
      if (!std::isfinite(v)) return {static_cast<int>(e), true};
      if (v > threshold) return {static_cast<int>(e), false};
    }
  return {};
}

Labeling instability_labels(const RunTable& table, double threshold) {
  Labeling l;
  l.name = "instability";
  l.classes = {"stable", "unstable"};
  for (size_t r = 0; r < table.runs.size(); ++r) {
    l.rows.push_back(static_cast<int>(r));
    l.y.push_back(first_explosion(table, r, threshold).epoch >= 0 ? 1 : 0);
  }
  return l;
}

GapRule parse_gap_rule(const std::string& text) {
  if (text == "ge") return GapRule::AtLeast;
  if (text == "gt") return GapRule::Above;
  throw Error("--gap-rule", "unknown rule '" + text + "' (ge: |train_acc - val_acc| >= gap, paper Eq. 4; gt: > gap, acc_gap_too_big)");
}

const char* gap_rule_name(GapRule rule) { return rule == GapRule::AtLeast ? "ge" : "gt"; }

Labeling mismatch_labels(const RunTable& table, int k, double instability_threshold, double gap, GapRule rule,
                         MismatchExclusions* excluded) {
  const Eigen::Index train = column_of(table, "train_acc"), val = column_of(table, "val_acc");
  Labeling l;
  l.name = "mismatch";
  l.classes = {"match", "mismatch"};
  MismatchExclusions counts;
  for (size_t r = 0; r < table.runs.size(); ++r) {
    if (first_explosion(table, r, instability_threshold).epoch >= 0) {
      ++counts.unstable;
      continue;
    }
    if (!table.has_channel[r][train] || !table.has_channel[r][val]) {
      ++counts.no_accuracy;
      continue;
    }
    const Eigen::MatrixXd& s = table.series[r];
    bool mismatch = false;
    for (Eigen::Index e = 0; e < std::min<Eigen::Index>(k, s.rows()); ++e) {
      const double d = std::abs(s(e, train) - s(e, val));  // NaN compares false under both rules
      mismatch = mismatch || (rule == GapRule::AtLeast ? d >= gap : d > gap);
    }
    l.rows.push_back(static_cast<int>(r));
    l.y.push_back(mismatch ? 1 : 0);
  }
  if (excluded) *excluded = counts;
  return l;
}

}  // namespace dynfault::evaluate
