//===- PipelineToPlan.cpp - pipeline stages into the plan -----------------===//
//
// A pipelined plan is one SPMD artifact: every rank holds every step, and the rank whose pp
// coordinate holds stage s runs the steps tagged `plan.stage = s` and skips the rest. So the
// plan's order must be, per stage, the order of that stage's rank's schedule, and memory
// planning must see each stage's steps as the rank runs them. Putting the stages one after
// the other (all of stage 0, then all of stage 1, ...) gives both: within a stage the order
// is the schedule's, and no buffer of one stage is live together with one of another, so
// dsc-plan-memory lets the stages share the arena's bytes (a rank's arena is the largest
// stage's, not the sum). Stages talk only through send / recv, which carry no buffer across.
//
// dsc-partition-pipeline leaves the stages interleaved in graph order (micro-batch 0 through
// every stage, then micro-batch 1, ...), with the copies of params, constants and iotas where
// they were; the interpreter runs that order in lockstep. The reordering here is a stable sort
// by (stage, position of the op's schedule step on its rank): the schedule already orders a
// stage's RF before its F before its SF, and micro-batches are independent of each other.
//
//===----------------------------------------------------------------------===//

#include "passes/PipelineToPlan.h"

#include "ir/DscDialect.h"
#include "ir/PlanDialect.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

using namespace mlir;

namespace dsc {

namespace {

/// The dictionary's integer `key`, or an error on `func`.
FailureOr<int64_t> intField(func::FuncOp func, DictionaryAttr dict, StringRef key) {
  auto value = dict.getAs<IntegerAttr>(key);
  if (!value)
    return func.emitOpError() << "has a dsc.pipeline without an integer '" << key << "'";
  return value.getInt();
}

} // namespace

FailureOr<std::optional<PipelineSchedule>> readPipelineSchedule(func::FuncOp func) {
  auto dict = func->getAttrOfType<DictionaryAttr>(DscDialect::kPipelineAttr);
  if (!dict)
    return std::optional<PipelineSchedule>();
  PipelineSchedule s;
  auto kind = dict.getAs<StringAttr>("schedule");
  auto placement = dict.getAs<DenseI64ArrayAttr>("placement");
  auto steps = dict.getAs<ArrayAttr>("steps");
  if (!kind || !placement || !steps)
    return func.emitOpError("has a dsc.pipeline without 'schedule', 'placement' or 'steps'");
  s.kind = kind.str();
  s.placement.assign(placement.asArrayRef().begin(), placement.asArrayRef().end());
  FailureOr<int64_t> microbatches = intField(func, dict, "microbatches");
  FailureOr<int64_t> chain = intField(func, dict, "chain_length");
  if (failed(microbatches) || failed(chain))
    return failure();
  s.microbatches = *microbatches;
  s.chainLength = *chain;
  for (Attribute rank : steps) {
    auto list = dyn_cast<ArrayAttr>(rank);
    if (!list)
      return func.emitOpError("has a dsc.pipeline whose 'steps' is not a list per rank");
    std::vector<PipelineStep> &out = s.steps.emplace_back();
    for (Attribute step : list) {
      auto text = dyn_cast<StringAttr>(step);
      absl::StatusOr<PipelineStep> parsed =
          text ? parseStep(text.getValue().str())
               : absl::InvalidArgumentError("a pipeline step is not a string");
      if (!parsed.ok())
        return func.emitOpError() << "has a malformed dsc.pipeline: "
                                  << std::string(parsed.status().message());
      out.push_back(*parsed);
    }
  }
  if (absl::Status st = checkSchedule(s); !st.ok())
    return func.emitOpError() << "has an invalid dsc.pipeline: " << std::string(st.message());
  return std::optional<PipelineSchedule>(std::move(s));
}

std::optional<int64_t> pipelineStageOf(Operation *op) {
  for (StringRef name : {DscDialect::kStageAttr, plan::PlanDialect::kStageAttr})
    if (auto stage = op->getAttrOfType<IntegerAttr>(name))
      return stage.getInt();
  return std::nullopt;
}

LogicalResult PipelinePlanning::prepare(func::FuncOp func) {
  FailureOr<std::optional<PipelineSchedule>> read = readPipelineSchedule(func);
  if (failed(read))
    return failure();
  schedule = std::move(*read);
  if (!schedule)
    return success();
  using Key = std::tuple<PipelineAction, int64_t, int64_t>;
  std::map<Key, int64_t> position; // a schedule step -> its index in its rank's list
  for (const std::vector<PipelineStep> &rank : schedule->steps)
    for (auto [i, step] : llvm::enumerate(rank))
      position[{step.action, step.stage, step.microbatch}] = static_cast<int64_t>(i);

  struct Entry {
    Operation *op;
    int64_t stage, position;
  };
  std::vector<Entry> entries;
  llvm::DenseSet<Operation *> batchDependent;
  Block &body = func.getBody().front();
  for (Operation &op : body.without_terminator()) {
    std::optional<int64_t> stage = pipelineStageOf(&op);
    if (!stage || *stage < 0 || *stage >= schedule->numStages())
      return op.emitOpError("has no dsc.stage of the pipeline (0 to ")
             << schedule->numStages() - 1 << ") in a function cut into pipeline stages";
    auto microbatch = op.getAttrOfType<IntegerAttr>(DscDialect::kMicrobatchAttr);
    bool dependent = microbatch || llvm::any_of(op.getOperands(), [&](Value v) {
                       Operation *def = v.getDefiningOp();
                       return !def || batchDependent.contains(def); // an input
                     });
    if (dependent)
      batchDependent.insert(&op);
    int64_t pos = dependent ? std::numeric_limits<int64_t>::max() : -1;
    if (microbatch) {
      PipelineAction action = isa<shard::SendOp>(op)   ? PipelineAction::SendForward
                              : isa<shard::RecvOp>(op) ? PipelineAction::RecvForward
                                                       : PipelineAction::Forward;
      PipelineStep step{action, *stage, microbatch.getInt()};
      auto it = position.find({action, *stage, microbatch.getInt()});
      if (it == position.end())
        return op.emitOpError("belongs to pipeline step ")
               << formatStep(step) << ", which the schedule (dsc.pipeline) does not run";
      pos = it->second;
    }
    if (auto param = dyn_cast<ParamOp>(op))
      weightStages[param.getName()].insert(*stage);
    if (auto param = dyn_cast<QuantizedParamOp>(op))
      for (StringRef suffix : {".fp8", ".fp8_scales"})
        weightStages[(param.getName() + suffix).str()].insert(*stage);
    entries.push_back({&op, *stage, pos});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return std::tie(a.stage, a.position) < std::tie(b.stage, b.position);
  });
  Operation *terminator = body.getTerminator();
  for (const Entry &e : entries)
    e.op->moveBefore(terminator);
  for (const Entry &e : entries)
    for (Value v : e.op->getOperands())
      if (Operation *def = v.getDefiningOp(); def && !def->isBeforeInBlock(e.op))
        return e.op->emitOpError("uses a value of stage ")
               << *pipelineStageOf(def) << " that its pipeline schedule orders after it";
  return success();
}

void PipelinePlanning::tag(Operation *source, Block::iterator begin, Block::iterator end) {
  std::optional<int64_t> stage = pipelineStageOf(source);
  auto microbatch = source->getAttrOfType<IntegerAttr>(DscDialect::kMicrobatchAttr);
  Builder b(source->getContext());
  for (Operation &op : llvm::make_range(begin, end)) {
    if (auto param = dyn_cast<plan::ParamOp>(op)) {
      weightStages[param.getName()].insert(*stage);
      continue;
    }
    op.setAttr(plan::PlanDialect::kStageAttr, b.getI64IntegerAttr(*stage));
    if (microbatch)
      op.setAttr(plan::PlanDialect::kMicrobatchAttr, microbatch);
  }
}

void PipelinePlanning::finish(func::FuncOp func, Block::iterator begin, Block::iterator end) {
  Builder b(func.getContext());
  int64_t last = schedule->numStages() - 1;
  for (Operation &op : llvm::make_range(begin, end))
    op.setAttr(plan::PlanDialect::kStageAttr, b.getI64IntegerAttr(last));
  for (auto param : func.getBody().front().getOps<plan::ParamOp>()) {
    auto it = weightStages.find(param.getName());
    if (it == weightStages.end())
      continue;
    SmallVector<int64_t> stages(it->second.begin(), it->second.end());
    param->setAttr(plan::PlanDialect::kStagesAttr, b.getDenseI64ArrayAttr(stages));
  }
}

} // namespace dsc
