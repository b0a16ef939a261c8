//===- PlanDialect.h - the execution-plan dialect ---------------*- C++ -*-===//
//
// The public header of the plan dialect: the dialect class, its enum attributes, its ops and
// the byte-size helpers the memory planner and the artifact writer share.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_PLANDIALECT_H
#define DSC_IR_PLANDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <string>

namespace dsc::plan {

/// A plan buffer: a memref with a static shape, the identity layout, no memory space, and a
/// dsc element type (f32, bf16, f16, f8E4M3FN, f8E5M2, i1, i32, i64).
bool isPlanBuffer(mlir::Type type);

/// Every arena and parameter-region offset is a multiple of this: 256 bytes is what cudaMalloc
/// guarantees for a region's base, so a buffer carved out of the arena is aligned like its own
/// cudaMalloc would be (cuBLASLt, 16-byte vector accesses, TMA all hold), and it is the most
/// the schema's Buffer.alignment allows.
constexpr int64_t kBufferAlignment = 256;

/// Bytes one element takes in a buffer: i1 and the fp8 types take one byte.
int64_t elementBytes(mlir::Type elementType);

/// Bytes of a plan buffer: elements times elementBytes.
int64_t bufferBytes(mlir::MemRefType type);

/// The buffer a value's bytes belong to, through any chain of plan.view, and the byte offset
/// of the value within it.
std::pair<mlir::Value, int64_t> rootBuffer(mlir::Value buffer);

/// Why cuDNN's fused flash attention (`plan.attention` with `backend = "cudnn"`, run by
/// runtime/exec/CudnnAttention.h) cannot take an attention of these sizes computing in
/// `dtype`, or an empty string when it can. The compiler's `--attention=auto` chooses cuDNN
/// exactly where this is empty, and the plan verifier refuses the rest.
std::string cudnnAttentionUnsupported(mlir::Type dtype, int64_t tq, int64_t tk, int64_t dh,
                                      int64_t dv, bool causal);
/// The module attribute `plan.mesh` (PlanBase.td): axis names and sizes.
struct Mesh {
  llvm::SmallVector<llvm::StringRef> axes;
  llvm::SmallVector<int64_t> shape;
};

/// The mesh of the module holding `op`; an error at `op` when it is absent or malformed.
mlir::FailureOr<Mesh> getMesh(mlir::Operation *op);

/// Checks a `split_axes` attribute (one i32 array of mesh axes per dimension, each axis used
/// once) against a buffer of `rank` dimensions and the module's mesh.
mlir::LogicalResult verifySplitAxes(mlir::Operation *op, mlir::ArrayAttr splitAxes, int64_t rank);

} // namespace dsc::plan

#include "ir/PlanDialect.h.inc"
#include "ir/PlanEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/PlanAttrs.h.inc"

#define GET_OP_CLASSES
#include "ir/PlanOps.h.inc"

#endif // DSC_IR_PLANDIALECT_H
