#pragma once
// Seeds derive from the identity of the work (program, mutant, repeat, purpose),
// never from a rank, a clock or completion order. SplitMix64 over an FNV-1a hash
// of the identity string gives well-mixed 64-bit seeds that are stable across
// platforms and releases.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace dynfault {

constexpr uint64_t fnv1a64(std::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seed for a named stream of a piece of work, e.g.
// derive_seed(run_seed, "data"), derive_seed(base, "31556268/lr_x100/r3").
constexpr uint64_t derive_seed(uint64_t base, std::string_view purpose) {
  return splitmix64(fnv1a64(purpose, splitmix64(base)));
}

// An unsigned integer option given as text: decimal digits only, from `min` to
// `max`; anything else (a sign, "-1", "1e3", overflow) throws dynfault::Error
// naming `option`. Options are bound as text because CLI11 would wrap "-1"
// into 2^64 - 1 for an unsigned type.
uint64_t parse_unsigned(std::string_view option, const std::string& text, uint64_t min, uint64_t max);

// A seed option (`--seed` of every command): parse_unsigned from 0 to `max`.
inline uint64_t parse_seed(std::string_view option, const std::string& text,
                           uint64_t max = std::numeric_limits<uint64_t>::max()) {
  return parse_unsigned(option, text, 0, max);
}

}  // namespace dynfault
