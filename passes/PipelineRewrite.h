//===- PipelineRewrite.h - stages and micro-batches into @main --*- C++ -*-===//
//
// The rewriting half of dsc-partition-pipeline (PartitionPipeline.cpp chooses the cuts):
// given the stage of every op of @main that is not copied (params, constants, iotas), it
// copies those into the stages that use them, unrolls the stages over micro-batches, slices
// the inputs and joins the outputs, and connects the stages with shard.send / shard.recv over
// the pp grid axis. Every op it leaves carries `dsc.stage`; per-micro-batch ones also
// `dsc.microbatch`.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PASSES_PIPELINEREWRITE_H
#define DSC_PASSES_PIPELINEREWRITE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>
#include <set>

namespace dsc {

/// The mesh grid's `pp` axis: its index on the grid and its size (the stages).
struct PipelineGrid {
  mlir::shard::GridOp grid;
  int16_t axis = 0;
  int64_t stages = 1;
};

/// The `pp` axis of the module's mesh grid, if the mesh has one.
std::optional<PipelineGrid> findPipelineGrid(mlir::ModuleOp module);

/// The top-level ops of `func` that do not depend on its inputs (params, constants, iotas,
/// slices and broadcasts of params): each stage that uses them gets its own copy.
llvm::DenseSet<mlir::Operation *> inputIndependentOps(mlir::func::FuncOp func);

class PipelineRewriter {
public:
  PipelineRewriter(mlir::func::FuncOp func, mlir::shard::GridOp grid, int16_t axis, int64_t stages,
                   int64_t microbatches)
      : func(func), grid(grid), axis(axis), stages(stages), microbatches(microbatches) {}

  /// Puts a top-level op of the function into a stage; every op but params, constants and
  /// iotas must be assigned before run().
  void assign(mlir::Operation *op, int64_t stage) { stageOf[op] = stage; }

  /// Rewrites the function. Errors (a batch that the micro-batches do not divide, a value
  /// whose dim 0 is not the batch) are reported at the op.
  mlir::LogicalResult run();

private:
  mlir::LogicalResult findBatch();
  mlir::LogicalResult markBatch(mlir::Operation *op);
  /// Marks `value`, an operand of the batch's shape of `user`, as batch: a splat constant,
  /// an iota or a broadcast, in or (through a fusion's operands) outside a fusion body.
  mlir::LogicalResult markShapeLeaf(mlir::Value value, mlir::Operation *user);
  /// Rejects an op with a batch operand that reads across the batch.
  mlir::LogicalResult checkBatchUse(mlir::Operation *op);
  bool isBatch(mlir::Value v) const { return batchValues.contains(v); }
  mlir::Type microbatchType(mlir::Type type) const;
  void retype(mlir::Operation *original, mlir::Operation *clone);
  /// The stage of the top-level op that holds `user` (the last stage for the return).
  int64_t userStage(mlir::Operation *user) const;
  /// The stages that use an input-independent op, through other such ops.
  std::set<int64_t> usersStages(mlir::Operation *op) const;
  void tag(mlir::Operation *op, int64_t stage, std::optional<int64_t> microbatch);

  mlir::func::FuncOp func;
  mlir::shard::GridOp grid;
  int16_t axis;
  int64_t stages, microbatches;
  llvm::DenseMap<mlir::Operation *, int64_t> stageOf;
  llvm::DenseSet<mlir::Value> batchValues;
  /// Outputs gathered along dim 0 (over dp): gathered again after the join.
  llvm::DenseSet<mlir::Operation *> hoisted;
  llvm::DenseSet<mlir::Operation *> free;
  int64_t batch = 0;
};

} // namespace dsc

#endif // DSC_PASSES_PIPELINEREWRITE_H
