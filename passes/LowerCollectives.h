//===- LowerCollectives.h - shard collectives to plan steps -----*- C++ -*-===//
//
// Part of dsc-lower-to-plan (LowerToPlan.cpp), kept apart because it is its own idea: the
// shard dialect's collectives say which tensor dimension they gather, scatter or split,
// while NCCL always works on rank-major blocks of the whole buffer. See LowerCollectives.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PASSES_LOWERCOLLECTIVES_H
#define DSC_PASSES_LOWERCOLLECTIVES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace dsc {

/// What the plan lowering lends the collective lowering: the buffer holding a tensor, a fresh
/// destination buffer for a result (its output binding when the function returns it) and a
/// scratch buffer.
struct CollectiveLoweringHooks {
  llvm::function_ref<mlir::Value(mlir::Value)> bufferOf;
  llvm::function_ref<mlir::Value(mlir::Value)> dest;
  llvm::function_ref<mlir::Value(mlir::MemRefType, mlir::Location)> workspace;
};

/// Lowers one shard-dialect op (all_reduce, all_gather, reduce_scatter, all_to_all,
/// broadcast, all_slice) at the builder's insertion point; errors for the others.
mlir::LogicalResult lowerShardCollective(mlir::OpBuilder &b, mlir::Operation *op,
                                         const CollectiveLoweringHooks &hooks);

/// Sets the module's `plan.mesh` from its one `shard.grid` (axis names from an existing
/// `plan.mesh` of the same shape, else the grid's `dsc.mesh_axes`, else "axis0", ...) and erases
/// the grid; nothing when the module has no grid. Fails on several grids or a dynamic shape.
mlir::LogicalResult lowerShardGrid(mlir::ModuleOp module);

} // namespace dsc

#endif // DSC_PASSES_LOWERCOLLECTIVES_H
