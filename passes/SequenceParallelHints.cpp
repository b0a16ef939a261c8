//===- SequenceParallelHints.cpp - the residual stream split on tokens ----===//
//
// Part of dsc-annotate-shardings (AnnotateShardings.cpp): Megatron-LM's sequence parallelism
// as hints. The residual stream between the TP regions is produced or used split on its
// tokens over `tp`; partitioning and dsc-form-reduce-scatters make the collectives.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "passes/ShardingHints.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace dsc {

namespace {

bool isInStream(const llvm::SetVector<Value> &stream, Operation *op) {
  return op->getNumResults() == 1 && stream.contains(op->getResult(0));
}

} // namespace

/// Sequence parallelism (Megatron-LM's `--sequence-parallel`). The residual stream between
/// the TP regions is split on its token dim (the second-to-last) over `tp`: the results of
/// row-parallel matmuls and vocabulary-parallel embeddings (sums over tp, produced whole and
/// used split: all_reduce then all_slice, which dsc-form-reduce-scatters makes one
/// reduce_scatter), and the elementwise ops and norms that follow them or read an entry input
/// (produced split). A stream value is used split only by stream ops (and the return, which
/// gathers it); any other user, a column-parallel matmul above all, takes it whole over tp
/// (all_gather). The batch keeps its dp split. A value whose token dim tp does not divide
/// stays whole over tp.
void addSequenceParallelHints(func::FuncOp func, const ShardingMesh &mesh,
                              const llvm::DenseMap<Value, TpSplit> &state) {
  Builder b(func.getContext());
  int64_t tp = mesh.sizes[mesh.indexOf("tp")];
  int64_t dp = mesh.indexOf("dp") >= 0 ? mesh.sizes[mesh.indexOf("dp")] : 1;
  llvm::DenseSet<Value> dpBatch = dpBatchValues(func, mesh);
  // A hint the model gives a row-parallel output (no split, partial sums) marks the sum that
  // sequence parallelism scatters; other hints are kept.
  auto isCandidate = [&](Operation *op) {
    if (op->getNumResults() != 1 || !isOverridable(op->getAttr(DscDialect::kShardAttr)))
      return false;
    auto type = llvm::dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || type.getRank() < 2 || state.lookup(op->getResult(0)) != TpSplit::None)
      return false;
    return isReducedOverTp(op) || isa<RmsNormOp, LayerNormOp>(op) || isElementwise(op);
  };
  // The stream, given the entry inputs that only stream ops read (`inputs`).
  auto streamOf = [&](const llvm::DenseSet<Value> &inputs) {
    llvm::SetVector<Value> stream;
    func.walk([&](Operation *op) {
      if (!isCandidate(op))
        return;
      bool any = false, all = true;
      for (Value v : op->getOperands()) {
        bool in = stream.contains(v) || inputs.contains(v);
        any |= in;
        all &= in || state.lookup(v) == TpSplit::Neutral;
      }
      if (isReducedOverTp(op) || (any && all))
        stream.insert(op->getResult(0));
    });
    return stream;
  };
  // Entry inputs all of whose readers are in the stream: a rank reads its tokens only.
  llvm::DenseSet<Value> inputs;
  for (BlockArgument arg : func.getArguments())
    if (auto type = llvm::dyn_cast<RankedTensorType>(arg.getType());
        type && type.getRank() >= 2 && !arg.use_empty())
      inputs.insert(arg);
  llvm::SetVector<Value> stream;
  for (bool changed = true; changed;) {
    stream = streamOf(inputs);
    changed = false;
    for (Value arg : llvm::to_vector(inputs))
      if (llvm::any_of(arg.getUsers(),
                       [&](Operation *user) { return !isInStream(stream, user); })) {
        inputs.erase(arg);
        changed = true;
      }
  }

  auto hintFor = [&](Value v, bool splitTokens) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    int64_t rank = type.getRank(), tokens = rank - 2;
    bool batchOverDp = dpBatch.contains(v);
    splitTokens &= type.getDimSize(tokens) % (tp * (tokens == 0 && batchOverDp ? dp : 1)) == 0;
    SmallVector<Attribute> perDim;
    for (int64_t d = 0; d < rank; ++d) {
      SmallVector<Attribute> axes;
      if (d == 0 && batchOverDp)
        axes.push_back(b.getStringAttr("dp"));
      if (d == tokens && splitTokens)
        axes.push_back(b.getStringAttr("tp"));
      perDim.push_back(b.getArrayAttr(axes));
    }
    return b.getDictionaryAttr({b.getNamedAttr("dims", b.getArrayAttr(perDim))});
  };
  for (Value v : stream) {
    Operation *op = v.getDefiningOp();
    bool usedSplit = llvm::all_of(v.getUsers(), [&](Operation *user) {
      return isa<func::ReturnOp>(user) || isInStream(stream, user);
    });
    // A sum no stream op reads is left to the Megatron defaults (MoE: the shared expert's
    // output, added to the experts' tokens split over ep).
    if (isReducedOverTp(op) && !usedSplit)
      continue;
    op->setAttr(kProducedAttr, hintFor(v, !isReducedOverTp(op)));
    op->setAttr(DscDialect::kShardAttr, hintFor(v, usedSplit));
  }
}

} // namespace dsc
