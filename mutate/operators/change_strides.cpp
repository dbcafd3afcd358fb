// LCS: strides of one convolution or max-pooling layer (CNN programs). Values
// {1, 3, 5}: DEFault's EFI code. The current stride is the effective one
// (Keras default 1 for convolutions, the pool size for pooling layers).
#include "mutate/layer_operator.h"
#include "mutate/spatial.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_strides) {
  LayerRule r;
  r.info = {"change_strides", "LCS", FaultCategory::Layer, SearchKind::Exhaustive,
            "strides of one convolution or max-pooling layer", "1, 3, 5 (square for 2-D; DEFault EFI)"};
  r.architectures = {Architecture::CNN};
  r.value_key = "strides";
  r.no_target_reason = "the program has no convolution or max-pooling layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    const std::string t = acted_type(s.layers[i]);
    return is_conv(t) || is_pooling(t) ? "" : "it is neither a convolution nor a max-pooling layer";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return canonical_spatial(spatial_argument(s.layers[i], "strides")); };
  r.catalogue = [](const ProgramSpec&, size_t) { return spatial_values({1, 3, 5}); };
  r.read_value = [](const Params& p, const ProgramSpec& s, size_t i) {
    return read_spatial(p, "strides", acted_type(s.layers[i]));
  };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { write_spatial(s, i, "strides", v); };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
