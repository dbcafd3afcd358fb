// RCW: DeepCrime's change_weights_regularisation: a layer's kernel regulariser
// type (l1, l2 or l1_l2, by its non-zero terms) is swapped for each of the
// other two with Keras' default factor 0.01. DeepCrime draws one at random;
// dynfault enumerates both.
#include "mutate/layer_operator.h"
#include "mutate/regularizers.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_weights_regularisation) {
  LayerRule r;
  r.info = {"change_weights_regularisation", "RCW", FaultCategory::Regularization, SearchKind::Exhaustive,
            "kernel_regularizer type of one layer",
            "l1, l2, l1_l2 minus the current type (factor 0.01 per term, Keras defaults)"};
  r.value_key = "regularizer";
  r.no_target_reason = "no layer has a non-zero kernel regulariser";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    if (!has_kernel(acted_type(s.layers[i]))) return "it has no kernel";
    if (kernel_regularizer_kind(s.layers[i]).empty()) return "it has no non-zero kernel regulariser";
    return "";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return Json(kernel_regularizer_kind(s.layers[i])); };
  r.catalogue = [](const ProgramSpec&, size_t) {
    std::vector<Json> v;
    for (const auto& n : regularizer_names()) v.emplace_back(n);
    return v;
  };
  r.read_value = [](const Params& p, const ProgramSpec&, size_t) { return Json(p.text("regularizer", regularizer_names())); };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) {
    acted_config(s.layers[i])["kernel_regularizer"] = regularizer_config(v.get<std::string>());
  };
  r.describe = [](const ProgramSpec& s, size_t i, const Json& v) {
    return layer_label(s, i) + ": kernel_regularizer " +
           describe_regularizer(acted_config(s.layers[i])["kernel_regularizer"]) + " -> " +
           describe_regularizer(regularizer_config(v.get<std::string>()));
  };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
