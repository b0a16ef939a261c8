//===- Spmd.cpp - simulated ranks for SPMD programs -----------------------===//
//
// Runs a function on every rank of a device grid in lockstep: each ordinary op is evaluated
// once per rank on that rank's values, and each shard-dialect collective is executed across
// the ranks at once (Collectives.h). Lockstep is exact for SPMD programs, where every rank
// runs the same op sequence; point-to-point transfers between pipeline stages come with the
// pipeline work.
//
//===----------------------------------------------------------------------===//

#include "interp/Collectives.h"
#include "interp/Interpreter.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace dsc::interp {

namespace {

std::vector<int64_t> axesOf(ArrayRef<shard::GridAxis> axes) {
  return std::vector<int64_t>(axes.begin(), axes.end());
}

FailureOr<CollectiveReduction> reductionOf(Operation *op, shard::ReductionKind kind) {
  switch (kind) {
  case shard::ReductionKind::Sum:
    return CollectiveReduction::Sum;
  case shard::ReductionKind::Max:
    return CollectiveReduction::Max;
  case shard::ReductionKind::Min:
    return CollectiveReduction::Min;
  case shard::ReductionKind::Product:
    return CollectiveReduction::Product;
  case shard::ReductionKind::Average:
    return CollectiveReduction::Average;
  default:
    return op->emitOpError("reduction '")
           << shard::stringifyReductionKind(kind) << "' is not supported by the interpreter";
  }
}

/// Executes one collective across all ranks: `in` holds each rank's operand.
FailureOr<PerRank> runCollective(Operation *op, const DeviceGrid &grid, const PerRank &in,
                                 const InterpOptions &options) {
  return llvm::TypeSwitch<Operation *, FailureOr<PerRank>>(op)
      .Case([&](shard::AllReduceOp c) -> FailureOr<PerRank> {
        auto kind = reductionOf(op, c.getReduction());
        auto type = tensorTypeOf(c.getType());
        if (failed(kind) || !type)
          return failure();
        return allReduce(grid, axesOf(c.getGridAxes()), in, *kind, type->first, options);
      })
      .Case([&](shard::AllGatherOp c) -> FailureOr<PerRank> {
        return allGather(grid, axesOf(c.getGridAxes()), in, c.getGatherAxis().getSExtValue());
      })
      .Case([&](shard::AllSliceOp c) -> FailureOr<PerRank> {
        return allSlice(grid, axesOf(c.getGridAxes()), in, c.getSliceAxis().getSExtValue());
      })
      .Case([&](shard::AllToAllOp c) -> FailureOr<PerRank> {
        return allToAll(grid, axesOf(c.getGridAxes()), in, c.getSplitAxis().getSExtValue(),
                        c.getConcatAxis().getSExtValue());
      })
      .Case([&](shard::ReduceScatterOp c) -> FailureOr<PerRank> {
        auto kind = reductionOf(op, c.getReduction());
        if (failed(kind))
          return failure();
        return reduceScatter(grid, axesOf(c.getGridAxes()), in, *kind,
                             c.getScatterAxis().getSExtValue(), options);
      })
      .Case([&](shard::BroadcastOp c) -> FailureOr<PerRank> {
        if (!c.getRootDynamic().empty())
          return c.emitOpError("a dynamic root is not supported by the interpreter");
        // The root's in-group multi-index, linearized over the group's axes.
        int64_t root = 0;
        for (auto [axis, index] : llvm::zip(c.getGridAxes(), c.getRoot()))
          root = root * grid.shape[axis] + index;
        return broadcastFrom(grid, axesOf(c.getGridAxes()), in, root);
      })
      .Default([&](Operation *) -> FailureOr<PerRank> {
        return op->emitOpError("is not supported by the reference interpreter");
      });
}

} // namespace

FailureOr<DeviceGrid> deviceGridOf(func::FuncOp func) {
  shard::GridOp found;
  WalkResult walk = func.walk([&](Operation *op) {
    auto symbol = op->getAttrOfType<FlatSymbolRefAttr>("grid");
    if (!symbol || op->getDialect()->getNamespace() != "shard")
      return WalkResult::advance();
    auto grid = SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(op, symbol);
    if (!grid) {
      op->emitOpError("refers to an unknown grid ") << symbol;
      return WalkResult::interrupt();
    }
    if (found && found.getShape() != grid.getShape()) {
      op->emitOpError("uses grid ") << symbol << " of another shape than grid @"
                                    << found.getSymName()
                                    << "; the interpreter simulates one grid";
      return WalkResult::interrupt();
    }
    found = grid;
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (!found)
    return DeviceGrid{{1}};
  if (llvm::any_of(found.getShape(), [](int64_t d) { return d <= 0; }))
    return found.emitOpError("needs a static shape to be simulated");
  return DeviceGrid{std::vector<int64_t>(found.getShape().begin(), found.getShape().end())};
}

FailureOr<std::vector<std::vector<HostTensor>>>
Interpreter::evaluateSpmd(func::FuncOp func, const DeviceGrid &grid,
                          std::vector<RankContext> &ranks) {
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("the interpreter needs a body of one block");
  Block &block = func.getBody().front();
  llvm::DenseMap<Value, Operation *> lastUse;
  for (Operation &op : block)
    for (Value operand : op.getOperands())
      lastUse[operand] = &op;

  for (Operation &op : block) {
    if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
      std::vector<std::vector<HostTensor>> results(ranks.size());
      for (auto [r, context] : llvm::enumerate(ranks))
        for (Value v : ret.getOperands())
          results[r].push_back(context.values.find(v)->second);
      return results;
    }
    if (llvm::isa<shard::ShardOp>(op)) {
      // An annotation: the value is unchanged on every rank.
      for (RankContext &context : ranks) {
        // Copied out first: inserting the result may grow the map under a reference into it.
        HostTensor value = context.values.find(op.getOperand(0))->second;
        context.values[op.getResult(0)] = std::move(value);
      }
    } else if (op.getDialect() && op.getDialect()->getNamespace() == "shard" &&
               op.getNumOperands() >= 1 && op.getNumResults() == 1) {
      PerRank in;
      for (RankContext &context : ranks)
        in.push_back(context.values.find(op.getOperand(0))->second);
      FailureOr<PerRank> out = runCollective(&op, grid, in, options);
      if (failed(out))
        return failure();
      for (auto [r, context] : llvm::enumerate(ranks))
        context.values[op.getResult(0)] = std::move((*out)[r]);
    } else {
      for (RankContext &context : ranks)
        if (failed(evaluateOp(&op, context)))
          return failure();
    }
    for (Value operand : op.getOperands())
      if (lastUse.lookup(operand) == &op)
        for (RankContext &context : ranks)
          context.values.erase(operand);
  }
  return func.emitOpError("has no func.return");
}

} // namespace dsc::interp
