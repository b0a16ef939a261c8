//===- WeightLayout.cpp - GEMM weights stored K-major ---------------------===//
//
// dsc-weight-layout (passes/Passes.td): a weight read only as the right
// operand of plain float matmuls becomes a dsc.transposed_param that the
// matmuls read with transpose_b, so the lowering emits TN GEMMs.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"
#include "ir/DscOps.h"

#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_WEIGHTLAYOUTPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// Whether `use` is the right operand of a matmul that can read the weight
/// transposed instead.
bool isPlainWeightUse(OpOperand &use) {
  auto matmul = dyn_cast<MatmulOp>(use.getOwner());
  return matmul && use.getOperandNumber() == 1 &&
         matmul.getA() != matmul.getB() && !matmul.getTransposeA() &&
         !matmul.getTransposeB() &&
         isa<FloatType>(matmul.getResult().getType().getElementType());
}

/// A `dsc.shard` hint of a [K, N] weight for its [N, K] copy: the two entries
/// of `dims` swap places.
Attribute transposedShard(Attribute hint) {
  auto dict = dyn_cast<DictionaryAttr>(hint);
  auto dims =
      dict ? dyn_cast_or_null<ArrayAttr>(dict.get("dims")) : ArrayAttr();
  if (!dims || dims.size() != 2)
    return hint;
  NamedAttrList entries(dict);
  entries.set("dims", ArrayAttr::get(hint.getContext(), {dims[1], dims[0]}));
  return entries.getDictionary(hint.getContext());
}

void relayout(ParamOp param) {
  RankedTensorType type = param.getType();
  if (type.getRank() != 2 || param->use_empty() ||
      !llvm::all_of(param->getUses(), isPlainWeightUse))
    return;
  OpBuilder b(param);
  auto transposed = TransposedParamOp::create(
      b, param.getLoc(),
      RankedTensorType::get({type.getDimSize(1), type.getDimSize(0)},
                            type.getElementType()),
      param.getNameAttr());
  for (NamedAttribute attr : param->getDiscardableAttrs())
    transposed->setAttr(attr.getName(), attr.getName() == DscDialect::kShardAttr
                                            ? transposedShard(attr.getValue())
                                            : attr.getValue());
  for (OpOperand &use : llvm::make_early_inc_range(param->getUses())) {
    auto matmul = cast<MatmulOp>(use.getOwner());
    use.set(transposed.getResult());
    matmul.setTransposeB(true);
  }
  param.erase();
}

struct WeightLayoutPass : dsc::impl::WeightLayoutPassBase<WeightLayoutPass> {
  void runOnOperation() override {
    SmallVector<ParamOp> params;
    getOperation().walk([&](ParamOp p) { params.push_back(p); });
    for (ParamOp p : params)
      relayout(p);
  }
};

} // namespace
