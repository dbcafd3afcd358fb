#include "evaluate/peer_inputs.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dynfault::evaluate {

RunInputs::RunInputs(const RunTable& table, size_t row)
    : table_(table), row_(row), epochs_(static_cast<size_t>(table.series[row].rows())) {}

bool RunInputs::has(const std::string& channel) const {
  const auto it = std::find(table_.channels.begin(), table_.channels.end(), channel);
  return it != table_.channels.end() && table_.has_channel[row_][static_cast<size_t>(it - table_.channels.begin())];
}

double RunInputs::at(const std::string& channel, size_t epoch) const {
  const auto it = std::find(table_.channels.begin(), table_.channels.end(), channel);
  const size_t c = static_cast<size_t>(it - table_.channels.begin());
  if (it == table_.channels.end() || !table_.has_channel[row_][c] || epoch >= epochs_)
    return std::numeric_limits<double>::quiet_NaN();
  return table_.series[row_](static_cast<Eigen::Index>(epoch), static_cast<Eigen::Index>(c));
}

std::vector<double> RunInputs::series(const std::string& channel) const {
  std::vector<double> v(epochs_);
  for (size_t e = 0; e < epochs_; ++e) v[e] = at(channel, e);
  return v;
}

const LayerSeries* RunInputs::layers(const std::string& name) const {
  for (const auto& s : table_.layer_series[row_])
    if (s.name == name && !s.layers.empty() && s.values.size() >= epochs_ * s.layers.size()) return &s;
  return nullptr;
}

bool has_input(const RunInputs& run, const std::string& input) {
  const std::string prefix = "layers:";
  if (input.rfind(prefix, 0) == 0) return run.layers(input.substr(prefix.size())) != nullptr;
  return run.has(input);
}

bool autotrainer_oscillates(const std::vector<double>& curve, double zeta, double eta) {
  std::vector<double> maxima, minima;
  for (size_t i = 1; i + 1 < curve.size(); ++i) {
    if (curve[i] >= curve[i - 1] && curve[i] >= curve[i + 1]) maxima.push_back(curve[i]);
    if (curve[i] <= curve[i - 1] && curve[i] <= curve[i + 1]) minima.push_back(curve[i]);
  }
  size_t count = 0;
  for (size_t i = 0; i < std::min(maxima.size(), minima.size()); ++i) count += maxima[i] - minima[i] >= zeta;
  return !curve.empty() && static_cast<double>(count) >= eta * static_cast<double>(curve.size());
}

double largest_increase(const std::vector<double>& curve) {
  double best = -std::numeric_limits<double>::infinity();
  for (size_t i = 1; i < curve.size(); ++i) best = std::max(best, curve[i] - curve[i - 1]);
  return best;
}

const std::vector<PeerRuleSet>& peer_rule_sets() {
  static const std::vector<PeerRuleSet> sets = {{"autotrainer", &autotrainer_rules},
                                                {"deepdiagnosis", &deepdiagnosis_rules}};
  return sets;
}

}  // namespace dynfault::evaluate
