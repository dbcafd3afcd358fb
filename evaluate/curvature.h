#pragma once
// RQ2's curvature quantities, by the CF channels of trace schema 2
// (docs/trace-format.md; version-1 corpora are upgraded on read, so they have
// them too). This table is the one place that names them.
//   mean_hvp   the paper's muHVP: mean across layers of the per-layer ||Hv||
//   hvp_std    the paper's sigmaHVP: population std across layers
//   grad_std   "gradient std": population std of all gradient elements on the
//              probe batch (the OF probe's V2 gradient_std is a different
//              quantity: std across tensors of per-tensor gradient norms)
//   layer_*    the per-layer profile summaries (median, max, min, slope of
//              log10 ||Hv|| over relative depth)
//   layer_hvp  per-layer ||Hv|| (a layer series, not a channel: Fig. 7)
// Every analysis reads row 0, the end of the first epoch, which is the paper's
// "epoch 0" (its callback's on_epoch_end); the probe's at_init values (before
// any update) are not used by RQ2.
#include <string>

namespace dynfault::evaluate {

struct CurvatureChannels {
  std::string mean_hvp = "cf_hvp_layer_mean";
  std::string hvp_std = "cf_hvp_layer_std";
  std::string grad_std = "cf_grad_std";
  std::string layer_median = "cf_hvp_layer_median";
  std::string layer_max = "cf_hvp_layer_max";
  std::string layer_min = "cf_hvp_layer_min";
  std::string layer_log_slope = "cf_hvp_layer_log_slope";
  std::string layer_hvp = "hvp_norm";
};

inline const CurvatureChannels& curvature_channels() {
  static const CurvatureChannels table;
  return table;
}

}  // namespace dynfault::evaluate
