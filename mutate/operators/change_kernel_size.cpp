// LKS: kernel size of one Conv1D/Conv2D layer (CNN programs, as DEFault's
// --all_cnn). Values {1, 2, 7}: DEFault's EFI code ((1,1), (2,2), (7,7)), the
// operator that produced the corpus; square for Conv2D.
#include "mutate/layer_operator.h"
#include "mutate/spatial.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_kernel_size) {
  LayerRule r;
  r.info = {"change_kernel_size", "LKS", FaultCategory::Layer, SearchKind::Exhaustive,
            "kernel_size of one convolution", "1, 2, 7 (square for Conv2D; DEFault EFI)"};
  r.architectures = {Architecture::CNN};
  r.value_key = "kernel_size";
  r.no_target_reason = "the program has no convolution";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    return is_conv(acted_type(s.layers[i])) ? "" : "it is not a convolution";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return canonical_spatial(spatial_argument(s.layers[i], "kernel_size")); };
  r.catalogue = [](const ProgramSpec&, size_t) { return spatial_values({1, 2, 7}); };
  r.read_value = [](const Params& p, const ProgramSpec& s, size_t i) {
    return read_spatial(p, "kernel_size", acted_type(s.layers[i]));
  };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { write_spatial(s, i, "kernel_size", v); };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
