//===- Fp8Quant.h - FP8 scaling recipes, bit-exact ------------------*- C++
//-*-===//
//
// The numerics of dsc's FP8 recipes, shared by the reference interpreter, the
// runtime's load-time weight quantization and (by construction, the same
// formulas in CUDA) the generated activation-quantization kernels, so that a
// GPU run and the interpreter agree bit for bit on every fp8 value and scale.
//
// A group of values (a 1 x 128 tile of an activation row, a 128 x 128 block
// of a weight, or a whole tensor) is stored as e4m3 values q and one f32
// scale s with x ~= q * s:
//   amax = max |x| over the group (NaN ignored; 0 for an all-zero group)
//   s    = amax / 448   (f32 division, round to nearest) when amax > 0, else 1
//   q    = e4m3(x / s)  (f32 division, then cvt.rn.satfinite: see DType.h)
// 448 is e4m3's largest finite value, so the group's largest magnitude maps
// to it and nothing saturates. The GEMM computes sum_k q_a q_b s_a s_b with
// f32 accumulation.
//
// Delayed scaling (--fp8-recipe=delayed, TransformerEngine's DelayedScaling
// with the "max" algorithm): a per-tensor activation scale that does not wait
// for the tensor's own amax. Each quantize keeps the amaxes of its last N runs
// in a ring (zeroed at load) and uses
//   s = fp8ScaleForAmax(max of the ring)          while that max is > 0 and finite,
//   s = fp8ScaleForAmax(this run's amax)          otherwise (the first run: no
//                                                  history yet, so current scaling),
// then records this run's amax in the ring's oldest slot. A value above the
// delayed range saturates to +-448 (cvt.rn.satfinite), as in TransformerEngine.
//
// The recipes and the layouts of values and scales are in Fp8Layout.h.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_FP8QUANT_H
#define DSC_RUNTIME_SUPPORT_FP8QUANT_H

#include "runtime/support/Fp8Layout.h"
#include "runtime/support/HostArray.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace dsc {

/// e4m3's largest finite value.
inline constexpr float kE4M3Max = 448.0f;

/// The scale of a group whose largest magnitude is `amax`.
float fp8ScaleForAmax(float amax);
/// `x` stored in e4m3 under `scale`.
uint8_t quantizeToE4M3(float x, float scale);

/// The amax history of one delayed-scaling quantize: `length` slots, zero
/// until a run records into them, the oldest overwritten first. The GPU keeps
/// the same ring in device memory (codegen/EmitQuant.cpp).
class Fp8AmaxHistory {
public:
  explicit Fp8AmaxHistory(int64_t length);

  /// The scale of a run whose own amax is `amax` (see the header comment).
  float scale(float amax) const;
  /// Stores a run's amax in place of the oldest one.
  void record(float amax);
  /// The slots in ring order (slot `next()` is the oldest).
  const std::vector<float> &amaxes() const { return slots; }
  int64_t next() const { return cursor; }

private:
  std::vector<float> slots;
  int64_t cursor = 0;
};

/// The largest magnitude of `n` values, NaN ignored (fmaxf, as the kernels).
float fp8Amax(const float *x, int64_t n);

struct Fp8Tensor {
  std::vector<uint8_t> values; // e4m3 bits
  std::vector<float> scales;
};

/// Activations `x` ([rows, k] row-major floats). Blockwise: k a multiple of
/// 128, values [rows, k], scales [k/128, pitch(rows)]. Tensor: values
/// [rows, k], one scale.
Fp8Tensor quantizeActivationFp8(const float *x, int64_t rows, int64_t k,
                                Fp8Recipe recipe);

/// Activations `x` (`n` floats) with one delayed scale from `history`
/// (history.scale of their amax); their amax is then recorded in `history`.
Fp8Tensor quantizeActivationDelayedFp8(const float *x, int64_t n, Fp8AmaxHistory &history);

/// Weights `w` ([k, n] row-major floats). Values are transposed to [n, k].
/// Blockwise: k and n multiples of 128, scales [n/128, pitch(k/128)]. Tensor:
/// one scale.
Fp8Tensor quantizeWeightFp8(const float *w, int64_t k, int64_t n,
                            Fp8Recipe recipe);

/// quantizeWeightFp8 of a host weight `source` ([k, n], any float dtype):
/// the values as an f8E4M3FN [n, k] array and the scales as an f32 array.
/// Errors say what is wrong with `source` (rank, divisibility, dtype).
absl::StatusOr<std::pair<HostArray, HostArray>>
quantizeWeightArrayFp8(const HostArray &source, Fp8Recipe recipe);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_FP8QUANT_H
