#pragma once
// The paper's curvature summaries (schema version 2): statistics across layers
// of the per-layer HVP norms ||(Hv)_l||, one value per epoch (and at_init).
//   mean, std   mu_HVP and sigma_HVP in the paper's reading (II-C): the mean and
//               population std across layers (V1 took them across parameter
//               tensors, kernel and bias apart, of a running-mean Hv)
//   max, min, median, first, last
//               the profile of the per-layer series (first = input side)
//   log_slope   least-squares slope of log10 ||(Hv)_l|| over relative depth
//               (l / (L-1), 0 = first layer, 1 = last), over the layers whose
//               norm is finite and > 0; NaN with fewer than two such layers
// A NaN norm makes every statistic but log_slope NaN; no layer: all NaN.
// The runner's CF probe computes them when it measures, and reading a version-1
// trace derives them from its stored hvp_norm layer series, so both agree.
#include <string>
#include <vector>

namespace dynfault {

struct HvpLayerProfile {
  double mean, std, max, min, median, first, last, log_slope;
};

HvpLayerProfile hvp_layer_profile(const std::vector<double>& per_layer_norm);

// The channel names, in HvpLayerProfile's order: cf_hvp_layer_mean ... cf_hvp_layer_log_slope.
const std::vector<std::string>& hvp_layer_profile_channels();
std::vector<double> values_of(const HvpLayerProfile& p);  // in channel order

}  // namespace dynfault
