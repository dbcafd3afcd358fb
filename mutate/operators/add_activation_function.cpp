// AAL: DeepCrime's add_activation_function: a layer whose activation is
// `linear` (explicitly or by Keras default) gets a non-linear one. Values:
// DeepCrime's 11 activations minus `linear` (its sweep includes `linear`,
// which only reproduces the original).
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(add_activation_function) {
  LayerRule r;
  r.info = {"add_activation_function", "AAL", FaultCategory::Activation, SearchKind::Exhaustive,
            "a linear layer gets a non-linear activation",
            "elu, softmax, selu, softplus, softsign, relu, tanh, sigmoid, hard_sigmoid, exponential"};
  use_activation_values(r);
  r.no_target_reason = "no layer with an activation argument is linear";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const std::string a = effective_activation(s.layers[i]);
    if (a.empty()) return "it has no activation";
    if (a != "linear") return "its activation is " + a + ", not linear (see change_activation_function)";
    return "";
  };
  r.current = [](const ProgramSpec&, size_t) { return Json("linear"); };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
