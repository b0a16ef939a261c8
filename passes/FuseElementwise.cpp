//===- FuseElementwise.cpp - elementwise chains into dsc.fusion -----------===//
//
// Groups producer-consumer chains of elementwise ops of one shape, optionally ending in one
// row-wise op (rms_norm, layer_norm, softmax over the last axis), and replaces each group by a
// `dsc.fusion` that codegen runs as one kernel: every intermediate stays in registers instead
// of making a round trip through memory. Broadcasts and splat constants that feed a group are
// copied into its body, where they cost an index map instead of a materialized tensor. A group
// value that is also used outside becomes an extra result (multi-output), so nothing is
// computed twice.
//
// Groups are grown by union-find over the use-def edges in program order; two groups merge only
// if the union stays one iteration domain, holds at most one row-wise op that no member reads
// (the row kernel computes it last), and is convex: no path leaves the union and comes back
// (through a matmul, say), which would make the fusion depend on itself. Ops of other kinds
// (matmul, attention, reductions, shape ops, rope, MoE) are left alone: a GEMM-epilogue pass
// that runs earlier takes what it fuses into GEMMs.
//
// Hand-written rather than with upstream's linalg elementwise fusion: the dsc graph is not in
// linalg, and what a group may hold is set by the one kernel template that runs it.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"

namespace dsc {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

ArrayRef<int64_t> shapeOf(Value v) { return cast<RankedTensorType>(v.getType()).getShape(); }

bool isSplatConstant(Value v) {
  auto c = v.getDefiningOp<ConstantOp>();
  return c && c.getValue().isSplat();
}

/// Ops a group is made of: elementwise math and (when enabled) one row-wise op.
bool isGroupOp(Operation *op, bool rowwise) {
  if (auto kind = dyn_cast<FusionKindOpInterface>(op))
    return kind.getFusionKind() == FusionKind::elementwise || (rowwise && isFusibleRowOp(op));
  return false;
}

/// A row-wise op's weight or bias: always an operand of the fusion, never a group edge.
bool isRowParameter(Operation *op, unsigned operandIndex) {
  return operandIndex > 0 && isFusibleRowOp(op);
}

/// A value that a group reads through a copy in its body rather than as an
/// operand.
bool isAbsorbed(Value v) { return v.getDefiningOp<BroadcastOp>() || isSplatConstant(v); }

class GroupBuilder {
public:
  GroupBuilder(Block &block, bool rowwise) : block(block), rowwise(rowwise) {}

  void run();

private:
  SmallVector<Operation *> membersOf(Operation *leader);
  bool canMerge(Operation *a, Operation *b);
  bool isConvex(const llvm::SmallPtrSetImpl<Operation *> &members);
  void fuse(ArrayRef<Operation *> members);

  Block &block;
  bool rowwise;
  llvm::EquivalenceClasses<Operation *> groups;
};

SmallVector<Operation *> GroupBuilder::membersOf(Operation *op) {
  SmallVector<Operation *> members(groups.members(op));
  llvm::sort(members, [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  return members;
}

/// No op outside `members` both depends on a member and is depended on by one.
/// Walks forward from the members' results through outside users; ops in one
/// block are in topological order, so the walk stops at the last member.
bool GroupBuilder::isConvex(const llvm::SmallPtrSetImpl<Operation *> &members) {
  Operation *last = nullptr;
  for (Operation *op : members)
    if (!last || last->isBeforeInBlock(op))
      last = op;
  SmallVector<Operation *> worklist;
  llvm::SmallPtrSet<Operation *, 32> seen;
  auto pushUsers = [&](Operation *op) {
    for (Operation *user : op->getUsers())
      if (user->getBlock() == &block && !members.contains(user) && !isa<func::ReturnOp>(user) &&
          seen.insert(user).second)
        worklist.push_back(user);
  };
  for (Operation *op : members)
    pushUsers(op);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (last->isBeforeInBlock(op))
      continue; // everything after the last member cannot feed one
    for (Operation *user : op->getUsers())
      if (members.contains(user))
        return false;
    pushUsers(op);
  }
  return true;
}

bool GroupBuilder::canMerge(Operation *a, Operation *b) {
  llvm::SmallPtrSet<Operation *, 32> members;
  for (Operation *op : membersOf(a))
    members.insert(op);
  for (Operation *op : membersOf(b))
    members.insert(op);
  Operation *rowOp = nullptr;
  for (Operation *op : members) {
    if (!isFusibleRowOp(op))
      continue;
    if (rowOp)
      return false; // one row-wise op per kernel
    rowOp = op;
  }
  // The row kernel computes the row-wise op last: no member may read its result.
  if (rowOp && llvm::any_of(rowOp->getUsers(), [&](Operation *u) { return members.contains(u); }))
    return false;
  return isConvex(members);
}

void GroupBuilder::run() {
  for (Operation &op : block) {
    // Dead ops are canonicalization's to remove; in a group they would be results nobody reads.
    if (!isGroupOp(&op, rowwise) || op.use_empty())
      continue;
    groups.insert(&op);
    ArrayRef<int64_t> domain = shapeOf(op.getResult(0));
    for (OpOperand &use : op.getOpOperands()) {
      Value operand = use.get();
      Operation *producer = operand.getDefiningOp();
      if (!producer || !groups.contains(producer) || shapeOf(operand) != domain ||
          groups.isEquivalent(producer, &op) || isRowParameter(&op, use.getOperandNumber()))
        continue;
      if (canMerge(producer, &op))
        groups.unionSets(producer, &op);
    }
  }
  SmallVector<SmallVector<Operation *>> toFuse;
  for (auto it = groups.begin(), end = groups.end(); it != end; ++it) {
    if (!(*it)->isLeader())
      continue;
    SmallVector<Operation *> members = membersOf((*it)->getData());
    // One op reading nothing through its body is what the unfused kernel runs
    // already.
    bool absorbs = llvm::any_of(members, [](Operation *op) {
      return llvm::any_of(op->getOpOperands(), [&](OpOperand &use) {
        return isAbsorbed(use.get()) && !isRowParameter(op, use.getOperandNumber());
      });
    });
    if (members.size() > 1 || (absorbs && !isFusibleRowOp(members.front())))
      toFuse.push_back(std::move(members));
  }
  for (ArrayRef<Operation *> members : toFuse)
    fuse(members);
  // A result used outside the group may have had a user between two members;
  // the fusion sits where the last member was, so those users move after it
  // (convexity makes it legal).
  sortTopologically(&block);
}

void GroupBuilder::fuse(ArrayRef<Operation *> members) {
  llvm::SmallPtrSet<Operation *, 16> memberSet(members.begin(), members.end());
  llvm::SetVector<Value> inputs;
  SmallVector<Operation *> absorbed; // broadcasts and splat constants copied into the body
  SmallVector<Value> outputs;
  for (Operation *op : members) {
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      Operation *def = v.getDefiningOp();
      if (def && memberSet.contains(def))
        continue;
      if (!isRowParameter(op, i) && isAbsorbed(v)) {
        if (auto broadcast = dyn_cast<BroadcastOp>(def)) {
          Value source = broadcast.getX();
          if (!isSplatConstant(source))
            inputs.insert(source);
          else if (!llvm::is_contained(absorbed, source.getDefiningOp()))
            absorbed.push_back(source.getDefiningOp());
        }
        if (!llvm::is_contained(absorbed, def))
          absorbed.push_back(def);
        continue;
      }
      inputs.insert(v);
    }
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *u) { return !memberSet.contains(u); }))
        outputs.push_back(result);
  }

  OpBuilder b(members.back());
  SmallVector<Location> locs =
      llvm::map_to_vector(members, [](Operation *op) { return op->getLoc(); });
  auto fusion = FusionOp::create(b, b.getFusedLoc(locs), ValueRange(outputs).getTypes(),
                                 inputs.getArrayRef());
  Block *body = b.createBlock(&fusion.getBody());
  IRMapping map;
  for (Value input : inputs)
    map.map(input, body->addArgument(input.getType(), input.getLoc()));
  for (Operation *op : llvm::concat<Operation *const>(absorbed, members))
    b.clone(*op, map);
  YieldOp::create(b, fusion.getLoc(),
                  llvm::map_to_vector(outputs, [&](Value v) { return map.lookup(v); }));

  for (auto [output, result] : llvm::zip(outputs, fusion.getResults()))
    output.replaceAllUsesWith(result);
  for (Operation *op : llvm::reverse(members))
    op->erase();
  for (Operation *op : llvm::reverse(absorbed))
    if (op->use_empty())
      op->erase();
}

struct FuseElementwisePass : public dsc::impl::FuseElementwisePassBase<FuseElementwisePass> {
  using FuseElementwisePassBase::FuseElementwisePassBase;

  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp func) {
      for (Block &block : func.getBody())
        GroupBuilder(block, rowwise).run();
    });
  }
};

} // namespace
