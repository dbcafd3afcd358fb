// ACH: DeepCrime's change_activation_function, per layer. Targets layers with a
// non-linear activation; values: DeepCrime's 11 Keras activations minus
// `linear` (that change is remove_activation_function) minus the current one.
// Linear layers are add_activation_function's targets, so no two activation
// operators produce the same mutant.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_activation_function) {
  LayerRule r;
  r.info = {"change_activation_function", "ACH", FaultCategory::Activation, SearchKind::Exhaustive,
            "activation of one layer (non-linear -> another non-linear)",
            "elu, softmax, selu, softplus, softsign, relu, tanh, sigmoid, hard_sigmoid, exponential"};
  use_activation_values(r);
  r.no_target_reason = "no layer has a non-linear activation";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const std::string a = effective_activation(s.layers[i]);
    if (a.empty()) return "it has no activation";
    if (a == "linear") return "its activation is linear (see add_activation_function)";
    return "";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return Json(effective_activation(s.layers[i])); };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
