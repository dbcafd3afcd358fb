// RRW: DeepCrime's remove_weights_regularisation: kernel_regularizer = None on a
// layer whose kernel regulariser has a non-zero term (removing an all-zero one,
// like 69364684's L2(0.0), would change nothing). DeepCrime never evaluates
// RRW (no branch in execute_exhaustive_search); dynfault does.
#include "mutate/layer_operator.h"
#include "mutate/regularizers.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(remove_weights_regularisation) {
  LayerRule r;
  r.info = {"remove_weights_regularisation", "RRW", FaultCategory::Regularization, SearchKind::Single,
            "kernel_regularizer removed from one layer", "none (one mutant per layer with a non-zero regulariser)"};
  r.no_target_reason = "no layer has a non-zero kernel regulariser";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    if (!has_kernel(acted_type(s.layers[i]))) return "it has no kernel";
    if (kernel_regularizer_kind(s.layers[i]).empty()) return "it has no non-zero kernel regulariser";
    return "";
  };
  r.write = [](ProgramSpec& s, size_t i, const Json&) { acted_config(s.layers[i]).erase("kernel_regularizer"); };
  r.describe = [](const ProgramSpec& s, size_t i, const Json&) {
    return layer_label(s, i) + ": kernel_regularizer " +
           describe_regularizer(acted_config(s.layers[i])["kernel_regularizer"]) + " -> none";
  };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
