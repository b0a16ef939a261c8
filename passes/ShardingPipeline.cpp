//===- ShardingPipeline.cpp - the dsc-shard pass pipeline -----------------===//
//
// Sharding is upstream's job once the hints are annotations: dsc-annotate-shardings, then
// MLIR's sharding-propagation, dsc-pin-entry-shardings (split inputs recorded, outputs made
// whole), dsc-split-reshardings (one collective per step) and
// shard-partition (with the dsc ops' ShardingInterface models,
// ir/DscShardingModels.cpp), dsc-form-reduce-scatters (an all_reduce sliced right away is a
// reduce_scatter: sequence parallelism), then canonicalize, which folds the same-type tensor.casts
// that partitioning leaves after each gather. The output keeps upstream's collectives
// (shard.all_reduce, all_gather, all_slice, all_to_all, reduce_scatter) for the plan lowering
// to take.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Shard/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dsc::buildShardingPipeline(OpPassManager &pm, bool autoParallel, bool sequenceParallel) {
  AnnotateShardingsPassOptions options;
  options.autoParallel = autoParallel;
  options.sequenceParallel = sequenceParallel;
  pm.addPass(createAnnotateShardingsPass(options));
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(shard::createShardingPropagation());
  func.addPass(createPinEntryShardingsPass());
  func.addPass(createSplitReshardingsPass());
  func.addPass(shard::createPartition());
  func.addPass(createFormReduceScattersPass());
  pm.addPass(createCanonicalizerPass());
}

namespace {
struct ShardingPipelineOptions : public PassPipelineOptions<ShardingPipelineOptions> {
  Option<bool> autoParallel{*this, "auto-parallel",
                            llvm::cl::desc("Megatron-style hints where the model gives none"),
                            llvm::cl::init(false)};
  Option<bool> sequenceParallel{
      *this, "sequence-parallel",
      llvm::cl::desc("With auto-parallel: the residual stream split on tokens over tp"),
      llvm::cl::init(false)};
};
} // namespace

void dsc::registerShardingPipeline() {
  PassPipelineRegistration<ShardingPipelineOptions>(
      "dsc-shard", "Annotate, propagate and partition shardings (per-rank IR with collectives)",
      [](OpPassManager &pm, const ShardingPipelineOptions &options) {
        buildShardingPipeline(pm, options.autoParallel, options.sequenceParallel);
      });
}

int64_t dsc::meshSize(ModuleOp module) {
  int64_t size = 1;
  if (shard::GridOp grid = findMeshGrid(module))
    for (int64_t axis : grid.getShape())
      size *= axis;
  return size;
}
