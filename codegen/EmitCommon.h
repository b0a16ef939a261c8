//===- EmitCommon.h - Helpers shared by the kernel templates -----*- C++
//-*-===//
//
// Internal to the emitter: type names, the vector-width rule, launch sizing,
// template filling and the kernel's leading comment. Each Emit*.cpp file holds
// the templates of one family of kernel kinds and uses only these.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_CODEGEN_EMITCOMMON_H
#define DSC_CODEGEN_EMITCOMMON_H

#include "codegen/KernelSpec.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <string>
#include <utility>
#include <vector>

namespace dsc::codegen {

/// Template parameters: "$NAME" -> value. The kernel symbol is "$KERNEL",
/// filled in by finishKernel.
using Subst = std::vector<std::pair<std::string, std::string>>;
std::string fill(const char *tmpl, const Subst &subst);

/// The prelude's C++ name for an element type ("bf16", "f8e4m3", "int").
absl::StatusOr<std::string> cudaType(DType t);
bool isIntDType(DType t);

/// Elements per access so that the widest of `types` moves 16 bytes
/// (HOPPER.md: 16-byte accesses), halved until it divides `innerExtent`; 1
/// when nothing but scalar fits (odd extents).
int chooseVectorWidth(int64_t innerExtent, const std::vector<DType> &types);

/// Blocks for a grid-stride loop over `work` items of `block` threads: enough
/// for the work, at most `waves` full waves of resident threads (numSMs *
/// maxThreadsPerSM / block each).
/// One wave suits kernels whose blocks end in an atomic (fewer is better) and
/// that are known to reach full occupancy. A kernel whose registers may allow
/// fewer resident blocks than a full wave needs several: with 39 registers, 6 of
/// 8 blocks of 256 threads fit per SM, and a one-wave grid of 1056 blocks ran as
/// 792 + 264, the second round a third full (llama_layer's fused SwiGLU +
/// quantize measured 66% of copy on an H100). At 8 waves the last round is at
/// most a few percent of the time at any occupancy.
unsigned gridStrideBlocks(int64_t work, unsigned block,
                          const TargetInfo &target, int waves = 1);

/// Threads per block for one-block-per-row kernels over `items` per row: a
/// whole number of warps, at most 1024 (the CUDA per-block limit).
unsigned rowBlockThreads(int64_t items);

/// "const bf16 *__restrict__ in0, ..., float *__restrict__ out0".
absl::StatusOr<std::string> kernelParams(const KernelSpec &spec);

/// Comma-separated C++ initializer: "{4, 4096}".
std::string intList(const std::vector<int64_t> &values);
/// A float literal that round-trips ("1e-06f" style, via %.9g).
std::string floatLiteral(double v);
/// Row-major strides of `shape`.
std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape);

absl::Status checkArity(const KernelSpec &spec, size_t minInputs,
                        size_t maxInputs, size_t outputs);
absl::Status specError(const KernelSpec &spec, const std::string &message);

/// Names the kernel after a hash of `body` (so identical bodies share a name),
/// then prepends the comment naming the dsc op and the launch.
EmittedKernel finishKernel(const KernelSpec &spec, const std::string &body,
                           LaunchConfig launch, int vectorWidth);

/// C++ expressions of one element, shared by the elementwise and fused kernels:
/// of `x` for a unary op (f32, or 64-bit integers with `isInt`), of `a` and `b`
/// for binary ops and comparisons. Errors name `spec`.
absl::StatusOr<std::string> unaryExpr(const KernelSpec &spec,
                                      const KernelAttrs &attrs, bool isInt);
std::string binaryExpr(BinaryOp op);
std::string compareExpr(ComparePredicate p);

/// Row-wise ops (softmax, rms_norm, layer_norm), shared by the row-wise and
/// fused kernels: the statistics over the row `v[kItems][kV]` (`$THREADS` and
/// `$EPS` still to fill), then the output expression of `v[it][j]` and the
/// loaded parameter vectors `w`, `b` (`parameters` of them).
const char *rowStatsTemplate(KernelKind kind);
std::string rowOutputExpr(KernelKind kind, size_t parameters);

/// A blockwise quantize inside another kernel: once each thread holds kV
/// values of a [rows, K] tensor in `float qx[kV]`, starting at element `at`
/// (in row `row`, 1 x 128 tile `tile`: C++ expressions), the code that writes
/// their e4m3 values to out<valuesOut> and each tile's scale to out<scalesOut>
/// as the standalone kernel does. kV must be 4, 8 or 16.
std::string quantizeTileCode(const std::string &sourceOp, int64_t rows, size_t valuesOut,
                             size_t scalesOut, const std::string &at, const std::string &row,
                             const std::string &tile);

// One entry per family; each checks the spec and fills its template.
absl::StatusOr<EmittedKernel> emitElementwise(const KernelSpec &spec,
                                              const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitShape(const KernelSpec &spec,
                                        const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitReduce(const KernelSpec &spec,
                                         const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitRowwise(const KernelSpec &spec,
                                          const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitRope(const KernelSpec &spec,
                                       const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitMoe(const KernelSpec &spec,
                                      const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitQuant(const KernelSpec &spec,
                                        const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitAttention(const KernelSpec &spec,
                                            const TargetInfo &target);
absl::StatusOr<EmittedKernel> emitFused(const KernelSpec &spec,
                                        const TargetInfo &target);

} // namespace dsc::codegen

#endif // DSC_CODEGEN_EMITCOMMON_H
