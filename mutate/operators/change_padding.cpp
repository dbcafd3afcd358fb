// LCD: padding of one convolution or max-pooling layer (CNN programs). Values:
// DEFault's EFI {valid, same, causal}, with `causal` only where Keras accepts it
// (Conv1D); minus the current (effective, default "valid") padding.
#include "core/error.h"
#include "mutate/layer_operator.h"

namespace dynfault::mutate {
namespace {
std::vector<std::string> paddings_for(const std::string& type) {
  if (type == "Conv1D") return {"valid", "same", "causal"};
  return {"valid", "same"};
}
}  // namespace

DYNFAULT_OPERATOR(change_padding) {
  LayerRule r;
  r.info = {"change_padding", "LCD", FaultCategory::Layer, SearchKind::Exhaustive,
            "padding of one convolution or max-pooling layer", "valid, same, causal (causal for Conv1D only; DEFault EFI)"};
  r.architectures = {Architecture::CNN};
  r.value_key = "padding";
  r.no_target_reason = "the program has no convolution or max-pooling layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const std::string t = acted_type(s.layers[i]);
    return is_conv(t) || is_pooling(t) ? "" : "it is neither a convolution nor a max-pooling layer";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return Json(effective_padding(s.layers[i])); };
  r.catalogue = [](const ProgramSpec& s, size_t i) {
    std::vector<Json> v;
    for (const auto& p : paddings_for(acted_type(s.layers[i]))) v.emplace_back(p);
    return v;
  };
  r.read_value = [](const Params& p, const ProgramSpec& s, size_t i) {
    return Json(p.text("padding", paddings_for(acted_type(s.layers[i]))));
  };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { acted_config(s.layers[i])["padding"] = v; };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
