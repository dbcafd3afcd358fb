// LCF: filter count of one convolution (CNN programs). Values {1, 3, 5, 10,
// 20}: DEFault's EFI code. A convolution that produces the model output (e.g.
// 70848143's per-pixel 1-filter head) is not a target: the labels fix its width.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_filters) {
  LayerRule r;
  r.info = {"change_filters", "LCF", FaultCategory::Layer, SearchKind::Exhaustive, "filters of one convolution",
            "1, 3, 5, 10, 20 (DEFault EFI)"};
  r.architectures = {Architecture::CNN};
  r.value_key = "filters";
  r.no_target_reason = "the program has no convolution other than the output layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    if (!is_conv(acted_type(s.layers[i]))) return "it is not a convolution";
    if (output_layer(s) == i) return "it is the output layer (its width is fixed by the labels)";
    return "";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return acted_config(s.layers[i]).value("filters", Json()); };
  r.catalogue = [](const ProgramSpec&, size_t) { return std::vector<Json>{1, 3, 5, 10, 20}; };
  r.read_value = [](const Params& p, const ProgramSpec&, size_t) { return Json(p.integer("filters", 1, 4096)); };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { acted_config(s.layers[i])["filters"] = v; };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
