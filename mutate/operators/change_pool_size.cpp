// LCP: pool size of one MaxPooling1D/2D layer (CNN programs). Values {1, 3,
// 5}: DEFault's EFI code ((1,1), (3,3), (5,5)). Keras' default strides of a
// pooling layer equal its pool size, so a layer without explicit strides
// changes its stride too, as it would in Keras.
#include "mutate/layer_operator.h"
#include "mutate/spatial.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_pool_size) {
  LayerRule r;
  r.info = {"change_pool_size", "LCP", FaultCategory::Layer, SearchKind::Exhaustive, "pool_size of one max-pooling layer",
            "1, 3, 5 (square for 2-D; DEFault EFI)"};
  r.architectures = {Architecture::CNN};
  r.value_key = "pool_size";
  r.no_target_reason = "the program has no MaxPooling1D/2D layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    return is_pooling(acted_type(s.layers[i])) ? "" : "it is not a max-pooling layer with a pool size";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return canonical_spatial(spatial_argument(s.layers[i], "pool_size")); };
  r.catalogue = [](const ProgramSpec&, size_t) { return spatial_values({1, 3, 5}); };
  r.read_value = [](const Params& p, const ProgramSpec& s, size_t i) {
    return read_spatial(p, "pool_size", acted_type(s.layers[i]));
  };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { write_spatial(s, i, "pool_size", v); };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
