// LCT: one LSTM layer becomes a GRU or vice versa (RNN programs; also inside
// Bidirectional). Arguments both layers share are kept; LSTM-only
// (unit_forget_bias) and GRU-only (reset_after) ones are dropped, so the new
// layer takes Keras defaults for them.
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(swap_lstm_gru) {
  LayerRule r;
  r.info = {"swap_lstm_gru", "LCT", FaultCategory::Layer, SearchKind::Single, "LSTM <-> GRU for one recurrent layer",
            "none (one mutant per LSTM/GRU layer)"};
  r.architectures = {Architecture::RNN};
  r.no_target_reason = "the program has no LSTM/GRU layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const std::string t = acted_type(s.layers[i]);
    return t == "LSTM" || t == "GRU" ? "" : "it is not an LSTM/GRU layer";
  };
  r.write = [](ProgramSpec& s, size_t i, const Json&) {
    LayerSpec& l = s.layers[i];
    const std::string to = acted_type(l) == "LSTM" ? "GRU" : "LSTM";
    Json& cfg = acted_config(l);
    cfg.erase(to == "GRU" ? "unit_forget_bias" : "reset_after");
    if (is_wrapper(l.type)) cfg["type"] = to;
    else l.type = to;
  };
  r.describe = [](const ProgramSpec& s, size_t i, const Json&) {
    const std::string from = acted_type(s.layers[i]);
    return layer_label(s, i) + ": " + from + " -> " + (from == "LSTM" ? "GRU" : "LSTM");
  };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
