//===- FoldParamSlices.cpp - each rank reads only its slice ---------------===//
//
// shard-partition produces a weight whole (`dsc.param`) and cuts this rank's part out of it
// with `shard.all_slice`, whose offset depends on the rank. The SPMD plan has no rank-dependent
// steps: instead the runtime loads each rank's slice of the weight (plan.param `split_axes`,
// runtime/exec/HostData.cpp). This pass folds a param and the chains of all_slice on it into
// one `dsc.param` of the local type carrying `dsc.split_axes` (the mesh axes each dim is split
// over, outermost first, as the slices applied them). Entry inputs sliced right away are
// folded the same way: the argument takes the local type and `dsc.split_axes` (joining what
// dsc-pin-entry-shardings recorded), and the runtime slices the user's whole input.
//
// A weight read two ways (whole and sliced, or sliced differently, by one or several params of
// its name) cannot be one binding: that is an error at the param. An entry input read two ways
// (the residual of a layer whose tokens split over `ep`) stays whole, and its slices stay
// all_slices that the plan cuts on the device.
//
// An iota sliced over the mesh (the ids of a rank's tokens or experts, expert parallelism) is
// folded the same way: one `dsc.iota` of the local type with `dsc.split_axes`, which
// dsc-lower-to-plan computes from the rank's mesh coordinates (its block of the whole iota,
// no collective). An all_gather of such an iota over the innermost axes of its dimension
// makes it less split. Every other all_slice of a computed value is left alone
// (dsc-lower-to-plan lowers it).
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/DscOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace dsc {
#define GEN_PASS_DEF_FOLDPARAMSLICESPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

/// The mesh axes each dim is split over, outermost first.
using Split = SmallVector<SmallVector<int32_t>>;

Split splitOf(ArrayAttr attr, int64_t rank) {
  Split split(rank);
  for (auto [dim, axes] : llvm::enumerate(attr ? attr.getValue() : ArrayRef<Attribute>()))
    if (static_cast<int64_t>(dim) < rank)
      split[dim] = llvm::to_vector(cast<DenseI32ArrayAttr>(axes).asArrayRef());
  return split;
}

ArrayAttr splitAttr(Builder &b, const Split &split) {
  return b.getArrayAttr(
      llvm::map_to_vector(split, [&](const SmallVector<int32_t> &axes) -> Attribute {
        return b.getDenseI32ArrayAttr(axes);
      }));
}

bool isWhole(const Split &split) {
  return llvm::all_of(split, [](const SmallVector<int32_t> &axes) { return axes.empty(); });
}

/// A value the graph reads at one slicing: the end of an all_slice chain (or the root).
struct Leaf {
  Value value;
  Split split;
};

/// The ends of the all_slice chains from `root` and the slice ops, parents first.
struct Chains {
  SmallVector<Leaf> leaves;
  SmallVector<Operation *> slices;
};

void collect(Value value, const Split &split, Chains &chains) {
  bool usedHere = false;
  for (Operation *user : value.getUsers()) {
    auto slice = dyn_cast<shard::AllSliceOp>(user);
    if (!slice) {
      usedHere = true;
      continue;
    }
    chains.slices.push_back(slice);
    Split next = split;
    int64_t dim = slice.getSliceAxis().getSExtValue();
    for (shard::GridAxis axis : slice.getGridAxes())
      next[dim].push_back(axis);
    collect(slice.getResult(), next, chains);
  }
  if (usedHere)
    chains.leaves.push_back({value, split});
}

std::string describe(const Split &split) {
  if (isWhole(split))
    return "whole";
  std::string text = "split [";
  for (auto [i, axes] : llvm::enumerate(split)) {
    text += i ? ", [" : "[";
    for (auto [j, axis] : llvm::enumerate(axes))
      text += (j ? ", " : "") + std::to_string(axis);
    text += "]";
  }
  return text + "]";
}

/// Block arguments first, then ops in program order (the leaves of one function body).
bool readsBefore(const Leaf &a, const Leaf &b) {
  Operation *x = a.value.getDefiningOp(), *y = b.value.getDefiningOp();
  if (!x || !y)
    return !x && y;
  return x->getBlock() == y->getBlock() && x->isBeforeInBlock(y);
}

/// The one slicing all `leaves` share; an error at `at` when they differ.
FailureOr<Split> commonSplit(MutableArrayRef<Leaf> leaves, Operation *at, StringRef what) {
  llvm::stable_sort(leaves, readsBefore);
  for (const Leaf &leaf : leaves.drop_front())
    if (leaf.split != leaves.front().split) {
      InFlightDiagnostic diag = at->emitError()
                                << what << " is read " << describe(leaves.front().split) << " and "
                                << describe(leaf.split)
                                << "; a rank loads one slice of it, so it must be read one way";
      if (Operation *other = leaf.value.getDefiningOp())
        diag.attachNote(other->getLoc()) << "read " << describe(leaf.split) << " here";
      return failure();
    }
  return leaves.front().split;
}

void replaceLeaves(const Chains &chains, Value with) {
  for (const Leaf &leaf : chains.leaves)
    if (leaf.value != with)
      Value(leaf.value).replaceAllUsesWith(with);
  for (Operation *slice : llvm::reverse(chains.slices))
    slice->erase();
}

struct FoldParamSlicesPass : public dsc::impl::FoldParamSlicesPassBase<FoldParamSlicesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (failed(foldParams(func)) || failed(foldArguments(func)))
      return signalPassFailure();
    foldIotas(func);
  }

  /// all_slice and all_gather of iotas, in program order, so that chains fold one by one.
  void foldIotas(func::FuncOp func) {
    SmallVector<Operation *> collectives;
    func.walk([&](Operation *op) {
      if (isa<shard::AllSliceOp, shard::AllGatherOp>(op))
        collectives.push_back(op);
    });
    for (Operation *op : collectives) {
      auto iota = op->getOperand(0).getDefiningOp<dsc::IotaOp>();
      if (!iota)
        continue;
      Split split = splitOf(iota->getAttrOfType<ArrayAttr>(dsc::DscDialect::kSplitAxesAttr),
                            cast<RankedTensorType>(iota.getType()).getRank());
      if (auto slice = dyn_cast<shard::AllSliceOp>(op)) {
        for (shard::GridAxis axis : slice.getGridAxes())
          split[slice.getSliceAxis().getSExtValue()].push_back(axis);
      } else {
        auto gather = cast<shard::AllGatherOp>(op);
        SmallVector<int32_t> &axes = split[gather.getGatherAxis().getSExtValue()];
        ArrayRef<shard::GridAxis> gathered = gather.getGridAxes();
        // Gathering the innermost axes leaves the blocks of the outer ones; any other gather
        // interleaves blocks and stays a collective.
        if (axes.size() < gathered.size() ||
            !std::equal(gathered.begin(), gathered.end(), axes.end() - gathered.size()))
          continue;
        axes.resize(axes.size() - gathered.size());
      }
      OpBuilder b(op);
      Operation *folded = b.clone(*iota);
      folded->getResult(0).setType(op->getResult(0).getType());
      if (isWhole(split))
        folded->removeAttr(dsc::DscDialect::kSplitAxesAttr);
      else
        folded->setAttr(dsc::DscDialect::kSplitAxesAttr, splitAttr(b, split));
      op->getResult(0).replaceAllUsesWith(folded->getResult(0));
      op->erase();
      if (iota->use_empty())
        iota->erase();
    }
  }

  /// All params of one name are one tensor: their chains must end at one slicing.
  LogicalResult foldParams(func::FuncOp func) {
    llvm::MapVector<StringRef, SmallVector<dsc::ParamOp>> byName;
    func.walk([&](dsc::ParamOp p) { byName[p.getName()].push_back(p); });
    for (auto &[name, params] : byName) {
      Chains chains;
      for (dsc::ParamOp p : params) {
        auto type = cast<RankedTensorType>(p.getType());
        ArrayAttr existing = p->getAttrOfType<ArrayAttr>(dsc::DscDialect::kSplitAxesAttr);
        collect(p.getResult(), splitOf(existing, type.getRank()), chains);
      }
      if (chains.slices.empty() || chains.leaves.empty())
        continue;
      FailureOr<Split> split =
          commonSplit(chains.leaves, params.front(), "weight '" + name.str() + "'");
      if (failed(split))
        return failure();
      OpBuilder b(params.front());
      Operation *folded = b.clone(*params.front());
      folded->getResult(0).setType(chains.leaves.front().value.getType());
      folded->setAttr(dsc::DscDialect::kSplitAxesAttr, splitAttr(b, *split));
      replaceLeaves(chains, folded->getResult(0));
      for (dsc::ParamOp p : params)
        if (p.use_empty())
          p.erase();
    }
    return success();
  }

  LogicalResult foldArguments(func::FuncOp func) {
    bool changed = false;
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type)
        continue;
      ArrayAttr existing =
          func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), dsc::DscDialect::kSplitAxesAttr);
      Chains chains;
      collect(arg, splitOf(existing, type.getRank()), chains);
      if (chains.slices.empty() || chains.leaves.empty())
        continue;
      auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), dsc::DscDialect::kNameAttr);
      std::string what =
          "input '" + (name ? name.str() : "arg" + std::to_string(arg.getArgNumber())) + "'";
      Operation *first = *llvm::min_element(chains.slices, [](Operation *x, Operation *y) {
        return x->getBlock() == y->getBlock() && x->isBeforeInBlock(y);
      });
      if (llvm::any_of(chains.leaves,
                       [&](const Leaf &leaf) { return leaf.split != chains.leaves.front().split; }))
        continue; // read two ways: whole, with on-device slices
      FailureOr<Split> split = commonSplit(chains.leaves, first, what);
      if (failed(split))
        return failure();
      arg.setType(chains.leaves.front().value.getType());
      Builder b(func.getContext());
      func.setArgAttr(arg.getArgNumber(), dsc::DscDialect::kSplitAxesAttr, splitAttr(b, *split));
      replaceLeaves(chains, arg);
      changed = true;
    }
    if (changed)
      func.setFunctionType(FunctionType::get(func.getContext(), func.getBody().getArgumentTypes(),
                                             func.getFunctionType().getResults()));
    return success();
  }
};

} // namespace
