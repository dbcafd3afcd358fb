#pragma once
// Shared by the CNN layer operators: kernel_size / pool_size / strides values.
// A setting k means k along every spatial axis (square kernels and windows, as
// the DEFault/Deep4ge value sets); written as an int for 1-D layers and as
// [k, k] for 2-D ones. Canonical parameter: the int k, or the per-axis list when
// the axes differ.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "mutate/layer_edits.h"

namespace dynfault::mutate {

// Canonical form of per-axis values: k when all equal, else the list.
inline Json canonical_spatial(const std::vector<int64_t>& axes) {
  if (axes.empty()) return nullptr;
  for (auto a : axes)
    if (a != axes[0]) return Json(axes);
  return Json(axes[0]);
}

// Reads a user value (k or a per-axis list of the layer's rank) in [1, 1024].
inline Json read_spatial(const Params& p, const std::string& key, const std::string& layer_type) {
  const Json& v = p.raw(key);
  const size_t rank = static_cast<size_t>(spatial_rank(layer_type));
  std::vector<int64_t> axes;
  if (v.is_number_integer()) axes.assign(rank, v.get<int64_t>());
  else if (v.is_array() && v.size() == rank && std::all_of(v.begin(), v.end(), [](const Json& x) { return x.is_number_integer(); }))
    for (const auto& x : v) axes.push_back(x.get<int64_t>());
  else
    throw Error(p.where(), "parameter '" + key + "' must be an integer or a list of " + std::to_string(rank) +
                               " integers (got " + v.dump() + ")");
  for (auto a : axes)
    if (a < 1 || a > 1024) throw Error(p.where(), "parameter '" + key + "' = " + v.dump() + " is out of range [1, 1024]");
  return canonical_spatial(axes);
}

// Writes a canonical value into layer i (int for 1-D layers, per-axis list for 2-D).
inline void write_spatial(ProgramSpec& s, size_t i, const std::string& key, const Json& v) {
  const std::string type = acted_type(s.layers[i]);
  const size_t rank = static_cast<size_t>(spatial_rank(type));
  if (v.is_array()) acted_config(s.layers[i])[key] = v;
  else if (rank == 1) acted_config(s.layers[i])[key] = v;
  else acted_config(s.layers[i])[key] = Json(std::vector<int64_t>(rank, v.get<int64_t>()));
}

inline std::vector<Json> spatial_values(const std::vector<int64_t>& ks) {
  std::vector<Json> v;
  for (auto k : ks) v.emplace_back(k);
  return v;
}

}  // namespace dynfault::mutate
