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

struct Fp8Tensor {
  std::vector<uint8_t> values; // e4m3 bits
  std::vector<float> scales;
};

/// Activations `x` ([rows, k] row-major floats). Blockwise: k a multiple of
/// 128, values [rows, k], scales [k/128, pitch(rows)]. Tensor: values
/// [rows, k], one scale.
Fp8Tensor quantizeActivationFp8(const float *x, int64_t rows, int64_t k,
                                Fp8Recipe recipe);

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
