//===- DataParallelHints.cpp - the batch's dp split through the layers ----===//
//
// Part of dsc-annotate-shardings (AnnotateShardings.cpp): finds the values whose dim 0 is the
// batch split over `dp` and names that split on those that are whole over the other axes, so
// that upstream propagation, which runs backward first from the outputs (used whole), keeps
// the batch split through every layer instead of gathering it right after the inputs.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "passes/ShardingHints.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace dsc {

bool isElementwise(Operation *op) {
  auto kind = dyn_cast<FusionKindOpInterface>(op);
  return kind && kind.getFusionKind() == FusionKind::elementwise;
}

bool isOverridable(Attribute attr) {
  auto hint = llvm::dyn_cast_if_present<DictionaryAttr>(attr);
  if (!hint)
    return !attr;
  auto dims = hint.getAs<ArrayAttr>("dims");
  return hint.get("partial") &&
         (!dims || llvm::all_of(dims, [](Attribute d) { return cast<ArrayAttr>(d).empty(); }));
}

namespace {

/// Whether `hint` splits dim 0 over exactly `dp`.
bool splitsDim0OverDp(DictionaryAttr hint) {
  auto dims = hint ? hint.getAs<ArrayAttr>("dims") : ArrayAttr();
  return dims && !dims.empty() &&
         llvm::equal(llvm::cast<ArrayAttr>(dims[0]).getAsValueRange<StringAttr>(),
                     ArrayRef<StringRef>{"dp"});
}

} // namespace

/// Values whose batch (dim 0) is split over `dp`: the inputs so hinted, then the results of
/// the ops that keep their (first, token-carrying) operand's dim 0 as theirs. A value the
/// model (or the expert defaults) hints otherwise ends the chain: the MoE tokens split over
/// `[dp, ep]` and what follows them are propagation's to place. None with a dp axis of one
/// rank: naming it would only move its (local) gather to the largest output.
llvm::DenseSet<Value> dpBatchValues(func::FuncOp func, const ShardingMesh &mesh) {
  llvm::DenseSet<Value> split;
  int64_t dp = mesh.indexOf("dp");
  if (dp < 0 || mesh.sizes[dp] == 1)
    return split;
  for (BlockArgument arg : func.getArguments())
    if (splitsDim0OverDp(
            func.getArgAttrOfType<DictionaryAttr>(arg.getArgNumber(), DscDialect::kShardAttr)))
      split.insert(arg);
  func.walk([&](Operation *op) {
    if (op->getNumResults() == 0 || op->getNumOperands() == 0)
      return;
    auto type = llvm::dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || type.getRank() < 2 || type.getDimSize(0) % mesh.sizes[dp] != 0)
      return;
    Attribute hint = op->getAttr(DscDialect::kShardAttr);
    if (!isOverridable(hint)) {
      if (splitsDim0OverDp(llvm::dyn_cast<DictionaryAttr>(hint)))
        split.insert(op->getResult(0));
      return;
    }
    Value tokens = isa<GatherOp>(op) ? op->getOperand(1) : op->getOperand(0);
    // A matmul's dim 0 is its batch or M, unless a rank-2 A is transposed (then it is K).
    auto matmul = dyn_cast<MatmulOp>(op);
    bool keepsDim0 =
        isElementwise(op) ||
        isa<RmsNormOp, LayerNormOp, SoftmaxOp, RopeOp, AttentionOp, ReshapeOp, GatherOp>(op) ||
        (matmul && !(matmul.getTransposeA() && type.getRank() == 2));
    bool fromSplit = isElementwise(op) ? llvm::any_of(op->getOperands(),
                                                      [&](Value v) { return split.contains(v); })
                                       : split.contains(tokens);
    if (keepsDim0 && fromSplit)
      split.insert(op->getResult(0));
  });
  return split;
}

namespace {

/// Whether `hint` splits nothing but dim 0, and that over exactly `dp` (or is absent).
bool splitsAtMostBatchOverDp(DictionaryAttr hint) {
  auto dims = hint ? hint.getAs<ArrayAttr>("dims") : ArrayAttr();
  if (!dims)
    return true;
  for (auto [dim, axes] : llvm::enumerate(dims))
    if (!llvm::cast<ArrayAttr>(axes).empty() && (dim != 0 || !splitsDim0OverDp(hint)))
      return false;
  return true;
}

/// Under --parallel=hints: the values that the model's hints leave whole over every axis but
/// `dp` on dim 0. The entry inputs hinted so (or not at all: replicated), the params,
/// constants and iotas without a hint (used whole), the results of ops hinted so, the sums of
/// row-parallel matmuls and vocabulary-parallel embeddings (whole after their all_reduce over
/// tp), and the results of every other op all of whose operands are such values (computed
/// from whole rows). A value that a hint splits otherwise (a column-parallel output, heads),
/// or computed from one, is not: its sharding is propagation's to find.
llvm::DenseSet<Value> wholeButTheBatch(func::FuncOp func) {
  llvm::DenseSet<Value> whole;
  for (BlockArgument arg : func.getArguments())
    if (splitsAtMostBatchOverDp(
            func.getArgAttrOfType<DictionaryAttr>(arg.getArgNumber(), DscDialect::kShardAttr)))
      whole.insert(arg);
  func.walk([&](Operation *op) {
    Attribute hint = op->getAttr(DscDialect::kShardAttr);
    bool isWhole = isa<ParamOp, ConstantOp, IotaOp>(op) ? !hint
                   : !isOverridable(hint)
                       ? splitsAtMostBatchOverDp(llvm::dyn_cast<DictionaryAttr>(hint))
                       : isReducedOverTp(op) || llvm::all_of(op->getOperands(), [&](Value v) {
                           return whole.contains(v);
                         });
    if (isWhole)
      whole.insert(op->result_begin(), op->result_end());
  });
  return whole;
}

/// Under --parallel=hints: the values that a model hint leaves whole on dim 0 (a hint on an
/// input or an op result that does not split dim 0 over `dp`; params, constants and iotas are
/// weights, not batches) and every value computed from one.
llvm::DenseSet<Value> fromWholeBatchHints(func::FuncOp func) {
  auto wholeBatch = [](Attribute hint) {
    return !isOverridable(hint) && !splitsDim0OverDp(llvm::dyn_cast<DictionaryAttr>(hint));
  };
  llvm::DenseSet<Value> values;
  for (BlockArgument arg : func.getArguments())
    if (wholeBatch(func.getArgAttr(arg.getArgNumber(), DscDialect::kShardAttr)))
      values.insert(arg);
  func.walk([&](Operation *op) {
    if (isa<ParamOp, ConstantOp, IotaOp>(op))
      return;
    if (wholeBatch(op->getAttr(DscDialect::kShardAttr)) ||
        llvm::any_of(op->getOperands(), [&](Value v) { return values.contains(v); }))
      values.insert(op->result_begin(), op->result_end());
  });
  return values;
}

/// Names the batch's `dp` split (dim 0) on every value of dpBatchValues that `isWhole` says
/// is whole over the other axes and that has no hint of its own: its op produces it so and
/// its users take it so. Upstream propagation runs backward first, from the outputs (used
/// whole) and from hints that split nothing (llama_layer's `partial`), and would otherwise
/// decide that the layers run on the whole batch: it gathers the batch right after the
/// input and every rank computes every row. The values split over `tp` in between (heads,
/// column-parallel outputs) are left to propagation, which takes the batch's split from
/// these on both sides. Sequence parallelism's hints (which name `dp` themselves) are kept.
void nameBatchSplit(func::FuncOp func, const ShardingMesh &mesh,
                    llvm::function_ref<bool(Value)> isWhole) {
  MLIRContext *ctx = func.getContext();
  llvm::DenseSet<Value> dpBatch = dpBatchValues(func, mesh);
  func.walk([&](Operation *op) {
    if (op->getNumResults() != 1 || !dpBatch.contains(op->getResult(0)) ||
        !isWhole(op->getResult(0)) || !isOverridable(op->getAttr(DscDialect::kShardAttr)))
      return;
    DictionaryAttr hint = makeHint(
        ctx, llvm::cast<RankedTensorType>(op->getResult(0).getType()).getRank(), {{0, "dp"}});
    op->setAttr(kProducedAttr, hint);
    op->setAttr(DscDialect::kShardAttr, hint);
  });
}

} // namespace

void addDataParallelHints(func::FuncOp func, const ShardingMesh &mesh,
                          const llvm::DenseMap<Value, TpSplit> &state) {
  nameBatchSplit(func, mesh, [&](Value v) { return state.lookup(v) == TpSplit::None; });
}

void addHintedDataParallel(func::FuncOp func, const ShardingMesh &mesh) {
  if (dpBatchValues(func, mesh).empty())
    return;
  llvm::DenseSet<Value> whole = wholeButTheBatch(func);
  // An op that reads a value the model wants whole on dim 0 besides a named one would have
  // operands that no one sharding of the op satisfies: such a value is left to propagation.
  llvm::DenseSet<Value> wholeBatch = fromWholeBatchHints(func);
  auto readBesideWholeBatch = [&](Value v) {
    return llvm::any_of(v.getUsers(), [&](Operation *user) {
      return llvm::any_of(user->getOperands(), [&](Value w) { return wholeBatch.contains(w); });
    });
  };
  nameBatchSplit(func, mesh,
                 [&](Value v) { return whole.contains(v) && !readBesideWholeBatch(v); });
}

} // namespace dsc
