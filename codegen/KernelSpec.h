//===- KernelSpec.h - Plain descriptions of one generated kernel -*- C++
//-*-===//
//
// The kernel emitter's input: one KernelSpec per kernel, built by the lowering
// from a plan op. Every tensor is dense, row-major and has a static shape, so
// shapes and strides become compile-time constants of the generated CUDA. The
// library holding these has no MLIR in it: specs in, CUDA source out.
//
// Kernel ABI (what the runtime passes, in order): one pointer per input, then
// one per output. No scalar arguments: everything else is baked into the
// kernel. Every buffer is expected 16-byte aligned (the memory planner and
// cudaMalloc give 256).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_CODEGEN_KERNELSPEC_H
#define DSC_CODEGEN_KERNELSPEC_H

#include "runtime/support/DType.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::codegen {

enum class KernelKind {
  Unary,       // in: x; out: y (same shape, same type)
  Binary,      // in: a, b; out: y
  Compare,     // in: a, b; out: i1
  Select,      // in: cond (i1), a, b; out: y
  Cast,        // in: x; out: y of another element type
  Broadcast,   // in: x; out: y; attrs.dims maps operand dim i to result dim
  Transpose,   // in: x; out: y; attrs.dims is the permutation
  Slice,       // in: x; out: y; attrs.dims/limit/stride = start/limit/stride
  Concat,      // in: x0..xn; out: y; attrs.axis
  Gather,      // in: table, indices (i32/i64); out: y; attrs.axis
  Iota,        // in: none, or the rank's mesh coordinates (attrs.rankAxes);
               // out: y; attrs.axis is the dimension
  Reduce,      // in: x; out: y; attrs.reduce, attrs.dims = axes, keepdims
  Softmax,     // in: x; out: y; attrs.axis
  RmsNorm,     // in: x[..., D], w[D]; out: y; attrs.eps
  LayerNorm,   // in: x[..., D], w[D], b[D] (optional); out: y; attrs.eps
  Rope,        // in: x[..., T, H, Dh], positions[T] or [B, T]; out: y; or
               // (dsc.split_rope) x[..., T, N]; out: [..., T, H_i, Dh] pieces
  RouterTopK,  // in: logits[N, E], bias[E] (optional); out: w f32, idx i32
  MoeSlots,    // in: idx[N, k]; out: slot i32[N, k], rowSource i32[E, C]
  MoeDispatch, // in: x[N, D], rowSource i32[E, C]; out: buf[E, C, D]
  MoeCombine,  // in: buf[E, C, D], idx[N, k], slot i32[N, k], w[N, k]; out: y
  // Expert parallelism (dsc.moe_*_local): a rank's tokens and experts in the
  // whole batch's routing. MoeLocalRows: in idx[N, k], slot i32[N, k],
  // token_ids[n], experts[e]; out: row i32[n, k] (expert row * C + slot in the
  // local buffer, or -1). MoeDispatchLocal: in x[n, D], row i32[n, k]; out:
  // buf[e, C, D], zeroed before. MoeCombineLocal: in buf[e, C, D], row, w[n, k];
  // out: y[n, D].
  MoeLocalRows,
  MoeDispatchLocal,
  MoeCombineLocal,
  Attention,   // in: q, k, v; out: o; attrs.causal, attrs.scale
  Fused,       // in: a dsc.fusion's operands; out: its results; fusedSteps,
               // fusedResults
  QuantizeFp8, // in: x[..., K] (+ amax f32[1] unless blockwise); out: e4m3
               // values, f32 scales; attrs.fp8Blockwise
  Amax,        // in: x; out: f32[1] (zeroed before) |= max |x|
};

/// Lower-case name used in kernel symbols and comments ("rms_norm").
const char *kernelKindName(KernelKind kind);

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
  Relu,
  GeluErf,
  GeluTanh,
  Pow
};
enum class BinaryOp { Add, Sub, Mul, Div, Max, Min };
enum class ComparePredicate { Eq, Ne, Lt, Le, Gt, Ge };
enum class ReduceOp { Sum, Max, Mean };
enum class RopeStyle { Half, Interleaved };
enum class RouterScore { Sigmoid, Softmax };

struct TensorDesc {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;

  int64_t numElements() const;
};

/// Op attributes; each kind reads the fields its comment in KernelKind names
/// and ignores the rest.
struct KernelAttrs {
  UnaryOp unary = UnaryOp::Neg;
  BinaryOp binary = BinaryOp::Add;
  ComparePredicate predicate = ComparePredicate::Eq;
  ReduceOp reduce = ReduceOp::Sum;
  /// Broadcast dims, transpose permutation, slice start, reduce axes.
  std::vector<int64_t> dims;
  std::vector<int64_t> limit, stride; // slice
  int64_t axis = -1;                  // concat, gather, iota, softmax
  /// iota split over the mesh: the mesh axes of its dimension (outermost
  /// first) and the mesh's shape; the kernel then reads the rank's mesh
  /// coordinates (i64, one per axis) as its one input and starts at its block.
  std::vector<int64_t> rankAxes, meshShape;
  bool keepDims = false;              // reduce
  double exponent = 2.0;              // pow
  double eps = 1e-6;                  // rms_norm, layer_norm
  double theta = 10000.0;             // rope
  RopeStyle ropeStyle = RopeStyle::Half;
  /// rope of dsc.split_rope: per output, whether it is rotated (empty: all are).
  std::vector<bool> rotate;
  // router_topk
  int64_t k = 1, nGroups = 1, topkGroups = 1;
  RouterScore score = RouterScore::Sigmoid;
  bool normalize = false;
  double scaling = 1.0;
  // moe_slots / moe_dispatch / moe_combine
  int64_t numExperts = 0, capacity = 0;
  // quantize_fp8: 1 x 128 tiles, else one scale from an amax input
  bool fp8Blockwise = true;
  // quantize_fp8, one scale: > 0 for delayed scaling from a history of that many amaxes
  int64_t fp8AmaxHistory = 0;
  // attention
  bool causal = false;
  double scale = 1.0;
};

/// One op of a fused kernel's body, computed per element in registers. Values
/// are numbered: the kernel's inputs first, then one per step in order. A step
/// is a Unary, Binary, Compare, Select, Cast, Broadcast (of an input, read
/// through an index map) or RmsNorm (operands x, then the weight input; at most
/// one, and no step reads it), with `attrs` as that kind's own kernel reads
/// them; or, with `isConstant`, the splat value `constant`; or one blockwise
/// QuantizeFp8 of a computed value (the row-wise op's result in a row kernel),
/// whose values and scales only outputs read.
struct FusedStep {
  KernelKind kind = KernelKind::Unary;
  KernelAttrs attrs;
  bool isConstant = false;
  double constant = 0.0;
  std::vector<int> operands;
  TensorDesc result;
  /// The results after the first, numbered right after it: a QuantizeFp8
  /// step's scales (its first result is the values).
  std::vector<TensorDesc> extraResults;
  /// "dsc.add": a comment on the step's line of CUDA.
  std::string sourceOp;
};

struct KernelSpec {
  KernelKind kind = KernelKind::Unary;
  /// The dsc op this kernel implements ("dsc.rms_norm") and where it came
  /// from ("llama.dsg:12:5"); both go into the kernel's leading comment.
  std::string sourceOp;
  std::string location;
  std::vector<TensorDesc> inputs;
  std::vector<TensorDesc> outputs;
  KernelAttrs attrs;
  /// KernelKind::Fused: the body, and the value each output is written from.
  std::vector<FusedStep> fusedSteps;
  std::vector<int> fusedResults;
};

/// How the runtime launches one kernel.
struct LaunchConfig {
  unsigned grid = 1;
  unsigned block = 1;
  unsigned sharedBytes = 0;
};

/// Where the launch sizes come from; the defaults are an H100 SXM5 (132 SMs,
/// 2048 resident threads per SM: CUDA C Programming Guide, compute capability
/// 9.0 table). H200 has the same SM count. The runtime can re-derive these from
/// cudaGetDeviceProperties.
struct TargetInfo {
  unsigned numSMs = 132;
  unsigned maxThreadsPerSM = 2048;
};

struct EmittedKernel {
  /// Symbol of the extern "C" kernel: dsc_<kind>_<hash of its body>, so two
  /// specs that generate the same code share one kernel.
  std::string name;
  /// The __global__ function with its leading comment (no prelude).
  std::string source;
  LaunchConfig launch;
  /// Elements per vector access chosen for the innermost dimension (1: scalar).
  int vectorWidth = 1;
};

} // namespace dsc::codegen

#endif // DSC_CODEGEN_KERNELSPEC_H
