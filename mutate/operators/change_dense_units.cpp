// LCN: units of one Dense layer other than the output layer. Values
// {1, 2, 5, 10, 50}: DEFault's EFI code. Per layer (DEFault rewrites them all
// at once), so each mutant changes exactly one width. EFI offers it to CNN and
// RNN programs only (--all_cnn/--all_rnn); dynfault also mutates FFNNs, as the
// published Deep4ge traces and the paper's Layer category do (docs/mutate.md).
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_dense_units) {
  LayerRule r;
  r.info = {"change_dense_units", "LCN", FaultCategory::Layer, SearchKind::Exhaustive,
            "units of one Dense layer (not the output layer)", "1, 2, 5, 10, 50 (DEFault EFI)"};
  r.architectures = {Architecture::FFNN, Architecture::CNN, Architecture::RNN};
  r.value_key = "units";
  r.no_target_reason = "the program has no Dense layer other than the output layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    if (!is_dense(acted_type(s.layers[i]))) return "it is not a Dense layer";
    if (output_layer(s) == i) return "it is the output layer (its width is fixed by the labels)";
    return "";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return acted_config(s.layers[i]).value("units", Json()); };
  r.catalogue = [](const ProgramSpec&, size_t) { return std::vector<Json>{1, 2, 5, 10, 50}; };
  r.read_value = [](const Params& p, const ProgramSpec&, size_t) { return Json(p.integer("units", 1, 4096)); };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { acted_config(s.layers[i])["units"] = v; };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
