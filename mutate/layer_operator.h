#pragma once
// The common shape of per-layer operators (DeepCrime's layer_mutation: one
// search per targeted layer): which layers are targets, the layer's current
// (effective) value, the catalogue values, how to read a user value and how to
// write it. An operator file fills a LayerRule; LayerOperator does the rest:
// enumeration (skipping values equal to the current one), validation, errors
// and the change description. Parameters: {"layer": i, <value_key>: v}, or
// {"layer": i} for single-configuration operators (value_key empty).
#include <functional>
#include <string>
#include <vector>

#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {

struct LayerRule {
  OperatorInfo info;
  std::vector<Architecture> architectures;  // empty: every architecture
  std::string value_key;                    // empty: no value (single configuration)
  std::string no_target_reason;             // why the operator does not apply when no layer is a target
  // "" when layer i is a target, otherwise why not (short, e.g. "it has no activation").
  std::function<std::string(const ProgramSpec&, size_t)> not_target;
  // Canonical current value of target layer i (unused for single-configuration operators).
  std::function<Json(const ProgramSpec&, size_t)> current;
  // Catalogue values for target layer i, in order; the current value is dropped.
  std::function<std::vector<Json>(const ProgramSpec&, size_t)> catalogue;
  // Validates a user-given value for layer i and returns it canonical; throws
  // dynfault::Error(params.where(), ...) when out of range.
  std::function<Json(const Params&, const ProgramSpec&, size_t)> read_value;
  // Edits the copy of the spec.
  std::function<void(ProgramSpec&, size_t, const Json& value)> write;
  // Optional: the change text; default "<layer label>: <value_key> <current> -> <value>".
  std::function<std::string(const ProgramSpec& before, size_t, const Json& value)> describe;
};

class LayerOperator : public Operator {
 public:
  explicit LayerOperator(LayerRule rule);
  const OperatorInfo& info() const override { return rule_.info; }
  Enumeration enumerate(const ProgramSpec& spec) const override;
  Applied apply(const ProgramSpec& spec, const Json& parameters) const override;

 private:
  std::string architecture_reason(const ProgramSpec& spec) const;
  LayerRule rule_;
};

// The value half of the activation operators (add_ and change_activation_function):
// value_key "activation", DeepCrime's 11 Keras activations minus `linear` as the
// catalogue, written into the layer's (acted) config.
const std::vector<std::string>& non_linear_activations();
void use_activation_values(LayerRule& rule);

// "applies to CNN, RNN programs; this one is FFNN", or "" when `spec` fits.
std::string architecture_gate(const ProgramSpec& spec, const std::vector<Architecture>& allowed);

}  // namespace dynfault::mutate
