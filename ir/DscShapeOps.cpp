//===- DscShapeOps.cpp - broadcast, shape and reduction ops ---------------===//
//
// Type inference, verifiers and folders for ops that move or reduce elements without
// arithmetic of their own (broadcast, reshape, transpose, slice, concat, split, gather) and for
// the reductions and softmax.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/OpChecks.h"

#include "llvm/ADT/SmallBitVector.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace dsc;
using dsc::detail::normalizeAxis;
using dsc::detail::shapeString;
using dsc::detail::staticTensor;

//===----------------------------------------------------------------------===//
// broadcast, reshape
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  RankedTensorType in = getX().getType(), out = getType();
  ArrayRef<int64_t> dims = getDims();
  if (in.getElementType() != out.getElementType())
    return emitOpError("changes the element type; use dsc.cast");
  if (static_cast<int64_t>(dims.size()) != in.getRank())
    return emitOpError("has ") << dims.size() << " dims for an operand of rank " << in.getRank();
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d < 0 || d >= out.getRank())
      return emitOpError("dims[") << i << "] = " << d << " is out of range for result rank "
                                  << out.getRank();
    if (i > 0 && d <= dims[i - 1])
      return emitOpError("dims must be strictly increasing");
    int64_t inSize = in.getDimSize(i), outSize = out.getDimSize(d);
    if (inSize != 1 && inSize != outSize)
      return emitOpError("operand dimension ")
             << i << " of size " << inSize << " cannot broadcast to result dimension " << d
             << " of size " << outSize;
  }
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  return {};
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType in = getX().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("changes the element type; use dsc.cast");
  // getNumElements wraps silently; 2^62 x 4 elements must not compare equal to 0.
  for (RankedTensorType t : {in, out}) {
    int64_t count = 1;
    if (!llvm::is_contained(t.getShape(), 0) &&
        llvm::any_of(t.getShape(), [&](int64_t d) { return llvm::MulOverflow(count, d, count); }))
      return emitOpError("element count of ") << shapeString(t.getShape()) << " overflows int64";
  }
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << shapeString(in.getShape()) << " (" << in.getNumElements() << " elements) to "
           << shapeString(out.getShape()) << " (" << out.getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  if (auto inner = getX().getDefiningOp<ReshapeOp>()) {
    getXMutable().assign(inner.getX());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// transpose, slice, concat, split, gather
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = staticTensor(loc, adaptor.getX(), "operand");
  if (failed(in))
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  int64_t rank = in->getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOptionalError(loc, "permutation has ", perm.size(),
                             " entries for an operand of rank ", rank);
  llvm::SmallBitVector seen(rank);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen.test(p))
      return emitOptionalError(loc, "permutation ", shapeString(perm),
                               " is not a permutation of 0..", rank - 1);
    seen.set(p);
    shape.push_back(in->getDimSize(p));
  }
  types.push_back(RankedTensorType::get(shape, in->getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  auto isIdentity = [](ArrayRef<int64_t> p) {
    for (auto [i, v] : llvm::enumerate(p))
      if (v != static_cast<int64_t>(i))
        return false;
    return true;
  };
  if (isIdentity(perm))
    return getX();
  if (auto inner = getX().getDefiningOp<TransposeOp>()) {
    // transpose(transpose(x, p1), p2) == transpose(x, p1[p2[i]]).
    ArrayRef<int64_t> innerPerm = inner.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(innerPerm[p]);
    if (isIdentity(composed))
      return inner.getX();
    getXMutable().assign(inner.getX());
    setPermutation(composed);
    return getResult();
  }
  return {};
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = staticTensor(loc, adaptor.getX(), "operand");
  if (failed(in))
    return failure();
  ArrayRef<int64_t> start = adaptor.getStart(), limit = adaptor.getLimit(),
                    stride = adaptor.getStride();
  size_t rank = in->getRank();
  if (start.size() != rank || limit.size() != rank || stride.size() != rank)
    return emitOptionalError(loc, "start, limit and stride need ", rank,
                             " entries each (the operand rank)");
  SmallVector<int64_t> shape;
  for (size_t i = 0; i < rank; ++i) {
    int64_t size = in->getDimSize(i);
    if (start[i] < 0 || start[i] > limit[i] || limit[i] > size)
      return emitOptionalError(loc, "dimension ", i, ": need 0 <= start (", start[i],
                               ") <= limit (", limit[i], ") <= size (", size, ")");
    if (stride[i] < 1)
      return emitOptionalError(loc, "dimension ", i, ": stride ", stride[i], " must be >= 1");
    int64_t span = limit[i] - start[i]; // Rounded up without overflow for a huge stride.
    shape.push_back(span / stride[i] + (span % stride[i] != 0));
  }
  types.push_back(RankedTensorType::get(shape, in->getElementType()));
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  return {};
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "needs at least one operand");
  auto first = staticTensor(loc, inputs[0], "operand 0");
  if (failed(first))
    return failure();
  auto axis = normalizeAxis(loc, adaptor.getAxis(), first->getRank(), "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first->getShape());
  for (auto [i, v] : llvm::enumerate(inputs.drop_front())) {
    auto t = staticTensor(loc, v, "operand");
    if (failed(t))
      return failure();
    if (t->getElementType() != first->getElementType() || t->getRank() != first->getRank())
      return emitOptionalError(loc, "operand ", i + 1, " has type ", *t,
                               ", incompatible with operand 0 of type ", *first);
    for (int64_t d = 0; d < first->getRank(); ++d) {
      if (d != *axis && t->getDimSize(d) != first->getDimSize(d))
        return emitOptionalError(loc, "operand ", i + 1, " has size ", t->getDimSize(d),
                                 " in dimension ", d, " but operand 0 has ",
                                 first->getDimSize(d));
    }
    if (llvm::AddOverflow(shape[*axis], t->getDimSize(*axis), shape[*axis]))
      return emitOptionalError(loc, "the concatenated size of dimension ", *axis,
                               " overflows int64");
  }
  types.push_back(RankedTensorType::get(shape, first->getElementType()));
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return getInputs()[0];
  return {};
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = staticTensor(loc, adaptor.getX(), "operand");
  if (failed(in))
    return failure();
  if (in->getRank() == 0)
    return emitOptionalError(loc, "cannot split a rank-0 tensor");
  auto axis = normalizeAxis(loc, adaptor.getAxis(), in->getRank(), "axis");
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  if (sizes.empty())
    return emitOptionalError(loc, "needs at least one size");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 1)
      return emitOptionalError(loc, "split sizes must be >= 1, got ", s);
    if (s > in->getDimSize(*axis) - total) // Also keeps the sum from overflowing.
      return emitOptionalError(loc, "split sizes ", shapeString(sizes), " exceed dimension ",
                               *axis, " of size ", in->getDimSize(*axis));
    total += s;
  }
  if (total != in->getDimSize(*axis))
    return emitOptionalError(loc, "split sizes ", shapeString(sizes), " sum to ", total,
                             " but dimension ", *axis, " has size ", in->getDimSize(*axis));
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape(in->getShape());
    shape[*axis] = s;
    types.push_back(RankedTensorType::get(shape, in->getElementType()));
  }
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto table = staticTensor(loc, adaptor.getTable(), "table");
  auto indices = staticTensor(loc, adaptor.getIndices(), "indices");
  if (failed(table) || failed(indices))
    return failure();
  if (table->getRank() == 0)
    return emitOptionalError(loc, "table must have rank at least 1");
  auto axis = normalizeAxis(loc, detail::intOrDefault(adaptor.getAxisAttr(), 0),
                            table->getRank(), "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(table->getShape().take_front(*axis));
  llvm::append_range(shape, indices->getShape());
  llvm::append_range(shape, table->getShape().drop_front(*axis + 1));
  types.push_back(RankedTensorType::get(shape, table->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and softmax
//===----------------------------------------------------------------------===//

static LogicalResult inferReduce(std::optional<Location> loc, Value x, ArrayRef<int64_t> axes,
                                 bool keepdims, SmallVectorImpl<Type> &types) {
  auto in = staticTensor(loc, x, "operand");
  if (failed(in))
    return failure();
  int64_t rank = in->getRank();
  llvm::SmallBitVector reduced(rank);
  for (int64_t a : axes) {
    auto axis = normalizeAxis(loc, a, rank, "axis");
    if (failed(axis))
      return failure();
    if (reduced.test(*axis))
      return emitOptionalError(loc, "axis ", a, " is listed twice");
    reduced.set(*axis);
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced.test(d))
      shape.push_back(in->getDimSize(d));
    else if (keepdims)
      shape.push_back(1);
  }
  types.push_back(RankedTensorType::get(shape, in->getElementType()));
  return success();
}

#define DSC_REDUCE_INFER(OpClass)                                                            \
  LogicalResult OpClass::inferReturnTypes(MLIRContext *, std::optional<Location> loc,        \
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {   \
    return inferReduce(loc, adaptor.getX(), adaptor.getAxes(),                               \
                       detail::flagOrDefault(adaptor.getKeepdimsAttr(), false), types);       \
  }
DSC_REDUCE_INFER(ReduceSumOp)
DSC_REDUCE_INFER(ReduceMaxOp)
DSC_REDUCE_INFER(ReduceMeanOp)
#undef DSC_REDUCE_INFER

LogicalResult SoftmaxOp::verify() {
  auto rank = getType().getRank();
  if (rank == 0)
    return emitOpError("operand must have rank at least 1");
  return normalizeAxis(getLoc(), getAxis(), rank, "axis");
}
