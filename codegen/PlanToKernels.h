//===- PlanToKernels.h - KernelSpecs and cubins from a plan module -*- C++
//-*-===//
//
// The bridge between the plan dialect and the MLIR-free kernel emitter: every
// `plan.launch` of a plan function becomes one KernelSpec (kernel kind, operand
// memref types, `op_attrs`), all of them one emitted CUDA module, and that
// module one cubin per target arch. A launch the emitter cannot generate yet is
// an error at the launch's .dsg location, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_CODEGEN_PLANTOKERNELS_H
#define DSC_CODEGEN_PLANTOKERNELS_H

#include "codegen/KernelEmitter.h"
#include "codegen/Nvrtc.h"
#include "ir/PlanDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include <optional>
#include <string>
#include <vector>

namespace dsc::codegen {

/// The runtime DType of a dsc element type; nullopt for any other type.
std::optional<DType> dtypeOf(mlir::Type elementType);

/// "llama.dsg:14:7": the first file location inside `loc` (file name only), or
/// "" when it has none.
std::string sourceLocation(mlir::Location loc);

/// The spec of one launch; emits an error at the launch and fails when its
/// kernel kind or attributes cannot be mapped.
mlir::FailureOr<KernelSpec> buildKernelSpec(plan::LaunchOp launch);

/// The spec of one attention step (the generated flash-attention kernel).
mlir::FailureOr<KernelSpec> buildKernelSpec(plan::AttentionOp attention);

/// The kernel steps of a plan function (plan.launch and plan.attention) in
/// block order and the one module that holds their kernels:
/// module.kernels[i] is the kernel of launches[i].
struct PlanKernels {
  std::vector<mlir::Operation *> launches;
  EmittedModule module;
};

/// Emits the kernels of every launch in `func`.
mlir::FailureOr<PlanKernels> emitPlanKernels(mlir::func::FuncOp func,
                                             const TargetInfo &target = {});

/// Compiles the emitted module with NVRTC, one cubin per arch ("sm_90a");
/// errors (NVRTC's log included) are reported at `loc`.
mlir::FailureOr<std::vector<Cubin>>
compilePlanKernels(const PlanKernels &kernels,
                   const std::vector<std::string> &archs, mlir::Location loc);

} // namespace dsc::codegen

#endif // DSC_CODEGEN_PLANTOKERNELS_H
