// LAD: inserts one layer after a Dense, Dropout or Activation layer that comes
// before the output layer (DEFault's EFI: "insert a layer after a
// Dense/Dropout/Activation statement"; EFI offers it to CNN and RNN programs,
// dynfault to FFNNs too, as Deep4ge's traces: docs/mutate.md). Inserted layers:
// Deep4ge's three (the first three of DEFault's list): Dense(32, relu),
// Dropout(0.5), Activation(tanh). Inserting after the output layer is left
// out: the output width and activation belong to the labels and loss.
// Explicit parameters may insert any Dense/Dropout/Activation layer that does
// something (not Activation('linear') or Dropout(0)).
#include "core/error.h"
#include "mutate/layer_operator.h"

namespace dynfault::mutate {
namespace {

const std::vector<Json>& inserted_layers() {
  static const std::vector<Json> v = {{{"type", "Dense"}, {"units", 32}, {"activation", "relu"}},
                                      {{"type", "Dropout"}, {"rate", 0.5}},
                                      {{"type", "Activation"}, {"activation", "tanh"}}};
  return v;
}

// "" when a layer may be inserted after top-level layer i.
std::string not_an_anchor(const ProgramSpec& s, size_t i) {
  const std::string& t = s.layers[i].type;
  if (t != "Dense" && t != "Dropout" && t != "Activation") return "it is not a Dense/Dropout/Activation layer";
  const auto out = output_layer(s);
  if (!out || i >= *out) return "it is not before the output layer";
  return "";
}

std::string short_form(const Json& layer) {
  std::string s = layer.value("type", "?") + "(";
  bool first = true;
  for (auto it = layer.begin(); it != layer.end(); ++it) {
    if (it.key() == "type") continue;
    s += (first ? "" : ", ") + it.key() + "=" + it.value().dump();
    first = false;
  }
  return s + ")";
}

class AddLayer : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"add_layer", "LAD", FaultCategory::Layer, SearchKind::Exhaustive,
                                "one layer inserted after a Dense/Dropout/Activation layer before the output layer",
                                "Dense(32, relu), Dropout(0.5), Activation(tanh) (Deep4ge)"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    if (std::string why = architecture_gate(spec, {Architecture::FFNN, Architecture::CNN, Architecture::RNN}); !why.empty()) {
      e.reason = why;
      return e;
    }
    for (size_t i = 0; i < spec.layers.size(); ++i) {
      if (!not_an_anchor(spec, i).empty()) continue;
      for (const Json& layer : inserted_layers()) e.parameters.push_back({{"after", i}, {"insert", layer}});
    }
    if (e.parameters.empty()) e.reason = "no Dense/Dropout/Activation layer before the output layer";
    return e;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    if (std::string why = architecture_gate(spec, {Architecture::FFNN, Architecture::CNN, Architecture::RNN}); !why.empty())
      throw Error(where(spec), why);
    p.expect_keys({"after", "insert"});
    const size_t after = p.layer(spec, "after");
    if (std::string why = not_an_anchor(spec, after); !why.empty())
      throw Error(where(spec), "cannot insert after " + layer_label(spec, after) + ": " + why);
    const Json& insert = p.raw("insert");
    const std::string type = insert.is_object() ? insert.value("type", "") : "";
    if (type != "Dense" && type != "Dropout" && type != "Activation")
      throw Error(where(spec), "parameter 'insert' must be a Dense, Dropout or Activation layer object (got " +
                                   insert.dump() + ")");
    LayerSpec layer{type, Json::object()};
    for (auto it = insert.begin(); it != insert.end(); ++it)
      if (it.key() != "type") layer.config[it.key()] = it.value();
    if ((type == "Activation" && effective_activation(layer) == "linear") ||
        (type == "Dropout" && layer.config.value("rate", 0.0) == 0.0))
      throw Error(where(spec), "inserting " + short_form(insert) + " would change nothing");
    Applied a{{{"after", after}, {"insert", insert}}, spec, ""};
    a.spec.layers.insert(a.spec.layers.begin() + static_cast<long>(after) + 1, layer);
    a.change = short_form(insert) + " inserted after " + layer_label(spec, after);
    return a;
  }
};

}  // namespace

DYNFAULT_OPERATOR(add_layer) { return std::make_unique<AddLayer>(); }

}  // namespace dynfault::mutate
