//===- PromoteToF32.cpp - f32 compute on the same weights and inputs ------===//
//
// Retypes a model's low-precision float values to f32 in one walk: casts to f32
// after each argument and weight, results retyped op by op (the ops' verifiers,
// run after the pass, check that every op still accepts its operands), the
// type-carrying attributes rewritten, and casts back to the declared types
// before the return.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"
#include "ir/DscOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace dsc {
#define GEN_PASS_DEF_PROMOTETOF32PASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// bf16, f16 and the fp8 types: what the pass widens.
bool isLowFloat(Type t) {
  auto f = dyn_cast<FloatType>(t);
  return f && f.getWidth() < 32;
}

/// `t` with an f32 element type when its element type is a low float; `t`
/// otherwise.
Type promoted(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || !isLowFloat(tensor.getElementType()))
    return t;
  return tensor.clone(Float32Type::get(t.getContext()));
}

/// Every use of `value` but the new cast reads the cast's f32 result.
void castAfter(OpBuilder &b, Value value,
               llvm::SmallPtrSetImpl<Operation *> &inserted) {
  Type wide = promoted(value.getType());
  if (wide == value.getType())
    return;
  auto cast = CastOp::create(b, value.getLoc(), wide, value);
  inserted.insert(cast);
  value.replaceAllUsesExcept(cast.getResult(), cast);
}

/// The constant's elements converted exactly (f32 holds every low-float value).
FailureOr<ElementsAttr> widenConstant(ConstantOp op) {
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  auto type = cast<RankedTensorType>(promoted(op.getType()));
  if (!dense)
    return op.emitOpError()
           << "has a constant that is not dense elements; cannot promote "
              "it to f32";
  Type f32 = type.getElementType();
  DenseElementsAttr wide = dense.mapValues(f32, [](const APFloat &v) {
    APFloat w = v;
    bool losesInfo = false;
    w.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    return w.bitcastToAPInt();
  });
  return cast<ElementsAttr>(wide);
}

LogicalResult promoteFunction(func::FuncOp func) {
  if (func.isExternal())
    return success();
  OpBuilder b(func.getContext());
  llvm::SmallPtrSet<Operation *, 16> inserted;
  Block &entry = func.front();
  b.setInsertionPointToStart(&entry);
  for (BlockArgument arg : entry.getArguments())
    castAfter(b, arg, inserted);

  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (!inserted.contains(op) && op != func)
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      b.setInsertionPoint(ret);
      for (auto [i, declared] : llvm::enumerate(func.getResultTypes())) {
        Value v = ret.getOperand(i);
        if (v.getType() != declared)
          ret.setOperand(
              i, CastOp::create(b, ret.getLoc(), declared, v).getResult());
      }
      continue;
    }
    if (auto param = dyn_cast<ParamOp>(op)) {
      b.setInsertionPointAfter(param);
      castAfter(b, param.getResult(), inserted);
      continue;
    }
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      if (promoted(constant.getType()) == constant.getType())
        continue;
      FailureOr<ElementsAttr> wide = widenConstant(constant);
      if (failed(wide))
        return failure();
      constant.setValueAttr(*wide);
      constant.getResult().setType(
          cast<RankedTensorType>(promoted(constant.getType())));
      continue;
    }
    if (auto matmul = dyn_cast<MatmulOp>(op)) {
      if (std::optional<Type> out = matmul.getOutType();
          out && isLowFloat(*out))
        matmul.setOutTypeAttr(
            TypeAttr::get(Float32Type::get(op->getContext())));
    }
    // Any other attribute naming a low-precision type would be left behind.
    for (NamedAttribute attr : op->getAttrs())
      if (auto t = dyn_cast<TypeAttr>(attr.getValue());
          t && isLowFloat(t.getValue()))
        return op->emitOpError()
               << "has attribute '" << attr.getName().strref() << "' of type "
               << t.getValue()
               << ", which dsc-promote-to-f32 does not know how to promote";
    for (OpResult r : op->getResults())
      r.setType(promoted(r.getType()));
    if (auto c = dyn_cast<CastOp>(op); c && c.getX().getType() == c.getType()) {
      c.getResult().replaceAllUsesWith(c.getX());
      c.erase();
    }
  }
  return success();
}

struct PromoteToF32Pass : dsc::impl::PromoteToF32PassBase<PromoteToF32Pass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(promoteFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
