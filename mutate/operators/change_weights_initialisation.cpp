// WCI: DeepCrime's change_weights_initialisation, per layer with a kernel
// (Dense, Conv, LSTM/GRU/SimpleRNN; the input kernel of recurrent layers).
// Values: DeepCrime's 13 Keras initialisers without `identity` (2-D kernels
// only; DeepCrime drops it for other shapes), minus the current one by name, as
// DeepCrime removes it. `constant` with no value is Constant(0), i.e. `zeros`:
// the catalogue emits `zeros` only (DeepCrime's list holds both, 127 equivalent
// pairs over the zoo); `constant` is still accepted as a parameter.
#include <set>

#include "core/error.h"
#include "mutate/layer_operator.h"

namespace dynfault::mutate {
namespace {

const std::vector<std::string> kInitialisers = {
    "zeros",          "ones",          "constant",       "random_normal",  "random_uniform",
    "truncated_normal", "orthogonal",  "lecun_uniform",  "glorot_normal",  "glorot_uniform",
    "he_normal",      "lecun_normal",  "he_uniform"};

// What the initialiser is, by name; a zero Constant is "zeros", another constant "constant(<value>)".
std::string current_key(const LayerSpec& layer) {
  const std::string name = kernel_initializer_name(layer);
  if (name != "constant") return name;
  const Json& v = acted_config(layer)["kernel_initializer"];
  if (v.is_object() && v.contains("value") && v["value"].is_number() && v["value"].get<double>() != 0)
    return "constant(" + v["value"].dump() + ")";
  return "zeros";
}

// What a catalogue name means when written as a string.
std::string key_of(const std::string& name) { return name == "constant" ? "zeros" : name; }

}  // namespace

DYNFAULT_OPERATOR(change_weights_initialisation) {
  LayerRule r;
  r.info = {"change_weights_initialisation", "WCI", FaultCategory::Weight, SearchKind::Exhaustive,
            "kernel_initializer of one layer",
            "zeros, ones, constant, random_normal, random_uniform, truncated_normal, orthogonal, lecun_uniform, "
            "glorot_normal, glorot_uniform, he_normal, lecun_normal, he_uniform (Keras default arguments)"};
  r.value_key = "kernel_initializer";
  r.no_target_reason = "no layer has a kernel";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    return has_kernel(acted_type(s.layers[i])) ? "" : "it has no kernel";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return Json(current_key(s.layers[i])); };
  // By meaning, not by name: `constant` (no value) is `zeros`, so only `zeros` is emitted.
  r.catalogue = [](const ProgramSpec& s, size_t i) {
    std::vector<Json> v;
    std::set<std::string> meant = {current_key(s.layers[i])};
    for (const auto& name : kInitialisers)
      if (meant.insert(key_of(name)).second) v.emplace_back(name);
    return v;
  };
  r.read_value = [](const Params& p, const ProgramSpec& s, size_t i) {
    const std::string name = p.text("kernel_initializer", kInitialisers);
    if (key_of(name) == current_key(s.layers[i]))
      throw Error(p.where(), layer_label(s, i) + ": kernel_initializer is already " + kernel_initializer_name(s.layers[i]) +
                                 " (a mutant must differ from its original)");
    return Json(name);
  };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { acted_config(s.layers[i])["kernel_initializer"] = v; };
  r.describe = [](const ProgramSpec& s, size_t i, const Json& v) {
    return layer_label(s, i) + ": kernel_initializer " + kernel_initializer_name(s.layers[i]) + " -> " +
           v.get<std::string>();
  };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
