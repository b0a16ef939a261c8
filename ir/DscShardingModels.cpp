//===- DscShardingModels.cpp - dsc ops in the shard dialect's terms ------===//
//
// External models of upstream MLIR's ShardingInterface for the dsc ops that sharded models
// use, so that `sharding-propagation` and `shard-partition` work on dsc IR unchanged.
//
// Most ops are described as loops with affine indexing maps (a LoopSpec): upstream derives a
// sharding for the loops from any annotated operand or result, and partitioning clones the op
// with per-rank types. On top of upstream's defaults, every model here
//  * keeps some loops whole (a norm's or softmax's row, rope's positions and head dim, the
//    split/concat axis, attention's keys and head dim, any dim a split would not divide): a
//    value split there is gathered first instead of computing a wrong answer;
//  * gives a sharding to an op whose operands are all replicated (upstream leaves such an op
//    unannotated, which partitioning then rejects);
//  * adds a `shard.all_reduce` (sum) after a matmul whose contraction dim is split (row
//    parallel): the shard dialect of MLIR 22 has no partial shardings, so the partial sums are
//    reduced where they are made.
// `dsc.reshape` maps shardings through its dim groups (own model); params, constants and iotas
// are always produced whole: a split use slices them locally (`shard.all_slice`), which the
// runtime can turn into reading only its slice of a weight.
// moe_dispatch and moe_combine have partition rules of their own (expert parallelism, below).
// Not modelled (propagation stops with "sharding interface is not implemented"): the
// quantized ops and dsc.fusion.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Shard/Interfaces/ShardingInterface.h"
#include "mlir/Dialect/Shard/Interfaces/ShardingInterfaceImpl.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::shard;
using utils::IteratorType;

namespace dsc {
namespace {

int64_t rankOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getRank(); }
ArrayRef<int64_t> shapeOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getShape(); }

int64_t normalized(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

/// An op as loops: iterator types, one indexing map per operand then per result, and which
/// loops may be split over mesh axes.
struct LoopSpec {
  SmallVector<IteratorType> types;
  SmallVector<AffineMap> maps;
  SmallVector<bool> splittable;

  LoopSpec(int64_t loops, MLIRContext *ctx)
      : types(loops, IteratorType::parallel), splittable(loops, true), ctx(ctx) {}
  /// A map from the loops to the given loop indices.
  void add(ArrayRef<int64_t> loopOfDim) {
    SmallVector<AffineExpr> exprs;
    for (int64_t loop : loopOfDim)
      exprs.push_back(getAffineDimExpr(loop, ctx));
    maps.push_back(AffineMap::get(types.size(), 0, exprs, ctx));
  }
  void addIdentity(int64_t rank) { add(llvm::to_vector(llvm::seq<int64_t>(0, rank))); }

private:
  MLIRContext *ctx;
};

LoopSpec identitySpec(Operation *op) {
  int64_t rank = rankOf(op->getResult(0));
  LoopSpec spec(rank, op->getContext());
  for (Value v : op->getOperands())
    spec.addIdentity(rankOf(v));
  for (Value v : op->getResults())
    spec.addIdentity(rankOf(v));
  return spec;
}

LoopSpec matmulSpec(MatmulOp op) {
  // Loops: batch..., M, N, K.
  int64_t rank = rankOf(op.getA());
  int64_t batch = rank - 2, m = batch, n = batch + 1, k = batch + 2;
  LoopSpec spec(rank + 1, op->getContext());
  spec.types[k] = IteratorType::reduction;
  SmallVector<int64_t> prefix = llvm::to_vector(llvm::seq<int64_t>(0, batch));
  auto with = [&](int64_t x, int64_t y) {
    SmallVector<int64_t> dims = prefix;
    dims.append({x, y});
    return dims;
  };
  spec.add(op.getTransposeA() ? with(k, m) : with(m, k));
  SmallVector<int64_t> b = op.getTransposeB() ? with(n, k) : with(k, n);
  spec.add(rankOf(op.getB()) == 2 ? ArrayRef<int64_t>(b).take_back(2) : ArrayRef<int64_t>(b));
  if (op.getAddend()) {
    spec.add(with(m, n));
    // Partial sums would add the addend once per rank.
    spec.splittable[k] = false;
  }
  spec.add(with(m, n));
  return spec;
}

LoopSpec attentionSpec(AttentionOp op) {
  // Loops: B, Tq, H, Dh, Tk, Dv. Batch and heads split; a query row needs all keys.
  enum { B, Tq, H, Dh, Tk, Dv };
  LoopSpec spec(6, op->getContext());
  spec.types[Dh] = spec.types[Tk] = IteratorType::reduction;
  spec.add({B, Tq, H, Dh});
  spec.add({B, Tk, H, Dh});
  spec.add({B, Tk, H, Dv});
  spec.add({B, Tq, H, Dv});
  spec.splittable = {true, false, true, false, false, false};
  return spec;
}

LoopSpec ropeSpec(RopeOp op) {
  int64_t rank = rankOf(op.getX());
  LoopSpec spec(rank, op->getContext());
  spec.addIdentity(rank);
  if (rankOf(op.getPositions()) == 1)
    spec.add({rank - 3});
  else
    spec.add({0, rank - 3});
  spec.addIdentity(rank);
  // A token's angle comes from its position: positions and the sequence stay whole, and each
  // head dim pair rotates together.
  spec.splittable[rank - 3] = spec.splittable[rank - 1] = false;
  return spec;
}

/// rms_norm and layer_norm: the row (last dim) is reduced; weight and bias run along it.
LoopSpec normSpec(Operation *op) {
  int64_t rank = rankOf(op->getOperand(0));
  LoopSpec spec(rank, op->getContext());
  spec.addIdentity(rank);
  for (unsigned i = 1; i < op->getNumOperands(); ++i)
    spec.add({rank - 1});
  spec.addIdentity(rank);
  spec.splittable[rank - 1] = false;
  return spec;
}

/// A loop per dim of the first operand; `axis` stays whole (softmax, split, concat).
LoopSpec wholeAxisSpec(Operation *op, int64_t axis) {
  LoopSpec spec = identitySpec(op);
  spec.splittable[normalized(axis, rankOf(op->getResult(0)))] = false;
  return spec;
}

LoopSpec reduceSpec(Operation *op, ArrayRef<int64_t> axes, bool keepdims) {
  int64_t rank = rankOf(op->getOperand(0));
  LoopSpec spec(rank, op->getContext());
  spec.addIdentity(rank);
  SmallVector<int64_t> result;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::any_of(axes, [&](int64_t a) { return normalized(a, rank) == d; });
    if (reduced) {
      spec.types[d] = IteratorType::reduction;
      spec.splittable[d] = false;
    }
    if (!reduced || keepdims)
      result.push_back(d);
  }
  spec.add(result);
  return spec;
}

LoopSpec broadcastSpec(BroadcastOp op) {
  // Loops: the result's dims, then one per operand dim of size 1 that the result widens.
  ArrayRef<int64_t> in = shapeOf(op.getOperand()), out = shapeOf(op.getResult());
  ArrayRef<int64_t> dims = op.getDims();
  int64_t widened = 0;
  for (auto [i, d] : llvm::enumerate(dims))
    widened += in[i] != out[d];
  LoopSpec spec(out.size() + widened, op->getContext());
  SmallVector<int64_t> operandLoops;
  int64_t extra = out.size();
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (in[i] == out[d]) {
      operandLoops.push_back(d);
      continue;
    }
    spec.splittable[extra] = false;
    operandLoops.push_back(extra++);
  }
  spec.add(operandLoops);
  spec.addIdentity(out.size());
  return spec;
}

LoopSpec transposeSpec(TransposeOp op) {
  ArrayRef<int64_t> perm = op.getPermutation();
  LoopSpec spec(perm.size(), op->getContext());
  SmallVector<int64_t> operandLoops(perm.size());
  for (auto [resultDim, operandDim] : llvm::enumerate(perm))
    operandLoops[operandDim] = resultDim;
  spec.add(operandLoops);
  spec.addIdentity(perm.size());
  return spec;
}

LoopSpec sliceSpec(SliceOp op) {
  LoopSpec spec = identitySpec(op);
  ArrayRef<int64_t> in = shapeOf(op.getX()), out = shapeOf(op.getResult());
  for (auto [d, size] : llvm::enumerate(in))
    spec.splittable[d] = size == out[d];
  return spec;
}

LoopSpec gatherSpec(GatherOp op) {
  // Loops: the result's dims, then the table's gathered dim (the vocabulary), a reduction:
  // split, each rank looks up the indices it holds and the ranks sum (partitionVocabGather).
  int64_t axis = normalized(op.getAxis(), rankOf(op.getTable()));
  int64_t indices = rankOf(op.getIndices()), out = rankOf(op.getResult());
  LoopSpec spec(out + 1, op->getContext());
  SmallVector<int64_t> table;
  for (int64_t d = 0; d < rankOf(op.getTable()); ++d)
    table.push_back(d < axis ? d : d == axis ? out : d - 1 + indices);
  spec.add(table);
  spec.add(llvm::to_vector(llvm::seq<int64_t>(axis, axis + indices)));
  spec.addIdentity(out);
  spec.types[out] = IteratorType::reduction;
  return spec;
}

LoopSpec routerSpec(RouterTopkOp op) {
  // Loops: N, E, k. Each token routes by itself; its scores and choices stay whole.
  enum { N, E, K };
  LoopSpec spec(3, op->getContext());
  spec.add({N, E});
  if (op.getBias())
    spec.add({E});
  spec.add({N, K});
  spec.add({N, K});
  spec.splittable = {true, false, false};
  return spec;
}

/// Params, constants and iotas: produced whole on every rank.
LoopSpec sourceSpec(Operation *op) {
  LoopSpec spec = identitySpec(op);
  spec.splittable.assign(spec.splittable.size(), false);
  return spec;
}

LoopSpec loopSpec(Operation *op) {
  return llvm::TypeSwitch<Operation *, LoopSpec>(op)
      .Case([](MatmulOp o) { return matmulSpec(o); })
      .Case([](AttentionOp o) { return attentionSpec(o); })
      .Case([](RopeOp o) { return ropeSpec(o); })
      .Case<RmsNormOp, LayerNormOp>([](Operation *o) { return normSpec(o); })
      .Case([](SoftmaxOp o) { return wholeAxisSpec(o, o.getAxis()); })
      .Case([](SplitOp o) { return wholeAxisSpec(o, o.getAxis()); })
      .Case([](ConcatOp o) { return wholeAxisSpec(o, o.getAxis()); })
      .Case<ReduceSumOp, ReduceMaxOp, ReduceMeanOp>(
          [](auto o) { return reduceSpec(o, o.getAxes(), o.getKeepdims()); })
      .Case([](BroadcastOp o) { return broadcastSpec(o); })
      .Case([](TransposeOp o) { return transposeSpec(o); })
      .Case([](SliceOp o) { return sliceSpec(o); })
      .Case([](GatherOp o) { return gatherSpec(o); })
      .Case([](RouterTopkOp o) { return routerSpec(o); })
      .Case<ParamOp, ConstantOp, IotaOp>([](Operation *o) { return sourceSpec(o); })
      .Default([](Operation *o) { return identitySpec(o); });
}

/// The grid of `option`, or null.
GridOp gridOf(Operation *op, FlatSymbolRefAttr grid) {
  return grid ? SymbolTable::lookupNearestSymbolFrom<GridOp>(op, grid) : GridOp();
}

/// The grid of the first of `shardings` that has one.
FlatSymbolRefAttr anyGrid(ArrayRef<Sharding> operands, ArrayRef<Sharding> results) {
  for (ArrayRef<Sharding> list : {operands, results})
    for (const Sharding &s : list)
      if (s)
        return s.getGridAttr();
  return nullptr;
}

/// Keeps whole the loops `spec` does not let split and those whose split would not divide
/// every dim they index; gives replicated ops a (replicated) sharding.
ShardingOption restrictOption(Operation *op, const LoopSpec &spec, ShardingOption option,
                              ArrayRef<Sharding> operands, ArrayRef<Sharding> results) {
  if (!option.grid)
    option.grid = anyGrid(operands, results);
  if (!option.grid)
    return ShardingOption::makeEmpty();
  option.empty = false;
  option.shardingArray.resize(spec.types.size());
  GridOp grid = gridOf(op, option.grid);
  SmallVector<Value> values(op->getOperands());
  llvm::append_range(values, op->getResults());
  for (auto [loop, axes] : llvm::enumerate(option.shardingArray)) {
    if (axes.empty())
      continue;
    bool ok = spec.splittable[loop] && grid;
    int64_t parts = 1;
    if (ok)
      for (GridAxis axis : axes)
        parts *= grid.getShape()[axis];
    for (auto [value, map] : llvm::zip_equal(values, spec.maps))
      for (auto [dim, expr] : llvm::enumerate(map.getResults()))
        if (llvm::cast<AffineDimExpr>(expr).getPosition() == loop)
          ok = ok && shapeOf(value)[dim] % parts == 0;
    if (!ok)
      axes.clear();
  }
  removeTrailingEmptySubArray(option.shardingArray);
  return option;
}

SmallVector<GridAxis> axesOfDim(const Sharding &s, int64_t dim) {
  ArrayRef<GridAxesAttr> split = s.getSplitAxes();
  return dim < static_cast<int64_t>(split.size()) ? llvm::to_vector(split[dim].asArrayRef())
                                                  : SmallVector<GridAxis>();
}

/// The loops' mesh axes that the operand and result shardings imply. Propagation may leave
/// an op between annotations that no one sharding of it satisfies (a hint it cannot make);
/// that is an error here rather than a clone with mismatched per-rank types.
FailureOr<ShardingArray> loopAxes(Operation *op, const LoopSpec &spec, ArrayRef<Sharding> operands,
                                  ArrayRef<Sharding> results) {
  SmallVector<std::optional<SmallVector<GridAxis>>> loops(spec.types.size());
  std::vector<Sharding> all(operands.begin(), operands.end());
  all.insert(all.end(), results.begin(), results.end());
  for (auto [sharding, map] : llvm::zip_equal(all, spec.maps)) {
    if (!sharding)
      continue;
    for (auto [dim, expr] : llvm::enumerate(map.getResults())) {
      unsigned loop = llvm::cast<AffineDimExpr>(expr).getPosition();
      SmallVector<GridAxis> axes = axesOfDim(sharding, dim);
      if (loops[loop] && *loops[loop] != axes)
        return op->emitOpError() << "cannot be partitioned: its operands and results are "
                                    "sharded inconsistently (iteration dim "
                                 << loop << ")";
      if (!axes.empty() && !spec.splittable[loop])
        return op->emitOpError() << "cannot be partitioned: iteration dim " << loop
                                 << " must stay whole on every rank";
      loops[loop] = axes;
    }
  }
  ShardingArray result;
  for (auto &axes : loops)
    result.push_back(axes ? *axes : SmallVector<GridAxis>());
  return result;
}

/// The ids 0..size-1 of this rank's block of a dim of `size` split over `axes`.
Value localIds(OpBuilder &b, Location loc, GridOp grid, int64_t size, ArrayRef<GridAxis> axes) {
  auto type = RankedTensorType::get({size}, b.getI32Type());
  Value ids = IotaOp::create(b, loc, type, 0);
  if (axes.empty())
    return ids;
  return AllSliceOp::create(b, loc, ids, grid, axes, 0);
}

Value splat(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  Type element = type.getElementType();
  Attribute scalar = llvm::isa<FloatType>(element)
                         ? Attribute(b.getFloatAttr(element, value))
                         : Attribute(b.getIntegerAttr(element, static_cast<int64_t>(value)));
  return ConstantOp::create(b, loc, DenseElementsAttr::get(type, scalar));
}

/// A gather whose table is split along the gathered dim (vocabulary-parallel embedding): each
/// rank looks up the indices that fall in its rows (after clamping them as the op does),
/// zeroes the others, and the ranks sum their results (one of them is nonzero per row, so
/// the sum is exact).
Value partitionVocabGather(GatherOp op, ArrayRef<Value> partitioned, ArrayRef<GridAxis> axes,
                           GridOp grid, OpBuilder &b) {
  Location loc = op->getLoc();
  Value table = partitioned[0], indices = partitioned[1];
  int64_t axis = normalized(op.getAxis(), rankOf(op.getTable()));
  int64_t vocab = shapeOf(op.getTable())[axis], rows = shapeOf(table)[axis];
  auto indexType = llvm::cast<RankedTensorType>(indices.getType());
  int64_t rank = indexType.getRank();
  Value ids = localIds(b, loc, grid, vocab, axes);
  if (indexType.getElementType() != b.getI32Type())
    ids = CastOp::create(b, loc, RankedTensorType::get({rows}, indexType.getElementType()), ids);
  Value first = SliceOp::create(b, loc, ids, b.getDenseI64ArrayAttr({0}),
                                b.getDenseI64ArrayAttr({1}), b.getDenseI64ArrayAttr({1}));
  Value offset = BroadcastOp::create(b, loc, indexType, first, ArrayRef<int64_t>{rank - 1});
  Value zero = splat(b, loc, indexType, 0);
  Value clamped = MaxOp::create(
      b, loc, MinOp::create(b, loc, indices, splat(b, loc, indexType, vocab - 1)), zero);
  Value local = SubOp::create(b, loc, clamped, offset);
  Value lookedUp = GatherOp::create(b, loc, table, local, op.getAxisAttr());
  auto resultType = llvm::cast<RankedTensorType>(lookedUp.getType());
  auto maskType = resultType.clone(b.getI1Type());
  SmallVector<int64_t> indexDims = llvm::to_vector(llvm::seq<int64_t>(axis, axis + rank));
  Value zeros = splat(b, loc, resultType, 0);
  for (auto [bound, predicate] :
       {std::pair{zero, ComparePredicate::ge},
        std::pair{splat(b, loc, indexType, rows), ComparePredicate::lt}}) {
    Value inRange = CompareOp::create(b, loc, local, bound, predicate);
    Value mask = BroadcastOp::create(b, loc, maskType, inRange, indexDims);
    lookedUp = SelectOp::create(b, loc, mask, lookedUp, zeros);
  }
  return AllReduceOp::create(b, loc, lookedUp, grid.getSymName(), axes, ReductionKind::Sum);
}

/// The ShardingInterface of an op described by a LoopSpec.
template <typename Op>
struct LoopShardingModel : public ShardingInterface::ExternalModel<LoopShardingModel<Op>, Op> {
  SmallVector<IteratorType> getLoopIteratorTypes(Operation *op) const { return loopSpec(op).types; }
  SmallVector<AffineMap> getIndexingMaps(Operation *op) const { return loopSpec(op).maps; }

  FailureOr<ShardingOption> getShardingOption(Operation *op, ArrayRef<Sharding> operands,
                                              ArrayRef<Sharding> results) const {
    FailureOr<ShardingOption> option =
        shard::detail::defaultGetShardingOption(op, operands, results);
    if (failed(option))
      return failure();
    return restrictOption(op, loopSpec(op), *option, operands, results);
  }

  LogicalResult partition(Operation *op, ArrayRef<Value> partitionedOperands,
                          ArrayRef<Sharding> operandShardings, ArrayRef<Sharding> resultShardings,
                          IRMapping &partitionMap, SymbolTableCollection &symbolTable,
                          OpBuilder &builder) const {
    LoopSpec spec = loopSpec(op);
    FailureOr<ShardingArray> loops = loopAxes(op, spec, operandShardings, resultShardings);
    if (failed(loops))
      return failure();
    SmallVector<GridAxis> reduced = getReductionGridAxes(spec.types, *loops);
    if constexpr (std::is_same_v<Op, GatherOp>) {
      if (!reduced.empty()) {
        GridOp grid = gridOf(op, resultShardings[0].getGridAttr());
        if (!grid)
          return op->emitOpError() << "cannot be partitioned: no mesh grid";
        partitionMap.map(op->getResult(0),
                         partitionVocabGather(llvm::cast<GatherOp>(op), partitionedOperands,
                                              reduced, grid, builder));
        return success();
      }
    }
    partitionTriviallyShardableOperation(*op, partitionedOperands, operandShardings,
                                         resultShardings, partitionMap, symbolTable, builder);
    if (reduced.empty())
      return success();
    // Row parallel: each rank holds a partial sum of the whole result.
    for (OpResult result : op->getResults()) {
      Value partial = partitionMap.lookup(result);
      auto sum = AllReduceOp::create(builder, op->getLoc(), partial,
                                     resultShardings[result.getResultNumber()].getGrid(), reduced,
                                     ReductionKind::Sum);
      partitionMap.map(result, sum.getResult());
    }
    return success();
  }
};

//===----------------------------------------------------------------------===//
// dsc.reshape
//===----------------------------------------------------------------------===//

/// The reshape's dim groups: operand dims [inBegin, inEnd) hold the same elements as result
/// dims [outBegin, outEnd). Splitting the first dim of a group splits the group's flattened
/// elements into contiguous blocks, on both sides: that is the only split a reshape keeps.
struct DimGroup {
  int64_t inBegin, inEnd, outBegin, outEnd;
};

SmallVector<DimGroup> dimGroups(ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
  SmallVector<DimGroup> groups;
  size_t i = 0, j = 0;
  while (i < in.size() && j < out.size()) {
    DimGroup g{int64_t(i), 0, int64_t(j), 0};
    int64_t a = in[i++], b = out[j++];
    while (a != b) {
      if (a < b && i < in.size())
        a *= in[i++];
      else if (b < a && j < out.size())
        b *= out[j++];
      else
        break;
    }
    g.inEnd = i;
    g.outEnd = j;
    groups.push_back(g);
  }
  if (!groups.empty()) {
    groups.back().inEnd = in.size();
    groups.back().outEnd = out.size();
  }
  return groups;
}

/// Maps the split axes of one side of a reshape to the other: only a group's first dim
/// carries its split over, and only when it divides there too.
SmallVector<SmallVector<GridAxis>> mapReshapeSplit(ArrayRef<int64_t> from, ArrayRef<int64_t> to,
                                                   ArrayRef<SmallVector<GridAxis>> split,
                                                   GridOp grid, bool fromIsOperand) {
  SmallVector<SmallVector<GridAxis>> result(to.size());
  ArrayRef<int64_t> in = fromIsOperand ? from : to, out = fromIsOperand ? to : from;
  for (const DimGroup &g : dimGroups(in, out)) {
    int64_t fromDim = fromIsOperand ? g.inBegin : g.outBegin;
    int64_t toDim = fromIsOperand ? g.outBegin : g.inBegin;
    if (fromDim >= static_cast<int64_t>(split.size()) || split[fromDim].empty() ||
        toDim >= static_cast<int64_t>(to.size()))
      continue;
    int64_t parts = 1;
    for (GridAxis axis : split[fromDim])
      parts *= grid.getShape()[axis];
    if (to[toDim] % parts == 0 && from[fromDim] % parts == 0)
      result[toDim] = split[fromDim];
  }
  removeTrailingEmptySubArray(result);
  return result;
}

SmallVector<SmallVector<GridAxis>> splitAxesOf(const Sharding &s) {
  SmallVector<SmallVector<GridAxis>> axes;
  for (GridAxesAttr a : s.getSplitAxes())
    axes.push_back(llvm::to_vector(a.asArrayRef()));
  return axes;
}

Sharding makeSharding(MLIRContext *ctx, FlatSymbolRefAttr grid,
                      ArrayRef<SmallVector<GridAxis>> split) {
  SmallVector<GridAxesAttr> attrs;
  for (const SmallVector<GridAxis> &axes : split)
    attrs.push_back(GridAxesAttr::get(ctx, axes));
  return Sharding::get(grid, attrs);
}

/// Loops are the result's dims; the operand's sharding follows through the dim groups.
struct ReshapeShardingModel
    : public ShardingInterface::ExternalModel<ReshapeShardingModel, ReshapeOp> {
  SmallVector<IteratorType> getLoopIteratorTypes(Operation *op) const {
    return SmallVector<IteratorType>(rankOf(op->getResult(0)), IteratorType::parallel);
  }

  FailureOr<ShardingOption> getShardingOption(Operation *op, ArrayRef<Sharding> operands,
                                              ArrayRef<Sharding> results) const {
    FlatSymbolRefAttr gridName = anyGrid(operands, results);
    GridOp grid = gridOf(op, gridName);
    if (!grid)
      return ShardingOption::makeEmpty();
    ShardingOption option;
    option.grid = gridName;
    ArrayRef<int64_t> in = shapeOf(op->getOperand(0)), out = shapeOf(op->getResult(0));
    if (results[0])
      option.shardingArray = mapReshapeSplit(
          in, out, mapReshapeSplit(out, in, splitAxesOf(results[0]), grid, false), grid, true);
    else if (operands[0])
      option.shardingArray = mapReshapeSplit(in, out, splitAxesOf(operands[0]), grid, true);
    return option;
  }

  FailureOr<std::vector<Sharding>> getShardingAnnotations(Operation *op,
                                                          const ShardingOption &option) const {
    GridOp grid = gridOf(op, option.grid);
    if (!grid)
      return failure();
    ArrayRef<int64_t> in = shapeOf(op->getOperand(0)), out = shapeOf(op->getResult(0));
    MLIRContext *ctx = op->getContext();
    return std::vector<Sharding>{
        makeSharding(ctx, option.grid, mapReshapeSplit(out, in, option.shardingArray, grid, false)),
        makeSharding(ctx, option.grid, option.shardingArray)};
  }

  LogicalResult addShardingAnnotations(Operation *op, OpBuilder &b,
                                       const ShardingOption &option) const {
    FailureOr<std::vector<Sharding>> shardings = getShardingAnnotations(op, option);
    if (failed(shardings))
      return failure();
    maybeInsertTargetShardingAnnotation((*shardings)[1], op->getResult(0), b);
    OpBuilder::InsertionGuard guard(b);
    maybeInsertSourceShardingAnnotation((*shardings)[0], op->getOpOperand(0), b);
    return success();
  }

  LogicalResult partition(Operation *op, ArrayRef<Value> partitionedOperands,
                          ArrayRef<Sharding> operandShardings, ArrayRef<Sharding> resultShardings,
                          IRMapping &partitionMap, SymbolTableCollection &symbolTable,
                          OpBuilder &builder) const {
    GridOp grid = gridOf(op, resultShardings[0].getGridAttr());
    SmallVector<SmallVector<GridAxis>> expected =
        grid ? mapReshapeSplit(shapeOf(op->getResult(0)), shapeOf(op->getOperand(0)),
                               splitAxesOf(resultShardings[0]), grid, false)
             : SmallVector<SmallVector<GridAxis>>();
    SmallVector<SmallVector<GridAxis>> actual = splitAxesOf(operandShardings[0]);
    auto trim = [](SmallVector<SmallVector<GridAxis>> &axes) {
      while (!axes.empty() && axes.back().empty())
        axes.pop_back();
    };
    trim(actual);
    trim(expected);
    if (!grid || actual != expected)
      return op->emitOpError() << "cannot be partitioned: its operand's sharding does not map "
                                  "to its result's";
    partitionTriviallyShardableOperation(*op, partitionedOperands, operandShardings,
                                         resultShardings, partitionMap, symbolTable, builder);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Expert parallelism: moe_dispatch and moe_combine
//===----------------------------------------------------------------------===//

/// The two splits an MoE op cares about: its tokens (dim 0 of x, indices, weights and the
/// combined result) and its experts (dim 0 of the buffer). Tokens and experts may use the
/// same mesh axis (tokens split over `ep` too: all_to_all) or different ones.
struct MoeSplit {
  SmallVector<GridAxis> tokens, experts;
};

int64_t partsOf(GridOp grid, ArrayRef<GridAxis> axes) {
  int64_t parts = 1;
  for (GridAxis axis : axes)
    parts *= grid.getShape()[axis];
  return parts;
}

/// Whether every expert axis splits the tokens too (all_to_all) or none does (the tokens
/// are the same on the expert group's ranks).
bool isSupported(const MoeSplit &split) {
  auto inTokens = [&](GridAxis a) { return llvm::is_contained(split.tokens, a); };
  return llvm::all_of(split.experts, inTokens) || llvm::none_of(split.experts, inTokens);
}

/// The split an MoE op takes from its annotated neighbours: experts from the buffer, tokens
/// from the first token-indexed value that has one. Splits that do not divide are dropped.
MoeSplit moeSplitOf(Operation *op, Value buffer, const Sharding &bufferSharding,
                    ArrayRef<std::pair<Value, Sharding>> tokenValues, GridOp grid) {
  MoeSplit split;
  if (bufferSharding)
    split.experts = axesOfDim(bufferSharding, 0);
  for (auto [value, sharding] : tokenValues)
    if (sharding && !axesOfDim(sharding, 0).empty()) {
      split.tokens = axesOfDim(sharding, 0);
      break;
    }
  if (shapeOf(buffer)[0] % partsOf(grid, split.experts) != 0)
    split.experts.clear();
  if (shapeOf(tokenValues.front().first)[0] % partsOf(grid, split.tokens) != 0)
    split.tokens.clear();
  if (!isSupported(split))
    split.experts.clear();
  return split;
}

Sharding splitDim0(MLIRContext *ctx, FlatSymbolRefAttr grid, ArrayRef<GridAxis> axes) {
  return makeSharding(ctx, grid, {SmallVector<GridAxis>(axes)});
}

/// `v` gathered along dim 0 over `axes`.
Value gatherDim0(OpBuilder &b, Location loc, GridOp grid, Value v, ArrayRef<GridAxis> axes) {
  if (axes.empty())
    return v;
  auto type = llvm::cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[0] *= partsOf(grid, axes);
  return AllGatherOp::create(b, loc, type.clone(shape), grid.getSymName(), axes, v, APInt(64, 0));
}

/// The partition rules of dispatch and combine check the shardings propagation left.
LogicalResult checkMoeShardings(Operation *op, ArrayRef<Sharding> shardings, ArrayRef<Value> values,
                                ArrayRef<bool> isBuffer, const MoeSplit &split) {
  for (auto [sharding, value, buffer] : llvm::zip_equal(shardings, values, isBuffer)) {
    SmallVector<SmallVector<GridAxis>> axes =
        sharding ? splitAxesOf(sharding) : SmallVector<SmallVector<GridAxis>>();
    while (!axes.empty() && axes.back().empty())
      axes.pop_back();
    SmallVector<GridAxis> expected = buffer ? split.experts : split.tokens;
    SmallVector<SmallVector<GridAxis>> want;
    if (!expected.empty())
      want.push_back(expected);
    if (axes != want)
      return op->emitOpError() << "cannot be partitioned: expert parallelism splits only the "
                                  "tokens and the experts (dim 0), alike for all operands";
  }
  if (!isSupported(split))
    return op->emitOpError() << "cannot be partitioned: the expert axes must all split the "
                                "tokens too, or none of them";
  return success();
}

/// What a rank needs to place its rows in the whole batch's routing: the batch's indices, the
/// ids of the tokens it handles (its expert group's when `toGroup`) and of its experts.
struct MoeLocal {
  Value indices, tokenIds, expertIds;
  bool toGroup;
};

MoeLocal localRouting(OpBuilder &b, Location loc, GridOp grid, Value localIndices, int64_t tokens,
                      int64_t experts, const MoeSplit &split) {
  MoeLocal local;
  local.indices = gatherDim0(b, loc, grid, localIndices, split.tokens);
  local.tokenIds = localIds(b, loc, grid, tokens, split.tokens);
  local.expertIds = localIds(b, loc, grid, experts, split.experts);
  local.toGroup = !split.experts.empty() && llvm::is_contained(split.tokens, split.experts.front());
  if (local.toGroup)
    local.tokenIds = gatherDim0(b, loc, grid, local.tokenIds, split.experts);
  return local;
}

/// Shared by dispatch and combine: the propagation half.
template <typename Derived, typename Op>
struct MoeShardingModelBase : public ShardingInterface::ExternalModel<Derived, Op> {
  SmallVector<IteratorType> getLoopIteratorTypes(Operation *) const {
    return SmallVector<IteratorType>(2, IteratorType::parallel);
  }

  FailureOr<ShardingOption> getShardingOption(Operation *op, ArrayRef<Sharding> operands,
                                              ArrayRef<Sharding> results) const {
    FlatSymbolRefAttr gridName = anyGrid(operands, results);
    GridOp grid = gridOf(op, gridName);
    if (!grid)
      return ShardingOption::makeEmpty();
    MoeSplit split = Derived::splitOf(op, operands, results, grid);
    ShardingOption option;
    option.grid = gridName;
    option.shardingArray = {split.experts, split.tokens};
    return option;
  }

  FailureOr<std::vector<Sharding>> getShardingAnnotations(Operation *op,
                                                          const ShardingOption &option) const {
    MoeSplit split;
    if (option.shardingArray.size() > 0)
      split.experts = option.shardingArray[0];
    if (option.shardingArray.size() > 1)
      split.tokens = option.shardingArray[1];
    std::vector<Sharding> shardings;
    for (bool buffer : Derived::bufferFlags()) {
      ArrayRef<GridAxis> axes = buffer ? split.experts : split.tokens;
      shardings.push_back(splitDim0(op->getContext(), option.grid, axes));
    }
    return shardings;
  }

  /// The grid, after checking the shardings that propagation left against `split`.
  static FailureOr<GridOp> checkedGrid(Operation *op, ArrayRef<Sharding> operandShardings,
                                       ArrayRef<Sharding> resultShardings, const MoeSplit &split) {
    GridOp grid = gridOf(op, resultShardings[0].getGridAttr());
    std::vector<Sharding> shardings(operandShardings.begin(), operandShardings.end());
    shardings.insert(shardings.end(), resultShardings.begin(), resultShardings.end());
    SmallVector<Value> values(op->getOperands());
    values.append(op->result_begin(), op->result_end());
    if (!grid)
      return op->emitOpError() << "cannot be partitioned: no mesh grid";
    if (failed(checkMoeShardings(op, shardings, values, Derived::bufferFlags(), split)))
      return failure();
    return grid;
  }

  LogicalResult addShardingAnnotations(Operation *op, OpBuilder &b,
                                       const ShardingOption &option) const {
    FailureOr<std::vector<Sharding>> shardings = getShardingAnnotations(op, option);
    if (failed(shardings))
      return failure();
    unsigned operands = op->getNumOperands();
    maybeInsertTargetShardingAnnotation((*shardings)[operands], op->getResult(0), b);
    for (unsigned i = 0; i < operands; ++i) {
      OpBuilder::InsertionGuard guard(b);
      maybeInsertSourceShardingAnnotation((*shardings)[i], op->getOpOperand(i), b);
    }
    return success();
  }
};

/// moe_dispatch: x[N, D], indices[N, k] -> buffer[E, C, D]. Each rank gathers the indices of
/// the whole batch (small) so that every choice gets the unsharded op's slot and drop, gathers
/// the tokens of its expert group (the ranks that split the tokens over the expert axes) and
/// fills its experts' rows from them with moe_dispatch_local.
struct MoeDispatchShardingModel
    : public MoeShardingModelBase<MoeDispatchShardingModel, MoeDispatchOp> {
  static SmallVector<bool> bufferFlags() { return {false, false, true}; }

  static MoeSplit splitOf(Operation *op, ArrayRef<Sharding> operands, ArrayRef<Sharding> results,
                          GridOp grid) {
    return moeSplitOf(op, op->getResult(0), results[0],
                      {{op->getOperand(0), operands[0]}, {op->getOperand(1), operands[1]}}, grid);
  }

  LogicalResult partition(Operation *op, ArrayRef<Value> partitioned,
                          ArrayRef<Sharding> operandShardings, ArrayRef<Sharding> resultShardings,
                          IRMapping &partitionMap, SymbolTableCollection &, OpBuilder &b) const {
    auto dispatch = llvm::cast<MoeDispatchOp>(op);
    MoeSplit split{axesOfDim(operandShardings[0], 0), axesOfDim(resultShardings[0], 0)};
    FailureOr<GridOp> grid = checkedGrid(op, operandShardings, resultShardings, split);
    if (failed(grid))
      return failure();
    Location loc = op->getLoc();
    MoeLocal routing =
        localRouting(b, loc, *grid, partitioned[1], shapeOf(dispatch.getIndices())[0],
                     static_cast<int64_t>(dispatch.getNumExperts()), split);
    // The expert group's tokens, from every rank of it.
    Value x =
        routing.toGroup ? gatherDim0(b, loc, *grid, partitioned[0], split.experts) : partitioned[0];
    auto local =
        MoeDispatchLocalOp::create(b, loc, x, routing.indices, routing.tokenIds, routing.expertIds,
                                   dispatch.getNumExpertsAttr(), dispatch.getCapacityAttr());
    partitionMap.map(op->getResult(0), local.getResult());
    return success();
  }
};

/// moe_combine: buffer[E, C, D], indices[N, k], weights[N, k] -> [N, D]. Each rank combines,
/// in f32, what its experts contribute to every token of its expert group; all_to_all sends
/// each token's part to the rank that holds the token, which adds the parts up (all_reduce
/// when the expert group's ranks hold the same tokens).
struct MoeCombineShardingModel
    : public MoeShardingModelBase<MoeCombineShardingModel, MoeCombineOp> {
  static SmallVector<bool> bufferFlags() { return {true, false, false, false}; }

  static MoeSplit splitOf(Operation *op, ArrayRef<Sharding> operands, ArrayRef<Sharding> results,
                          GridOp grid) {
    return moeSplitOf(op, op->getOperand(0), operands[0],
                      {{op->getOperand(1), operands[1]},
                       {op->getOperand(2), operands[2]},
                       {op->getResult(0), results[0]}},
                      grid);
  }

  LogicalResult partition(Operation *op, ArrayRef<Value> partitioned,
                          ArrayRef<Sharding> operandShardings, ArrayRef<Sharding> resultShardings,
                          IRMapping &partitionMap, SymbolTableCollection &, OpBuilder &b) const {
    auto combine = llvm::cast<MoeCombineOp>(op);
    MoeSplit split{axesOfDim(operandShardings[1], 0), axesOfDim(operandShardings[0], 0)};
    FailureOr<GridOp> grid = checkedGrid(op, operandShardings, resultShardings, split);
    if (failed(grid))
      return failure();
    Location loc = op->getLoc();
    int64_t experts = shapeOf(combine.getBuffer())[0];
    MoeLocal routing = localRouting(b, loc, *grid, partitioned[1], shapeOf(combine.getIndices())[0],
                                    experts, split);
    Value weights =
        routing.toGroup ? gatherDim0(b, loc, *grid, partitioned[2], split.experts) : partitioned[2];
    auto bufferType = llvm::cast<RankedTensorType>(partitioned[0].getType());
    auto f32 = b.getF32Type();
    Value buffer = partitioned[0];
    if (bufferType.getElementType() != f32)
      buffer = CastOp::create(b, loc, bufferType.clone(f32), buffer);
    Value sum =
        MoeCombineLocalOp::create(b, loc, buffer, routing.indices, weights, routing.tokenIds,
                                  routing.expertIds, b.getI64IntegerAttr(experts));
    auto partType = llvm::cast<RankedTensorType>(sum.getType());
    if (routing.toGroup) {
      // Row block s of the parts goes to rank s of the group; the blocks that come back are
      // every expert rank's part of this rank's tokens.
      int64_t parts = partsOf(*grid, split.experts);
      Value back = AllToAllOp::create(b, loc, partType, grid->getSymName(), split.experts, sum,
                                      APInt(64, 0), APInt(64, 0));
      int64_t rows = partType.getDimSize(0) / parts, d = partType.getDimSize(1);
      Value blocks = ReshapeOp::create(b, loc, RankedTensorType::get({parts, rows, d}, f32), back);
      sum = ReduceSumOp::create(b, loc, RankedTensorType::get({rows, d}, f32), blocks,
                                b.getDenseI64ArrayAttr({0}), b.getBoolAttr(false));
    } else if (!split.experts.empty()) {
      sum = AllReduceOp::create(b, loc, sum, grid->getSymName(), split.experts, ReductionKind::Sum);
    }
    auto resultType =
        llvm::cast<RankedTensorType>(sum.getType()).clone(bufferType.getElementType());
    if (resultType != sum.getType())
      sum = CastOp::create(b, loc, resultType, sum);
    partitionMap.map(op->getResult(0), sum);
    return success();
  }
};

template <typename... Ops> void attachLoopModels(MLIRContext *ctx) {
  (Ops::template attachInterface<LoopShardingModel<Ops>>(*ctx), ...);
}

} // namespace

void attachShardingModels(MLIRContext *ctx) {
  attachLoopModels<ParamOp, ConstantOp, IotaOp, NegOp, AbsOp, ReluOp, ExpOp, LogOp, SqrtOp, RsqrtOp,
                   TanhOp, SigmoidOp, SiluOp, GeluOp, PowOp, AddOp, SubOp, MulOp, DivOp, MaxOp,
                   MinOp, CompareOp, SelectOp, CastOp, BroadcastOp, TransposeOp, SliceOp, ConcatOp,
                   SplitOp, GatherOp, ReduceSumOp, ReduceMaxOp, ReduceMeanOp, SoftmaxOp, RmsNormOp,
                   LayerNormOp, MatmulOp, RopeOp, AttentionOp, RouterTopkOp>(ctx);
  ReshapeOp::attachInterface<ReshapeShardingModel>(*ctx);
  MoeDispatchOp::attachInterface<MoeDispatchShardingModel>(*ctx);
  MoeCombineOp::attachInterface<MoeCombineShardingModel>(*ctx);
}

} // namespace dsc
