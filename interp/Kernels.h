//===- Kernels.h - Reference kernels, one per dsc op ------------*- C++ -*-===//
//
// The compute core of the reference interpreter: one function per op of
// docs/ops.md, with exactly the semantics written there. Each kernel computes
// in f32 (or f64 for accumulations when InterpOptions::accumulateInF64 is
// set) and rounds once, to the result's dtype, when it stores.
//
// Kernels trust the shapes, dtypes and attributes the dsc verifier checks
// (axes in range, matching dims, ...) and document that as "Expects". What the
// verifier cannot check, runtime values, is handled and never crashes: NaNs,
// out-of-range gather indices and expert ids, integer division by zero.
//
// Results are deterministic: every output element is accumulated in one fixed
// order (the index order of the naive loop), whatever the thread count.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_KERNELS_H
#define DSC_INTERP_KERNELS_H

#include "interp/Tensor.h"
#include "runtime/support/Fp8Quant.h"

#include <optional>
#include <utility>

namespace dsc::interp {

struct InterpOptions {
  /// Accumulate sums (reductions, norms, softmax, matmul, attention, router,
  /// combine) in f64 instead of the f32 the ops.md contract prescribes, to
  /// tell accumulation error from a real bug.
  bool accumulateInF64 = false;
};

//===-- Elementwise (Elementwise.cpp) -------------------------------------===//

enum class UnaryOp {
  Neg,
  Abs,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Tanh,
  Sigmoid,
  Silu,
  Relu
};
enum class BinaryOp { Add, Sub, Mul, Div, Max, Min };
enum class ComparePredicate { Eq, Ne, Lt, Le, Gt, Ge };

/// Expects a float `x`, or an int `x` for Neg, Abs and Relu (which wrap).
HostTensor unary(UnaryOp op, const HostTensor &x);
/// `tanhApproximation` selects the {approximate = "tanh"} form.
HostTensor gelu(const HostTensor &x, bool tanhApproximation);
HostTensor pow(const HostTensor &x, double exponent);
/// Expects `a` and `b` of one type. Ints wrap; int division truncates toward
/// zero, and x / 0 is 0 (the dsc contract leaves it open; this never traps).
HostTensor binary(BinaryOp op, const HostTensor &a, const HostTensor &b);
/// i1 result; ordered: NaN compares false except for Ne.
HostTensor compare(ComparePredicate predicate, const HostTensor &a,
                   const HostTensor &b);
/// `cond` is i1 (any nonzero int counts as true); `a`, `b` of one type.
HostTensor select(const HostTensor &cond, const HostTensor &a,
                  const HostTensor &b);
/// float->float rounds; float->int truncates toward zero and saturates (NaN
/// -> 0); int->float rounds once; int->int wraps; -> i1 is x != 0 (NaN true).
HostTensor cast(const HostTensor &x, DType to);

//===-- Broadcast and shape (Shape.cpp) -----------------------------------===//

/// Operand dim i maps to result dim dims[i] (strictly increasing); each is 1
/// or equal to that result dim.
HostTensor broadcast(const HostTensor &x, const std::vector<int64_t> &dims,
                     const Shape &resultShape);
HostTensor reshape(const HostTensor &x, const Shape &resultShape);
/// Result dim i is operand dim permutation[i].
HostTensor transpose(const HostTensor &x,
                     const std::vector<int64_t> &permutation);
HostTensor slice(const HostTensor &x, const std::vector<int64_t> &start,
                 const std::vector<int64_t> &limit,
                 const std::vector<int64_t> &stride);
/// Expects at least one operand. `axis` may be negative.
HostTensor concat(const std::vector<const HostTensor *> &operands,
                  int64_t axis);
std::vector<HostTensor> split(const HostTensor &x, int64_t axis,
                              const std::vector<int64_t> &sizes);
/// numpy.take(table, indices, axis) with indices clamped to [0, V-1].
HostTensor gather(const HostTensor &table, const HostTensor &indices,
                  int64_t axis);
HostTensor iota(DType dtype, const Shape &shape, int64_t dimension);

//===-- Reductions and row-wise ops (Reduce.cpp) --------------------------===//

enum class ReduceKind { Sum, Max, Mean };

/// `axes` unique, possibly negative. An empty reduction gives 0 (sum), NaN
/// (float mean), 0 (int mean) or the lowest value (max).
HostTensor reduce(ReduceKind kind, const HostTensor &x,
                  const std::vector<int64_t> &axes, bool keepDims,
                  const InterpOptions &options = {});
HostTensor softmax(const HostTensor &x, int64_t axis,
                   const InterpOptions &options = {});
/// x[..., D], w[D].
HostTensor rmsNorm(const HostTensor &x, const HostTensor &w, double eps,
                   const InterpOptions &options = {});
/// x[..., D], w[D], optional b[D].
HostTensor layerNorm(const HostTensor &x, const HostTensor &w,
                     const HostTensor *b, double eps,
                     const InterpOptions &options = {});

//===-- Matmul (Matmul.cpp) -----------------------------------------------===//

struct MatmulAttrs {
  bool transposeA = false;
  bool transposeB = false;
  /// Result dtype; `a`'s when absent.
  std::optional<DType> outType;
};

/// a[batch..., M, K] x b[batch..., K, N] (or a rank-2 b shared by every
/// batch) -> [batch..., M, N]. Int operands sum with wrap-around.
HostTensor matmul(const HostTensor &a, const HostTensor &b,
                  const MatmulAttrs &attrs, const InterpOptions &options = {});

//===-- Transformer ops (Attention.cpp) -----------------------------------===//

enum class RopeStyle { Half, Interleaved };

/// x[..., T, H, Dh] with positions int[T], or x[B, T, H, Dh] with int[B, T].
HostTensor rope(const HostTensor &x, const HostTensor &positions, double theta,
                RopeStyle style, const InterpOptions &options = {});

/// q[B, Tq, Hq, Dh], k[B, Tk, Hkv, Dh], v[B, Tk, Hkv, Dv] -> [B, Tq, Hq, Dv]
/// in q's dtype. `scale` defaults to 1/sqrt(Dh). With `causal`, query i sees
/// keys j <= i + Tk - Tq; a query that sees no key (Tq > Tk) gets zeros.
HostTensor attention(const HostTensor &q, const HostTensor &k,
                     const HostTensor &v, bool causal,
                     std::optional<double> scale,
                     const InterpOptions &options = {});

//===-- Mixture of experts (Moe.cpp) --------------------------------------===//

enum class RouterScore { Sigmoid, Softmax };

struct RouterAttrs {
  int64_t k = 1;
  int64_t numGroups = 1;
  int64_t topkGroups = 1;
  RouterScore score = RouterScore::Sigmoid;
  bool normalize = false;
  double scaling = 1.0;
};

/// logits[N, E], optional bias[E] -> {weights f32[N, k], indices i32[N, k]}.
std::pair<HostTensor, HostTensor> routerTopK(const HostTensor &logits,
                                             const HostTensor *bias,
                                             const RouterAttrs &attrs,
                                             const InterpOptions &options = {});

/// Part of a batch for expert parallelism (moe_dispatch_local and
/// moe_combine_local): the rows are the tokens `tokenIds` of the batch that
/// idx describes, and the buffer holds the experts `experts` of `numExperts`.
/// Null members mean the whole batch and every expert.
struct MoeSubset {
  const HostTensor *tokenIds = nullptr;
  const HostTensor *experts = nullptr;
  int64_t numExperts = 0;
};

/// x[N, D], idx int[N, k] -> [E, C, D]. Choices past capacity are dropped, and
/// so are expert ids outside [0, E) (they cannot be routed anywhere). With a
/// subset, only the rows its tokens fill in its experts' buffers are written.
HostTensor moeDispatch(const HostTensor &x, const HostTensor &indices, int64_t numExperts,
                       int64_t capacity, const MoeSubset &subset = {});

/// buf[E, C, D], idx int[N, k], w float[N, k] -> [N, D] in buf's dtype, with
/// the slots moeDispatch assigned. With a subset: the rows of its tokens, summed
/// over the choices that went to its experts.
HostTensor moeCombine(const HostTensor &buffer, const HostTensor &indices,
                      const HostTensor &weights, const InterpOptions &options = {},
                      const MoeSubset &subset = {});

//===----------------------------------------------------------------------===//
// FP8 (Quant.cpp; numerics in runtime/support/Fp8Quant.h)
//===----------------------------------------------------------------------===//

/// dsc.quantize: `x` [..., K] to e4m3 values of its shape and the recipe's
/// scales ([K/128, rows] or [1]).
std::pair<HostTensor, HostTensor> quantizeFp8(const HostTensor &x,
                                              Fp8Recipe recipe);
/// dsc.quantize with an amax history (delayed scaling): e4m3 values of `x`'s
/// shape and one scale from `history`, which then records `x`'s amax.
std::pair<HostTensor, HostTensor> quantizeFp8Delayed(const HostTensor &x, Fp8AmaxHistory &history);
/// dsc.quantized_param: weight `w` [K, N] to e4m3 values [N, K] and scales
/// ([N/128, K/128] or [1]).
std::pair<HostTensor, HostTensor> quantizeWeightFp8(const HostTensor &w,
                                                    Fp8Recipe recipe);
/// dsc.scaled_matmul of `a` [..., K] and `b` [N, K] with their scales.
HostTensor scaledMatmul(const HostTensor &a, const HostTensor &aScales,
                        const HostTensor &b, const HostTensor &bScales,
                        Fp8Recipe recipe, DType outType);

} // namespace dsc::interp

#endif // DSC_INTERP_KERNELS_H
