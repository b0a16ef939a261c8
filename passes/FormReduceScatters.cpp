//===- FormReduceScatters.cpp - all_reduce then all_slice is a reduce_scatter ===//
//
// Upstream shard-partition reduces a row-parallel matmul's partial sums where they are made
// (`shard.all_reduce`; MLIR 22 has no partial shardings) and, when the users take the result
// split (sequence parallelism: the residual stream split on tokens), slices it right after
// (`shard.all_slice`). Each rank then receives the whole sum and keeps 1/G of it. A
// `shard.reduce_scatter` over the same mesh axes along the slice's dim gives every rank the
// same block with half the traffic of the all_reduce (Megatron-LM's sequence parallelism).
// This pass rewrites such pairs: an all_reduce whose only user is an all_slice over the same
// grid and mesh axes. It leaves alone an all_reduce with other users (they need the whole
// sum) and slices over other axes.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_FORMREDUCESCATTERSPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

struct FormReduceScattersPass : dsc::impl::FormReduceScattersPassBase<FormReduceScattersPass> {
  void runOnOperation() override {
    SmallVector<shard::AllReduceOp> reductions;
    getOperation().walk([&](shard::AllReduceOp op) { reductions.push_back(op); });
    for (shard::AllReduceOp reduce : reductions) {
      if (!reduce->hasOneUse())
        continue;
      auto slice = dyn_cast<shard::AllSliceOp>(*reduce->user_begin());
      if (!slice || slice.getGridAttr() != reduce.getGridAttr() ||
          slice.getGridAxes() != reduce.getGridAxes() ||
          reduce.getInput().getType() != reduce.getResult().getType())
        continue;
      OpBuilder b(slice);
      auto scatter = shard::ReduceScatterOp::create(b, slice.getLoc(), slice.getResult().getType(),
                                                    reduce.getGridAttr(), reduce.getGridAxesAttr(),
                                                    reduce.getInput(), reduce.getReductionAttr(),
                                                    slice.getSliceAxisAttr());
      slice.getResult().replaceAllUsesWith(scatter.getResult());
      slice.erase();
      reduce.erase();
    }
  }
};

} // namespace
