#pragma once
// The one random number generator of the data recipes. Bit-stable:
// mt19937_64 is fully specified by the standard; the transforms below replace
// the implementation-defined std distributions.
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace dynfault::data {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // [low, high), unbiased (rejects the 2^64 mod range lowest draws).
  int64_t integer(int64_t low, int64_t high) {
    const uint64_t range = static_cast<uint64_t>(high - low);
    const uint64_t reject_below = (0 - range) % range;
    uint64_t x;
    do x = engine_();
    while (x < reject_below);
    return low + static_cast<int64_t>(x % range);
  }

  // Standard normal, Marsaglia's polar method (pairs; the spare is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

  // Knuth's multiplication method; fine for the small means recipes use.
  int64_t poisson(double lambda) {
    const double limit = std::exp(-lambda);
    int64_t k = 0;
    double p = 1.0;
    do {
      ++k;
      p *= uniform();
    } while (p > limit);
    return k - 1;
  }

  // Fisher-Yates.
  std::vector<int64_t> permutation(int64_t n) {
    std::vector<int64_t> p(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) p[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[integer(0, i + 1)]);
    return p;
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace dynfault::data
