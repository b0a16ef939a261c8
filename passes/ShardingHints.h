//===- ShardingHints.h - the default hints of dsc-annotate-shardings -*- C++ -*-===//
//
// What the parts of dsc-annotate-shardings share: the mesh, the Megatron defaults' view of a
// value's `tp` split (AnnotateShardings.cpp), the batch's `dp` split through the layers
// (DataParallelHints.cpp) and sequence parallelism's token split (SequenceParallelHints.cpp).
// Each sets `dsc.shard` hints (and `dsc.produced`) on ops; the pass then turns them into
// `shard.shard` annotations.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PASSES_SHARDINGHINTS_H
#define DSC_PASSES_SHARDINGHINTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace dsc {

/// The mesh grid and its named axes.
struct ShardingMesh {
  mlir::shard::GridOp grid;
  llvm::SmallVector<llvm::StringRef> names;
  llvm::SmallVector<int64_t> sizes;

  int64_t indexOf(llvm::StringRef name) const {
    auto it = llvm::find(names, name);
    return it == names.end() ? -1 : it - names.begin();
  }
};

/// How a value is split over `tp` under the Megatron defaults.
enum class TpSplit { None, Last, Heads, Neutral };

/// The sharding an op must produce its result with (its `dsc.shard` hint says how its users
/// take it). The data-parallel and sequence-parallel defaults set it; the pass consumes it.
constexpr llvm::StringLiteral kProducedAttr = "dsc.produced";

/// A `dsc.shard` hint for a value of rank `rank` that splits each listed dim over one axis.
mlir::DictionaryAttr makeHint(mlir::MLIRContext *ctx, int64_t rank,
                              llvm::ArrayRef<std::pair<int64_t, llvm::StringRef>> dims);

/// Whether `op`'s result is a sum over `tp` that partitioning reduces with an all_reduce: a
/// row-parallel matmul or a vocabulary-parallel embedding.
bool isReducedOverTp(mlir::Operation *op);

bool isElementwise(mlir::Operation *op);

/// Whether `attr` names no sharding the model insists on: absent, or a hint that splits
/// nothing and names `partial` axes (a row-parallel output: MLIR 22 cannot express partial
/// sums, so such a hint only says "whole"; the defaults may split it).
bool isOverridable(mlir::Attribute attr);

/// Values whose batch (dim 0) is split over `dp`, from the entry inputs so hinted.
llvm::DenseSet<mlir::Value> dpBatchValues(mlir::func::FuncOp func, const ShardingMesh &mesh);

/// --parallel=auto: names the batch's `dp` split (dim 0) on the values of dpBatchValues
/// that are whole over `tp` (`state`: the Megatron defaults' splits), so that propagation
/// keeps the batch split through every layer.
void addDataParallelHints(mlir::func::FuncOp func, const ShardingMesh &mesh,
                          const llvm::DenseMap<mlir::Value, TpSplit> &state);

/// --parallel=hints: the same for the values of dpBatchValues that the model's hints leave
/// whole over every other axis, so that a batch the inputs split over `dp` stays split.
void addHintedDataParallel(mlir::func::FuncOp func, const ShardingMesh &mesh);

/// Megatron-LM's sequence parallelism: the residual stream split on tokens over `tp`.
void addSequenceParallelHints(mlir::func::FuncOp func, const ShardingMesh &mesh,
                              const llvm::DenseMap<mlir::Value, TpSplit> &state);

} // namespace dsc

#endif // DSC_PASSES_SHARDINGHINTS_H
