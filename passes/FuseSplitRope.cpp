//===- FuseSplitRope.cpp - a QKV split and its ropes into dsc.split_rope --===//
//
// dsc-fuse-split-rope (passes/Passes.td): the split of a fused QKV projection along its last
// axis, the reshapes of its pieces to heads and the ropes of q and k become one
// dsc.split_rope, which codegen runs as one kernel: the projection is read once and q, k, v
// are written once each, where the split's slices and the ropes took two round trips through
// memory for q and k and one for v. Pieces without a rope (v) come out of the op unrotated, in
// the dense [..., T, H, Dh] layout that attention reads. v is copied rather than left a strided
// view of the projection: plan.attention and its kernels (the generated one, cuDNN's) read dense
// tensors, and the copy costs one write of v (a sixth of Llama-7B's QKV bytes at HKV = H/4).
//
// A split folds only when every piece is read by exactly one reshape to [..., T, H, Dh] (one
// Dh for all), at least one reshaped piece is read by a rope and nothing else, and all such
// ropes share positions, theta and style (one angle table per kernel), with positions defined
// before the split. Anything else (a piece read in its [..., T, N] form, a reshape that merges
// dims, ropes that disagree) is left as it is: folding would not save a pass over memory.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Dominance.h"

namespace dsc {
#define GEN_PASS_DEF_FUSESPLITROPEPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// The reshape of `piece` to [..., T, H, Dh] that is its only use, with its Dh; null if none.
ReshapeOp headReshape(Value piece, int64_t &dh) {
  if (!piece.hasOneUse())
    return nullptr;
  auto reshape = dyn_cast<ReshapeOp>(*piece.getUsers().begin());
  if (!reshape)
    return nullptr;
  ArrayRef<int64_t> in = cast<RankedTensorType>(piece.getType()).getShape();
  ArrayRef<int64_t> out = reshape.getType().getShape();
  if (out.size() != in.size() + 1 || out.drop_back(2) != in.drop_back())
    return nullptr;
  dh = out.back();
  return reshape;
}

/// The rope that is the only reader of `heads`, reading it as x; null if none.
RopeOp onlyRope(Value heads) {
  if (!heads.hasOneUse())
    return nullptr;
  auto rope = dyn_cast<RopeOp>(*heads.getUsers().begin());
  return rope && rope.getX() == heads ? rope : nullptr;
}

void fold(SplitOp split, DominanceInfo &dom) {
  auto type = cast<RankedTensorType>(split.getX().getType());
  int64_t rank = type.getRank(), axis = static_cast<int64_t>(split.getAxis());
  if (axis < 0)
    axis += rank;
  if (axis != rank - 1 || rank < 2 || !isa<FloatType>(type.getElementType()))
    return;
  SmallVector<ReshapeOp> reshapes;
  SmallVector<RopeOp> ropes; // per piece; null where the piece is not rotated
  RopeOp first;
  int64_t dh = -1;
  for (Value piece : split.getResults()) {
    int64_t pieceDh = -1;
    ReshapeOp reshape = headReshape(piece, pieceDh);
    if (!reshape || (dh >= 0 && pieceDh != dh))
      return;
    dh = pieceDh;
    RopeOp rope = onlyRope(reshape.getResult());
    if (rope && first &&
        (rope.getPositions() != first.getPositions() || rope.getTheta() != first.getTheta() ||
         rope.getStyle() != first.getStyle()))
      return;
    if (rope && !first)
      first = rope;
    reshapes.push_back(reshape);
    ropes.push_back(rope);
  }
  if (!first || !dom.properlyDominates(first.getPositions(), split))
    return;

  SmallVector<Type> types;
  SmallVector<bool> rotate;
  for (auto [reshape, rope] : llvm::zip(reshapes, ropes)) {
    types.push_back(reshape.getType());
    rotate.push_back(static_cast<bool>(rope));
  }
  OpBuilder b(split);
  auto fused = SplitRopeOp::create(b, split.getLoc(), types, split.getX(), first.getPositions(),
                                   b.getDenseBoolArrayAttr(rotate), first.getThetaAttr(),
                                   first.getStyleAttr());
  for (auto [i, reshape] : llvm::enumerate(reshapes)) {
    Value result = fused.getResult(i);
    if (RopeOp rope = ropes[i]) {
      rope.getResult().replaceAllUsesWith(result);
      rope.erase();
    }
    reshape.getResult().replaceAllUsesWith(result);
    reshape.erase();
  }
  split.erase();
}

struct FuseSplitRopePass : dsc::impl::FuseSplitRopePassBase<FuseSplitRopePass> {
  void runOnOperation() override {
    SmallVector<SplitOp> splits;
    getOperation().walk([&](SplitOp split) { splits.push_back(split); });
    DominanceInfo dom(getOperation());
    for (SplitOp split : splits)
      fold(split, dom);
  }
};

} // namespace
