//===- DscQuantOps.cpp - FP8 quantization and scaled matmul verifiers -----===//
//
// Shapes and types of dsc.quantized_param, dsc.quantize and dsc.scaled_matmul
// (ir/DscQuantOps.td). The layouts are those of runtime/support/Fp8Quant.h.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/OpChecks.h"
#include "runtime/support/Fp8Layout.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"

using namespace mlir;
using namespace dsc;
using dsc::detail::shapeString;

namespace {

constexpr int64_t kBlock = kFp8Block;

bool isE4M3(Type t) { return isa<Float8E4M3FNType>(t); }

FailureOr<Fp8Recipe> verifyRecipe(Operation *op, StringRef recipe) {
  std::optional<Fp8Recipe> parsed = parseFp8Recipe(recipe);
  if (!parsed)
    return op->emitOpError() << "unknown recipe '" << recipe
                             << "'; expected \"blockwise\" or \"tensor\"";
  return *parsed;
}

/// `shape` as the SmallVector that expectShape compares against.
SmallVector<int64_t> asShape(const std::vector<int64_t> &shape) {
  return SmallVector<int64_t>(shape.begin(), shape.end());
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

/// The part of `source` ([K, N]) that `op` quantizes: its [K, N] box (the group sizes of the
/// split times the rank's slice of `values`, [N, K]) and where it starts; an error when the
/// split or the start do not fit.
FailureOr<std::pair<SmallVector<int64_t>, SmallVector<int64_t>>>
quantizedBox(QuantizedParamOp op, RankedTensorType source) {
  auto values = cast<RankedTensorType>(op.getValues().getType());
  if (values.getRank() != 2)
    return op.emitOpError("values must be an [N, K] matrix, got ") << values;
  SmallVector<int64_t> box = {values.getDimSize(1), values.getDimSize(0)};
  if (ArrayAttr split = op.getSplitAxesAttr()) {
    shard::GridOp mesh = findMeshGrid(op);
    if (!mesh)
      return op.emitOpError("split_axes needs the module's mesh (a shard.grid with "
                            "dsc.mesh_axes)");
    if (split.size() != 2)
      return op.emitOpError("split_axes needs one entry per dim of source_type, got ")
             << split.size();
    for (auto [d, dim] : llvm::enumerate(split)) {
      auto axes = dyn_cast<DenseI32ArrayAttr>(dim);
      if (!axes)
        return op.emitOpError("split_axes entries are array<i32: mesh axes>");
      for (int32_t axis : axes.asArrayRef()) {
        if (axis < 0 || axis >= mesh.getRank())
          return op.emitOpError("split_axes uses mesh axis ") << axis << ", out of range";
        box[d] *= mesh.getShape()[axis];
      }
    }
  }
  SmallVector<int64_t> start(2, 0);
  if (std::optional<ArrayRef<int64_t>> given = op.getSourceStart())
    start.assign(given->begin(), given->end());
  if (start.size() != 2 || start[0] < 0 || start[1] < 0 ||
      start[0] + box[0] > source.getDimSize(0) || start[1] + box[1] > source.getDimSize(1))
    return op.emitOpError("quantizes ")
           << shapeString(box) << " at " << shapeString(start) << ", outside source_type "
           << shapeString(source.getShape());
  return std::make_pair(box, start);
}

LogicalResult QuantizedParamOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty name");
  FailureOr<Fp8Recipe> recipe = verifyRecipe(*this, getRecipe());
  if (failed(recipe))
    return failure();
  auto source = dyn_cast<RankedTensorType>(getSourceType());
  if (!source || source.getRank() != 2 || !source.hasStaticShape() ||
      !isa<FloatType>(source.getElementType()))
    return emitOpError("source_type must be a static [K, N] float matrix, got ")
           << getSourceType();
  if ((getSplitAxes() || getSourceStart()) && failed(quantizedBox(*this, source)))
    return failure();
  // The [K, N] quantized: the whole source, or the rank's part of it.
  auto values = cast<RankedTensorType>(getValues().getType());
  bool part = getSplitAxes() || getSourceStart();
  int64_t k = part ? values.getDimSize(1) : source.getDimSize(0);
  int64_t n = part ? values.getDimSize(0) : source.getDimSize(1);
  bool blockwise = *recipe == Fp8Recipe::Blockwise;
  if (blockwise && (k % kBlock != 0 || n % kBlock != 0))
    return emitOpError("the blockwise recipe needs K and N to be multiples of "
                       "128, got ")
           << shapeString({k, n});
  Builder b(getContext());
  if (failed(expectShape(*this, "values", values, {n, k}, b.getType<Float8E4M3FNType>())))
    return failure();
  return expectShape(*this, "scales", getScales().getType(),
                     asShape(fp8WeightScaleShape(k, n, *recipe)), b.getF32Type());
}

LogicalResult QuantizeOp::verify() {
  FailureOr<Fp8Recipe> recipe = verifyRecipe(*this, getRecipe());
  if (failed(recipe))
    return failure();
  RankedTensorType x = getX().getType();
  if (x.getRank() < 1)
    return emitOpError("x must have rank at least 1");
  if (std::optional<int64_t> history = getAmaxHistory()) {
    if (*recipe != Fp8Recipe::Tensor)
      return emitOpError("amax_history (delayed scaling) needs the tensor recipe");
    if (*history < 1 || *history > kMaxFp8AmaxHistory)
      return emitOpError("amax_history must be in [1, ")
             << kMaxFp8AmaxHistory << "], got " << *history;
  }
  int64_t k = x.getShape().back();
  bool blockwise = *recipe == Fp8Recipe::Blockwise;
  if (blockwise && k % kBlock != 0)
    return emitOpError("the blockwise recipe needs the last dimension to be a "
                       "multiple of "
                       "128, got ")
           << k;
  Builder b(getContext());
  if (failed(expectShape(*this, "values", getValues().getType(), x.getShape(),
                         b.getType<Float8E4M3FNType>())))
    return failure();
  return expectShape(*this, "scales", getScales().getType(),
                     asShape(fp8ActivationScaleShape(rowsOf(x), k, *recipe)), b.getF32Type());
}

LogicalResult ScaledMatmulOp::verify() {
  FailureOr<Fp8Recipe> recipe = verifyRecipe(*this, getRecipe());
  if (failed(recipe))
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
  bool blockwise = *recipe == Fp8Recipe::Blockwise;
  if (blockwise && (k % kBlock != 0 || n % kBlock != 0))
    return emitOpError("the blockwise recipe needs K and N to be multiples of "
                       "128, got K = ")
           << k << ", N = " << n;
  Builder b(getContext());
  SmallVector<int64_t> aScales = asShape(fp8ActivationScaleShape(rowsOf(a), k, *recipe));
  SmallVector<int64_t> bScales = asShape(fp8WeightScaleShape(k, n, *recipe));
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
