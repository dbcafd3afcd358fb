#include "mutate/layer_operator.h"

#include <algorithm>
#include <stdexcept>

#include "core/error.h"

namespace dynfault::mutate {

std::string architecture_gate(const ProgramSpec& spec, const std::vector<Architecture>& allowed) {
  if (allowed.empty() || std::find(allowed.begin(), allowed.end(), spec.architecture) != allowed.end()) return "";
  std::vector<std::string> names;
  for (auto a : allowed) names.push_back(to_string(a));
  return "applies to " + joined(names) + " programs; this one is " + to_string(spec.architecture);
}

const std::vector<std::string>& non_linear_activations() {
  static const std::vector<std::string> names = {"elu",  "softmax", "selu",    "softplus",     "softsign",
                                                 "relu", "tanh",    "sigmoid", "hard_sigmoid", "exponential"};
  return names;
}

void use_activation_values(LayerRule& rule) {
  rule.value_key = "activation";
  rule.catalogue = [](const ProgramSpec&, size_t) {
    std::vector<Json> v;
    for (const auto& a : non_linear_activations()) v.emplace_back(a);
    return v;
  };
  rule.read_value = [](const Params& p, const ProgramSpec&, size_t) {
    return Json(p.text("activation", non_linear_activations()));
  };
  rule.write = [](ProgramSpec& s, size_t i, const Json& v) { acted_config(s.layers[i])["activation"] = v; };
}

LayerOperator::LayerOperator(LayerRule rule) : rule_(std::move(rule)) {
  const bool valued = !rule_.value_key.empty();
  if (!rule_.not_target || !rule_.write || rule_.no_target_reason.empty() ||
      (valued && (!rule_.current || !rule_.catalogue || !rule_.read_value)))
    throw std::logic_error("layer operator '" + rule_.info.name + "' is missing a rule");
}

std::string LayerOperator::architecture_reason(const ProgramSpec& spec) const {
  return architecture_gate(spec, rule_.architectures);
}

Enumeration LayerOperator::enumerate(const ProgramSpec& spec) const {
  Enumeration e;
  if (std::string why = architecture_reason(spec); !why.empty()) {
    e.reason = why;
    return e;
  }
  bool any_target = false;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    if (!rule_.not_target(spec, i).empty()) continue;
    any_target = true;
    if (rule_.value_key.empty()) {
      e.parameters.push_back({{"layer", i}});
      continue;
    }
    const Json current = rule_.current(spec, i);
    for (const Json& v : rule_.catalogue(spec, i))
      if (v != current) e.parameters.push_back({{"layer", i}, {rule_.value_key, v}});
  }
  if (!any_target) e.reason = rule_.no_target_reason;
  else if (e.parameters.empty()) e.reason = "every catalogue value equals the current one";
  return e;
}

Applied LayerOperator::apply(const ProgramSpec& spec, const Json& parameters) const {
  const Params p(parameters, where(spec));
  if (std::string why = architecture_reason(spec); !why.empty()) throw Error(where(spec), why);
  const bool valued = !rule_.value_key.empty();
  p.expect_keys(valued ? std::vector<std::string>{"layer", rule_.value_key} : std::vector<std::string>{"layer"});
  const size_t i = p.layer(spec);
  if (std::string why = rule_.not_target(spec, i); !why.empty())
    throw Error(where(spec), layer_label(spec, i) + " is not a target: " + why);
  Applied a;
  Json value;  // null for single-configuration operators
  if (valued) {
    value = rule_.read_value(p, spec, i);
    const Json current = rule_.current(spec, i);
    if (value == current)
      throw Error(where(spec), layer_label(spec, i) + ": " + rule_.value_key + " is already " + value.dump() +
                                   " (a mutant must differ from its original)");
    a.parameters = {{"layer", i}, {rule_.value_key, value}};
  } else {
    a.parameters = {{"layer", i}};
  }
  a.spec = spec;
  rule_.write(a.spec, i, value);
  if (rule_.describe) a.change = rule_.describe(spec, i, value);
  else a.change = layer_label(spec, i) + ": " + rule_.value_key + " " + rule_.current(spec, i).dump() + " -> " + value.dump();
  return a;
}

}  // namespace dynfault::mutate
