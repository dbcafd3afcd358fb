#include "evaluate/bootstrap.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "evaluate/metrics.h"

namespace dynfault::evaluate {

size_t UnitRng::below(size_t n) {
  const uint64_t range = static_cast<uint64_t>(n);
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % range);
  uint64_t x;
  do x = engine_();
  while (x >= limit);
  return static_cast<size_t>(x % range);
}

ClusterResample draw_cluster_resample(UnitRng& rng, const std::vector<std::vector<int>>& rows_of_program,
                                      const std::vector<int>& y, int n_classes, const std::string& where) {
  constexpr int kMaxRedraws = 1000;
  const size_t G = rows_of_program.size();
  ClusterResample r;
  std::vector<char> seen(n_classes);
  for (int attempt = 0; attempt <= kMaxRedraws; ++attempt) {
    r.programs.clear();
    r.rows.clear();
    std::fill(seen.begin(), seen.end(), 0);
    for (size_t i = 0; i < G; ++i) {
      const int g = static_cast<int>(rng.below(G));
      r.programs.push_back(g);
      for (int row : rows_of_program[g]) {
        r.rows.push_back(row);
        if (n_classes > 0) seen[y[row]] = 1;
      }
    }
    bool complete = true;
    for (char s : seen) complete = complete && s;
    if (complete) {
      r.redraws = attempt;
      return r;
    }
  }
  throw Error(where, "cluster bootstrap: 1000 consecutive resamples of programs missed a class; too few programs "
                     "carry some class for a bootstrap CI");
}

Interval percentile_interval(const std::vector<double>& values, double level_percent) {
  std::vector<double> finite;
  for (double v : values)
    if (std::isfinite(v)) finite.push_back(v);
  if (finite.empty()) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  const double tail = (100.0 - level_percent) / 2.0;
  return {percentile(finite, tail), percentile(finite, 100.0 - tail)};
}

}  // namespace dynfault::evaluate
