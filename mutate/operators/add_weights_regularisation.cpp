// RAW: DeepCrime's add_weights_regularisation: a layer with a kernel and no
// (or an all-zero) kernel_regularizer gets l1, l2 or l1_l2 with Keras' default
// factor 0.01. Exhaustive over the three, per layer.
#include "mutate/layer_operator.h"
#include "mutate/regularizers.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(add_weights_regularisation) {
  LayerRule r;
  r.info = {"add_weights_regularisation", "RAW", FaultCategory::Regularization, SearchKind::Exhaustive,
            "kernel_regularizer added to one layer", "l1, l2, l1_l2 (factor 0.01 per term, Keras defaults)"};
  r.value_key = "regularizer";
  r.no_target_reason = "every layer with a kernel already has a kernel regulariser";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    if (!has_kernel(acted_type(s.layers[i]))) return "it has no kernel";
    if (!kernel_regularizer_kind(s.layers[i]).empty()) return "it already has a kernel regulariser";
    return "";
  };
  r.current = [](const ProgramSpec&, size_t) { return Json("none"); };
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
    const Json& cfg = acted_config(s.layers[i]);
    return layer_label(s, i) + ": kernel_regularizer " +
           describe_regularizer(cfg.contains("kernel_regularizer") ? cfg["kernel_regularizer"] : Json()) + " -> " +
           describe_regularizer(regularizer_config(v.get<std::string>()));
  };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
