// ARM: DeepCrime's remove_activation_function: a layer's non-linear activation
// becomes `linear`, one mutant per such layer.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(remove_activation_function) {
  LayerRule r;
  r.info = {"remove_activation_function", "ARM", FaultCategory::Activation, SearchKind::Single,
            "a layer's non-linear activation -> linear", "none (one mutant per layer with a non-linear activation)"};
  r.no_target_reason = "no layer has a non-linear activation";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const std::string a = effective_activation(s.layers[i]);
    if (a.empty()) return "it has no activation";
    if (a == "linear") return "its activation is already linear";
    return "";
  };
  r.write = [](ProgramSpec& s, size_t i, const Json&) { acted_config(s.layers[i])["activation"] = "linear"; };
  r.describe = [](const ProgramSpec& s, size_t i, const Json&) {
    return layer_label(s, i) + ": activation " + effective_activation(s.layers[i]) + " -> linear";
  };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
