//===- DscQuantOps.cpp - FP8 quantization and scaled matmul verifiers -----===//
//
// Shapes and types of dsc.quantized_param, dsc.quantize and dsc.scaled_matmul
// (ir/DscQuantOps.td). The layouts are those of runtime/support/Fp8Quant.h.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/OpChecks.h"

using namespace mlir;
using namespace dsc;
using dsc::detail::shapeString;

namespace {

constexpr int64_t kBlock = 128;

/// Scale rows are padded to a multiple of 4 (runtime/support/Fp8Quant.h).
int64_t pitch(int64_t n) { return (n + 3) / 4 * 4; }

bool isE4M3(Type t) { return isa<Float8E4M3FNType>(t); }

LogicalResult verifyRecipe(Operation *op, StringRef recipe) {
  if (recipe != "blockwise" && recipe != "tensor")
    return op->emitOpError() << "unknown recipe '" << recipe
                             << "'; expected \"blockwise\" or \"tensor\"";
  return success();
}

LogicalResult expectShape(Operation *op, StringRef what, RankedTensorType t,
                          ArrayRef<int64_t> shape, Type element) {
  if (t.getShape() != shape || t.getElementType() != element) {
    std::string want;
    llvm::raw_string_ostream os(want);
    os << shapeString(shape) << " of " << element;
    return op->emitOpError() << what << " must be " << want << ", got " << t;
  }
  return success();
}

/// The rows of `[..., K]`.
int64_t rowsOf(RankedTensorType t) {
  int64_t rows = 1;
  for (int64_t d : t.getShape().drop_back())
    rows *= d;
  return rows;
}

} // namespace

LogicalResult QuantizedParamOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty name");
  if (failed(verifyRecipe(*this, getRecipe())))
    return failure();
  auto source = dyn_cast<RankedTensorType>(getSourceType());
  if (!source || source.getRank() != 2 || !source.hasStaticShape() ||
      !isa<FloatType>(source.getElementType()))
    return emitOpError("source_type must be a static [K, N] float matrix, got ")
           << getSourceType();
  int64_t k = source.getDimSize(0), n = source.getDimSize(1);
  bool blockwise = getRecipe() == "blockwise";
  if (blockwise && (k % kBlock != 0 || n % kBlock != 0))
    return emitOpError("the blockwise recipe needs K and N to be multiples of "
                       "128, got ")
           << shapeString(source.getShape());
  Builder b(getContext());
  if (failed(expectShape(*this, "values", getValues().getType(), {n, k},
                         b.getType<Float8E4M3FNType>())))
    return failure();
  SmallVector<int64_t> scales =
      blockwise ? SmallVector<int64_t>{n / kBlock, pitch(k / kBlock)}
                : SmallVector<int64_t>{1};
  return expectShape(*this, "scales", getScales().getType(), scales,
                     b.getF32Type());
}

LogicalResult QuantizeOp::verify() {
  if (failed(verifyRecipe(*this, getRecipe())))
    return failure();
  RankedTensorType x = getX().getType();
  if (x.getRank() < 1)
    return emitOpError("x must have rank at least 1");
  int64_t k = x.getShape().back();
  bool blockwise = getRecipe() == "blockwise";
  if (blockwise && k % kBlock != 0)
    return emitOpError("the blockwise recipe needs the last dimension to be a "
                       "multiple of "
                       "128, got ")
           << k;
  Builder b(getContext());
  if (failed(expectShape(*this, "values", getValues().getType(), x.getShape(),
                         b.getType<Float8E4M3FNType>())))
    return failure();
  SmallVector<int64_t> scales =
      blockwise ? SmallVector<int64_t>{k / kBlock, pitch(rowsOf(x))}
                : SmallVector<int64_t>{1};
  return expectShape(*this, "scales", getScales().getType(), scales,
                     b.getF32Type());
}

LogicalResult ScaledMatmulOp::verify() {
  if (failed(verifyRecipe(*this, getRecipe())))
    return failure();
  auto a = cast<RankedTensorType>(getA().getType());
  auto bt = cast<RankedTensorType>(getB().getType());
  if (!isE4M3(a.getElementType()) || !isE4M3(bt.getElementType()))
    return emitOpError("a and b must be f8E4M3FN");
  if (a.getRank() < 1 || bt.getRank() != 2)
    return emitOpError("a must be [..., K] and b [N, K], got ")
           << shapeString(a.getShape()) << " and "
           << shapeString(bt.getShape());
  int64_t k = a.getShape().back(), n = bt.getDimSize(0);
  if (bt.getDimSize(1) != k)
    return emitOpError("b must be [N, K] with K = ")
           << k << " (a's last dimension), got " << shapeString(bt.getShape());
  bool blockwise = getRecipe() == "blockwise";
  if (blockwise && (k % kBlock != 0 || n % kBlock != 0))
    return emitOpError("the blockwise recipe needs K and N to be multiples of "
                       "128, got K = ")
           << k << ", N = " << n;
  Builder b(getContext());
  SmallVector<int64_t> aScales =
      blockwise ? SmallVector<int64_t>{k / kBlock, pitch(rowsOf(a))}
                : SmallVector<int64_t>{1};
  SmallVector<int64_t> bScales =
      blockwise ? SmallVector<int64_t>{n / kBlock, pitch(k / kBlock)}
                : SmallVector<int64_t>{1};
  if (failed(expectShape(*this, "a_scales",
                         cast<RankedTensorType>(getAScales().getType()),
                         aScales, b.getF32Type())) ||
      failed(expectShape(*this, "b_scales",
                         cast<RankedTensorType>(getBScales().getType()),
                         bScales, b.getF32Type())))
    return failure();
  RankedTensorType result = getResult().getType();
  SmallVector<int64_t> shape(a.getShape().drop_back());
  shape.push_back(n);
  if (result.getShape() != ArrayRef<int64_t>(shape) ||
      isE4M3(result.getElementType()) ||
      isa<Float8E5M2Type>(result.getElementType()))
    return emitOpError("result must be ")
           << shapeString(shape) << " of bf16, f16 or f32, got " << result;
  if (Value addend = getAddend(); addend && addend.getType() != result)
    return emitOpError("addend must have the result's type ")
           << result << ", got " << addend.getType();
  return success();
}
