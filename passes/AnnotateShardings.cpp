//===- AnnotateShardings.cpp - dsc.shard hints to shard.shard ops ---------===//
//
// Turns the `dsc.shard` hints of a model (docs/ops.md) into upstream `shard.shard`
// annotations on the module's mesh grid (the `shard.grid` with `dsc.mesh_axes`), so that
// upstream `sharding-propagation` and `shard-partition` can take over:
//  * every entry input is annotated with its hint (its per-rank type follows from it after
//    partitioning) or as replicated;
//  * a param, constant or iota is produced whole (replicated) and, with a hint, used split:
//    partitioning turns that into a local `shard.all_slice`, no communication;
//  * an op result with a hint is used with that sharding (the op may produce it otherwise if
//    it cannot make it, e.g. a norm whose row the hint splits: partitioning reshards);
//  * every entry output is used replicated unless it has a hint: outputs are gathered whole.
// The shard dialect of MLIR 22 has no partial shardings, so `partial` axes are checked and
// then left to the ops (a matmul whose contraction is split reduces its partial sums itself).
// A batch that the hints split over `dp` on the inputs is named on the values the hints leave
// whole over the other axes (addHintedDataParallel), so propagation keeps it split.
//
// With `auto-parallel`, params and inputs that have no hint get Megatron-style ones first
// (parallelHint below): column-parallel weights until a matmul reads a value split along its
// last dim, which makes that weight row-parallel; heads follow their projection through
// reshape, rope and attention; inputs of rank >= 2 split their batch over `dp`, and the
// values computed from the batch that are whole over `tp` name that split too
// (addDataParallelHints), so propagation keeps it through every layer. A fused
// projection followed by a split (QKV) is rewritten to split the weight first, so that each
// piece is column-parallel on its own. With an `ep` axis, MoE layers get expert parallelism
// (addExpertHints); embedding tables split their vocabulary over tp (the gather's own
// partition masks and sums). With `sequence-parallel`, the residual stream between the TP
// regions is used split on tokens over tp (addSequenceParallelHints).
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "passes/Passes.h"
#include "passes/ShardingHints.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"

namespace dsc {
#define GEN_PASS_DEF_ANNOTATESHARDINGSPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// Builds the shard dialect's split axes for a `dsc.shard` hint of a value of type `type`.
FailureOr<SmallVector<shard::GridAxesAttr>> splitAxesOf(DictionaryAttr hint, Type type,
                                                        const ShardingMesh &mesh, Location loc) {
  MLIRContext *ctx = type.getContext();
  auto tensor = llvm::cast<RankedTensorType>(type);
  auto lookup = [&](Attribute name) -> FailureOr<shard::GridAxis> {
    StringRef axis = llvm::cast<StringAttr>(name).getValue();
    int64_t index = mesh.indexOf(axis);
    if (index < 0)
      return emitError(loc) << "unknown mesh axis '" << axis << "'; the mesh has "
                            << llvm::join(mesh.names, ", ");
    return static_cast<shard::GridAxis>(index);
  };
  if (auto partial = hint.getAs<ArrayAttr>("partial"))
    for (Attribute name : partial)
      if (failed(lookup(name)))
        return failure();
  SmallVector<shard::GridAxesAttr> split;
  auto dims = hint.getAs<ArrayAttr>("dims");
  for (auto [dim, axes] : llvm::enumerate(dims ? dims.getValue() : ArrayRef<Attribute>())) {
    SmallVector<shard::GridAxis> indices;
    int64_t parts = 1;
    for (Attribute name : llvm::cast<ArrayAttr>(axes)) {
      FailureOr<shard::GridAxis> index = lookup(name);
      if (failed(index))
        return failure();
      indices.push_back(*index);
      parts *= mesh.sizes[*index];
    }
    if (tensor.getDimSize(dim) % parts != 0)
      return emitError(loc) << "dimension " << dim << " of " << type
                            << " does not split evenly over " << parts << " ranks";
    split.push_back(shard::GridAxesAttr::get(ctx, indices));
  }
  return split;
}

Value annotate(OpBuilder &b, Location loc, Value v, const ShardingMesh &mesh,
               ArrayRef<shard::GridAxesAttr> split, bool forUsers) {
  auto sharding = shard::ShardingOp::create(b, loc, FlatSymbolRefAttr::get(mesh.grid), split);
  return shard::ShardOp::create(b, loc, v, sharding, forUsers);
}

/// Replaces the uses of `v` other than by `keep` with `with`.
void replaceOtherUses(Value v, Value with, Operation *keep) {
  v.replaceUsesWithIf(with, [&](OpOperand &use) { return use.getOwner() != keep; });
}

} // namespace

//===----------------------------------------------------------------------===//
// --parallel=auto
//===----------------------------------------------------------------------===//

DictionaryAttr dsc::makeHint(MLIRContext *ctx, int64_t rank,
                             ArrayRef<std::pair<int64_t, StringRef>> dims) {
  Builder b(ctx);
  SmallVector<Attribute> perDim(rank, b.getArrayAttr({}));
  for (auto [dim, axis] : dims)
    perDim[dim] = b.getArrayAttr({b.getStringAttr(axis)});
  return b.getDictionaryAttr({b.getNamedAttr("dims", b.getArrayAttr(perDim))});
}

namespace {

/// For a hint of a rank-2 weight that splits one dim over exactly `tp` (and has no partial
/// axes): that dim (0: row-parallel, 1: column-parallel); else -1.
int64_t tpDimOf(Attribute hint) {
  auto dict = llvm::dyn_cast_if_present<DictionaryAttr>(hint);
  auto dims = dict ? dict.getAs<ArrayAttr>("dims") : ArrayAttr();
  if (!dims || dict.get("partial") || dims.size() != 2)
    return -1;
  auto isTp = [&](int64_t d) {
    return llvm::equal(llvm::cast<ArrayAttr>(dims[d]).getAsValueRange<StringAttr>(),
                       ArrayRef<StringRef>{"tp"});
  };
  auto isWhole = [&](int64_t d) { return llvm::cast<ArrayAttr>(dims[d]).empty(); };
  return isTp(0) && isWhole(1) ? 0 : isWhole(0) && isTp(1) ? 1 : -1;
}

/// Whether `hint` is absent or splits only the last of two dims over `tp`.
bool isColumnHintOrNone(Attribute hint) { return !hint || tpDimOf(hint) == 1; }

/// The weight of `matmul` that the Megatron defaults split: a rank-2 param, or a slice of one
/// (a piece of a fused projection), not transposed; else null.
Operation *weightOf(MatmulOp matmul) {
  Operation *weight = matmul.getB().getDefiningOp();
  if (auto slice = dyn_cast_if_present<SliceOp>(weight);
      slice && !slice.getX().getDefiningOp<ParamOp>())
    return nullptr;
  if (!isa_and_present<ParamOp, SliceOp>(weight) || matmul.getTransposeB() ||
      llvm::cast<RankedTensorType>(matmul.getB().getType()).getRank() != 2)
    return nullptr;
  return weight;
}

/// `split(matmul(x, w), axis = -1)` with `w` a param: slices `w` instead and multiplies by each
/// slice, so that every piece of a fused projection (QKV, gate/up) is column-parallel by
/// itself: split along tp, the fused weight's columns would not line up with the pieces.
void splitFusedProjections(func::FuncOp func) {
  SmallVector<SplitOp> splits;
  func.walk([&](SplitOp s) { splits.push_back(s); });
  for (SplitOp split : splits) {
    auto matmul = split.getX().getDefiningOp<MatmulOp>();
    int64_t rank = llvm::cast<RankedTensorType>(split.getX().getType()).getRank();
    if (!matmul || !matmul->hasOneUse() || (split.getAxis() != -1 && split.getAxis() != rank - 1))
      continue;
    auto weight = matmul.getB().getDefiningOp<ParamOp>();
    if (!weight || matmul.getTransposeB() || matmul.getAddend() ||
        llvm::cast<RankedTensorType>(matmul.getB().getType()).getRank() != 2 ||
        !isColumnHintOrNone(weight->getAttr(DscDialect::kShardAttr)))
      continue;
    if (weight->hasOneUse())
      weight->removeAttr(DscDialect::kShardAttr);
    OpBuilder b(split);
    auto type = llvm::cast<RankedTensorType>(matmul.getB().getType());
    int64_t offset = 0;
    for (auto [result, size] : llvm::zip(split.getResults(), split.getSizes())) {
      auto piece = SliceOp::create(b, split.getLoc(), weight.getResult(),
                                   b.getDenseI64ArrayAttr({0, offset}),
                                   b.getDenseI64ArrayAttr({type.getDimSize(0), offset + size}),
                                   b.getDenseI64ArrayAttr({1, 1}));
      offset += size;
      auto part = MatmulOp::create(b, matmul.getLoc(), result.getType(), matmul.getA(), piece,
                                   Value(), matmul.getTransposeAAttr(), matmul.getTransposeBAttr(),
                                   matmul.getOutTypeAttr());
      part->setDiscardableAttrs(matmul->getDiscardableAttrDictionary());
      result.replaceAllUsesWith(part.getResult());
    }
    split.erase();
    matmul.erase();
  }
}

/// Expert parallelism over `ep`: each moe_dispatch's buffer splits its experts, its tokens
/// split over `dp` (if any) and `ep`, and the expert weights (rank-3 params whose first dim is
/// the number of experts, read by a batched matmul) split their experts. The tokens' split
/// makes the non-expert ops around the experts data parallel over `ep` too, as in DeepSeek-V3.
void addExpertHints(func::FuncOp func, const ShardingMesh &mesh) {
  MLIRContext *ctx = func.getContext();
  Builder b(ctx);
  auto axesHint = [&](int64_t rank, ArrayRef<StringRef> dim0) {
    SmallVector<Attribute> perDim(rank, b.getArrayAttr({}));
    SmallVector<Attribute> names;
    for (StringRef axis : dim0)
      names.push_back(b.getStringAttr(axis));
    perDim[0] = b.getArrayAttr(names);
    return b.getDictionaryAttr({b.getNamedAttr("dims", b.getArrayAttr(perDim))});
  };
  SmallVector<StringRef> tokenAxes;
  if (mesh.indexOf("dp") >= 0)
    tokenAxes.push_back("dp");
  tokenAxes.push_back("ep");
  llvm::SmallDenseSet<int64_t> expertCounts;
  func.walk([&](MoeDispatchOp dispatch) {
    expertCounts.insert(dispatch.getNumExperts());
    if (!dispatch->hasAttr(DscDialect::kShardAttr))
      dispatch->setAttr(DscDialect::kShardAttr, axesHint(3, {"ep"}));
    Operation *tokens = dispatch.getX().getDefiningOp();
    if (tokens && !isa<ParamOp, ConstantOp, IotaOp>(tokens) &&
        !tokens->hasAttr(DscDialect::kShardAttr))
      tokens->setAttr(DscDialect::kShardAttr, axesHint(2, tokenAxes));
  });
  // The combined tokens stay split: the ops after the experts (the residual) follow them
  // instead of gathering every expert's output.
  func.walk([&](MoeCombineOp combine) {
    if (!combine->hasAttr(DscDialect::kShardAttr))
      combine->setAttr(DscDialect::kShardAttr, axesHint(2, tokenAxes));
  });
  func.walk([&](MatmulOp matmul) {
    auto weight = matmul.getB().getDefiningOp<ParamOp>();
    auto type = llvm::cast<RankedTensorType>(matmul.getB().getType());
    if (weight && type.getRank() == 3 && expertCounts.contains(type.getDimSize(0)) &&
        !weight->hasAttr(DscDialect::kShardAttr))
      weight->setAttr(DscDialect::kShardAttr, axesHint(3, {"ep"}));
  });
}

/// The experts' outputs that a moe_combine reads are split as its moe_dispatch's buffer (the
/// one with the same indices) is hinted to be, unless hinted otherwise. Upstream propagation
/// visits the combine from the replicated output backwards first and would otherwise keep its
/// buffer whole, gathering every expert's output to every rank.
void followDispatchHints(func::FuncOp func) {
  func.walk([&](MoeCombineOp combine) {
    Operation *experts = combine.getBuffer().getDefiningOp();
    if (!experts || isa<ParamOp, ConstantOp, IotaOp>(experts) ||
        experts->hasAttr(DscDialect::kShardAttr))
      return;
    for (Operation *user : combine.getIndices().getUsers())
      if (auto dispatch = dyn_cast<MoeDispatchOp>(user))
        if (Attribute hint = dispatch->getAttr(DscDialect::kShardAttr)) {
          experts->setAttr(DscDialect::kShardAttr, hint);
          return;
        }
  });
}

/// Megatron hints for the params (through their matmuls) and inputs that have none. Returns
/// how each value is split over `tp` (empty without a `tp` axis).
llvm::DenseMap<Value, TpSplit> addParallelHints(func::FuncOp func, const ShardingMesh &mesh) {
  MLIRContext *ctx = func.getContext();
  bool hasTp = mesh.indexOf("tp") >= 0, hasDp = mesh.indexOf("dp") >= 0;
  if (mesh.indexOf("ep") >= 0)
    addExpertHints(func, mesh);
  if (hasDp)
    for (BlockArgument arg : func.getArguments()) {
      auto type = llvm::cast<RankedTensorType>(arg.getType());
      if (type.getRank() >= 2 && !func.getArgAttr(arg.getArgNumber(), DscDialect::kShardAttr))
        func.setArgAttr(arg.getArgNumber(), DscDialect::kShardAttr,
                        makeHint(ctx, type.getRank(), {{0, "dp"}}));
    }
  llvm::DenseMap<Value, TpSplit> state;
  if (!hasTp)
    return state;
  // Vocabulary-parallel embedding: the table's rows split over tp; each rank looks up the
  // tokens in its rows and an all_reduce sums the lookups.
  func.walk([&](GatherOp gather) {
    auto table = gather.getTable().getDefiningOp<ParamOp>();
    auto type = llvm::cast<RankedTensorType>(gather.getTable().getType());
    if (table && type.getRank() == 2 && (gather.getAxis() == 0 || gather.getAxis() == -2) &&
        !table->hasAttr(DscDialect::kShardAttr) && table->hasOneUse())
      table->setAttr(DscDialect::kShardAttr, makeHint(ctx, 2, {{0, "tp"}}));
  });
  splitFusedProjections(func);
  auto of = [&](Value v) { return state.lookup(v); };
  func.walk([&](Operation *op) {
    if (op->getNumResults() == 0)
      return;
    Value result = op->getResult(0);
    TpSplit s = TpSplit::None;
    if (isa<ParamOp, ConstantOp, IotaOp, BroadcastOp, SliceOp>(op)) {
      s = TpSplit::Neutral;
    } else if (auto matmul = dyn_cast<MatmulOp>(op)) {
      // A weight the model hints keeps its hint; its split says what the matmul makes.
      if (Operation *weight = weightOf(matmul)) {
        if (!weight->hasAttr(DscDialect::kShardAttr)) {
          bool row = of(matmul.getA()) == TpSplit::Last;
          weight->setAttr(DscDialect::kShardAttr, makeHint(ctx, 2, {{row ? 0 : 1, "tp"}}));
        }
        s = tpDimOf(weight->getAttr(DscDialect::kShardAttr)) == 1 ? TpSplit::Last : TpSplit::None;
      }
    } else if (auto reshape = dyn_cast<ReshapeOp>(op)) {
      int64_t in = llvm::cast<RankedTensorType>(reshape.getOperand().getType()).getRank();
      int64_t out = llvm::cast<RankedTensorType>(result.getType()).getRank();
      TpSplit from = of(reshape.getOperand());
      s = from == TpSplit::Last && out == in + 1    ? TpSplit::Heads
          : from == TpSplit::Heads && out == in - 1 ? TpSplit::Last
                                                    : TpSplit::None;
    } else if (auto rope = dyn_cast<RopeOp>(op)) {
      s = of(rope.getX());
    } else if (auto attention = dyn_cast<AttentionOp>(op)) {
      s = of(attention.getQ()) == TpSplit::Heads ? TpSplit::Heads : TpSplit::None;
    } else if (auto kind = dyn_cast<FusionKindOpInterface>(op);
               kind && kind.getFusionKind() == FusionKind::elementwise) {
      // Split along the last dim if some operand is and the others can follow.
      bool any = false, ok = true;
      for (Value v : op->getOperands()) {
        any |= of(v) == TpSplit::Last;
        ok &= of(v) == TpSplit::Last || of(v) == TpSplit::Neutral;
      }
      s = any && ok ? TpSplit::Last : TpSplit::None;
    }
    state[result] = s;
  });
  return state;
}

} // namespace

bool dsc::isReducedOverTp(Operation *op) {
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    Operation *weight = weightOf(matmul);
    return weight && tpDimOf(weight->getAttr(DscDialect::kShardAttr)) == 0;
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    Operation *table = gather.getTable().getDefiningOp();
    return table && tpDimOf(table->getAttr(DscDialect::kShardAttr)) == 0;
  }
  return false;
}

namespace {

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

LogicalResult annotateFunction(func::FuncOp func, const ShardingMesh &mesh) {
  OpBuilder b(func.getContext());
  auto hintOf = [](Attribute attr) { return llvm::dyn_cast_if_present<DictionaryAttr>(attr); };
  auto splitFor = [&](DictionaryAttr hint, Type type,
                      Location loc) -> FailureOr<SmallVector<shard::GridAxesAttr>> {
    if (!hint)
      return SmallVector<shard::GridAxesAttr>();
    return splitAxesOf(hint, type, mesh, loc);
  };

  Block &body = func.getBody().front();
  b.setInsertionPointToStart(&body);
  for (BlockArgument arg : func.getArguments()) {
    auto split = splitFor(hintOf(func.getArgAttr(arg.getArgNumber(), DscDialect::kShardAttr)),
                          arg.getType(), arg.getLoc());
    if (failed(split))
      return failure();
    func.removeArgAttr(arg.getArgNumber(), DscDialect::kShardAttr);
    Value annotated = annotate(b, arg.getLoc(), arg, mesh, *split, /*forUsers=*/false);
    replaceOtherUses(arg, annotated, annotated.getDefiningOp());
  }

  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  for (Operation *op : ops) {
    if (op->getNumResults() == 0 || !llvm::isa<RankedTensorType>(op->getResult(0).getType()))
      continue;
    DictionaryAttr hint = hintOf(op->getAttr(DscDialect::kShardAttr));
    DictionaryAttr produced = hintOf(op->getAttr(kProducedAttr));
    bool source = isa<ParamOp, ConstantOp, IotaOp>(op);
    if (!hint && !source && !produced)
      continue;
    Value v = op->getResult(0);
    auto split = splitFor(hint, v.getType(), op->getLoc());
    auto producedSplit = splitFor(produced, v.getType(), op->getLoc());
    if (failed(split) || failed(producedSplit))
      return failure();
    op->removeAttr(DscDialect::kShardAttr);
    op->removeAttr(kProducedAttr);
    b.setInsertionPointAfter(op);
    // Sources are made whole, a sequence-parallel op as it must. A hint says how the users
    // take the value: the op itself is free to produce it otherwise (propagation prefers the
    // hint where the op can make it), and partitioning reshards in between.
    Value used = v;
    if (source || produced)
      used = annotate(b, op->getLoc(), v, mesh, *producedSplit, /*forUsers=*/false);
    Operation *first = used.getDefiningOp();
    if (hint)
      used = annotate(b, op->getLoc(), used, mesh, *split, /*forUsers=*/true);
    replaceOtherUses(v, used, source || produced ? first : used.getDefiningOp());
  }

  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  b.setInsertionPoint(ret);
  for (OpOperand &operand : ret->getOpOperands()) {
    unsigned i = operand.getOperandNumber();
    auto split = splitFor(hintOf(func.getResultAttr(i, DscDialect::kShardAttr)),
                          operand.get().getType(), ret.getLoc());
    if (failed(split))
      return failure();
    func.removeResultAttr(i, StringAttr::get(func.getContext(), DscDialect::kShardAttr));
    operand.set(annotate(b, ret.getLoc(), operand.get(), mesh, *split, /*forUsers=*/true));
  }
  return success();
}

struct AnnotateShardingsPass : dsc::impl::AnnotateShardingsPassBase<AnnotateShardingsPass> {
  using AnnotateShardingsPassBase::AnnotateShardingsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ShardingMesh mesh;
    for (auto grid : module.getOps<shard::GridOp>()) {
      auto names = grid->getAttrOfType<ArrayAttr>(DscDialect::kMeshAxesAttr);
      if (!names)
        continue;
      if (mesh.grid) {
        grid.emitError() << "a second mesh grid; dsc compiles for one mesh";
        return signalPassFailure();
      }
      mesh.grid = grid;
      mesh.sizes = llvm::to_vector(grid.getShape());
      for (Attribute name : names)
        mesh.names.push_back(llvm::cast<StringAttr>(name).getValue());
    }
    if (!mesh.grid) {
      module.emitError() << "no mesh: declare `mesh dp=..., tp=...` in the model or pass --mesh "
                            "(a shard.grid with dsc.mesh_axes)";
      return signalPassFailure();
    }
    if (sequenceParallel && !autoParallel) {
      mesh.grid.emitError() << "sequence parallelism needs auto-parallel (--parallel=auto): it "
                               "extends the Megatron defaults";
      return signalPassFailure();
    }
    if (sequenceParallel && mesh.indexOf("tp") < 0) {
      mesh.grid.emitError() << "sequence parallelism splits the tokens over a `tp` mesh axis; "
                               "the mesh has "
                            << llvm::join(mesh.names, ", ");
      return signalPassFailure();
    }
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      if (!func.getBody().hasOneBlock()) {
        func.emitError() << "sharding needs a function body of one block";
        return signalPassFailure();
      }
      if (autoParallel) {
        llvm::DenseMap<Value, TpSplit> state = addParallelHints(func, mesh);
        if (sequenceParallel)
          addSequenceParallelHints(func, mesh, state);
        addDataParallelHints(func, mesh, state);
      } else {
        addHintedDataParallel(func, mesh);
      }
      followDispatchHints(func);
      if (failed(annotateFunction(func, mesh)))
        return signalPassFailure();
    }
  }
};

} // namespace
