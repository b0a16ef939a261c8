//===- PlanMemory.cpp - place plan buffers in the arena -------------------===//
//
// Gives every plan buffer its offset: weights and constants packed in the parameter region;
// inputs and outputs packed at the start of the arena and never reused (the user writes and
// reads them around the run); activations and workspaces after them, reusing bytes by liveness
// over the linear schedule. Then checks that no two buffers live at one step share a byte.
// Views are not placed: they live inside their root buffer and extend its lifetime. Stream
// concurrency is not modelled: the plan is linear, and a pass that puts steps on other streams
// must extend lifetimes to the events that order them (dsc-schedule-collectives does, with the
// buffers of each async collective as operands of its plan.wait).
//
// A pipelined function (dsc.pipeline) is one plan for every pp rank, and a rank runs and
// loads only its stages' steps and weights. So params of stages on different ranks may share
// bytes: each param is stacked above those of its own ranks only, and every rank gets its own
// region sizes (plan.rank_param_bytes, plan.rank_arena_bytes: the end of the last param it
// reads, and of the inputs, outputs and its stages' buffers), which dsrun allocates in place
// of the whole regions. The whole regions (plan.param_bytes, plan.arena_bytes) are the
// largest rank's.
//
// Placement is greedy by size with best fit (Pisarchyk and Lee, "Efficient Memory Management
// for Deep Neural Net Inference", 2020; TFLite's arena planner): largest buffer first, each
// into the smallest gap between the already placed buffers whose lifetimes overlap its own.
// Written here because upstream MLIR has no offset planner (bufferization stops at allocs).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/PipelineToPlan.h"

#include "ir/PlanDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/MathExtras.h"

namespace dsc {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;
using plan::kBufferAlignment;

namespace {

/// One buffer of the arena: its bytes, the steps it is live over (inclusive) and its place.
struct ArenaBuffer {
  Operation *op;
  int64_t bytes;
  int64_t first, last;
  std::optional<int64_t> offset;

  bool liveWith(const ArenaBuffer &o) const { return first <= o.last && o.first <= last; }
  int64_t end() const { return *offset + bytes; }
};

int64_t alignUp(int64_t bytes) { return llvm::alignTo(bytes, kBufferAlignment); }

int64_t bytesOf(Value buffer) { return plan::bufferBytes(cast<MemRefType>(buffer.getType())); }

void setOffset(Operation *op, int64_t offset) {
  op->setAttr("offset", IntegerAttr::get(IntegerType::get(op->getContext(), 64), offset));
}

/// The smallest gap among `placed` (those live together with `buffer`) that holds it, or the
/// first aligned byte past all of them.
int64_t bestFit(const ArenaBuffer &buffer, ArrayRef<const ArenaBuffer *> placed) {
  SmallVector<const ArenaBuffer *> live;
  for (const ArenaBuffer *p : placed)
    if (p->liveWith(buffer))
      live.push_back(p);
  llvm::sort(live, [](auto *x, auto *y) { return *x->offset < *y->offset; });
  int64_t cursor = 0, best = -1, bestGap = std::numeric_limits<int64_t>::max();
  for (const ArenaBuffer *p : live) {
    int64_t gap = *p->offset - cursor;
    if (gap >= buffer.bytes && gap < bestGap) {
      best = cursor;
      bestGap = gap;
    }
    cursor = std::max(cursor, alignUp(p->end()));
  }
  return best >= 0 ? best : cursor;
}

class FuncPlanner {
public:
  explicit FuncPlanner(func::FuncOp func) : func(func) {}

  LogicalResult run();

  int64_t paramBytes = 0, arenaBytes = 0, ioBytes = 0, peakActivationBytes = 0;
  int64_t numSteps = 0;
  /// Per pp rank of a pipelined function: its param region and arena; empty otherwise.
  SmallVector<int64_t> rankParamBytes, rankArenaBytes;

private:
  void collect();
  /// The pp ranks that read the param or run the step `op` (all of them if it has no stage).
  SmallVector<int64_t> ranksOf(Operation *op) const;
  void placeParam(Operation *op);
  void sizeRanks();
  void place();
  LogicalResult checkNoOverlap();
  LogicalResult checkCopies();

  func::FuncOp func;
  std::optional<PipelineSchedule> pipeline;
  SmallVector<ArenaBuffer> arena;
  DenseMap<Operation *, unsigned> arenaIndex;
};

SmallVector<int64_t> FuncPlanner::ranksOf(Operation *op) const {
  SmallVector<int64_t> stages;
  if (auto list = op->getAttrOfType<DenseI64ArrayAttr>(plan::PlanDialect::kStagesAttr))
    stages.assign(list.asArrayRef().begin(), list.asArrayRef().end());
  else if (std::optional<int64_t> stage = pipelineStageOf(op))
    stages.push_back(*stage);
  SmallVector<int64_t> ranks;
  if (stages.empty())
    for (int64_t r = 0; r < pipeline->numRanks(); ++r)
      ranks.push_back(r);
  for (int64_t stage : stages)
    if (stage >= 0 && stage < pipeline->numStages())
      ranks.push_back(pipeline->placement[stage]);
  llvm::sort(ranks);
  ranks.erase(llvm::unique(ranks), ranks.end());
  return ranks;
}

/// Without a pipeline, params are packed in plan order; with one, each goes above the params
/// of its own ranks only (plan order puts each stage's params together, so a rank's region
/// holds its stages' params and those it shares).
void FuncPlanner::placeParam(Operation *op) {
  int64_t bytes = alignUp(bytesOf(op->getResult(0)));
  if (!pipeline) {
    setOffset(op, paramBytes);
    paramBytes += bytes;
    return;
  }
  SmallVector<int64_t> ranks = ranksOf(op);
  int64_t offset = 0;
  for (int64_t r : ranks)
    offset = std::max(offset, rankParamBytes[r]);
  setOffset(op, offset);
  for (int64_t r : ranks)
    rankParamBytes[r] = offset + bytes;
  paramBytes = std::max(paramBytes, offset + bytes);
}

/// Each rank's arena ends past the inputs, outputs and its own stages' buffers.
void FuncPlanner::sizeRanks() {
  if (!pipeline)
    return;
  rankArenaBytes.assign(pipeline->numRanks(), 0);
  for (const ArenaBuffer &buffer : arena) {
    SmallVector<int64_t> ranks;
    if (isa<plan::AllocOp>(buffer.op))
      ranks = ranksOf(buffer.op);
    else
      for (int64_t r = 0; r < pipeline->numRanks(); ++r)
        ranks.push_back(r);
    for (int64_t r : ranks)
      rankArenaBytes[r] = std::max(rankArenaBytes[r], alignUp(buffer.end()));
  }
}

/// Bindings get their place at once, parameters after the walk (placeParam); an allocation is
/// live from its first to its last use (through views), in step numbers, or only where it is
/// declared if unused.
void FuncPlanner::collect() {
  Block &body = func.getBody().front();
  SmallVector<Operation *> params;
  numSteps = std::distance(body.begin(), body.end());
  int64_t step = 0;
  for (Operation &op : body) {
    if (isa<plan::ParamOp, plan::ConstantOp>(op)) {
      params.push_back(&op);
    } else if (isa<plan::InputOp, plan::OutputOp>(op)) {
      arenaIndex[&op] = arena.size();
      arena.push_back({&op, bytesOf(op.getResult(0)), 0, numSteps, ioBytes});
      setOffset(&op, ioBytes);
      ioBytes += alignUp(bytesOf(op.getResult(0)));
    } else if (auto alloc = dyn_cast<plan::AllocOp>(op)) {
      arenaIndex[&op] = arena.size();
      arena.push_back({&op, bytesOf(alloc.getResult()), -1, step, alloc.getOffset()});
    }
    for (Value operand : op.getOperands()) {
      Operation *root = plan::rootBuffer(operand).first.getDefiningOp();
      if (!isa_and_nonnull<plan::AllocOp>(root))
        continue;
      ArenaBuffer &buffer = arena[arenaIndex.lookup(root)];
      if (buffer.first < 0)
        buffer.first = step;
      buffer.last = step;
    }
    ++step;
  }
  for (ArenaBuffer &buffer : arena)
    if (buffer.first < 0)
      buffer.first = buffer.last;
  // Params every rank reads first, so that they do not lift the others' regions.
  auto everyRank = [&](Operation *op) {
    return !pipeline || static_cast<int64_t>(ranksOf(op).size()) == pipeline->numRanks();
  };
  for (Operation *op : params)
    if (everyRank(op))
      placeParam(op);
  for (Operation *op : params)
    if (!everyRank(op))
      placeParam(op);
}

/// Places `order` one by one, best fit among `fixed` and those placed before; returns the
/// offsets, in `order`'s order, and the arena's end.
std::pair<SmallVector<int64_t>, int64_t> placeInOrder(ArrayRef<ArenaBuffer *> order,
                                                      ArrayRef<const ArenaBuffer *> fixed) {
  SmallVector<ArenaBuffer> trial = llvm::map_to_vector(order, [](ArenaBuffer *b) { return *b; });
  SmallVector<const ArenaBuffer *> placed(fixed);
  SmallVector<int64_t> offsets;
  int64_t end = 0;
  for (ArenaBuffer &buffer : trial) {
    buffer.offset = bestFit(buffer, placed);
    offsets.push_back(*buffer.offset);
    end = std::max(end, buffer.end());
    placed.push_back(&buffer);
  }
  return {offsets, end};
}

// Two orders, keeping the smaller arena: largest first is usually best (it is exact on the
// Llama examples), earliest first wins where many small buffers interleave (the MoE layers),
// as Pisarchyk and Lee also found; each costs O(n^2) on a few thousand buffers at most.
void FuncPlanner::place() {
  SmallVector<const ArenaBuffer *> fixed;
  SmallVector<ArenaBuffer *> bySize, byStart;
  for (ArenaBuffer &buffer : arena) {
    if (buffer.offset)
      fixed.push_back(&buffer);
    else
      bySize.push_back(&buffer);
  }
  byStart = bySize;
  llvm::stable_sort(bySize, [](ArenaBuffer *x, ArenaBuffer *y) {
    return x->bytes != y->bytes ? x->bytes > y->bytes : x->first < y->first;
  });
  llvm::stable_sort(byStart, [](ArenaBuffer *x, ArenaBuffer *y) {
    return x->first != y->first ? x->first < y->first : x->bytes > y->bytes;
  });
  auto [sizeOffsets, sizeEnd] = placeInOrder(bySize, fixed);
  auto [startOffsets, startEnd] = placeInOrder(byStart, fixed);
  bool bySizeWins = sizeEnd <= startEnd;
  ArrayRef<ArenaBuffer *> order = bySizeWins ? bySize : byStart;
  ArrayRef<int64_t> offsets = bySizeWins ? sizeOffsets : startOffsets;
  for (auto [buffer, offset] : llvm::zip(order, offsets)) {
    buffer->offset = offset;
    setOffset(buffer->op, offset);
  }
  for (const ArenaBuffer &buffer : arena)
    arenaBytes = std::max(arenaBytes, alignUp(buffer.end()));

  // The bound any placement is measured against: the most allocation bytes live at one step.
  SmallVector<int64_t> live(numSteps + 1, 0);
  for (const ArenaBuffer &buffer : arena)
    if (isa<plan::AllocOp>(buffer.op))
      for (int64_t s = buffer.first; s <= buffer.last; ++s)
        live[s] += alignUp(buffer.bytes);
  for (int64_t bytes : live)
    peakActivationBytes = std::max(peakActivationBytes, bytes);
}

LogicalResult FuncPlanner::checkNoOverlap() {
  for (auto [i, x] : llvm::enumerate(arena))
    for (const ArenaBuffer &y : ArrayRef(arena).drop_front(i + 1))
      if (x.liveWith(y) && *x.offset < y.end() && *y.offset < x.end()) {
        InFlightDiagnostic diag = y.op->emitOpError("bytes [")
                                  << *y.offset << ", " << y.end() << ") overlap bytes ["
                                  << *x.offset << ", " << x.end()
                                  << ") of a buffer live at the same step";
        diag.attachNote(x.op->getLoc()) << "the other buffer";
        return diag;
      }
  return success();
}

LogicalResult FuncPlanner::checkCopies() {
  WalkResult result = func.walk([&](plan::CopyOp copy) {
    auto [src, srcAt] = plan::rootBuffer(copy.getSrc());
    auto [dst, dstAt] = plan::rootBuffer(copy.getDst());
    int64_t bytes = bytesOf(copy.getSrc());
    auto placeOf = [&](Value root, int64_t at) -> std::optional<int64_t> {
      auto it = arenaIndex.find(root.getDefiningOp());
      if (it == arenaIndex.end())
        return std::nullopt;
      return *arena[it->second].offset + at;
    };
    std::optional<int64_t> s = placeOf(src, srcAt), d = placeOf(dst, dstAt);
    if (s && d && *s < *d + bytes && *d < *s + bytes) {
      copy.emitOpError("source bytes [") << *s << ", " << *s + bytes << ") and destination bytes ["
                                         << *d << ", " << *d + bytes << ") overlap";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

LogicalResult FuncPlanner::run() {
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("must have a single block to plan its memory");
  FailureOr<std::optional<PipelineSchedule>> schedule = readPipelineSchedule(func);
  if (failed(schedule))
    return failure();
  pipeline = std::move(*schedule);
  if (pipeline)
    rankParamBytes.assign(pipeline->numRanks(), 0);
  collect();
  place();
  sizeRanks();
  if (failed(checkNoOverlap()) || failed(checkCopies()))
    return failure();
  return success();
}

struct PlanMemoryPass : public dsc::impl::PlanMemoryPassBase<PlanMemoryPass> {
  using PlanMemoryPassBase::PlanMemoryPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t arena = 0, params = 0, peak = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      FuncPlanner planner(func);
      if (failed(planner.run()))
        return signalPassFailure();
      if (report)
        emitRemark(func.getLoc()) << "arena " << planner.arenaBytes << " bytes (inputs and outputs "
                                  << planner.ioBytes << "), parameters " << planner.paramBytes
                                  << " bytes, peak activations " << planner.peakActivationBytes
                                  << " bytes";
      arena = std::max(arena, planner.arenaBytes);
      params = std::max(params, planner.paramBytes);
      peak = std::max(peak, planner.peakActivationBytes);
      if (!planner.rankParamBytes.empty()) {
        Builder b(module.getContext());
        module->setAttr(kRankParamBytesAttr, b.getDenseI64ArrayAttr(planner.rankParamBytes));
        module->setAttr(kRankArenaBytesAttr, b.getDenseI64ArrayAttr(planner.rankArenaBytes));
        if (report)
          for (auto [r, p, a] : llvm::enumerate(planner.rankParamBytes, planner.rankArenaBytes))
            emitRemark(func.getLoc())
                << "pp rank " << r << ": arena " << a << " bytes, parameters " << p << " bytes";
      }
    }
    Builder b(module.getContext());
    module->setAttr(plan::PlanDialect::kArenaBytesAttr, b.getI64IntegerAttr(arena));
    module->setAttr(plan::PlanDialect::kParamBytesAttr, b.getI64IntegerAttr(params));
    module->setAttr(plan::PlanDialect::kPeakActivationBytesAttr, b.getI64IntegerAttr(peak));
  }
};

} // namespace
