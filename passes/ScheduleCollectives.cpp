//===- ScheduleCollectives.cpp - async collectives behind compute ---------===//
//
// A latency-hiding scheduler for the execution plan. Each collective that has compute it does
// not depend on becomes an async pair: its start moves to stream 1 (the communication stream)
// as early in the block as its buffers allow, waiting for an event recorded by the compute
// stream's last step before it; a `plan.wait` on the event goes as late as its buffers allow,
// but no later than the point where the compute between start and wait covers the
// collective's predicted time (CostModel.h's estimateStepCost on the H100's ceilings): waiting
// later hides nothing more and keeps its buffers alive longer. The wait takes the collective's
// buffers as operands, so `dsc-plan-memory` (run after) reuses none of their bytes before it.
//
// Buffers conflict by bytes of one root buffer (through views): a start does not move above a
// step that writes its send buffer or touches its recv buffer, and a wait goes before the first
// such step after it. Collectives keep their relative order (every rank must issue them in
// the same order), a start never crosses a wait, and a wait comes before the next collective,
// so at most one NCCL call is in flight and every rank runs them in one order. When the first
// step that needs a collective's buffers comes before enough compute, independent compute
// steps from further down, up to the next collective (touching neither the collective's
// buffers nor any step they pass), are pulled up into the window, in their order: a shared
// expert written after the routed experts' combine runs under the combine's all_to_all. A
// collective with no compute step it could run under stays on stream 0 as it was. Left alone:
// plans without collectives, and steps that are already on another stream.
//
// In a pipelined plan (steps tagged `plan.stage`, stage after stage: PipelineToPlan.h) a
// rank runs one stage's steps only, so a collective is scheduled among the steps of its own
// stage: its start, its event's producer and its wait never cross into another stage, and the
// wait carries the stage too.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/CostModel.h"
#include "ir/PlanDialect.h"
#include "passes/PipelineToPlan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_SCHEDULECOLLECTIVESPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// Bytes [begin, end) of a root buffer that a step reads or writes.
struct Access {
  Value root;
  int64_t begin, end;
  bool write;
};

void addAccess(SmallVectorImpl<Access> &out, Value buffer, bool write) {
  if (!buffer)
    return;
  auto [root, offset] = plan::rootBuffer(buffer);
  out.push_back(
      {root, offset, offset + plan::bufferBytes(cast<MemRefType>(buffer.getType())), write});
}

/// What `op` reads and writes. Buffers and views access nothing; a wait holds its buffers as if
/// it wrote them, so that nothing touching them crosses it.
SmallVector<Access> accessesOf(Operation *op) {
  SmallVector<Access> out;
  auto reads = [&](ValueRange values) {
    for (Value v : values)
      addAccess(out, v, false);
  };
  auto writes = [&](ValueRange values) {
    for (Value v : values)
      addAccess(out, v, true);
  };
  if (auto launch = dyn_cast<plan::LaunchOp>(op)) {
    reads(launch.getInputs());
    writes(launch.getOutputs());
  } else if (auto gemm = dyn_cast<plan::GemmOp>(op)) {
    reads({gemm.getA(), gemm.getB()});
    addAccess(out, gemm.getBias(), false);
    addAccess(out, gemm.getAScale(), false);
    addAccess(out, gemm.getBScale(), false);
    addAccess(out, gemm.getC(), !gemm.getD()); // C is read by beta, written without D
    addAccess(out, gemm.getD(), true);
  } else if (auto attention = dyn_cast<plan::AttentionOp>(op)) {
    reads({attention.getQ(), attention.getK(), attention.getV()});
    writes(attention.getOut());
  } else if (auto memset = dyn_cast<plan::MemsetOp>(op)) {
    writes(memset.getDst());
  } else if (auto copy = dyn_cast<plan::CopyOp>(op)) {
    reads(copy.getSrc());
    writes(copy.getDst());
  } else if (auto c = dyn_cast<plan::CollectiveOp>(op)) {
    addAccess(out, c.getSend(), false);
    addAccess(out, c.getRecv(), true);
  } else if (auto wait = dyn_cast<plan::WaitOp>(op)) {
    writes(wait.getBuffers());
  }
  return out;
}

bool conflict(ArrayRef<Access> x, ArrayRef<Access> y) {
  for (const Access &a : x)
    for (const Access &b : y)
      if (a.root == b.root && a.begin < b.end && b.begin < a.end && (a.write || b.write))
        return true;
  return false;
}

bool isStep(Operation *op) {
  return isa<plan::LaunchOp, plan::GemmOp, plan::AttentionOp, plan::MemsetOp, plan::CopyOp,
             plan::CollectiveOp>(op);
}

uint32_t streamOf(Operation *op) {
  auto stream = op->getAttrOfType<IntegerAttr>("stream");
  return stream ? static_cast<uint32_t>(stream.getInt()) : 0;
}

std::optional<int32_t> recordedEvent(Operation *op) {
  if (auto e = op->getAttrOfType<IntegerAttr>("record_event"))
    return static_cast<int32_t>(e.getInt());
  return std::nullopt;
}

/// A compute step: one the compute stream runs, that is not communication.
bool isCompute(Operation *op) {
  return isStep(op) && !isa<plan::CollectiveOp>(op) && streamOf(op) == 0;
}

/// A step or wait of another pipeline stage than `c` (never, in a plan without stages).
bool otherStage(Operation *op, Operation *c) {
  return (isStep(op) || isa<plan::WaitOp>(op)) && pipelineStageOf(op) != pipelineStageOf(c);
}

class Scheduler {
public:
  Scheduler(func::FuncOp func, const DeviceCeilings &device) : func(func), device(device) {}

  void run() {
    Block &body = func.getBody().front();
    int32_t events = 0;
    for (Operation &op : body)
      if (std::optional<int32_t> e = recordedEvent(&op))
        events = std::max(events, *e + 1);
    nextEvent = events;
    SmallVector<plan::CollectiveOp> collectives(body.getOps<plan::CollectiveOp>());
    for (plan::CollectiveOp c : collectives)
      if (streamOf(c) == 0)
        schedule(c);
  }

private:
  /// Moves `c` above every op it may pass, with the fresh buffers it writes (a recv's
  /// plan.alloc, which lowering put just before it); returns where it was.
  Operation *hoist(plan::CollectiveOp c, ArrayRef<Access> buffers) {
    Operation *next = c->getNextNode();
    Operation *above = c;
    carried.clear();
    for (Operation *prev = c->getPrevNode(); prev; prev = prev->getPrevNode()) {
      bool defines =
          llvm::any_of(c->getOperands(), [&](Value v) { return v.getDefiningOp() == prev; });
      if (defines && isa<plan::AllocOp>(prev)) {
        carried.push_back(prev);
        continue;
      }
      if (defines || isa<plan::CollectiveOp, plan::WaitOp>(prev) || otherStage(prev, c) ||
          conflict(accessesOf(prev), buffers))
        break;
      above = prev;
    }
    if (above != c)
      moveWithBuffers(c, above);
    return next;
  }

  /// Moves `c`, and the buffers hoist() carries with it, before `pos`.
  void moveWithBuffers(plan::CollectiveOp c, Operation *pos) {
    c->moveBefore(pos);
    for (Operation *alloc : llvm::reverse(carried))
      alloc->moveBefore(c);
  }

  /// The op the wait goes before, and the predicted compute seconds between start and it.
  std::pair<Operation *, double> findWait(plan::CollectiveOp c, ArrayRef<Access> buffers,
                                          double needed) {
    double covered = 0;
    Operation *pos = c->getNextNode();
    for (; pos && !pos->hasTrait<OpTrait::IsTerminator>(); pos = pos->getNextNode()) {
      // The next collective is still synchronous on stream 0: two NCCL calls in flight on two
      // streams could run in different orders on different ranks, so it ends the overlap.
      if (covered >= needed || isa<plan::CollectiveOp>(pos) || otherStage(pos, c) ||
          conflict(accessesOf(pos), buffers))
        break;
      if (isCompute(pos))
        covered += estimateStepCost(pos, device).seconds;
    }
    return {pos, covered};
  }

  /// Moves `def` (a buffer or view that a pulled step reads or writes) and the views it is made
  /// from above `before`; false when one is not a buffer op.
  static bool moveDefAbove(Operation *def, Operation *before) {
    if (def->getBlock() != before->getBlock() || def->isBeforeInBlock(before))
      return true;
    if (!isa<plan::AllocOp, plan::ViewOp>(def))
      return false;
    for (Value operand : def->getOperands())
      if (Operation *inner = operand.getDefiningOp(); inner && !moveDefAbove(inner, before))
        return false;
    def->moveBefore(before);
    return true;
  }

  /// Pulls compute steps from below `consumer` (the first step that needs the collective's
  /// buffers) up to the next collective to just before it, in their order, while the window is
  /// short of `needed` seconds: a step that touches none of the collective's buffers and none of
  /// the steps it passes, records and waits for no event, and whose buffers are made above
  /// `consumer` or can be. Returns the seconds gained. A shared expert written after the routed
  /// experts' combine runs under its all_to_all this way.
  double pullUp(plan::CollectiveOp c, Operation *consumer, double needed) {
    SmallVector<Access> passed = accessesOf(c);
    double gained = 0;
    for (Operation *op = consumer, *next;
         op && gained < needed && !op->hasTrait<OpTrait::IsTerminator>(); op = next) {
      next = op->getNextNode();
      // Compute is pulled from before the next collective only: each collective hides behind
      // the compute of its own stretch of the plan, not a later one's.
      if (isa<plan::CollectiveOp, plan::WaitOp>(op))
        break;
      SmallVector<Access> accesses = accessesOf(op);
      bool movable = op != consumer && isCompute(op) && !recordedEvent(op) &&
                     !op->hasAttr("wait_events") && !conflict(accesses, passed) &&
                     llvm::all_of(op->getOperands(), [&](Value v) {
                       Operation *def = v.getDefiningOp();
                       return !def || moveDefAbove(def, consumer);
                     });
      if (!movable) {
        passed.append(accesses);
        continue;
      }
      op->moveBefore(consumer);
      gained += estimateStepCost(op, device).seconds;
    }
    return gained;
  }

  void schedule(plan::CollectiveOp c) {
    SmallVector<Access> buffers = accessesOf(c);
    Operation *wasBefore = hoist(c, buffers);
    double needed = estimateStepCost(c, device).seconds;
    auto [waitBefore, covered] = findWait(c, buffers, needed);
    if (covered < needed && waitBefore && isCompute(waitBefore) &&
        pullUp(c, waitBefore, needed - covered) > 0)
      std::tie(waitBefore, covered) = findWait(c, buffers, needed);
    if (covered == 0) { // nothing to run under it
      moveWithBuffers(c, wasBefore);
      return;
    }
    Builder b(c.getContext());
    // The last step before it on the compute stream, a synchronous collective too: the
    // start then also runs after that collective, so that two never run at once.
    Operation *producer = c->getPrevNode();
    while (producer && !(isStep(producer) && streamOf(producer) == 0) && !otherStage(producer, c))
      producer = producer->getPrevNode();
    if (producer && otherStage(producer, c))
      producer = nullptr;
    if (producer) {
      std::optional<int32_t> e = recordedEvent(producer);
      if (!e) {
        e = nextEvent++;
        producer->setAttr("record_event", b.getI32IntegerAttr(*e));
      }
      c.setWaitEventsAttr(b.getDenseI32ArrayAttr({*e}));
    }
    int32_t done = nextEvent++;
    c.setStreamAttr(b.getI32IntegerAttr(kCommunicationStream));
    c.setRecordEventAttr(b.getI32IntegerAttr(done));
    OpBuilder builder(waitBefore);
    SmallVector<Value> held(c->getOperands());
    auto wait = builder.create<plan::WaitOp>(c.getLoc(), done, held, /*stream=*/0);
    if (Attribute stage = c->getAttr(plan::PlanDialect::kStageAttr))
      wait->setAttr(plan::PlanDialect::kStageAttr, stage);
  }

  static constexpr int32_t kCommunicationStream = 1;

  func::FuncOp func;
  const DeviceCeilings &device;
  int32_t nextEvent = 0;
  /// The allocations hoist() moves along with the collective it hoists (last first).
  SmallVector<Operation *> carried;
};

struct ScheduleCollectivesPass
    : public dsc::impl::ScheduleCollectivesPassBase<ScheduleCollectivesPass> {
  using ScheduleCollectivesPassBase::ScheduleCollectivesPassBase;

  void runOnOperation() override {
    std::optional<DeviceCeilings> ceilings = deviceCeilings(device);
    if (!ceilings) {
      getOperation().emitError() << "dsc-schedule-collectives: unknown device '" << device
                                 << "' (known: h100)";
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && func.getBody().hasOneBlock())
        Scheduler(func, *ceilings).run();
  }
};

} // namespace
