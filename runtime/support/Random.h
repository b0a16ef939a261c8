//===- Random.h - Reproducible random tensors -------------------*- C++ -*-===//
//
// Random weights and inputs must be the same on every platform, for every rank
// and in every runner: the reference interpreter (dsc-interp) and the GPU
// runtime (dsrun) must draw bit-identical weights from the same seed, or the
// GPU suite compares two different models. So there is exactly one
// generator, here: std::mt19937_64 (whose output the standard fixes) seeded by
// a hash of (seed, tensor name), mapped to numbers by hand because
// std::uniform_*_distribution differ between standard libraries.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_RANDOM_H
#define DSC_RUNTIME_SUPPORT_RANDOM_H

#include "runtime/support/HostArray.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace dsc {

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

/// The values of random weight `name` before rounding to its dtype, for a
/// float dtype: vectors uniform in [0.9, 1.1) (norm gains), matrices and
/// higher uniform in +-sqrt(3 / fan_in) with fan_in the smaller of the last
/// two dims (unit variance through a matmul either way round), scalars in
/// [-1, 1).
std::vector<float> randomWeightFloats(uint64_t seed, std::string_view name,
                                      const std::vector<int64_t> &shape);

/// The values of an integer random weight: [0, 2) for i1, [0, 8) otherwise.
std::vector<int64_t> randomWeightInts(uint64_t seed, std::string_view name,
                                      DType dtype,
                                      const std::vector<int64_t> &shape);

/// The weight as stored: randomWeightFloats rounded to `dtype` (by
/// encodeFromFloat, as the interpreter's roundToDType does) or
/// randomWeightInts. An error only for a shape whose size overflows.
absl::StatusOr<HostArray> randomWeightArray(uint64_t seed,
                                            std::string_view name, DType dtype,
                                            const std::vector<int64_t> &shape);

/// A random input without knowledge of its consumers: floats uniform in
/// [-1, 1) (as dsc-interp draws them), ints below `intBound` (i1 below 2).
/// dsc-interp bounds ints by what consumes them (a gather's table size);
/// a runner that only has the plan cannot, so callers pick a bound that the
/// model's index inputs accept.
absl::StatusOr<HostArray> randomInputArray(uint64_t seed, std::string_view name,
                                           DType dtype,
                                           const std::vector<int64_t> &shape,
                                           int64_t intBound);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_RANDOM_H
