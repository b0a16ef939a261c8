//===- PinEntryShardings.cpp - the runtime's contract for entry values ----===//
//
// shard-partition gives a split entry input this rank's type and forgets the split; the runtime
// must know it to cut each rank's slice out of the user's whole input. And the runtime writes
// outputs whole, once (Artifact.fbs: outputs carry no split). Run between sharding-propagation
// and dsc-split-reshardings, this pass records each entry input's split as a `dsc.split_axes`
// argument attribute (which dsc-lower-to-plan carries to the plan's input) and makes every
// split output whole: the return's annotation becomes replicated, so partitioning gathers it
// (dsc-split-reshardings breaks a gather over several axes into steps). Values inside the
// function and params are left alone (dsc-fold-param-slices handles params after partitioning).
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_PINENTRYSHARDINGSPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

bool isSplit(shard::ShardOp op) {
  return llvm::any_of(shard::Sharding(op.getSharding()).getSplitAxes(),
                      [](shard::GridAxesAttr axes) { return !axes.empty(); });
}

/// `split_axes` of a sharding as dsc.split_axes: one array<i32> per dim of a rank-`rank` value.
ArrayAttr splitAxesAttr(Builder &b, shard::ShardOp op, int64_t rank) {
  SmallVector<Attribute> dims(rank, b.getDenseI32ArrayAttr({}));
  for (auto [dim, axes] : llvm::enumerate(shard::Sharding(op.getSharding()).getSplitAxes()))
    if (static_cast<int64_t>(dim) < rank)
      dims[dim] = b.getDenseI32ArrayAttr(llvm::map_to_vector(
          axes.asArrayRef(), [](shard::GridAxis a) { return static_cast<int32_t>(a); }));
  return b.getArrayAttr(dims);
}

struct PinEntryShardingsPass : public dsc::impl::PinEntryShardingsPassBase<PinEntryShardingsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    OpBuilder b(func.getContext());
    for (BlockArgument arg : func.getArguments())
      for (Operation *user : arg.getUsers()) {
        auto annotation = dyn_cast<shard::ShardOp>(user);
        if (!annotation || annotation.getAnnotateForUsers() || !isSplit(annotation))
          continue;
        int64_t rank = cast<RankedTensorType>(arg.getType()).getRank();
        func.setArgAttr(arg.getArgNumber(), dsc::DscDialect::kSplitAxesAttr,
                        splitAxesAttr(b, annotation, rank));
      }
    func.walk([&](func::ReturnOp ret) {
      for (Value result : ret.getOperands()) {
        auto annotation = result.getDefiningOp<shard::ShardOp>();
        if (!annotation || !annotation.getAnnotateForUsers() || !isSplit(annotation))
          continue;
        b.setInsertionPoint(annotation);
        auto whole = shard::ShardingOp::create(
            b, annotation.getLoc(), shard::Sharding(annotation.getSharding()).getGridAttr(),
            ArrayRef<shard::GridAxesAttr>{});
        annotation.getShardingMutable().assign(whole);
      }
    });
  }
};

} // namespace
