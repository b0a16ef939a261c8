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
// Layouts are the ones cuBLASLt's scale modes read on Hopper (checked on an
// H100 by test/gpu/probes/cublaslt_fp8_scales.cu against a CPU product, and by
// the GPU suite's fp8 cases):
//   - activations x[M, K] row-major, 1 x 128 tiles (VEC128_32F): scales
//     [K/128, pitch(M)], M contiguous;
//   - weights w[K, N] row-major, 128 x 128 blocks (BLK128x128_32F): values
//     stored transposed as [N, K] (K contiguous: the "TN" operand FP8 GEMMs
//     need), scales [N/128, pitch(K/128)], K/128 contiguous.
// pitch(n) rounds n up to a multiple of 4 (16 bytes): cuBLASLt reads the scale
// rows at that pitch (an H100 run with K/128 = 2 and 86 gave wrong products
// without it). The padding holds 1.0 and is never read as a scale.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_FP8QUANT_H
#define DSC_RUNTIME_SUPPORT_FP8QUANT_H

#include "runtime/support/HostArray.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace dsc {

/// The tile and block edge of the fine-grained recipe.
inline constexpr int64_t kFp8Block = 128;
/// e4m3's largest finite value.
inline constexpr float kE4M3Max = 448.0f;

/// How a tensor is scaled to fp8.
enum class Fp8Recipe {
  /// DeepSeek-V3: 1 x 128 tiles for activations, 128 x 128 blocks for
  /// weights.
  Blockwise,
  /// One scale for the whole tensor, from its current amax.
  Tensor,
};

/// "blockwise", "tensor"; parseFp8Recipe is its inverse.
std::string_view fp8RecipeName(Fp8Recipe recipe);
std::optional<Fp8Recipe> parseFp8Recipe(std::string_view name);

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

/// `n` rounded up to a multiple of 4: the pitch of the scale rows.
inline int64_t fp8ScalePitch(int64_t n) { return (n + 3) / 4 * 4; }

/// The scales' shape for each operand and recipe (as above).
std::vector<int64_t> fp8ActivationScaleShape(int64_t rows, int64_t k,
                                             Fp8Recipe recipe);
std::vector<int64_t> fp8WeightScaleShape(int64_t k, int64_t n,
                                         Fp8Recipe recipe);

/// quantizeWeightFp8 of a host weight `source` ([k, n], any float dtype):
/// the values as an f8E4M3FN [n, k] array and the scales as an f32 array.
/// Errors say what is wrong with `source` (rank, divisibility, dtype).
absl::StatusOr<std::pair<HostArray, HostArray>>
quantizeWeightArrayFp8(const HostArray &source, Fp8Recipe recipe);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_FP8QUANT_H
