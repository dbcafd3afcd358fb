// LCO: units of one LSTM/GRU layer (RNN programs; also inside Bidirectional).
// DEFault draws randint(1, 256); dynfault takes that range's ends and its
// geometric middle, {1, 16, 256}, so the catalogue is fixed and the same for
// every program.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_recurrent_units) {
  LayerRule r;
  r.info = {"change_recurrent_units", "LCO", FaultCategory::Layer, SearchKind::Exhaustive, "units of one LSTM/GRU layer",
            "1, 16, 256 (ends and geometric middle of DEFault's randint(1, 256))"};
  r.architectures = {Architecture::RNN};
  r.value_key = "units";
  r.no_target_reason = "the program has no LSTM/GRU layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const std::string t = acted_type(s.layers[i]);
    if (t != "LSTM" && t != "GRU") return "it is not an LSTM/GRU layer";
    if (output_layer(s) == i) return "it is the output layer (its width is fixed by the labels)";
    return "";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return acted_config(s.layers[i]).value("units", Json()); };
  r.catalogue = [](const ProgramSpec&, size_t) { return std::vector<Json>{1, 16, 256}; };
  r.read_value = [](const Params& p, const ProgramSpec&, size_t) { return Json(p.integer("units", 1, 4096)); };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { acted_config(s.layers[i])["units"] = v; };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
