//===- DscDialect.h - the dsc dialect ---------------------------*- C++ -*-===//
//
// The public header of the dsc dialect: the dialect class, its enum attributes and its ops.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_DSCDIALECT_H
#define DSC_IR_DSCDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/DscDialect.h.inc"
#include "ir/DscEnums.h.inc"
#include "ir/DscInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/DscAttrs.h.inc"

#define GET_OP_CLASSES
#include "ir/DscOps.h.inc"

namespace mlir::shard {
class GridOp;
} // namespace mlir::shard

namespace dsc {
/// The device mesh of the module that holds `op` (or is `op`): its shard.grid that carries
/// `dsc.mesh_axes`; null when there is none.
mlir::shard::GridOp findMeshGrid(mlir::Operation *op);

/// A row-wise op that a dsc.fusion can end in: rms_norm, layer_norm, or softmax over the last
/// axis. Its operands after the first (weight, bias) are per-column parameters of the row.
bool isFusibleRowOp(mlir::Operation *op);

/// Attaches the shard dialect's ShardingInterface to the dsc ops (DscShardingModels.cpp).
void attachShardingModels(mlir::MLIRContext *ctx);
} // namespace dsc

#endif // DSC_IR_DSCDIALECT_H
