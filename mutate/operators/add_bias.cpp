// WAB: DeepCrime's add_bias: use_bias = true on a layer with a kernel that has
// none (use_bias = false). One mutant per such layer.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(add_bias) {
  LayerRule r;
  r.info = {"add_bias", "WAB", FaultCategory::Weight, SearchKind::Single, "use_bias false -> true on one layer",
            "none (one mutant per layer with use_bias = false)"};
  r.no_target_reason = "every layer with a kernel already has a bias";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    if (!has_kernel(acted_type(s.layers[i]))) return "it has no kernel";
    if (effective_use_bias(s.layers[i])) return "it already has a bias";
    return "";
  };
  r.write = [](ProgramSpec& s, size_t i, const Json&) { acted_config(s.layers[i])["use_bias"] = true; };
  r.describe = [](const ProgramSpec& s, size_t i, const Json&) { return layer_label(s, i) + ": use_bias false -> true"; };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
