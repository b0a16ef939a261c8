//===- Spmd.cpp - simulated ranks for SPMD programs -----------------------===//
//
// Runs a function on every rank of a device grid in lockstep: each ordinary op is evaluated
// once per rank on that rank's values, and each shard-dialect collective is executed across
// the ranks at once (Collectives.h). Lockstep is exact for SPMD programs, where every rank
// runs the same op sequence. A pipelined function (`dsc.pipeline`, docs/pipeline.md) runs
// each op only on the ranks whose pp coordinate is its `dsc.stage`; its collectives run
// within that stage's ranks, a `shard.send` keeps the value on the sender and the
// `shard.recv` that reads it copies it from the rank at the source stage (same coordinates
// on every other axis). Outputs exist on the last stage's ranks only.
//
//===----------------------------------------------------------------------===//

#include "interp/Collectives.h"
#include "interp/Interpreter.h"
#include "ir/DscDialect.h"
#include "ir/DscOps.h"

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

/// A copy of `v` on a rank: an error at `op` if the rank has no such value (a pipelined op
/// reading a value of another stage).
FailureOr<HostTensor> valueOn(const RankContext &context, Value v, Operation *op) {
  auto it = context.values.find(v);
  if (it == context.values.end())
    return op->emitOpError("reads a value that rank ") << context.rank << " does not hold";
  return it->second;
}

/// The pp axis and stage count of a pipelined function.
struct Pipelining {
  int64_t axis = 0;
  int64_t stages = 1;
};

FailureOr<std::optional<Pipelining>> pipeliningOf(func::FuncOp func, const DeviceGrid &grid) {
  auto dict = func->getAttrOfType<DictionaryAttr>(DscDialect::kPipelineAttr);
  if (!dict)
    return std::optional<Pipelining>();
  auto axis = dict.getAs<IntegerAttr>("axis");
  auto stages = dict.getAs<IntegerAttr>("stages");
  if (!axis || !stages || axis.getInt() < 0 ||
      axis.getInt() >= static_cast<int64_t>(grid.shape.size()) ||
      grid.shape[axis.getInt()] != stages.getInt())
    return func.emitOpError("has a 'dsc.pipeline' whose axis and stages do not match its grid");
  return std::optional<Pipelining>(Pipelining{axis.getInt(), stages.getInt()});
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
  // A weight quantized per rank runs on the mesh even where no collective names it.
  if (!found && func.walk([](QuantizedParamOp p) {
                      return p.getSplitAxes() ? WalkResult::interrupt() : WalkResult::advance();
                    })
                    .wasInterrupted())
    found = findMeshGrid(func);
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

  FailureOr<std::optional<Pipelining>> pipelining = pipeliningOf(func, grid);
  if (failed(pipelining))
    return failure();
  std::vector<size_t> everyRank(ranks.size());
  for (size_t r = 0; r < ranks.size(); ++r)
    everyRank[r] = r;
  // The ranks of each stage, in rank order (that is the sub-grid's row-major order too).
  std::vector<std::vector<size_t>> stageRanks;
  DeviceGrid stageGrid = grid;
  if (*pipelining) {
    stageRanks.resize((*pipelining)->stages);
    for (size_t r = 0; r < ranks.size(); ++r)
      stageRanks[grid.coordinates(r)[(*pipelining)->axis]].push_back(r);
    stageGrid.shape[(*pipelining)->axis] = 1;
  }

  for (Operation &op : block) {
    const std::vector<size_t> *active = &everyRank;
    if (*pipelining && !llvm::isa<func::ReturnOp>(op)) {
      auto stage = op.getAttrOfType<IntegerAttr>(DscDialect::kStageAttr);
      if (!stage || stage.getInt() >= (*pipelining)->stages)
        return op.emitOpError("needs a 'dsc.stage' below ")
               << (*pipelining)->stages << " in a pipelined function";
      active = &stageRanks[stage.getInt()];
    }
    if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
      std::vector<std::vector<HostTensor>> results(ranks.size());
      const std::vector<size_t> &holders =
          *pipelining ? stageRanks[(*pipelining)->stages - 1] : everyRank;
      for (size_t r : holders)
        for (Value v : ret.getOperands())
          if (FailureOr<HostTensor> value = valueOn(ranks[r], v, &op); succeeded(value))
            results[r].push_back(std::move(*value));
          else
            return failure();
      return results;
    }
    if (llvm::isa<shard::ShardOp, shard::SendOp>(op)) {
      // An annotation, or a send: the value is unchanged on its ranks.
      // Copied before inserting: the insertion may move the map's entries.
      for (size_t r : *active) {
        FailureOr<HostTensor> value = valueOn(ranks[r], op.getOperand(0), &op);
        if (failed(value))
          return failure();
        ranks[r].values[op.getResult(0)] = std::move(*value);
      }
    } else if (auto recv = llvm::dyn_cast<shard::RecvOp>(op)) {
      if (!*pipelining || recv.getGridAxes().size() != 1 ||
          recv.getGridAxes()[0] != (*pipelining)->axis || !recv.getSource() ||
          recv.getSource()->size() != 1 || !recv.getOperand(0).getDefiningOp<shard::SendOp>())
        return recv.emitOpError("is supported by the interpreter only as a pipeline stage's "
                                "receive: over the pp axis, from a static source, of a "
                                "shard.send's result");
      int64_t source = (*recv.getSource())[0];
      for (size_t r : *active) {
        std::vector<int64_t> coords = grid.coordinates(r);
        coords[(*pipelining)->axis] = source;
        RankContext &from = ranks[grid.rankOf(coords)];
        auto it = from.values.find(op.getOperand(0));
        if (it == from.values.end())
          return recv.emitOpError("receives from rank ")
                 << grid.rankOf(coords) << ", which has not sent the value";
        ranks[r].values[op.getResult(0)] = it->second;
      }
    } else if (op.getDialect() && op.getDialect()->getNamespace() == "shard" &&
               op.getNumOperands() >= 1 && op.getNumResults() == 1) {
      if (*pipelining)
        if (auto axes = op.getAttrOfType<DenseI16ArrayAttr>("grid_axes");
            !axes || llvm::is_contained(axes.asArrayRef(), (*pipelining)->axis))
          return op.emitOpError("runs over the pipeline axis; collectives of a stage must "
                                "stay within its ranks");
      PerRank in;
      for (size_t r : *active)
        if (FailureOr<HostTensor> value = valueOn(ranks[r], op.getOperand(0), &op);
            succeeded(value))
          in.push_back(std::move(*value));
        else
          return failure();
      FailureOr<PerRank> out = runCollective(&op, *pipelining ? stageGrid : grid, in, options);
      if (failed(out))
        return failure();
      for (auto [i, r] : llvm::enumerate(*active))
        ranks[r].values[op.getResult(0)] = std::move((*out)[i]);
    } else {
      for (size_t r : *active)
        if (failed(evaluateOp(&op, ranks[r])))
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
