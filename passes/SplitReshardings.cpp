//===- SplitReshardings.cpp - one collective per resharding step ----------===//
//
// Upstream shard-partition reshards between two chained `shard.shard` ops only when one mesh
// axis is added to, removed from or moved between tensor dims (all_slice, all_gather,
// all_to_all), and crashes otherwise (an assert in builds that have them). Where propagation
// leaves a larger change, e.g. [[dp], [tp]] to [[tp], [dp]] around an op that needs other
// dims whole, this inserts intermediate annotations: the axes come off one at a time (last
// first) until the value is whole, then go on one at a time. Gather then slice is not the
// cheapest route for every change, but each step is one upstream collective and the result
// is right. Pairs that are already one step are left alone.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_SPLITRESHARDINGSPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

using Split = SmallVector<SmallVector<shard::GridAxis>>;

Split splitOf(Value sharding, int64_t rank) {
  Split split(rank);
  for (auto [dim, axes] : llvm::enumerate(shard::Sharding(sharding).getSplitAxes()))
    if (static_cast<int64_t>(dim) < rank)
      split[dim] = llvm::to_vector(axes.asArrayRef());
  return split;
}

/// Whether `to` is `from` with one axis appended to one dim (or the reverse when `flip`).
bool addsOneAxis(const Split &from, const Split &to) {
  int64_t changed = 0;
  for (auto [a, b] : llvm::zip_equal(from, to)) {
    if (a == b)
      continue;
    if (b.size() != a.size() + 1 || !llvm::equal(a, ArrayRef(b).drop_back()))
      return false;
    ++changed;
  }
  return changed == 1;
}

/// Whether `to` moves the last axis of one dim of `from` to the end of another.
bool movesOneAxis(const Split &from, const Split &to) {
  for (size_t src = 0; src < from.size(); ++src) {
    if (from[src].empty())
      continue;
    for (size_t dst = 0; dst < from.size(); ++dst) {
      if (dst == src)
        continue;
      Split moved = from;
      moved[dst].push_back(moved[src].pop_back_val());
      if (moved == to)
        return true;
    }
  }
  return false;
}

bool isOneStep(const Split &from, const Split &to) {
  return from == to || addsOneAxis(from, to) || addsOneAxis(to, from) || movesOneAxis(from, to);
}

struct SplitReshardingsPass : dsc::impl::SplitReshardingsPassBase<SplitReshardingsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<shard::ShardOp, shard::ShardOp>> pairs;
    getOperation().walk([&](shard::ShardOp target) {
      if (auto source = target.getSrc().getDefiningOp<shard::ShardOp>())
        pairs.push_back({source, target});
    });
    for (auto [source, target] : pairs) {
      auto type = llvm::dyn_cast<RankedTensorType>(target.getType());
      if (!type)
        continue;
      Split from = splitOf(source.getSharding(), type.getRank());
      Split to = splitOf(target.getSharding(), type.getRank());
      if (isOneStep(from, to))
        continue;
      auto gridName = shard::Sharding(target.getSharding()).getGridAttr();
      SmallVector<Split> steps;
      Split current = from;
      for (int64_t dim = type.getRank() - 1; dim >= 0; --dim)
        while (!current[dim].empty()) {
          current[dim].pop_back();
          steps.push_back(current);
        }
      for (auto [dim, axes] : llvm::enumerate(to))
        for (shard::GridAxis axis : axes) {
          current[dim].push_back(axis);
          steps.push_back(current);
        }
      steps.pop_back(); // the target itself
      OpBuilder b(target);
      Value value = source.getResult();
      for (const Split &step : steps) {
        SmallVector<shard::GridAxesAttr> attrs;
        for (const auto &axes : step)
          attrs.push_back(shard::GridAxesAttr::get(b.getContext(), axes));
        auto sharding = shard::ShardingOp::create(b, target.getLoc(), gridName, attrs);
        value = shard::ShardOp::create(b, target.getLoc(), value, sharding,
                                       /*annotate_for_users=*/true);
      }
      target.getSrcMutable().set(value);
    }
  }
};

} // namespace
