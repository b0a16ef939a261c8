//===- LowerCollectives.cpp - shard collectives to plan steps -------------===//
//
// NCCL gathers, scatters and exchanges rank-major blocks of whole buffers: an all_gather's
// result is [G, local...]. A shard collective along tensor dimension k is the same thing
// only when every dimension before k has size 1; otherwise the rank-major blocks are moved
// into place by a transpose (a generated kernel, `plan.launch "transpose"`) on the side of
// the collective that needs it:
//   all_gather     NCCL into [G, d...], then G moved to just before dimension k;
//   reduce_scatter dimension k split as [G, dk/G] and G moved to the front, then NCCL;
//   all_slice      a reduce_scatter with max (the input is equal on every rank);
//   all_to_all     both: split dimension s with G to the front, NCCL, G moved before c.
// A transpose that only moves size-1 dimensions keeps the byte order and becomes a view.
// Collectives over a mesh axis of size 1 still go through NCCL (a world of one is cheap and
// keeps one path).
//
// A pipeline's shard.send / shard.recv (dsc-partition-pipeline) become a `send` / `recv`
// collective over the same grid axes, with the in-group index of the other rank as `peer`;
// the send's result (which only ties the pair in the IR) has no buffer.
//
// Left alone with an error: the process-index ops (their result depends on the rank, which
// the SPMD plan does not bake in), send / recv with a dynamic or missing peer, and
// reductions into another element type.
//
//===----------------------------------------------------------------------===//

#include "passes/LowerCollectives.h"

#include "ir/DscDialect.h"
#include "ir/PlanDialect.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <numeric>

using namespace mlir;

namespace dsc {
namespace {

plan::Reduction reductionOf(shard::ReductionKind kind, bool &ok) {
  ok = true;
  switch (kind) {
  case shard::ReductionKind::Sum:
    return plan::Reduction::sum;
  case shard::ReductionKind::Product:
    return plan::Reduction::prod;
  case shard::ReductionKind::Max:
    return plan::Reduction::max;
  case shard::ReductionKind::Min:
    return plan::Reduction::min;
  case shard::ReductionKind::Average:
    return plan::Reduction::avg;
  default:
    ok = false;
    return plan::Reduction::sum;
  }
}

class CollectiveLowering {
public:
  CollectiveLowering(OpBuilder &b, Operation *op, const CollectiveLoweringHooks &hooks)
      : b(b), op(op), hooks(hooks) {}

  LogicalResult run();

private:
  LogicalResult lowerAllGather(shard::AllGatherOp c);
  LogicalResult lowerReduceScatter(shard::ReduceScatterOp c);
  LogicalResult lowerAllSlice(shard::AllSliceOp c);
  /// `tensor` reduced over `axes` and scattered along dimension `k` into `result`.
  void scatter(Value tensor, Value result, ArrayRef<shard::GridAxis> axes, int64_t k,
               plan::Reduction reduction, shard::GridOp grid);
  LogicalResult lowerAllToAll(shard::AllToAllOp c);
  /// A send or recv to the rank at `peer` (in-group coordinates along `axes`).
  LogicalResult lowerTransfer(Operation *c, shard::GridOp grid, plan::CollectiveKind kind,
                              Value send, Value recv, ArrayRef<shard::GridAxis> axes,
                              ArrayRef<int64_t> peer, bool dynamic);
  /// `src` read as `shape`, with dimension `from` moved to position `to`, written to `dst`
  /// (which holds as many elements); a view-only move needs no kernel.
  void moveDim(Value src, ArrayRef<int64_t> shape, int64_t from, int64_t to, Value dst);
  Value view(Value buffer, ArrayRef<int64_t> shape);
  void collective(plan::CollectiveKind kind, std::optional<plan::Reduction> reduction, Value send,
                  Value recv, ArrayRef<shard::GridAxis> axes,
                  std::optional<int32_t> peer = std::nullopt);
  int64_t groupSize(ArrayRef<shard::GridAxis> axes, shard::GridOp grid);

  OpBuilder &b;
  Operation *op;
  const CollectiveLoweringHooks &hooks;
  SymbolTableCollection symbols;
};

Value CollectiveLowering::view(Value buffer, ArrayRef<int64_t> shape) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getShape() == shape)
    return buffer;
  return plan::ViewOp::create(b, op->getLoc(), MemRefType::get(shape, type.getElementType()),
                              buffer, /*byte_offset=*/0);
}

void CollectiveLowering::moveDim(Value src, ArrayRef<int64_t> shape, int64_t from, int64_t to,
                                 Value dst) {
  SmallVector<int64_t> perm(shape.size());
  std::iota(perm.begin(), perm.end(), 0);
  perm.erase(perm.begin() + from);
  perm.insert(perm.begin() + to, from);
  SmallVector<int64_t> moved = llvm::map_to_vector(perm, [&](int64_t d) { return shape[d]; });
  // The byte order is kept when the non-unit dimensions stay in order.
  SmallVector<int64_t> order;
  for (int64_t d : perm)
    if (shape[d] != 1)
      order.push_back(d);
  Value input = view(src, shape);
  if (llvm::is_sorted(order)) {
    plan::CopyOp::create(b, op->getLoc(), input, view(dst, shape), /*stream=*/0,
                         /*wait_events=*/nullptr, /*record_event=*/nullptr);
    return;
  }
  Value output = view(dst, moved);
  NamedAttrList attrs;
  attrs.append("permutation", b.getDenseI64ArrayAttr(perm));
  plan::LaunchOp::create(b, op->getLoc(), "transpose", "dsc.transpose",
                         attrs.getDictionary(b.getContext()), ValueRange{input}, ValueRange{output},
                         /*grid=*/nullptr, /*block=*/nullptr,
                         /*shared_bytes=*/0, /*scalars=*/nullptr, /*stream=*/0,
                         /*wait_events=*/nullptr, /*record_event=*/nullptr);
}

void CollectiveLowering::collective(plan::CollectiveKind kind,
                                    std::optional<plan::Reduction> reduction, Value send,
                                    Value recv, ArrayRef<shard::GridAxis> axes,
                                    std::optional<int32_t> peer) {
  SmallVector<int32_t> meshAxes(axes.begin(), axes.end());
  plan::CollectiveOp::create(
      b, op->getLoc(), plan::CollectiveKindAttr::get(b.getContext(), kind),
      reduction ? plan::ReductionAttr::get(b.getContext(), *reduction) : nullptr, send, recv,
      b.getDenseI32ArrayAttr(meshAxes), peer ? b.getI32IntegerAttr(*peer) : nullptr,
      /*stream=*/0, /*wait_events=*/nullptr, /*record_event=*/nullptr);
}

int64_t CollectiveLowering::groupSize(ArrayRef<shard::GridAxis> axes, shard::GridOp grid) {
  int64_t size = 1;
  for (shard::GridAxis axis : axes)
    size *= grid.getShape()[axis];
  return size;
}

/// The product of the dimensions before `dim`: 1 when NCCL's rank-major blocks already lie
/// along `dim`.
int64_t outerSize(ArrayRef<int64_t> shape, int64_t dim) {
  int64_t size = 1;
  for (int64_t d : shape.take_front(dim))
    size *= d;
  return size;
}

LogicalResult CollectiveLowering::lowerAllGather(shard::AllGatherOp c) {
  auto grid = shard::getGrid(c, symbols);
  if (!grid)
    return c.emitOpError("has no grid");
  int64_t g = groupSize(c.getGridAxes(), grid), k = c.getGatherAxis().getSExtValue();
  auto local = cast<RankedTensorType>(c.getInput().getType());
  Value result = hooks.dest(c.getResult());
  if (outerSize(local.getShape(), k) == 1) {
    collective(plan::CollectiveKind::all_gather, std::nullopt, hooks.bufferOf(c.getInput()), result,
               c.getGridAxes());
    return success();
  }
  SmallVector<int64_t> blocks{g};
  llvm::append_range(blocks, local.getShape());
  Value gathered = hooks.workspace(MemRefType::get(blocks, local.getElementType()), c.getLoc());
  collective(plan::CollectiveKind::all_gather, std::nullopt, hooks.bufferOf(c.getInput()), gathered,
             c.getGridAxes());
  moveDim(gathered, blocks, 0, k, result);
  return success();
}

LogicalResult CollectiveLowering::lowerReduceScatter(shard::ReduceScatterOp c) {
  auto grid = shard::getGrid(c, symbols);
  if (!grid)
    return c.emitOpError("has no grid");
  bool ok;
  plan::Reduction reduction = reductionOf(c.getReduction(), ok);
  if (!ok)
    return c.emitOpError("has a reduction NCCL does not run");
  scatter(c.getInput(), c.getResult(), c.getGridAxes(), c.getScatterAxis().getSExtValue(),
          reduction, grid);
  return success();
}

// The input of an all_slice is the same on every rank of the group, and the max of equal
// values is each of them, bit for bit: a reduce_scatter with max hands each rank its slice
// without a rank-dependent step. It moves the whole tensor where a local copy at the rank's
// offset would do (the plan has no rank-dependent steps); weights and entry inputs never get
// here (dsc-fold-param-slices).
LogicalResult CollectiveLowering::lowerAllSlice(shard::AllSliceOp c) {
  auto grid = shard::getGrid(c, symbols);
  if (!grid)
    return c.emitOpError("has no grid");
  scatter(c.getInput(), c.getResult(), c.getGridAxes(), c.getSliceAxis().getSExtValue(),
          plan::Reduction::max, grid);
  return success();
}

void CollectiveLowering::scatter(Value tensor, Value resultTensor, ArrayRef<shard::GridAxis> axes,
                                 int64_t k, plan::Reduction reduction, shard::GridOp grid) {
  int64_t g = groupSize(axes, grid);
  auto full = cast<RankedTensorType>(tensor.getType());
  Value input = hooks.bufferOf(tensor);
  Value result = hooks.dest(resultTensor);
  if (outerSize(full.getShape(), k) != 1) {
    // [.., dk, ..] as [.., G, dk/G, ..], G to the front.
    SmallVector<int64_t> split(full.getShape());
    split[k] /= g;
    split.insert(split.begin() + k, g);
    Value blocks =
        hooks.workspace(MemRefType::get(full.getShape(), full.getElementType()), op->getLoc());
    moveDim(input, split, k, 0, blocks);
    input = blocks;
  }
  collective(plan::CollectiveKind::reduce_scatter, reduction, input, result, axes);
}

LogicalResult CollectiveLowering::lowerAllToAll(shard::AllToAllOp c) {
  auto grid = shard::getGrid(c, symbols);
  if (!grid)
    return c.emitOpError("has no grid");
  int64_t g = groupSize(c.getGridAxes(), grid);
  int64_t s = c.getSplitAxis().getSExtValue(), cat = c.getConcatAxis().getSExtValue();
  auto in = cast<RankedTensorType>(c.getInput().getType());
  Type element = in.getElementType();
  // Blocks to send: G in front of the input split along s.
  SmallVector<int64_t> block(in.getShape());
  block[s] /= g;
  SmallVector<int64_t> split(in.getShape());
  split[s] /= g;
  split.insert(split.begin() + s, g);
  Value send = hooks.bufferOf(c.getInput());
  if (outerSize(in.getShape(), s) != 1) {
    Value blocks = hooks.workspace(MemRefType::get(in.getShape(), element), c.getLoc());
    moveDim(send, split, s, 0, blocks);
    send = blocks;
  }
  // Received: [G, block...]; G moves to just before the concatenated dimension.
  SmallVector<int64_t> received{g};
  llvm::append_range(received, block);
  Value result = hooks.dest(c.getResult());
  if (outerSize(block, cat) == 1) {
    collective(plan::CollectiveKind::all_to_all, std::nullopt, send, result, c.getGridAxes());
    return success();
  }
  Value recv = hooks.workspace(MemRefType::get(received, element), c.getLoc());
  collective(plan::CollectiveKind::all_to_all, std::nullopt, send, recv, c.getGridAxes());
  moveDim(recv, received, 0, cat, result);
  return success();
}

LogicalResult CollectiveLowering::lowerTransfer(Operation *c, shard::GridOp grid,
                                                plan::CollectiveKind kind, Value send, Value recv,
                                                ArrayRef<shard::GridAxis> axes,
                                                ArrayRef<int64_t> peer, bool dynamic) {
  if (!grid)
    return c->emitOpError("has no grid");
  if (dynamic || peer.size() != axes.size())
    return c->emitOpError("needs a static peer on every grid axis to be lowered to NCCL");
  int64_t index = 0;
  for (auto [axis, coordinate] : llvm::zip(axes, peer)) {
    if (coordinate < 0 || coordinate >= grid.getShape()[axis])
      return c->emitOpError("has peer coordinate ")
             << coordinate << " on grid axis " << axis << " of size " << grid.getShape()[axis];
    index = index * grid.getShape()[axis] + coordinate;
  }
  collective(kind, std::nullopt, send, recv, axes, static_cast<int32_t>(index));
  return success();
}

LogicalResult CollectiveLowering::run() {
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](shard::AllReduceOp c) -> LogicalResult {
        bool ok;
        plan::Reduction reduction = reductionOf(c.getReduction(), ok);
        if (!ok)
          return c.emitOpError("has a reduction NCCL does not run");
        if (getElementTypeOrSelf(c.getInput().getType()) !=
            getElementTypeOrSelf(c.getResult().getType()))
          return c.emitOpError("reduces into another element type, which NCCL cannot; cast "
                               "before or after it");
        collective(plan::CollectiveKind::all_reduce, reduction, hooks.bufferOf(c.getInput()),
                   hooks.dest(c.getResult()), c.getGridAxes());
        return success();
      })
      .Case([&](shard::AllGatherOp c) { return lowerAllGather(c); })
      .Case([&](shard::ReduceScatterOp c) { return lowerReduceScatter(c); })
      .Case([&](shard::AllToAllOp c) { return lowerAllToAll(c); })
      .Case([&](shard::BroadcastOp c) -> LogicalResult {
        auto grid = shard::getGrid(c, symbols);
        if (!grid || !c.getRootDynamic().empty())
          return c.emitOpError("needs a grid and a static root to be lowered to NCCL");
        int64_t root = 0;
        for (auto [axis, index] : llvm::zip(c.getGridAxes(), c.getRoot()))
          root = root * grid.getShape()[axis] + index;
        collective(plan::CollectiveKind::broadcast, std::nullopt, hooks.bufferOf(c.getInput()),
                   hooks.dest(c.getResult()), c.getGridAxes(), static_cast<int32_t>(root));
        return success();
      })
      .Case([&](shard::AllSliceOp c) { return lowerAllSlice(c); })
      .Case([&](shard::SendOp c) {
        return lowerTransfer(c, shard::getGrid(c, symbols), plan::CollectiveKind::send,
                             hooks.bufferOf(c.getInput()), Value(), c.getGridAxes(),
                             c.getDestination(), !c.getDestinationDynamic().empty());
      })
      .Case([&](shard::RecvOp c) {
        std::optional<ArrayRef<int64_t>> source = c.getSource();
        return lowerTransfer(c, shard::getGrid(c, symbols), plan::CollectiveKind::recv, Value(),
                             hooks.dest(c.getResult()), c.getGridAxes(),
                             source.value_or(ArrayRef<int64_t>()),
                             !c.getSourceDynamic().empty() || !source);
      })
      .Default([&](Operation *other) {
        return other->emitOpError(
            "has no lowering to the execution plan (NCCL collectives: all_reduce, all_gather, "
            "reduce_scatter, all_to_all, broadcast, all_slice, send, recv)");
      });
}

} // namespace

LogicalResult lowerShardCollective(OpBuilder &b, Operation *op,
                                   const CollectiveLoweringHooks &hooks) {
  return CollectiveLowering(b, op, hooks).run();
}

LogicalResult lowerShardGrid(ModuleOp module) {
  SmallVector<shard::GridOp> grids(module.getOps<shard::GridOp>());
  if (grids.empty())
    return success();
  if (grids.size() > 1)
    return grids[1].emitOpError("is a second device grid; a plan runs on one mesh");
  shard::GridOp grid = grids.front();
  ArrayRef<int64_t> shape = grid.getShape();
  if (llvm::any_of(shape, ShapedType::isDynamic))
    return grid.emitOpError("has a dynamic shape; the plan needs every mesh axis's size");
  Builder b(module.getContext());
  SmallVector<Attribute> names;
  auto existing = module->getAttrOfType<DictionaryAttr>(plan::PlanDialect::kMeshAttr);
  auto existingShape = existing ? existing.getAs<DenseI64ArrayAttr>("shape") : nullptr;
  auto existingAxes = existing ? existing.getAs<ArrayAttr>("axes") : nullptr;
  auto declared = grid->getAttrOfType<ArrayAttr>(DscDialect::kMeshAxesAttr);
  if (existingShape && existingAxes && existingShape.asArrayRef() == shape)
    llvm::append_range(names, existingAxes);
  else if (declared && declared.size() == shape.size())
    llvm::append_range(names, declared);
  else
    for (size_t i = 0; i < shape.size(); ++i)
      names.push_back(b.getStringAttr("axis" + std::to_string(i)));
  NamedAttrList mesh;
  mesh.append("axes", b.getArrayAttr(names));
  mesh.append("shape", b.getDenseI64ArrayAttr(shape));
  module->setAttr(plan::PlanDialect::kMeshAttr, mesh.getDictionary(module.getContext()));
  grid.erase();
  return success();
}

} // namespace dsc
