#pragma once
// RQ2's curvature quantities on the channels a corpus has today. This table is
// the one place that names them: when the CF channel semantics of the corpus
// protocol land, only the channel names here change.
//   mean_hvp   epoch mean of the HVP norm ("mean HVP", paper's mu_HVP)
//   hvp_std    spread of the HVP norm ("HVP std", sigma_HVP)
//   grad_std   gradient standard deviation ("gradient std")
//   layer_hvp  per-layer ||Hv|| (a layer series, not a channel)
#include <string>

namespace dynfault::evaluate {

struct CurvatureChannels {
  std::string mean_hvp = "cf_hvp_mean";
  std::string hvp_std = "cf_hvp_std";
  std::string grad_std = "cf_grad_std";
  std::string layer_hvp = "hvp_norm";
};

inline const CurvatureChannels& curvature_channels() {
  static const CurvatureChannels table;
  return table;
}

}  // namespace dynfault::evaluate
