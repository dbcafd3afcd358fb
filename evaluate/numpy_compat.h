#pragma once
// The two numpy primitives scikit-learn's splitters rest on, re-implemented
// bit for bit so fold assignments match numpy 1.24 exactly:
//   - np.argsort(int64 array) with the default kind='quicksort' (an introsort
//     that is not stable: it decides which of equal-sized groups GroupKFold
//     places first);
//   - the legacy RandomState(seed).shuffle of a 1-d array (MT19937 + masked
//     rejection sampling), used by StratifiedKFold(shuffle=True).
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace dynfault::evaluate {

std::vector<int64_t> numpy_argsort(const std::vector<int64_t>& values);

class NumpyRandomState {
 public:
  explicit NumpyRandomState(uint32_t seed) : mt_(seed) {}
  // numpy's random_interval: a uniform integer in [0, max] by masked rejection.
  uint64_t random_interval(uint64_t max);
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i-- > 1;) {
      const size_t j = static_cast<size_t>(random_interval(i));
      std::swap(v[i], v[j]);
    }
  }

 private:
  std::mt19937 mt_;
};

}  // namespace dynfault::evaluate
