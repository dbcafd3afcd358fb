#pragma once
// What the peer techniques read from one run of a RunTable (features.h): scalar
// channels per epoch and the OF probe's per-layer series, each possibly absent.
// An input a trace does not log is absent, never zero: the features, monitors
// and rules that need it are "not computable" for the corpus (docs/peers.md).
#include <optional>
#include <string>
#include <vector>

#include "evaluate/features.h"

namespace dynfault::evaluate {

class RunInputs {
 public:
  RunInputs(const RunTable& table, size_t row);
  size_t epochs() const { return epochs_; }
  bool has(const std::string& channel) const;              // scalar channel logged
  double at(const std::string& channel, size_t epoch) const;  // NaN when absent
  std::vector<double> series(const std::string& channel) const;  // every logged epoch
  // Per-layer series (row-major epochs x layers); nullptr when the trace lacks it.
  const LayerSeries* layers(const std::string& name) const;
  double layer_at(const LayerSeries& s, size_t epoch, size_t layer) const {
    return s.values[epoch * s.layers.size() + layer];
  }

 private:
  const RunTable& table_;
  size_t row_, epochs_;
};

// A required input: "name" is a scalar channel, "layers:name" a layer series.
bool has_input(const RunInputs& run, const std::string& input);

// A rule of a peer technique (AutoTrainer's training problems, DeepDiagnosis'
// symptoms), as in its code: does it fire anywhere on the trace?
struct PeerRule {
  std::string name;
  std::string condition;            // for the docs and the rules table
  std::vector<std::string> inputs;  // all needed, else the rule is not computable for the trace
  bool (*fires)(const RunInputs& run);
};

// One rule set per file: peer_rules_autotrainer.cpp, peer_rules_deepdiagnosis.cpp.
const std::vector<PeerRule>& autotrainer_rules();
const std::vector<PeerRule>& deepdiagnosis_rules();

struct PeerRuleSet {
  std::string name;  // autotrainer, deepdiagnosis
  const std::vector<PeerRule>& (*rules)();
};
const std::vector<PeerRuleSet>& peer_rule_sets();

// Shared by both rule sets and DeepFD's monitors.
// AutoTrainer's oscillation test on a curve (interior maxima/minima paired by
// index, amplitude >= zeta counted; oscillating if count >= eta x points).
bool autotrainer_oscillates(const std::vector<double>& curve, double zeta = 0.03, double eta = 0.2);
// Largest single-step increase of a curve (-inf for fewer than two points).
double largest_increase(const std::vector<double>& curve);

}  // namespace dynfault::evaluate
