//===- RandomInputs.cpp - Random inputs that the graph accepts ------------===//
//
// Random ints are only useful within the range their consumers index: a token
// id past the embedding table would be clamped by gather and every token
// would look the same. So each int input's uses are followed (through ops that
// only move elements) to find the bound that gather, MoE dispatch/combine and
// rope give it.
//
//===----------------------------------------------------------------------===//

#include "interp/Interpreter.h"
#include "ir/DscDialect.h"
#include "runtime/support/Random.h"

#include "llvm/ADT/SmallPtrSet.h"

#include <algorithm>

namespace dsc::interp {

namespace {
/// What the uses of an int value accept.
struct IntRange {
  /// Values are drawn below this; unbounded uses leave the default.
  int64_t bound = 16;
  bool bounded = false;
  /// Used as rope positions: 0, 1, ... along the last dim.
  bool positions = false;

  void limit(int64_t b) {
    bound = bounded ? std::min(bound, b) : b;
    bounded = true;
  }
};
} // namespace

static void collectRange(mlir::Value value, IntRange &range,
                         llvm::SmallPtrSetImpl<mlir::Value> &seen) {
  if (!seen.insert(value).second)
    return;
  for (mlir::OpOperand &use : value.getUses()) {
    mlir::Operation *user = use.getOwner();
    unsigned index = use.getOperandNumber();
    if (auto gather = llvm::dyn_cast<GatherOp>(user)) {
      if (index == 1) {
        auto table = gather.getTable().getType();
        int64_t axis = static_cast<int64_t>(gather.getAxis());
        if (axis < 0)
          axis += table.getRank();
        range.limit(table.getDimSize(axis));
      }
    } else if (auto dispatch = llvm::dyn_cast<MoeDispatchOp>(user)) {
      if (index == 1)
        range.limit(static_cast<int64_t>(dispatch.getNumExperts()));
    } else if (auto combine = llvm::dyn_cast<MoeCombineOp>(user)) {
      if (index == 1)
        range.limit(combine.getBuffer().getType().getDimSize(0));
    } else if (llvm::isa<RopeOp, SplitRopeOp>(user)) {
      if (index == 1)
        range.positions = true;
    } else if (llvm::isa<ReshapeOp, TransposeOp, SliceOp, BroadcastOp, ConcatOp,
                         SplitOp, CastOp>(user)) {
      for (mlir::Value result : user->getResults())
        collectRange(result, range, seen);
    }
  }
}

TensorMap randomInputs(mlir::func::FuncOp func, uint64_t seed) {
  TensorMap inputs;
  for (auto [index, arg] : llvm::enumerate(func.getArguments())) {
    auto type = tensorTypeOf(arg.getType());
    if (!type)
      continue;
    auto [dtype, shape] = *type;
    std::string name = inputName(func, index);
    RandomStream random(seed, name);
    int64_t n = numElements(shape);
    if (!isIntDType(dtype)) {
      std::vector<float> values(n);
      for (float &v : values)
        v = random.uniform(-1.0f, 1.0f);
      inputs[name] = HostTensor::fromFloats(dtype, shape, std::move(values));
      continue;
    }
    IntRange range;
    llvm::SmallPtrSet<mlir::Value, 8> seen;
    collectRange(arg, range, seen);
    if (dtype == DType::I1)
      range.limit(2);
    int64_t last = shape.empty() ? 1 : shape.back();
    std::vector<int64_t> values(n);
    for (int64_t i = 0; i < n; ++i)
      values[i] = range.positions && !range.bounded ? i % last
                  : range.bound > 0                 ? random.below(range.bound)
                                                    : 0;
    inputs[name] = HostTensor::fromInts(dtype, shape, std::move(values));
  }
  return inputs;
}

} // namespace dsc::interp
