//===- Random.h - Reproducible random tensors -------------------*- C++ -*-===//
//
// Private to interp/. Random weights and inputs must be the same on every
// platform and for every rank, so they come from std::mt19937_64 (whose output
// the standard fixes) seeded by a hash of (seed, tensor name), and are mapped
// to numbers by hand: std::uniform_*_distribution differ between standard
// libraries.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_RANDOM_H
#define DSC_INTERP_RANDOM_H

#include <cstdint>
#include <random>
#include <string_view>

namespace dsc::interp {

class RandomStream {
public:
  RandomStream(uint64_t seed, std::string_view name)
      : engine(mix(seed, name)) {}

  /// Uniform in [lo, hi), from the top 24 bits (exact in float).
  float uniform(float lo, float hi) {
    float unit = static_cast<float>(engine() >> 40) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * unit;
  }

  /// Uniform in [0, bound) for bound > 0 (the modulo bias is below 2^-40
  /// for any tensor dimension).
  int64_t below(int64_t bound) {
    return static_cast<int64_t>(engine() % static_cast<uint64_t>(bound));
  }

private:
  /// FNV-1a of the name, then the seed folded in with a golden-ratio multiply.
  static uint64_t mix(uint64_t seed, std::string_view name) {
    uint64_t h = 14695981039346656037ull;
    for (char c : name) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    return h ^ (seed * 0x9E3779B97F4A7C15ull);
  }

  std::mt19937_64 engine;
};

} // namespace dsc::interp

#endif // DSC_INTERP_RANDOM_H
