//===- PipelineToPlan.h - pipeline stages into the plan ---------*- C++ -*-===//
//
// Part of dsc-lower-to-plan (LowerToPlan.cpp) for functions that dsc-partition-pipeline cut
// into stages (`dsc.pipeline`): the ops are put in stage order and, within a stage, in the
// order of its rank's schedule; every plan step is tagged with its stage and micro-batch, and
// every weight with the stages that read it. See PipelineToPlan.cpp and docs/pipeline.md.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PASSES_PIPELINETOPLAN_H
#define DSC_PASSES_PIPELINETOPLAN_H

#include "runtime/support/PipelineSchedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <set>

namespace dsc {

/// Module attributes of a pipelined plan (dsc-plan-memory): per pp rank, the bytes of its
/// parameter region and of its arena (DenseI64ArrayAttr, one entry per rank).
inline constexpr llvm::StringLiteral kRankParamBytesAttr = "plan.rank_param_bytes";
inline constexpr llvm::StringLiteral kRankArenaBytesAttr = "plan.rank_arena_bytes";

/// The schedule of `func`'s `dsc.pipeline` dictionary; std::nullopt without one. Errors (a
/// malformed dictionary or step) are reported on the function.
mlir::FailureOr<std::optional<PipelineSchedule>> readPipelineSchedule(mlir::func::FuncOp func);

/// The `dsc.stage` or `plan.stage` of `op`, if it has one.
std::optional<int64_t> pipelineStageOf(mlir::Operation *op);

/// What dsc-lower-to-plan keeps of a pipelined function while it lowers it.
class PipelinePlanning {
public:
  /// Reorders `func`'s top-level ops: stage by stage, and within a stage the steps of its
  /// rank's schedule in order (an op with a micro-batch is its stage's `F`, a shard.send its
  /// `SF`, a shard.recv its `RF`); ops of no micro-batch go before the stage's first step when
  /// they do not depend on a micro-batch, after its last otherwise. Records which weights
  /// each stage reads. Nothing for a function without `dsc.pipeline`.
  mlir::LogicalResult prepare(mlir::func::FuncOp func);

  bool active() const { return schedule.has_value(); }

  /// Tags the plan ops in [begin, end), made from the dsc op `source`, with its stage and
  /// micro-batch (`plan.stage`, `plan.microbatch`); a plan.param among them gets the stage.
  void tag(mlir::Operation *source, mlir::Block::iterator begin, mlir::Block::iterator end);

  /// Tags ops not made from one dsc op (the copies into outputs at the end) with the last
  /// stage, which holds the outputs; and every plan.param with the stages that read it.
  void finish(mlir::func::FuncOp func, mlir::Block::iterator begin, mlir::Block::iterator end);

private:
  std::optional<PipelineSchedule> schedule;
  /// Weight name -> the stages that read it.
  llvm::StringMap<std::set<int64_t>> weightStages;
};

} // namespace dsc

#endif // DSC_PASSES_PIPELINETOPLAN_H
