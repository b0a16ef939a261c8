//===- FuseGemmEpilogue.cpp - residual adds into GEMMs --------------------===//
//
// dsc-fuse-gemm-epilogue (passes/Passes.td): `add(x, matmul(a, b))` becomes
// `matmul(a, b, x)`, which the lowering runs as one cuBLASLt GEMM with
// beta = 1. One walk over the adds; each rewrite is local.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"
#include "ir/DscOps.h"

#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_FUSEGEMMEPILOGUEPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// The product `v` is, when an add may fold into it.
Operation *foldableProduct(Value v, Type sumType) {
  Operation *def = v.getDefiningOp();
  if (!def || !v.hasOneUse() || v.getType() != sumType ||
      !isa<FloatType>(cast<RankedTensorType>(sumType).getElementType()))
    return nullptr;
  if (auto m = dyn_cast<MatmulOp>(def); m && !m.getAddend())
    return def;
  if (auto m = dyn_cast<ScaledMatmulOp>(def); m && !m.getAddend())
    return def;
  return nullptr;
}

void fuse(AddOp add) {
  Value lhs = add.getLhs(), rhs = add.getRhs();
  Type type = add.getType();
  // Prefer the right operand as the product (x + f(x) is how residuals read).
  Operation *product = foldableProduct(rhs, type);
  Value addend = lhs;
  if (!product) {
    product = foldableProduct(lhs, type);
    addend = rhs;
  }
  if (!product || addend.getType() != type)
    return;
  // The product is computed at the add: its operands dominate the add, since
  // they dominate the product, which comes before it.
  OpBuilder b(add);
  Operation *fused;
  if (auto m = dyn_cast<MatmulOp>(product))
    fused = MatmulOp::create(b, m.getLoc(), type, m.getA(), m.getB(), addend,
                             m.getTransposeAAttr(), m.getTransposeBAttr(),
                             m.getOutTypeAttr());
  else {
    auto s = cast<ScaledMatmulOp>(product);
    fused = ScaledMatmulOp::create(b, s.getLoc(), type, s.getA(),
                                   s.getAScales(), s.getB(), s.getBScales(),
                                   addend, s.getRecipeAttr());
  }
  // Hints on either op (dsc.precision, dsc.shard) stay with the GEMM.
  for (NamedAttribute attr : product->getDiscardableAttrs())
    fused->setAttr(attr.getName(), attr.getValue());
  add.getResult().replaceAllUsesWith(fused->getResult(0));
  add.erase();
  product->erase();
}

struct FuseGemmEpiloguePass
    : dsc::impl::FuseGemmEpiloguePassBase<FuseGemmEpiloguePass> {
  void runOnOperation() override {
    SmallVector<AddOp> adds;
    getOperation().walk([&](AddOp add) { adds.push_back(add); });
    for (AddOp add : adds)
      fuse(add);
  }
};

} // namespace
