//===- PipelineRewrite.cpp - stages and micro-batches into @main ----------===//
//
// Which values carry the batch: the inputs (sliced along dim 0), every result of an op with
// a batch operand, broadcasts that create a leading dim of the batch's size (a bias
// broadcast to [B, F]), and the shape-only operands of an elementwise op with a batch
// operand (splat constants, iotas and broadcasts of the same shape, as a fusion body holds
// them: `min(tokens, dense<999>)`). Their dim 0 is divided by the micro-batch count, and so
// is an attribute that names it (a slice's limit); one whose dim 0 is not the batch is an
// error, since slicing it would not be slicing the batch, and so is an op that reads across
// the batch (an axis or permutation that moves dim 0, MoE dispatch and combine, whose slots
// are the whole batch's). Op verifiers then check the retyped clones, so a model this rule
// gets wrong fails loudly.
//
//===----------------------------------------------------------------------===//

#include "passes/PipelineRewrite.h"
#include "ir/DscDialect.h"
#include "ir/DscOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"

#include <map>

using namespace mlir;

namespace dsc {

namespace {

std::string inputName(func::FuncOp func, unsigned i) {
  if (auto name = func.getArgAttrOfType<StringAttr>(i, DscDialect::kNameAttr))
    return name.getValue().str();
  return "#" + std::to_string(i);
}

} // namespace

std::optional<PipelineGrid> findPipelineGrid(ModuleOp module) {
  for (auto grid : module.getOps<shard::GridOp>()) {
    auto names = grid->getAttrOfType<ArrayAttr>(DscDialect::kMeshAxesAttr);
    if (!names)
      continue;
    for (auto [i, name] : llvm::enumerate(names))
      if (llvm::cast<StringAttr>(name).getValue() == "pp")
        return PipelineGrid{grid, static_cast<int16_t>(i), grid.getShape()[i]};
  }
  return std::nullopt;
}

llvm::DenseSet<Operation *> inputIndependentOps(func::FuncOp func) {
  llvm::DenseSet<Operation *> independent;
  llvm::DenseSet<Value> dependent(func.getArguments().begin(), func.getArguments().end());
  for (Operation &op : func.getBody().front()) {
    if (llvm::isa<func::ReturnOp>(op))
      continue;
    bool fromInput = false;
    op.walk([&](Operation *nested) {
      for (Value operand : nested->getOperands())
        fromInput |= dependent.contains(operand);
    });
    if (fromInput)
      dependent.insert(op.getResults().begin(), op.getResults().end());
    else
      independent.insert(&op);
  }
  return independent;
}

int64_t PipelineRewriter::userStage(Operation *user) const {
  Block *body = &const_cast<func::FuncOp &>(func).getBody().front();
  while (user->getBlock() != body)
    user = user->getParentOp();
  if (llvm::isa<func::ReturnOp>(user) || hoisted.contains(user))
    return stages - 1;
  return stageOf.lookup(user);
}

std::set<int64_t> PipelineRewriter::usersStages(Operation *op) const {
  std::set<int64_t> result;
  for (Operation *user : op->getUsers()) {
    Block *body = &const_cast<func::FuncOp &>(func).getBody().front();
    while (user->getBlock() != body)
      user = user->getParentOp();
    if (free.contains(user)) {
      std::set<int64_t> more = usersStages(user);
      result.insert(more.begin(), more.end());
    } else {
      result.insert(userStage(user));
    }
  }
  return result;
}

void PipelineRewriter::tag(Operation *op, int64_t stage, std::optional<int64_t> microbatch) {
  Builder b(op->getContext());
  op->setAttr(DscDialect::kStageAttr, b.getI64IntegerAttr(stage));
  if (microbatch)
    op->setAttr(DscDialect::kMicrobatchAttr, b.getI64IntegerAttr(*microbatch));
}

Type PipelineRewriter::microbatchType(Type type) const {
  auto tensor = llvm::cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[0] /= microbatches;
  return tensor.clone(shape);
}

LogicalResult PipelineRewriter::markShapeLeaf(Value value, Operation *user) {
  if (isBatch(value))
    return success();
  if (auto arg = llvm::dyn_cast<BlockArgument>(value)) {
    // A fusion body's operand: the value outside is the leaf.
    Operation *parent = arg.getOwner()->getParentOp();
    if (!llvm::isa<FusionOp>(parent) ||
        failed(markShapeLeaf(parent->getOperand(arg.getArgNumber()), user)))
      return user->emitOpError("cannot be split into micro-batches: an operand of the batch's "
                               "shape does not carry the batch");
    batchValues.insert(value);
    return success();
  }
  Operation *def = value.getDefiningOp();
  auto constant = llvm::dyn_cast<ConstantOp>(def);
  if (constant && !llvm::cast<ElementsAttr>(constant.getValue()).isSplat())
    return def->emitOpError("cannot be split into micro-batches: a constant of the batch's "
                            "shape that is not a splat");
  if (auto iota = llvm::dyn_cast<IotaOp>(def); iota && iota.getDimension() == 0)
    return def->emitOpError("cannot be split into micro-batches: it counts along the batch");
  if (!constant && !llvm::isa<IotaOp, BroadcastOp>(def))
    return user->emitOpError("cannot be split into micro-batches: an operand of the batch's "
                             "shape does not carry the batch");
  batchValues.insert(value);
  return success();
}

LogicalResult PipelineRewriter::checkBatchUse(Operation *op) {
  Value first = op->getNumOperands() ? op->getOperand(0) : Value();
  auto fail = [&](const Twine &why) {
    return op->emitOpError("cannot be split into ") << microbatches << " micro-batches: " << why;
  };
  if (llvm::isa<MoeDispatchOp, MoeCombineOp, MoeDispatchLocalOp, MoeCombineLocalOp>(op))
    return fail("its slots and capacity are the whole batch's");
  if (!first || !isBatch(first))
    return success();
  int64_t rank = llvm::cast<RankedTensorType>(first.getType()).getRank();
  auto movesBatch = [&](int64_t axis) { return axis == 0 || axis + rank == 0; };
  if (auto axis = op->getAttrOfType<IntegerAttr>("axis"); axis && movesBatch(axis.getInt()))
    return fail("it works along dim 0, the batch");
  if (auto axes = op->getAttrOfType<DenseI64ArrayAttr>("axes"))
    if (llvm::any_of(axes.asArrayRef(), movesBatch))
      return fail("it reduces dim 0, the batch");
  if (auto transpose = llvm::dyn_cast<TransposeOp>(op); transpose && transpose.getPermutation()[0])
    return fail("it moves dim 0, the batch");
  if (auto bc = llvm::dyn_cast<BroadcastOp>(op); bc && bc.getDims()[0] != 0)
    return fail("it moves dim 0, the batch");
  if (auto slice = llvm::dyn_cast<SliceOp>(op))
    if (slice.getStart()[0] != 0 || slice.getLimit()[0] != batch || slice.getStride()[0] != 1)
      return fail("it slices dim 0, the batch");
  return success();
}

LogicalResult PipelineRewriter::markBatch(Operation *op) {
  bool fromBatch = llvm::any_of(op->getOperands(), [&](Value v) { return isBatch(v); });
  if (fromBatch && failed(checkBatchUse(op)))
    return failure();
  auto kind = llvm::dyn_cast<FusionKindOpInterface>(op);
  if (fromBatch && kind && kind.getFusionKind() == FusionKind::elementwise)
    for (Value operand : op->getOperands())
      if (failed(markShapeLeaf(operand, op)))
        return failure();
  for (Region &region : op->getRegions()) {
    if (region.empty())
      continue;
    Block &entry = region.front();
    if (entry.getNumArguments() == op->getNumOperands())
      for (auto [arg, operand] : llvm::zip(entry.getArguments(), op->getOperands()))
        if (isBatch(operand))
          batchValues.insert(arg);
    for (Block &block : region)
      for (Operation &nested : block)
        if (failed(markBatch(&nested)))
          return failure();
  }
  for (Value result : op->getResults()) {
    auto type = llvm::dyn_cast<RankedTensorType>(result.getType());
    bool batchBroadcast = false;
    if (auto bc = llvm::dyn_cast<BroadcastOp>(op))
      batchBroadcast = type && type.getRank() > 0 && type.getDimSize(0) == batch &&
                       !llvm::is_contained(bc.getDims(), 0);
    if (!fromBatch && !batchBroadcast)
      continue;
    if (!type || type.getRank() == 0 || type.getDimSize(0) != batch)
      return op->emitOpError("cannot be split into ")
             << microbatches << " micro-batches: its result "
             << (type && type.getRank() ? "has dim 0 = " + std::to_string(type.getDimSize(0))
                                        : std::string("has no dim 0"))
             << ", not the batch (" << batch << ")";
    batchValues.insert(result);
  }
  return success();
}

LogicalResult PipelineRewriter::findBatch() {
  // The batch is dim 0 of the inputs of the highest rank; a lower-rank input with another
  // dim 0 (positions[T] beside x[B, T, D]) is the same for every micro-batch.
  unsigned batchInput = 0;
  int64_t maxRank = -1;
  for (BlockArgument arg : func.getArguments()) {
    auto type = llvm::dyn_cast<RankedTensorType>(arg.getType());
    if (!type || type.getRank() == 0 || !type.hasStaticShape())
      return func.emitError() << "input '" << inputName(func, arg.getArgNumber())
                              << "' has no static dim 0 to split into micro-batches";
    if (type.getRank() > maxRank) {
      maxRank = type.getRank();
      batch = type.getDimSize(0);
      batchInput = arg.getArgNumber();
    }
  }
  for (BlockArgument arg : func.getArguments()) {
    auto type = llvm::cast<RankedTensorType>(arg.getType());
    std::string name = inputName(func, arg.getArgNumber());
    if (type.getDimSize(0) != batch && type.getRank() < maxRank)
      continue;
    if (type.getDimSize(0) != batch)
      return func.emitError() << "inputs disagree on the batch (dim 0): '" << name << "' has "
                              << type.getDimSize(0) << ", '" << inputName(func, batchInput) << "' "
                              << batch;
    if (batch % microbatches != 0)
      return func.emitError() << "--microbatches=" << microbatches
                              << " does not divide the batch (dim 0 = " << batch
                              << " on this rank) of input '" << name << "'";
    batchValues.insert(arg);
  }
  Operation *ret = func.getBody().front().getTerminator();
  for (Value out : ret->getOperands())
    if (auto gather = out.getDefiningOp<shard::AllGatherOp>())
      if (gather.getGatherAxis() == 0 && out.hasOneUse())
        hoisted.insert(gather);
  for (Operation &op : func.getBody().front())
    if (!hoisted.contains(&op) && !llvm::isa<func::ReturnOp>(op) && failed(markBatch(&op)))
      return failure();
  return success();
}

void PipelineRewriter::retype(Operation *original, Operation *clone) {
  for (auto [from, to] : llvm::zip(original->getResults(), clone->getResults()))
    if (isBatch(from))
      to.setType(microbatchType(from.getType()));
  if (auto constant = llvm::dyn_cast<ConstantOp>(clone);
      constant && isBatch(original->getResult(0)))
    constant.setValueAttr(llvm::cast<DenseElementsAttr>(constant.getValue())
                              .resizeSplat(llvm::cast<ShapedType>(constant.getType())));
  if (auto slice = llvm::dyn_cast<SliceOp>(clone); slice && isBatch(original->getOperand(0))) {
    SmallVector<int64_t> limit(slice.getLimit());
    limit[0] /= microbatches;
    slice.setLimit(limit);
  }
  for (auto [fromRegion, toRegion] : llvm::zip(original->getRegions(), clone->getRegions()))
    for (auto [fromBlock, toBlock] : llvm::zip(fromRegion, toRegion)) {
      for (auto [from, to] : llvm::zip(fromBlock.getArguments(), toBlock.getArguments()))
        if (isBatch(from))
          to.setType(microbatchType(from.getType()));
      for (auto [fromOp, toOp] : llvm::zip(fromBlock, toBlock))
        retype(&fromOp, &toOp);
    }
}

LogicalResult PipelineRewriter::run() {
  Block &body = func.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  free = inputIndependentOps(func);
  if (microbatches > 1 && failed(findBatch()))
    return failure();
  for (Operation &op : body)
    if (!free.contains(&op) && !llvm::isa<func::ReturnOp>(op) && !stageOf.count(&op) &&
        !hoisted.contains(&op))
      return op.emitOpError("was given no pipeline stage");
  for (Value out : ret.getOperands())
    if (Operation *def = out.getDefiningOp(); def && free.contains(def) && microbatches > 1)
      return def->emitOpError("is an output; a param or constant output cannot be split "
                              "into micro-batches");

  SmallVector<Operation *> old;
  for (Operation &op : body)
    if (!llvm::isa<func::ReturnOp>(op))
      old.push_back(&op);
  OpBuilder b(ret);
  auto gridRef = FlatSymbolRefAttr::get(grid.getSymNameAttr());
  DenseI16ArrayAttr ppAxis = b.getDenseI16ArrayAttr({axis});

  // Copies of what does not depend on the inputs in each stage that uses it.
  std::vector<IRMapping> freeCopies(stages);
  for (Operation *op : old) {
    if (!free.contains(op))
      continue;
    for (int64_t s : usersStages(op)) {
      Operation *copy = b.clone(*op, freeCopies[s]);
      retype(op, copy);
      tag(copy, s, std::nullopt);
      if (failed(verify(copy)))
        return op->emitOpError("does not verify once split into micro-batches");
    }
  }

  // Per micro-batch and stage: slices of the inputs, receives, the stage's ops, sends.
  std::vector<std::vector<Value>> outputs(ret.getNumOperands());
  for (int64_t m = 0; m < microbatches; ++m) {
    std::map<std::pair<int64_t, int64_t>, std::vector<std::pair<Value, Value>>> inFlight;
    for (int64_t s = 0; s < stages; ++s) {
      IRMapping map = freeCopies[s];
      for (BlockArgument arg : func.getArguments()) {
        if (llvm::none_of(arg.getUsers(), [&](Operation *u) { return userStage(u) == s; }))
          continue;
        if (microbatches == 1 || !isBatch(arg)) {
          map.map(arg, arg);
          continue;
        }
        auto type = llvm::cast<RankedTensorType>(arg.getType());
        int64_t rows = type.getDimSize(0) / microbatches;
        SmallVector<int64_t> start(type.getRank(), 0), limit(type.getShape()),
            stride(type.getRank(), 1);
        start[0] = m * rows;
        limit[0] = (m + 1) * rows;
        auto slice =
            b.create<SliceOp>(arg.getLoc(), microbatchType(type), arg, start, limit, stride);
        tag(slice, s, m);
        map.map(arg, slice.getResult());
      }
      for (int64_t from = 0; from < s; ++from)
        for (auto [value, sent] : inFlight[{from, s}]) {
          int64_t source[] = {from};
          auto recv = b.create<shard::RecvOp>(value.getLoc(), sent.getType(), gridRef, ppAxis, sent,
                                              b.getDenseI64ArrayAttr(source), ValueRange());
          tag(recv, s, m);
          map.map(value, recv.getResult());
        }
      for (Operation *op : old) {
        if (free.contains(op) || hoisted.contains(op) || stageOf.lookup(op) != s)
          continue;
        Operation *copy = b.clone(*op, map);
        retype(op, copy);
        tag(copy, s, m);
        if (failed(verify(copy)))
          return op->emitOpError("does not verify once split into micro-batches");
        for (Value result : op->getResults()) {
          std::set<int64_t> later;
          for (Operation *user : result.getUsers())
            if (int64_t t = userStage(user); t != s)
              later.insert(t);
          for (int64_t t : later) {
            int64_t destination[] = {t};
            Value local = map.lookup(result);
            auto send =
                b.create<shard::SendOp>(result.getLoc(), local.getType(), gridRef, ppAxis, local,
                                        b.getDenseI64ArrayAttr(destination), ValueRange());
            tag(send, s, m);
            inFlight[{s, t}].push_back({result, send.getResult()});
          }
        }
      }
      if (s == stages - 1)
        for (auto [i, out] : llvm::enumerate(ret.getOperands())) {
          Operation *def = out.getDefiningOp();
          Value value = def && hoisted.contains(def) ? def->getOperand(0) : out;
          outputs[i].push_back(map.lookupOrDefault(value));
        }
    }
  }

  // The last stage joins the micro-batches and gathers what was gathered along dim 0.
  SmallVector<Value> results;
  for (auto [i, out] : llvm::enumerate(ret.getOperands())) {
    Operation *def = out.getDefiningOp();
    Value whole = outputs[i].front();
    Value before = def && hoisted.contains(def) ? def->getOperand(0) : out;
    if (microbatches > 1 && isBatch(before)) {
      auto concat =
          b.create<ConcatOp>(out.getLoc(), before.getType(), outputs[i], b.getI64IntegerAttr(0));
      tag(concat, stages - 1, std::nullopt);
      whole = concat.getResult();
    }
    if (def && hoisted.contains(def)) {
      IRMapping map;
      map.map(before, whole);
      Operation *gather = b.clone(*def, map);
      tag(gather, stages - 1, std::nullopt);
      whole = gather->getResult(0);
    }
    results.push_back(whole);
  }
  ret->setOperands(results);
  for (Operation *op : llvm::reverse(old)) {
    op->dropAllUses();
    op->erase();
  }
  return success();
}

} // namespace dsc
