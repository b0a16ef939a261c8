//===- DscRopeOps.cpp - dsc.split_rope verifier ---------------------------===//
//
// Shapes of dsc.split_rope (ir/DscRopeOps.td): head-shaped pieces of x's last axis, and
// positions as dsc.rope reads them.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/OpChecks.h"

using namespace mlir;
using namespace dsc;
using dsc::detail::shapeString;

LogicalResult SplitRopeOp::verify() {
  RankedTensorType x = getX().getType();
  auto pos = cast<RankedTensorType>(getPositions().getType());
  if (getResults().empty())
    return emitOpError("needs at least one result");
  if (getRotate().size() != getResults().size())
    return emitOpError("rotate has ")
           << getRotate().size() << " entries for " << getResults().size() << " results";
  if (x.getRank() < 2)
    return emitOpError("x must be [..., T, N], got ") << shapeString(x.getShape());
  ArrayRef<int64_t> lead = x.getShape().drop_back();
  int64_t dh = -1, columns = 0;
  for (auto [i, result] : llvm::enumerate(getResults())) {
    auto type = cast<RankedTensorType>(result.getType());
    ArrayRef<int64_t> shape = type.getShape();
    if (type.getElementType() != x.getElementType())
      return emitOpError("result #") << i << " has element type " << type.getElementType()
                                     << ", x has " << x.getElementType();
    if (shape.size() != lead.size() + 2 || shape.drop_back(2) != lead)
      return emitOpError("result #") << i << " must be " << shapeString(lead)
                                     << " followed by [H, Dh], got " << shapeString(shape);
    if (dh >= 0 && shape.back() != dh)
      return emitOpError("result #")
             << i << " has head size " << shape.back() << ", result #0 has " << dh;
    dh = shape.back();
    columns += shape[shape.size() - 2] * dh;
  }
  if (columns != x.getShape().back())
    return emitOpError("results hold ") << columns << " columns, x has " << x.getShape().back();
  if (llvm::is_contained(getRotate(), true) && dh % 2 != 0)
    return emitOpError("head dimension ") << dh << " must be even";
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError("theta must be > 0");
  int64_t t = lead.back();
  if (pos.getRank() == 1 && pos.getDimSize(0) == t)
    return success();
  if (pos.getRank() == 2 && x.getRank() == 3 && pos.getDimSize(0) == x.getDimSize(0) &&
      pos.getDimSize(1) == t)
    return success();
  return emitOpError("positions must be [")
         << t << "] or [B, " << t << "] for x " << shapeString(x.getShape()) << ", got "
         << shapeString(pos.getShape());
}
