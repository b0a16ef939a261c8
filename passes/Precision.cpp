//===- Precision.cpp - the mixed-precision policy
//--------------------------===//
//
// dsc-precision (passes/Passes.td, docs/precision.md): decides per op, in one
// walk, whether it computes as written, in fp8 (GEMMs on weights) or on
// bf16/f16 copies of f32 operands (autocast), rewrites the op accordingly and,
// with `explain`, says why in a remark at the op's location. Decisions are
// local to each op; what they insert (quantize, casts) is not revisited.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"
#include "ir/DscOps.h"
#include "runtime/support/Fp8Layout.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_PRECISIONPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

constexpr int64_t kBlock = kFp8Block;

std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

Type elementOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// A GEMM's weight: the param, and on a mesh the rank's slice of it that the GEMM reads, either
/// folded into the param (dsc-fold-param-slices: a local type and `dsc.split_axes`) or as the
/// chain of `shard.all_slice`s that partitioning left (what dsc-interp runs), maybe of a static
/// `dsc.slice` of a whole param (a piece of a fused weight that --parallel=auto cuts).
struct Weight {
  ParamOp param;
  /// A piece of the param: a unit-stride dsc.slice (null for the whole param).
  SliceOp piece;
  /// The mesh slices from the param (or piece) to the GEMM's operand, param first.
  SmallVector<shard::AllSliceOp> slices;
  /// Per dim of the weight, the mesh axes it is split over, outermost first.
  SmallVector<SmallVector<int32_t>> split;

  bool isSplit() const {
    return llvm::any_of(split, [](const SmallVector<int32_t> &axes) { return !axes.empty(); });
  }
  /// "" for a whole dim `d`, else " (this rank's slice of 4096 over tp)" for a slice of
  /// `local`.
  std::string sliceOf(int64_t d, int64_t local) const;
};

/// The number of ranks in a group over mesh `axes` (axes the mesh lacks count as 1).
int64_t meshGroupSize(shard::GridOp mesh, ArrayRef<int32_t> axes) {
  int64_t size = 1;
  for (int32_t axis : axes)
    if (mesh && axis >= 0 && axis < mesh.getRank())
      size *= mesh.getShape()[axis];
  return size;
}

std::optional<Weight> weightOf(Value b) {
  Weight w;
  Value v = b;
  while (auto slice = v.getDefiningOp<shard::AllSliceOp>()) {
    w.slices.insert(w.slices.begin(), slice);
    v = slice.getInput();
  }
  if ((w.piece = v.getDefiningOp<SliceOp>())) {
    if (llvm::any_of(w.piece.getStride(), [](int64_t s) { return s != 1; }))
      return std::nullopt;
    v = w.piece.getX();
  }
  w.param = v.getDefiningOp<ParamOp>();
  if (!w.param || (w.piece && w.param->hasAttr(DscDialect::kSplitAxesAttr)))
    return std::nullopt;
  int64_t rank = cast<RankedTensorType>(w.param.getType()).getRank();
  w.split.resize(rank);
  if (auto folded = w.param->getAttrOfType<ArrayAttr>(DscDialect::kSplitAxesAttr))
    for (auto [d, axes] : llvm::enumerate(folded.getAsRange<DenseI32ArrayAttr>()))
      if (static_cast<int64_t>(d) < rank)
        w.split[d].assign(axes.asArrayRef().begin(), axes.asArrayRef().end());
  for (shard::AllSliceOp slice : w.slices)
    for (shard::GridAxis axis : slice.getGridAxes())
      w.split[slice.getSliceAxis().getSExtValue()].push_back(axis);
  return w;
}

std::string Weight::sliceOf(int64_t d, int64_t local) const {
  if (split[d].empty())
    return "";
  shard::GridOp mesh = findMeshGrid(param);
  auto names = mesh ? mesh->getAttrOfType<ArrayAttr>(DscDialect::kMeshAxesAttr) : ArrayAttr();
  std::string axes;
  for (auto [i, axis] : llvm::enumerate(split[d]))
    axes += (i ? ", " : "") + (names && axis >= 0 && axis < static_cast<int32_t>(names.size())
                                   ? cast<StringAttr>(names[axis]).getValue().str()
                                   : "axis " + std::to_string(axis));
  return " (this rank's slice of " + std::to_string(local * meshGroupSize(mesh, split[d])) +
         " over " + axes + ")";
}

std::optional<StringRef> hintOf(Operation *op) {
  if (auto hint = op->getAttrOfType<StringAttr>(DscDialect::kPrecisionAttr))
    return hint.getValue();
  return std::nullopt;
}

constexpr StringLiteral kPrecisions[] = {"as-written", "tf32", "bf16", "fp16", "fp8"};
/// The op kinds whose precision the policy decides, and so the ones an op-precision entry
/// may name.
constexpr StringLiteral kDecidedKinds[] = {"matmul", "attention"};

/// The precision each op kind gets: `precision`, unless op-precision names the kind.
struct KindPrecisions {
  StringRef precision;
  llvm::StringMap<std::string> byKind;

  /// The precision for `kind` and why ("" for the global policy).
  std::pair<StringRef, std::string> lookup(StringRef kind) const {
    auto it = byKind.find(kind);
    if (it == byKind.end())
      return {precision, ""};
    return {it->second, "--precision-override " + kind.str() + "=" + it->second};
  }
};

/// Parses op-precision entries (KIND=PRECISION); the error names the entry.
FailureOr<llvm::StringMap<std::string>> parseOpPrecision(ArrayRef<std::string> entries,
                                                         MLIRContext *context) {
  llvm::StringMap<std::string> byKind;
  for (StringRef entry : entries) {
    auto fail = [&](const Twine &what) {
      return emitError(UnknownLoc::get(context))
             << "dsc-precision: op-precision '" << entry << "': " << what;
    };
    auto [kind, value] = entry.split('=');
    if (value.empty() || !entry.contains('='))
      return fail("expected KIND=PRECISION");
    if (!llvm::is_contained(kDecidedKinds, kind))
      return fail("'" + kind +
                  "' is not an op kind the policy decides; expected matmul or "
                  "attention");
    if (!llvm::is_contained(kPrecisions, value))
      return fail("unknown precision '" + value +
                  "'; expected as-written, tf32, bf16, fp16 or fp8");
    if (!byKind.try_emplace(kind, value.str()).second)
      return fail("'" + kind + "' is given twice");
  }
  return byKind;
}

class PolicyApplier {
public:
  PolicyApplier(MLIRContext *context, KindPrecisions precisions, StringRef recipe,
                int64_t amaxHistory, bool explain)
      : precisions(std::move(precisions)), recipe(recipe), amaxHistory(amaxHistory),
        explain(explain), b(context) {}

  void apply(Operation *op);

private:
  void remark(Operation *op, const Twine &what) {
    if (explain)
      op->emitRemark() << op->getName().getStringRef() << ": " << what;
  }
  /// Why `matmul` cannot run in fp8 ("" when it can), for `recipe`.
  std::string fp8Obstacle(MatmulOp matmul);
  void matmul(MatmulOp op);
  void attention(AttentionOp op);
  void toFp8(MatmulOp op);
  void autocastMatmul(MatmulOp op, Type low);
  Value castTo(Value v, Type element, Location loc);

  KindPrecisions precisions;
  StringRef recipe;
  /// The amax history of each activation quantize under the delayed recipe.
  int64_t amaxHistory;
  bool explain;
  OpBuilder b;
};

std::string PolicyApplier::fp8Obstacle(MatmulOp op) {
  auto a = cast<RankedTensorType>(op.getA().getType());
  auto bt = cast<RankedTensorType>(op.getB().getType());
  Type out = op.getResult().getType().getElementType();
  if (!isa<BFloat16Type, Float16Type, Float32Type>(a.getElementType()) ||
      !isa<BFloat16Type, Float16Type, Float32Type>(out))
    return "fp8 GEMMs take bf16/f16/f32 activations and outputs";
  std::optional<Weight> weight = weightOf(op.getB());
  if (!weight)
    return "the right operand is not a weight (a product of two activations)";
  if (op.getTransposeA() || op.getTransposeB())
    return "a transposed operand";
  if (bt.getRank() != 2 || a.getRank() < 2)
    return "the weight is not a [K, N] matrix";
  for (Operation *user : op->getUsers())
    if (isa<RouterTopkOp>(user))
      return "router logits stay as written (top-k decides on near ties)";
  if (recipe == "blockwise") {
    // On a mesh, a rank quantizes its slice of the weight when it loads: the slice must cut
    // on block boundaries for its blocks to be the unsharded weight's.
    for (auto [d, what] : llvm::enumerate(StringRef("KN"))) {
      int64_t size = bt.getDimSize(d);
      if (size % kBlock != 0)
        return std::string(1, what) + " = " + std::to_string(size) + weight->sliceOf(d, size) +
               " is not a multiple of 128 (blockwise fp8 needs K and N to be)";
    }
  }
  return "";
}

void PolicyApplier::apply(Operation *op) {
  if (auto m = dyn_cast<MatmulOp>(op))
    return matmul(m);
  if (auto a = dyn_cast<AttentionOp>(op))
    return attention(a);
  if (op->getNumResults() == 0)
    return;
  Type t = elementOf(op->getResult(0));
  if (isa<RmsNormOp, LayerNormOp>(op))
    return remark(op, "computes in f32, output " + typeName(t) +
                          ": norms accumulate in f32");
  if (isa<SoftmaxOp>(op))
    return remark(op, "computes in f32, output " + typeName(t) +
                          ": softmax accumulates in f32");
  if (isa<ReduceSumOp, ReduceMeanOp>(op))
    return remark(op, "computes in f32, output " + typeName(t) +
                          ": reductions accumulate in f32");
  if (isa<RouterTopkOp>(op))
    return remark(op,
                  "computes in f32: router scores, top-k and weights in f32");
  if (isa<ParamOp>(op))
    return remark(op, "as written (" + typeName(t) + "): a parameter");
  remark(op, "as written (" + typeName(t) + ")");
}

void PolicyApplier::matmul(MatmulOp op) {
  std::optional<StringRef> hint = hintOf(op);
  auto [kindTarget, kindWhy] = precisions.lookup("matmul");
  StringRef target = hint ? *hint : kindTarget;
  Type out = op.getResult().getType().getElementType();
  // Why this op gets `target`: its hint, the kind's override, or the policy's own reason.
  auto because = [&](StringRef policyReason) {
    if (hint)
      return "@precision(" + hint->str() + ")";
    return kindWhy.empty() ? policyReason.str() : kindWhy;
  };
  std::string why = because("a GEMM on a weight");
  if (target == "fp8") {
    std::string obstacle = fp8Obstacle(op);
    if (obstacle.empty()) {
      std::string scales =
          recipe == "blockwise" ? "blockwise scales (1x128 activation tiles, 128x128 weight "
                                  "blocks)"
          : recipe == "delayed"
              ? "per-tensor scales (activation: delayed, the largest amax of its last " +
                    std::to_string(amaxHistory) + " runs; weight: at load)"
              : "per-tensor scales (current amax)";
      remark(op, "fp8 e4m3 with " + scales + ", f32 accumulation, output " + typeName(out) + ": " +
                     why);
      return toFp8(op);
    }
    return remark(op, typeName(elementOf(op.getA())) +
                          ", f32 accumulation: " + obstacle);
  }
  if (target == "tf32" && elementOf(op.getA()).isF32() && elementOf(op.getB()).isF32()) {
    remark(op, "tf32 tensor cores (inputs rounded to 10 mantissa bits), f32 accumulation "
               "and output: " +
                   because("f32 GEMMs (policy)"));
    op->setAttr(DscDialect::kPrecisionAttr, b.getStringAttr("tf32"));
    return;
  }
  if ((target == "bf16" || target == "fp16") && elementOf(op.getA()).isF32() &&
      elementOf(op.getB()).isF32()) {
    Type low = target == "bf16" ? Type(b.getBF16Type()) : Type(b.getF16Type());
    remark(op,
           typeName(low) + " operands, f32 accumulation and output: " + because("GEMMs autocast"));
    return autocastMatmul(op, low);
  }
  remark(op, typeName(elementOf(op.getA())) + ", f32 accumulation: " + because("as written"));
}

Value PolicyApplier::castTo(Value v, Type element, Location loc) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getElementType() == element)
    return v;
  return CastOp::create(b, loc, type.clone(element), v);
}

void PolicyApplier::autocastMatmul(MatmulOp op, Type low) {
  b.setInsertionPoint(op);
  op.getAMutable().assign(castTo(op.getA(), low, op.getLoc()));
  op.getBMutable().assign(castTo(op.getB(), low, op.getLoc()));
  op.setOutTypeAttr(TypeAttr::get(b.getF32Type()));
}

void PolicyApplier::toFp8(MatmulOp op) {
  b.setInsertionPoint(op);
  Location loc = op.getLoc();
  Weight weight = *weightOf(op.getB());
  // The rank's [K, N] (the whole weight without a mesh) and the weight file's.
  auto w = cast<RankedTensorType>(op.getB().getType());
  auto a = cast<RankedTensorType>(op.getA().getType());
  int64_t k = w.getDimSize(0), n = w.getDimSize(1), rows = a.getNumElements() / k;
  SmallVector<int64_t> whole(w.getShape());
  for (auto [d, axes] : llvm::enumerate(weight.split))
    whole[d] *= meshGroupSize(findMeshGrid(op), axes);
  // The recipe was checked when the pass was initialized. Delayed scaling is the tensor
  // recipe's layouts and weights, with an amax history on the activation's quantize.
  Fp8RecipeOption option = *parseFp8RecipeOption(recipe);
  Fp8Recipe parsed = option.recipe;
  Type e4m3 = b.getType<Float8E4M3FNType>();
  auto scalesType = [&](const std::vector<int64_t> &shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  };
  StringAttr recipeAttr = b.getStringAttr(option.delayed ? StringRef("tensor") : recipe);
  // A rank quantizes its slice when the weights load (docs/precision.md, "On a mesh").
  ArrayAttr split =
      weight.isSplit()
          ? b.getArrayAttr(llvm::map_to_vector(weight.split,
                                               [&](const SmallVector<int32_t> &axes) -> Attribute {
                                                 return b.getDenseI32ArrayAttr(axes);
                                               }))
          : nullptr;
  auto source = cast<RankedTensorType>(weight.param.getType()).clone(whole);
  if (weight.piece)
    source = weight.piece.getX().getType();
  auto quantized = QuantizedParamOp::create(
      b, loc, RankedTensorType::get({n, k}, e4m3), scalesType(fp8WeightScaleShape(k, n, parsed)),
      weight.param.getNameAttr(), TypeAttr::get(source), recipeAttr, split,
      weight.piece ? b.getDenseI64ArrayAttr(weight.piece.getStart()) : nullptr);
  auto act = QuantizeOp::create(
      b, loc, a.clone(e4m3), scalesType(fp8ActivationScaleShape(rows, k, parsed)), op.getA(),
      recipeAttr, option.delayed ? b.getI64IntegerAttr(amaxHistory) : nullptr);
  auto product = ScaledMatmulOp::create(b, loc, op.getResult().getType(), act.getValues(),
                                        act.getScales(), quantized.getValues(),
                                        quantized.getScales(), op.getAddend(), recipeAttr);
  op.getResult().replaceAllUsesWith(product.getResult());
  op.erase();
  for (shard::AllSliceOp slice : llvm::reverse(weight.slices))
    if (slice->use_empty())
      slice->erase();
  if (weight.piece && weight.piece->use_empty())
    weight.piece->erase();
  if (weight.param->use_empty())
    weight.param.erase();
}

void PolicyApplier::attention(AttentionOp op) {
  std::optional<StringRef> hint = hintOf(op);
  auto [kindTarget, kindWhy] = precisions.lookup("attention");
  StringRef target = hint ? *hint : kindTarget;
  std::string why = hint ? "@precision(" + hint->str() + ")" : kindWhy;
  Type t = elementOf(op.getQ());
  if ((target == "bf16" || target == "fp16") && t.isF32()) {
    Type low = target == "bf16" ? Type(b.getBF16Type()) : Type(b.getF16Type());
    remark(op, typeName(low) + " with f32 softmax and accumulation, output f32: " +
                   (why.empty() ? std::string("attention autocasts") : why));
    b.setInsertionPoint(op);
    Location loc = op.getLoc();
    op.getQMutable().assign(castTo(op.getQ(), low, loc));
    op.getKMutable().assign(castTo(op.getK(), low, loc));
    op.getVMutable().assign(castTo(op.getV(), low, loc));
    auto f32Type = op.getResult().getType();
    op.getResult().setType(cast<RankedTensorType>(f32Type).clone(low));
    b.setInsertionPointAfter(op);
    auto back = CastOp::create(b, loc, f32Type, op.getResult());
    op.getResult().replaceAllUsesExcept(back.getResult(), back);
    return;
  }
  remark(op, typeName(t) + " with f32 softmax and accumulation: " +
                 (target == "fp8" ? std::string("fp8 attention is not implemented")
                  : why.empty()   ? std::string("as written")
                                  : why));
}

struct PrecisionPass : dsc::impl::PrecisionPassBase<PrecisionPass> {
  using PrecisionPassBase::PrecisionPassBase;

  LogicalResult initialize(MLIRContext *context) override {
    if (!llvm::is_contained(kPrecisions, StringRef(precision)))
      return emitError(UnknownLoc::get(context))
             << "dsc-precision: unknown precision '" << precision
             << "'; expected as-written, tf32, bf16, fp16 or fp8";
    if (!parseFp8RecipeOption(fp8Recipe))
      return emitError(UnknownLoc::get(context))
             << "dsc-precision: unknown fp8-recipe '" << fp8Recipe
             << "'; expected blockwise, tensor or delayed";
    if (fp8AmaxHistory < 1 || fp8AmaxHistory > kMaxFp8AmaxHistory)
      return emitError(UnknownLoc::get(context))
             << "dsc-precision: fp8-amax-history must be in [1, " << kMaxFp8AmaxHistory << "], got "
             << static_cast<int64_t>(fp8AmaxHistory);
    FailureOr<llvm::StringMap<std::string>> byKind = parseOpPrecision(opPrecision, context);
    if (failed(byKind))
      return failure();
    kindPrecisions = std::move(*byKind);
    return success();
  }

  void runOnOperation() override {
    PolicyApplier applier(&getContext(), KindPrecisions{precision, kindPrecisions}, fp8Recipe,
                          fp8AmaxHistory, explain);
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      SmallVector<Operation *> ops;
      func.walk([&](Operation *op) {
        if (isa_and_nonnull<DscDialect>(op->getDialect()))
          ops.push_back(op);
      });
      for (Operation *op : ops)
        applier.apply(op);
    }
  }

  llvm::StringMap<std::string> kindPrecisions;
};

} // namespace
