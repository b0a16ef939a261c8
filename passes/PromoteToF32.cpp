//===- PromoteToF32.cpp - f32 compute on the same weights and inputs ------===//
//
// Retypes a model's low-precision float values (bf16, f16, fp8) to f32 in one
// walk, for the reference build of `dsc --precision=fp32`: casts to f32 after
// each argument and weight, results retyped op by op (the ops' verifiers, run
// after the pass, check that every op still accepts its operands), the
// type-carrying attributes rewritten (`out_type`, constants, `dsc.precision`
// hints), and casts back to the declared types before the return. Integer, i1
// and f32 values are left alone. What it cannot retype (ops of other dialects
// than dsc and shard on low-float tensors, a call among them; low-float
// attributes it does not know) is refused before anything changes.
//
// Written as a walk rather than a dialect conversion: every dsc op is
// polymorphic in its float type, so there is nothing to convert, only types to
// replace.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"
#include "ir/DscOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
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

bool isLowFloatTensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && isLowFloat(tensor.getElementType());
}

/// `t` with an f32 element type when its element type is a low float; `t`
/// otherwise.
Type promoted(Type t) {
  if (!isLowFloatTensor(t))
    return t;
  return cast<RankedTensorType>(t).clone(Float32Type::get(t.getContext()));
}

/// The low-float type an attribute holds (as a type, its type or its element
/// type), or null.
Type lowFloatIn(Attribute attr) {
  Type t;
  if (auto typeAttr = dyn_cast<TypeAttr>(attr))
    t = typeAttr.getValue();
  else if (auto typed = dyn_cast<TypedAttr>(attr))
    t = typed.getType();
  if (auto shaped = dyn_cast_if_present<ShapedType>(t))
    t = shaped.getElementType();
  return t && isLowFloat(t) ? t : Type();
}

/// Whether the pass may give the op f32 results: dsc ops (their verifiers
/// check the new types) and shard collectives, which move elements of any
/// type.
bool isRetypable(Operation *op) {
  return isa_and_nonnull<DscDialect, shard::ShardDialect>(op->getDialect());
}

/// Refuses, before anything changes, what the pass cannot promote.
LogicalResult checkPromotable(func::FuncOp func) {
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    if (op == func.getOperation() || isa<func::ReturnOp>(op))
      return WalkResult::advance();
    if (!isRetypable(op)) {
      if (llvm::any_of(op->getOperandTypes(), isLowFloatTensor) ||
          llvm::any_of(op->getResultTypes(), isLowFloatTensor))
        return op->emitOpError()
               << "has low-precision float operands or results; "
                  "dsc-promote-to-f32 promotes dsc and shard ops only";
      return WalkResult::advance();
    }
    auto constant = dyn_cast<ConstantOp>(op);
    if (constant && isLowFloatTensor(constant.getType()) &&
        !isa<DenseElementsAttr>(constant.getValue()))
      return op->emitOpError() << "has a constant that is not dense elements; "
                                  "cannot promote it to f32";
    for (NamedAttribute attr : op->getAttrs()) {
      // Rewritten by promoteOp.
      if ((isa<MatmulOp>(op) &&
           attr.getName() == MatmulOp::getOutTypeAttrName(op->getName())) ||
          (constant && attr.getName() == constant.getValueAttrName()))
        continue;
      if (Type t = lowFloatIn(attr.getValue()))
        return op->emitOpError()
               << "has attribute '" << attr.getName().strref() << "' of type "
               << t << ", which dsc-promote-to-f32 cannot promote";
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
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

/// The constant's elements converted exactly (f32 holds every low-float
/// value).
DenseElementsAttr widenConstant(DenseElementsAttr dense) {
  Type f32 = Float32Type::get(dense.getContext());
  return dense.mapValues(f32, [](const APFloat &v) {
    APFloat w = v;
    bool losesInfo = false;
    w.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    return w.bitcastToAPInt();
  });
}

/// A precision hint below fp32 would ask later passes for low-precision
/// arithmetic; the reference computes in f32 everywhere.
Attribute promotedHint(Attribute hint) {
  auto name = dyn_cast_if_present<StringAttr>(hint);
  if (!name || name.getValue() == "fp32")
    return hint;
  return StringAttr::get(hint.getContext(), "fp32");
}

/// Retypes one op of the graph; a cast that becomes f32 to f32 is removed.
void promoteOp(Operation *op, OpBuilder &b,
               llvm::SmallPtrSetImpl<Operation *> &inserted) {
  if (Attribute hint = op->getAttr(DscDialect::kPrecisionAttr))
    op->setAttr(DscDialect::kPrecisionAttr, promotedHint(hint));
  if (auto param = dyn_cast<ParamOp>(op)) {
    b.setInsertionPointAfter(param);
    castAfter(b, param.getResult(), inserted);
    return;
  }
  if (auto constant = dyn_cast<ConstantOp>(op);
      constant && isLowFloatTensor(constant.getType()))
    constant.setValueAttr(
        widenConstant(cast<DenseElementsAttr>(constant.getValue())));
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    if (std::optional<Type> out = matmul.getOutType(); out && isLowFloat(*out))
      matmul.setOutTypeAttr(TypeAttr::get(Float32Type::get(op->getContext())));
  }
  for (OpResult r : op->getResults())
    r.setType(promoted(r.getType()));
  if (auto c = dyn_cast<CastOp>(op); c && c.getX().getType() == c.getType()) {
    c.getResult().replaceAllUsesWith(c.getX());
    c.erase();
  }
}

void promoteHints(func::FuncOp func) {
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    if (Attribute hint = func.getArgAttr(i, DscDialect::kPrecisionAttr))
      func.setArgAttr(i, DscDialect::kPrecisionAttr, promotedHint(hint));
  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
    if (Attribute hint = func.getResultAttr(i, DscDialect::kPrecisionAttr))
      func.setResultAttr(i, DscDialect::kPrecisionAttr, promotedHint(hint));
}

LogicalResult promoteFunction(func::FuncOp func) {
  if (func.isExternal())
    return success();
  if (failed(checkPromotable(func)))
    return failure();
  promoteHints(func);
  OpBuilder b(func.getContext());
  llvm::SmallPtrSet<Operation *, 16> inserted;
  b.setInsertionPointToStart(&func.front());
  for (BlockArgument arg : func.getArguments())
    castAfter(b, arg, inserted);

  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (!inserted.contains(op) && op != func)
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    auto ret = dyn_cast<func::ReturnOp>(op);
    if (!ret) {
      promoteOp(op, b, inserted);
      continue;
    }
    b.setInsertionPoint(ret);
    for (auto [operand, declared] :
         llvm::zip_equal(ret->getOpOperands(), func.getResultTypes()))
      if (operand.get().getType() != declared)
        operand.set(CastOp::create(b, ret.getLoc(), declared, operand.get()));
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
