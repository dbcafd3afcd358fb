#include "core/hvp_profile.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dynfault {

HvpLayerProfile hvp_layer_profile(const std::vector<double>& v) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  HvpLayerProfile p{nan, nan, nan, nan, nan, nan, nan, nan};
  const size_t L = v.size();
  if (L == 0) return p;
  // log_slope first: it skips the layers it cannot take the log of.
  std::vector<double> depth, logs;
  for (size_t l = 0; l < L; ++l)
    if (std::isfinite(v[l]) && v[l] > 0) {
      depth.push_back(L > 1 ? double(l) / double(L - 1) : 0.0);
      logs.push_back(std::log10(v[l]));
    }
  if (depth.size() >= 2) {
    double md = 0, ml = 0;
    for (size_t i = 0; i < depth.size(); ++i) md += depth[i], ml += logs[i];
    md /= double(depth.size());
    ml /= double(depth.size());
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < depth.size(); ++i) {
      sxy += (depth[i] - md) * (logs[i] - ml);
      sxx += (depth[i] - md) * (depth[i] - md);
    }
    p.log_slope = sxy / sxx;
  }
  if (std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); })) return p;
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / double(L);
  double ss = 0;
  for (double x : v) ss += (x - p.mean) * (x - p.mean);
  p.std = std::sqrt(ss / double(L));
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  p.min = sorted.front();
  p.max = sorted.back();
  p.median = L % 2 ? sorted[L / 2] : (sorted[L / 2 - 1] + sorted[L / 2]) / 2;
  p.first = v.front();
  p.last = v.back();
  return p;
}

const std::vector<std::string>& hvp_layer_profile_channels() {
  static const std::vector<std::string> names = {
      "cf_hvp_layer_mean",  "cf_hvp_layer_std",   "cf_hvp_layer_max",  "cf_hvp_layer_min",
      "cf_hvp_layer_median", "cf_hvp_layer_first", "cf_hvp_layer_last", "cf_hvp_layer_log_slope"};
  return names;
}

std::vector<double> values_of(const HvpLayerProfile& p) {
  return {p.mean, p.std, p.max, p.min, p.median, p.first, p.last, p.log_slope};
}

}  // namespace dynfault
