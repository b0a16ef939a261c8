//===- DscModelOps.cpp - norms, matmul, attention and MoE ops -------------===//
//
// Type inference and verifiers for the ops that carry a model's arithmetic: the norms,
// matmul, rope, attention and the DeepSeek-V3 MoE ops (router, dispatch, combine).
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/OpChecks.h"

using namespace mlir;
using namespace dsc;
using dsc::detail::shapeString;
using dsc::detail::staticTensor;

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

/// `param` must be [D] where D is the last dimension of `x`.
static LogicalResult verifyNormParam(Operation *op, RankedTensorType x, Value param,
                                     StringRef name) {
  auto t = llvm::cast<RankedTensorType>(param.getType());
  int64_t d = x.getDimSize(x.getRank() - 1);
  if (t.getRank() != 1 || t.getDimSize(0) != d)
    return op->emitOpError() << name << " must have shape [" << d
                             << "] (the last dimension of x), got "
                             << shapeString(t.getShape());
  return success();
}

LogicalResult RmsNormOp::verify() {
  if (getX().getType().getRank() == 0)
    return emitOpError("x must have rank at least 1");
  if (!(getEps().convertToFloat() >= 0.0f))
    return emitOpError("eps must be >= 0");
  return verifyNormParam(*this, getX().getType(), getWeight(), "weight");
}

LogicalResult LayerNormOp::verify() {
  if (getX().getType().getRank() == 0)
    return emitOpError("x must have rank at least 1");
  if (!(getEps().convertToFloat() >= 0.0f))
    return emitOpError("eps must be >= 0");
  if (failed(verifyNormParam(*this, getX().getType(), getWeight(), "weight")))
    return failure();
  if (getBias() && failed(verifyNormParam(*this, getX().getType(), getBias(), "bias")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto a = staticTensor(loc, adaptor.getA(), "a");
  auto b = staticTensor(loc, adaptor.getB(), "b");
  if (failed(a) || failed(b))
    return failure();
  if (a->getRank() < 2 || b->getRank() < 2)
    return emitOptionalError(loc, "operands need rank >= 2, got ", shapeString(a->getShape()),
                             " and ", shapeString(b->getShape()));
  Type ea = a->getElementType(), eb = b->getElementType();
  if (ea != eb && !(detail::isFp8(ea) && detail::isFp8(eb)))
    return emitOptionalError(loc, "operand element types differ: ", ea, " and ", eb);
  ArrayRef<int64_t> sa = a->getShape(), sb = b->getShape();
  ArrayRef<int64_t> batchA = sa.drop_back(2), batchB = sb.drop_back(2);
  if (!batchB.empty() && batchA != batchB)
    return emitOptionalError(loc, "b's batch dimensions ", shapeString(batchB),
                             " must equal a's ", shapeString(batchA),
                             " (or b must be a rank-2 matrix)");
  int64_t rowsA = sa[sa.size() - 2], colsA = sa.back();
  int64_t rowsB = sb[sb.size() - 2], colsB = sb.back();
  bool transA = detail::flagOrDefault(adaptor.getTransposeAAttr(), false);
  bool transB = detail::flagOrDefault(adaptor.getTransposeBAttr(), false);
  int64_t m = transA ? colsA : rowsA;
  int64_t kA = transA ? rowsA : colsA;
  int64_t kB = transB ? colsB : rowsB;
  int64_t n = transB ? rowsB : colsB;
  if (kA != kB)
    return emitOptionalError(loc, "contraction sizes differ: a ", shapeString(sa), " gives K=",
                             kA, ", b ", shapeString(sb), " gives K=", kB);
  Type out = ea;
  if (auto outType = adaptor.getOutTypeAttr()) {
    out = outType.getValue();
    if (!llvm::isa<FloatType, IntegerType>(out))
      return emitOptionalError(loc, "out_type must be an element type, got ", out);
    if (llvm::isa<FloatType>(out) != llvm::isa<FloatType>(ea))
      return emitOptionalError(loc, "out_type ", out, " mixes integer and float with ", ea);
  }
  SmallVector<int64_t> shape(batchA);
  shape.push_back(m);
  shape.push_back(n);
  types.push_back(RankedTensorType::get(shape, out));
  return success();
}

LogicalResult MatmulOp::verify() {
  Value addend = getAddend();
  if (!addend)
    return success();
  if (addend.getType() != getResult().getType())
    return emitOpError("addend must have the result's type ")
           << getResult().getType() << ", got " << addend.getType();
  if (!isa<FloatType>(getResult().getType().getElementType()))
    return emitOpError("an addend needs a floating-point result");
  return success();
}

//===----------------------------------------------------------------------===//
// Rope and attention
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  RankedTensorType x = getX().getType();
  auto pos = getPositions().getType();
  if (x.getRank() < 3)
    return emitOpError("x must be [..., T, H, Dh], got ") << shapeString(x.getShape());
  int64_t dh = x.getDimSize(x.getRank() - 1), t = x.getDimSize(x.getRank() - 3);
  if (dh % 2 != 0)
    return emitOpError("head dimension ") << dh << " must be even";
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError("theta must be > 0");
  if (pos.getRank() == 1 && pos.getDimSize(0) == t)
    return success();
  if (pos.getRank() == 2 && x.getRank() == 4 && pos.getDimSize(0) == x.getDimSize(0) &&
      pos.getDimSize(1) == t)
    return success();
  return emitOpError("positions must be [") << t << "] or [B, " << t << "] for x "
                                            << shapeString(x.getShape()) << ", got "
                                            << shapeString(pos.getShape());
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto q = staticTensor(loc, adaptor.getQ(), "q");
  auto k = staticTensor(loc, adaptor.getK(), "k");
  auto v = staticTensor(loc, adaptor.getV(), "v");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  if (q->getRank() != 4 || k->getRank() != 4 || v->getRank() != 4)
    return emitOptionalError(loc, "q, k and v must be [B, T, H, D]; got ",
                             shapeString(q->getShape()), ", ", shapeString(k->getShape()), ", ",
                             shapeString(v->getShape()));
  if (q->getElementType() != k->getElementType() || q->getElementType() != v->getElementType())
    return emitOptionalError(loc, "q, k and v must share an element type");
  ArrayRef<int64_t> sq = q->getShape(), sk = k->getShape(), sv = v->getShape();
  if (sq[0] != sk[0] || sq[0] != sv[0])
    return emitOptionalError(loc, "batch sizes differ: q ", sq[0], ", k ", sk[0], ", v ", sv[0]);
  if (sk[1] != sv[1] || sk[2] != sv[2])
    return emitOptionalError(loc, "k ", shapeString(sk), " and v ", shapeString(sv),
                             " must agree in key length and heads");
  if (sq[3] != sk[3])
    return emitOptionalError(loc, "q head size ", sq[3], " differs from k head size ", sk[3]);
  if (sk[2] == 0 ? sq[2] != 0 : sq[2] % sk[2] != 0)
    return emitOptionalError(loc, "query heads (", sq[2],
                             ") must be a multiple of key/value heads (", sk[2], ")");
  if (auto scale = adaptor.getScaleAttr(); scale && !(scale.getValueAsDouble() > 0.0))
    return emitOptionalError(loc, "scale must be > 0");
  types.push_back(RankedTensorType::get({sq[0], sq[1], sq[2], sv[3]}, q->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

LogicalResult RouterTopkOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto logits = staticTensor(loc, adaptor.getLogits(), "logits");
  if (failed(logits))
    return failure();
  if (logits->getRank() != 2)
    return emitOptionalError(loc, "logits must be [N, E], got ",
                             shapeString(logits->getShape()));
  int64_t n = logits->getDimSize(0), e = logits->getDimSize(1);
  if (Value biasValue = adaptor.getBias()) {
    auto bias = staticTensor(loc, biasValue, "bias");
    if (failed(bias))
      return failure();
    if (bias->getRank() != 1 || bias->getDimSize(0) != e)
      return emitOptionalError(loc, "bias must be [", e, "], got ",
                               shapeString(bias->getShape()));
  }
  int64_t k = adaptor.getK();
  int64_t groups = detail::intOrDefault(adaptor.getNGroupsAttr(), 1);
  int64_t kGroups = detail::intOrDefault(adaptor.getTopkGroupsAttr(), 1);
  if (groups < 1 || e % groups != 0)
    return emitOptionalError(loc, "n_groups (", groups, ") must divide the ", e, " experts");
  if (kGroups < 1 || kGroups > groups)
    return emitOptionalError(loc, "topk_groups (", kGroups, ") must be in 1..n_groups (",
                             groups, ")");
  int64_t eligible = kGroups * (e / groups);
  if (k < 1 || k > eligible)
    return emitOptionalError(loc, "k (", k, ") must be in 1..", eligible,
                             " (the experts in the top ", kGroups, " groups)");
  types.push_back(RankedTensorType::get({n, k}, Float32Type::get(ctx)));
  types.push_back(RankedTensorType::get({n, k}, IntegerType::get(ctx, 32)));
  return success();
}

LogicalResult MoeDispatchOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto x = staticTensor(loc, adaptor.getX(), "x");
  auto idx = staticTensor(loc, adaptor.getIndices(), "indices");
  if (failed(x) || failed(idx))
    return failure();
  if (x->getRank() != 2 || idx->getRank() != 2 || idx->getDimSize(0) != x->getDimSize(0))
    return emitOptionalError(loc, "x must be [N, D] and indices [N, k]; got ",
                             shapeString(x->getShape()), " and ", shapeString(idx->getShape()));
  // I64Attr's accessors are unsigned; a negative value must not pass the check.
  int64_t experts = adaptor.getNumExperts(), capacity = adaptor.getCapacity();
  if (experts < 1 || capacity < 1)
    return emitOptionalError(loc, "num_experts and capacity must be >= 1");
  types.push_back(
      RankedTensorType::get({experts, capacity, x->getDimSize(1)}, x->getElementType()));
  return success();
}

LogicalResult MoeCombineOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto buffer = staticTensor(loc, adaptor.getBuffer(), "buffer");
  auto idx = staticTensor(loc, adaptor.getIndices(), "indices");
  auto weights = staticTensor(loc, adaptor.getWeights(), "weights");
  if (failed(buffer) || failed(idx) || failed(weights))
    return failure();
  if (buffer->getRank() != 3)
    return emitOptionalError(loc, "buffer must be [E, C, D], got ",
                             shapeString(buffer->getShape()));
  if (idx->getRank() != 2 || weights->getShape() != idx->getShape())
    return emitOptionalError(loc, "indices and weights must both be [N, k]; got ",
                             shapeString(idx->getShape()), " and ",
                             shapeString(weights->getShape()));
  types.push_back(RankedTensorType::get({idx->getDimSize(0), buffer->getDimSize(2)},
                                        buffer->getElementType()));
  return success();
}

LogicalResult MoeDispatchLocalOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                   Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto x = staticTensor(loc, adaptor.getX(), "x");
  auto idx = staticTensor(loc, adaptor.getIndices(), "indices");
  auto ids = staticTensor(loc, adaptor.getTokenIds(), "token_ids");
  auto experts = staticTensor(loc, adaptor.getExperts(), "experts");
  if (failed(x) || failed(idx) || failed(ids) || failed(experts))
    return failure();
  if (x->getRank() != 2 || idx->getRank() != 2 || ids->getRank() != 1 || experts->getRank() != 1 ||
      ids->getDimSize(0) != x->getDimSize(0))
    return emitOptionalError(loc,
                             "x must be [n, D], indices [N, k], token_ids [n] and experts "
                             "[e]; got ",
                             shapeString(x->getShape()), ", ", shapeString(idx->getShape()), ", ",
                             shapeString(ids->getShape()), " and ",
                             shapeString(experts->getShape()));
  int64_t numExperts = adaptor.getNumExperts(), capacity = adaptor.getCapacity();
  if (numExperts < 1 || capacity < 1)
    return emitOptionalError(loc, "num_experts and capacity must be >= 1");
  types.push_back(RankedTensorType::get({experts->getDimSize(0), capacity, x->getDimSize(1)},
                                        x->getElementType()));
  return success();
}

LogicalResult MoeCombineLocalOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto buffer = staticTensor(loc, adaptor.getBuffer(), "buffer");
  auto idx = staticTensor(loc, adaptor.getIndices(), "indices");
  auto weights = staticTensor(loc, adaptor.getWeights(), "weights");
  auto ids = staticTensor(loc, adaptor.getTokenIds(), "token_ids");
  auto experts = staticTensor(loc, adaptor.getExperts(), "experts");
  if (failed(buffer) || failed(idx) || failed(weights) || failed(ids) || failed(experts))
    return failure();
  if (buffer->getRank() != 3 || idx->getRank() != 2 || weights->getRank() != 2 ||
      ids->getRank() != 1 || experts->getRank() != 1 ||
      weights->getDimSize(0) != ids->getDimSize(0) ||
      weights->getDimSize(1) != idx->getDimSize(1) ||
      experts->getDimSize(0) != buffer->getDimSize(0))
    return emitOptionalError(loc,
                             "buffer must be [e, C, D], indices [N, k], weights [n, k], "
                             "token_ids [n] and experts [e]; got ",
                             shapeString(buffer->getShape()), ", ", shapeString(idx->getShape()),
                             ", ", shapeString(weights->getShape()), ", ",
                             shapeString(ids->getShape()), " and ",
                             shapeString(experts->getShape()));
  if (static_cast<int64_t>(adaptor.getNumExperts()) < 1)
    return emitOptionalError(loc, "num_experts must be >= 1");
  types.push_back(
      RankedTensorType::get({ids->getDimSize(0), buffer->getDimSize(2)}, buffer->getElementType()));
  return success();
}
