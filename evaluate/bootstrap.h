#pragma once
// Randomness for resampling, and the cluster bootstrap over programs.
//
// UnitRng is std::mt19937_64 (its output sequence is fixed by the C++
// standard) seeded from the identity of a work unit via core/seed.h, with an
// unbiased rejection-sampled bounded draw (std::uniform_int_distribution is
// implementation-defined), so every platform and rank draws the same numbers.
//
// Cluster bootstrap: G programs drawn with replacement from the G programs of
// a task; the rows of the drawn programs are concatenated (duplicates kept).
// Degenerate-resample policy: a resample in which some class of the task is
// absent from y_true (ROC AUC undefined, sklearn 1.2 raises) is redrawn from
// the same replicate stream, up to 1000 times; the number of redraws is
// reported with every CI.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace dynfault::evaluate {

class UnitRng {
 public:
  explicit UnitRng(uint64_t seed) : engine_(seed) {}
  size_t below(size_t n);  // uniform in [0, n)
  double uniform() { return double(engine_() >> 11) * 0x1.0p-53; }  // uniform in [0, 1), 53 bits
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i-- > 1;) std::swap(v[i], v[below(i + 1)]);
  }

 private:
  std::mt19937_64 engine_;
};

struct ClusterResample {
  std::vector<int> programs;  // drawn program codes, in draw order
  std::vector<int> rows;      // their rows, concatenated
  int redraws = 0;            // degenerate draws discarded before this one
};

// rows_of_program[g]: the rows of program g; y: class code per row; every one
// of n_classes classes must appear (n_classes 0: no requirement, no redraws).
// Throws after 1000 degenerate draws.
ClusterResample draw_cluster_resample(UnitRng& rng, const std::vector<std::vector<int>>& rows_of_program,
                                      const std::vector<int>& y, int n_classes, const std::string& where);

// Percentile interval (type 7) of the finite values at `level_percent` (e.g. 95:
// the 2.5th and 97.5th percentiles, as np.percentile); NaN bounds if none.
struct Interval {
  double low, high;
};
Interval percentile_interval(const std::vector<double>& values, double level_percent);

}  // namespace dynfault::evaluate
