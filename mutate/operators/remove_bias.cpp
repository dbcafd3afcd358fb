// WRB: DeepCrime's remove_bias: use_bias = false on a layer with a kernel and a
// bias (Keras' default use_bias = true). One mutant per such layer.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(remove_bias) {
  LayerRule r;
  r.info = {"remove_bias", "WRB", FaultCategory::Weight, SearchKind::Single, "use_bias true -> false on one layer",
            "none (one mutant per layer with a bias)"};
  r.no_target_reason = "no layer has a bias";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    if (!has_kernel(acted_type(s.layers[i]))) return "it has no kernel";
    if (!effective_use_bias(s.layers[i])) return "it has no bias";
    return "";
  };
  r.write = [](ProgramSpec& s, size_t i, const Json&) { acted_config(s.layers[i])["use_bias"] = false; };
  r.describe = [](const ProgramSpec& s, size_t i, const Json&) { return layer_label(s, i) + ": use_bias true -> false"; };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
