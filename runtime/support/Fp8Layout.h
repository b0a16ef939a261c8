//===- Fp8Layout.h - FP8 recipes and the shapes of their scales -*- C++ -*-===//
//
// What the compiler's verifiers and passes, the interpreter and the runtime
// all need to agree on about an FP8 recipe, without its numerics (those are in
// Fp8Quant.h): the recipe names and the shape of each operand's scales.
// Header-only and free of Abseil and LLVM, so the IR library can use it.
//
// The layouts are the ones cuBLASLt's scale modes read on Hopper (checked on an
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

#ifndef DSC_RUNTIME_SUPPORT_FP8LAYOUT_H
#define DSC_RUNTIME_SUPPORT_FP8LAYOUT_H

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace dsc {

/// The tile and block edge of the fine-grained recipe.
inline constexpr int64_t kFp8Block = 128;

/// How a tensor is scaled to fp8.
enum class Fp8Recipe {
  /// DeepSeek-V3: 1 x 128 tiles for activations, 128 x 128 blocks for
  /// weights.
  Blockwise,
  /// One scale for the whole tensor, from its current amax.
  Tensor,
};

/// "blockwise" or "tensor"; nullopt for any other name.
inline std::optional<Fp8Recipe> parseFp8Recipe(std::string_view name) {
  if (name == "blockwise")
    return Fp8Recipe::Blockwise;
  if (name == "tensor")
    return Fp8Recipe::Tensor;
  return std::nullopt;
}

/// What `--fp8-recipe` names: a recipe and whether activations are scaled from an amax
/// history. "delayed" (TransformerEngine's delayed scaling) is the tensor recipe's layouts with
/// each activation scale taken from the amaxes of previous runs (Fp8Quant.h); weights and the
/// products are those of "tensor".
struct Fp8RecipeOption {
  Fp8Recipe recipe;
  bool delayed;
};

/// "blockwise", "tensor" or "delayed"; nullopt for any other name.
inline std::optional<Fp8RecipeOption> parseFp8RecipeOption(std::string_view name) {
  if (name == "delayed")
    return Fp8RecipeOption{Fp8Recipe::Tensor, true};
  if (std::optional<Fp8Recipe> recipe = parseFp8Recipe(name))
    return Fp8RecipeOption{*recipe, false};
  return std::nullopt;
}

/// The default number of runs whose amaxes the delayed recipe keeps (`--fp8-amax-history`).
inline constexpr int64_t kDefaultFp8AmaxHistory = 16;
/// The longest history: the quantize kernel reduces it in one 256-thread block per block of
/// values (TransformerEngine's longest default, 1024, fits).
inline constexpr int64_t kMaxFp8AmaxHistory = 1024;

/// `n` rounded up to a multiple of 4: the pitch of the scale rows.
inline int64_t fp8ScalePitch(int64_t n) { return (n + 3) / 4 * 4; }

/// The scales of activations [rows, k]: [k/128, pitch(rows)], or [1].
inline std::vector<int64_t> fp8ActivationScaleShape(int64_t rows, int64_t k,
                                                    Fp8Recipe recipe) {
  if (recipe == Fp8Recipe::Tensor)
    return {1};
  return {k / kFp8Block, fp8ScalePitch(rows)};
}

/// The scales of a weight [k, n] (stored [n, k]): [n/128, pitch(k/128)], or [1].
inline std::vector<int64_t> fp8WeightScaleShape(int64_t k, int64_t n, Fp8Recipe recipe) {
  if (recipe == Fp8Recipe::Tensor)
    return {1};
  return {n / kFp8Block, fp8ScalePitch(k / kFp8Block)};
}

/// The number of scales of a shape above.
inline int64_t fp8ScaleCount(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  return count;
}

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_FP8LAYOUT_H
