//===- DscOps.cpp - graph leaves and elementwise ops ----------------------===//
//
// Verifiers, type inference and folders of the leaf ops (param, constant, iota) and the
// elementwise ops, plus the helpers every op file shares. The generated op definitions are
// included here once.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/OpChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"

using namespace mlir;
using namespace dsc;

#define GET_OP_CLASSES
#include "ir/DscOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

FailureOr<int64_t> dsc::detail::normalizeAxis(std::optional<Location> loc, int64_t axis,
                                              int64_t rank, StringRef what) {
  if (axis < -rank || axis >= rank)
    return emitOptionalError(loc, what, " ", axis, " is out of range for rank ", rank,
                             " (valid: ", -rank, " to ", rank - 1, ")");
  return axis < 0 ? axis + rank : axis;
}

FailureOr<RankedTensorType> dsc::detail::staticTensor(std::optional<Location> loc, Value v,
                                                      StringRef name) {
  auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return emitOptionalError(loc, name, " must be a statically shaped tensor, got ",
                             v.getType());
  return type;
}

std::string dsc::detail::shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

bool dsc::detail::isFp8(Type t) { return llvm::isa<Float8E4M3FNType, Float8E5M2Type>(t); }

//===----------------------------------------------------------------------===//
// Leaves
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty name");
  return success();
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto value = llvm::dyn_cast_if_present<ElementsAttr>(adaptor.getValueAttr());
  if (!value)
    return emitOptionalError(loc, "'dsc.constant' needs an elements attribute");
  types.push_back(value.getType());
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

LogicalResult IotaOp::verify() {
  auto type = getType();
  if (type.getRank() == 0)
    return emitOpError("result must have rank at least 1");
  int64_t dimension = getDimension(); // I64Attr's accessor is unsigned.
  if (dimension < 0 || dimension >= type.getRank())
    return emitOpError("dimension ") << dimension << " is out of range for rank "
                                     << type.getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise folders
//===----------------------------------------------------------------------===//

namespace {

/// The splat float value of a constant operand, widened to f32 semantics as the ops compute.
std::optional<APFloat> splatFloat(Attribute attr) {
  auto splat = llvm::dyn_cast_if_present<SplatElementsAttr>(attr);
  if (!splat || !llvm::isa<FloatType>(splat.getElementType()))
    return std::nullopt;
  APFloat v = splat.getSplatValue<APFloat>();
  bool losesInfo = false;
  v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
  return v;
}

std::optional<APInt> splatInt(Attribute attr) {
  auto splat = llvm::dyn_cast_if_present<SplatElementsAttr>(attr);
  if (!splat || !llvm::isa<IntegerType>(splat.getElementType()))
    return std::nullopt;
  return splat.getSplatValue<APInt>();
}

/// Folds a binary op on two splat constants: f32 arithmetic, one rounding to the result type
/// (docs/ops.md), so the folded value equals what the interpreter and the GPU compute.
template <typename FloatFn, typename IntFn>
OpFoldResult foldSplatBinary(RankedTensorType type, Attribute lhs, Attribute rhs, FloatFn fop,
                             IntFn iop) {
  if (auto a = splatFloat(lhs)) {
    auto b = splatFloat(rhs);
    if (!b)
      return {};
    APFloat r = fop(*a, *b);
    bool wideIsNaN = r.isNaN(), negative = r.isNegative(), losesInfo = false;
    const llvm::fltSemantics &sem =
        llvm::cast<FloatType>(type.getElementType()).getFloatSemantics();
    r.convert(sem, APFloat::rmNearestTiesToEven, &losesInfo);
    // f8E4M3FN has no infinity: APFloat overflows it to NaN, the ops saturate to +-448.
    if (r.isNaN() && !wideIsNaN && llvm::isa<Float8E4M3FNType>(type.getElementType()))
      r = APFloat::getLargest(sem, negative);
    return DenseElementsAttr::get(type, r);
  }
  auto a = splatInt(lhs), b = splatInt(rhs);
  if (!a || !b)
    return {};
  std::optional<APInt> r = iop(*a, *b);
  if (!r)
    return {};
  return DenseElementsAttr::get(type, *r);
}

bool isSplatFloat(Attribute attr, double value, bool negativeZero = false) {
  auto v = splatFloat(attr);
  if (!v || !v->isFiniteNonZero() && !v->isZero())
    return false;
  if (v->isZero())
    return value == 0.0 && v->isNegative() == negativeZero;
  return v->convertToFloat() == value;
}

bool isSplatInt(Attribute attr, int64_t value) {
  auto v = splatInt(attr);
  return v && v->getSExtValue() == value;
}

} // namespace

OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getX().getDefiningOp<NegOp>())
    return inner.getX();
  return {};
}

OpFoldResult PowOp::fold(FoldAdaptor) {
  if (getExponent().convertToDouble() == 1.0)
    return getX();
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + (-0.0) == x for every float x; x + (+0.0) is not (it turns -0.0 into +0.0).
  if (isSplatFloat(adaptor.getRhs(), 0.0, /*negativeZero=*/true) || isSplatInt(adaptor.getRhs(), 0))
    return getLhs();
  return foldSplatBinary(
      getType(), adaptor.getLhs(), adaptor.getRhs(), [](APFloat a, const APFloat &b) {
        a.add(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isSplatFloat(adaptor.getRhs(), 0.0) || isSplatInt(adaptor.getRhs(), 0))
    return getLhs();
  return foldSplatBinary(
      getType(), adaptor.getLhs(), adaptor.getRhs(), [](APFloat a, const APFloat &b) {
        a.subtract(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatFloat(adaptor.getRhs(), 1.0) || isSplatInt(adaptor.getRhs(), 1))
    return getLhs();
  return foldSplatBinary(
      getType(), adaptor.getLhs(), adaptor.getRhs(), [](APFloat a, const APFloat &b) {
        a.multiply(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isSplatFloat(adaptor.getRhs(), 1.0) || isSplatInt(adaptor.getRhs(), 1))
    return getLhs();
  return foldSplatBinary(
      getType(), adaptor.getLhs(), adaptor.getRhs(), [](APFloat a, const APFloat &b) {
        a.divide(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt; // Left to run time, where the GPU's behaviour applies.
        return a.sdiv(b);
      });
}

//===----------------------------------------------------------------------===//
// compare, select, cast
//===----------------------------------------------------------------------===//

LogicalResult CompareOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto lhs = detail::staticTensor(loc, adaptor.getLhs(), "lhs");
  if (failed(lhs))
    return failure();
  types.push_back(RankedTensorType::get(lhs->getShape(), IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult SelectOp::verify() {
  if (getCond().getType().getShape() != getType().getShape())
    return emitOpError("condition shape ")
           << detail::shapeString(getCond().getType().getShape())
           << " does not match the value shape " << detail::shapeString(getType().getShape());
  return success();
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getOnTrue() == getOnFalse())
    return getOnTrue();
  if (auto cond = splatInt(adaptor.getCond()))
    return cond->isZero() ? getOnFalse() : getOnTrue();
  return {};
}

LogicalResult CastOp::verify() {
  if (getX().getType().getShape() != getType().getShape())
    return emitOpError("changes the shape from ")
           << detail::shapeString(getX().getType().getShape()) << " to "
           << detail::shapeString(getType().getShape()) << "; cast converts elements only";
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  return {};
}
