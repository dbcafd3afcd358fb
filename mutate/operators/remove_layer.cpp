// LRM: removes one Dense, Dropout or Activation layer (DEFault's EFI: "remove
// a Dense/Dropout/Activation statement"; EFI offers it to CNN and RNN programs,
// dynfault to FFNNs too, as Deep4ge's traces: docs/mutate.md). Not removed:
// the output layer (the labels fix its width) and layers that do nothing
// (Activation('linear'), Dropout(0)), whose removal would change nothing.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(remove_layer) {
  LayerRule r;
  r.info = {"remove_layer", "LRM", FaultCategory::Layer, SearchKind::Single,
            "one Dense/Dropout/Activation layer removed", "none (one mutant per removable layer)"};
  r.architectures = {Architecture::FFNN, Architecture::CNN, Architecture::RNN};
  r.no_target_reason = "no Dense/Dropout/Activation layer can be removed (only the output layer or no-op layers)";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const LayerSpec& l = s.layers[i];
    if (l.type != "Dense" && l.type != "Dropout" && l.type != "Activation") return "it is not a Dense/Dropout/Activation layer";
    if (output_layer(s) == i) return "it is the output layer (its width is fixed by the labels)";
    if (l.type == "Activation" && effective_activation(l) == "linear") return "it is a linear activation (no-op)";
    if (l.type == "Dropout" && l.config.value("rate", 0.0) == 0.0) return "its dropout rate is 0 (no-op)";
    return "";
  };
  r.write = [](ProgramSpec& s, size_t i, const Json&) { s.layers.erase(s.layers.begin() + static_cast<long>(i)); };
  r.describe = [](const ProgramSpec& s, size_t i, const Json&) {
    Json j = s.layers[i].config;
    return layer_label(s, i) + " " + j.dump() + " removed";
  };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
