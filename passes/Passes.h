//===- Passes.h - dsc passes ------------------------------------*- C++ -*-===//
//
// The constructors and the registration of every pass declared in passes/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PASSES_PASSES_H
#define DSC_PASSES_PASSES_H

#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace dsc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// The `dsc-shard` pipeline: dsc-annotate-shardings, then upstream sharding-propagation and
/// shard-partition on each function, dsc-form-reduce-scatters, then canonicalize (it folds the
/// tensor.casts partitioning leaves). The result is per-rank IR with shard-dialect collectives.
void buildShardingPipeline(mlir::OpPassManager &pm, bool autoParallel,
                           bool sequenceParallel = false);

/// Registers `dsc-shard` (options `auto-parallel`, `sequence-parallel`) for dsc-opt and
/// --compare-pipeline.
void registerShardingPipeline();

/// The number of ranks of the module's mesh grid (1 without one).
int64_t meshSize(mlir::ModuleOp module);

} // namespace dsc

#endif // DSC_PASSES_PASSES_H
