//===- DscFusionOps.cpp - dsc.fusion and dsc.yield ------------------------===//
//
// The verifier of the fusion region: the body is exactly what one generated
// kernel can run (codegen/EmitFused.cpp), so a malformed fusion is reported
// here, at the op, rather than as a failure to generate code far down the
// pipeline.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/OpChecks.h"

using namespace mlir;
using namespace dsc;
using dsc::detail::shapeString;

LogicalResult FusionOp::verify() {
  if (getResults().empty())
    return emitOpError("needs at least one result");
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("body has ")
           << body.getNumArguments() << " arguments for " << getInputs().size() << " operands";
  for (auto [i, arg, input] : llvm::enumerate(body.getArguments(), getInputs()))
    if (arg.getType() != input.getType())
      return emitOpError("body argument #")
             << i << " has type " << arg.getType() << ", operand has " << input.getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end in dsc.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes() << " for results of types "
                                  << getResultTypes();
  return success();
}

bool dsc::isFusibleRowOp(Operation *op) {
  if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
    int64_t rank = softmax.getType().getRank();
    return softmax.getAxis() == -1 || softmax.getAxis() == rank - 1;
  }
  return isa<RmsNormOp, LayerNormOp>(op);
}

namespace {

/// A blockwise dsc.quantize in a body (dsc-fuse-quantize): at most one, of a value the body
/// computes, last in a row-wise body (it reads the row-wise op's result), its results yielded.
LogicalResult verifyBodyQuantize(QuantizeOp quantize, Operation *&seen) {
  if (seen)
    return quantize.emitOpError("is a second quantize in one dsc.fusion; its kernel runs one");
  seen = quantize;
  if (quantize.getRecipe() != "blockwise")
    return quantize.emitOpError("inside dsc.fusion must be blockwise: a per-tensor scale needs "
                                "the whole tensor's amax before the first value");
  if (isa<BlockArgument>(quantize.getX()))
    return quantize.emitOpError("inside dsc.fusion quantizes a value the body computes");
  if (!llvm::all_of(quantize->getUsers(), llvm::IsaPred<YieldOp>))
    return quantize.emitOpError("results are read inside the dsc.fusion; only the yield reads "
                                "them");
  return success();
}

/// Checks one op of the body; `domain` is the shape every computed value has.
LogicalResult verifyBodyOp(Operation &op, ArrayRef<int64_t> domain, Operation *&rowwise,
                           Operation *&quantize) {
  if (auto q = dyn_cast<QuantizeOp>(op)) {
    if (failed(verifyBodyQuantize(q, quantize)))
      return failure();
    if (q.getX().getType().getShape() != domain)
      return op.emitOpError("input of shape ")
             << shapeString(q.getX().getType().getShape())
             << " is not the dsc.fusion's iteration domain " << shapeString(domain);
    return success();
  }
  auto kindOf = dyn_cast<FusionKindOpInterface>(op);
  bool isSplatConstant = false;
  if (auto c = dyn_cast<ConstantOp>(op))
    isSplatConstant = c.getValue().isSplat();
  bool fusible = kindOf && (kindOf.getFusionKind() == FusionKind::elementwise ||
                            kindOf.getFusionKind() == FusionKind::broadcast ||
                            isFusibleRowOp(&op) || isSplatConstant);
  if (!fusible)
    return op.emitOpError("cannot run inside dsc.fusion, which holds elementwise ops, "
                          "broadcasts, splat constants and one row-wise op (rms_norm, "
                          "layer_norm, softmax over the last axis)");
  if (isFusibleRowOp(&op)) {
    if (rowwise)
      return op.emitOpError("is a second row-wise op in one dsc.fusion; its kernel runs one");
    rowwise = &op;
    if (!llvm::all_of(op.getOperands().drop_front(), llvm::IsaPred<BlockArgument>))
      return op.emitOpError("weight and bias must be operands of the enclosing dsc.fusion");
    if (!llvm::all_of(op.getUsers(), llvm::IsaPred<YieldOp, QuantizeOp>))
      return op.emitOpError("result is read inside the dsc.fusion; its kernel computes the "
                            "row-wise op last (a dsc.quantize of it excepted)");
  }
  if (auto broadcast = dyn_cast<BroadcastOp>(op)) {
    Value x = broadcast.getX();
    if (!isa<BlockArgument>(x) && !x.getDefiningOp<ConstantOp>())
      return op.emitOpError("inside dsc.fusion broadcasts a value computed in the body; only "
                            "operands and constants are broadcast (read through an index map)");
  }
  // A splat constant is one value whatever its shape; it may feed a broadcast.
  if (isSplatConstant)
    return success();
  for (Value result : op.getResults())
    if (cast<RankedTensorType>(result.getType()).getShape() != domain)
      return op.emitOpError("result of shape ")
             << shapeString(cast<RankedTensorType>(result.getType()).getShape())
             << " is not the dsc.fusion's iteration domain " << shapeString(domain)
             << " (the shape of its first result)";
  return success();
}

} // namespace

LogicalResult FusionOp::verifyRegions() {
  // A quantize's scales are the one result of another shape; the domain is the first other's.
  auto isScales = [](Value v) {
    auto q = v.getDefiningOp<QuantizeOp>();
    return q && v == q.getScales();
  };
  Block &body = getBody().front();
  auto yielded = cast<YieldOp>(body.getTerminator()).getValues();
  auto first = llvm::find_if_not(yielded, isScales);
  if (first == yielded.end())
    return emitOpError("needs a result other than a quantize's scales");
  ArrayRef<int64_t> domain = cast<RankedTensorType>((*first).getType()).getShape();
  for (Value v : yielded)
    if (!isScales(v) && cast<RankedTensorType>(v.getType()).getShape() != domain)
      return emitOpError("results must share one shape (the iteration domain), got ")
             << getResultTypes();
  Operation *rowwise = nullptr, *quantize = nullptr;
  for (Operation &op : body.without_terminator()) {
    if (!isa_and_nonnull<DscDialect>(op.getDialect()) || isa<FusionOp, ParamOp>(op))
      return emitOpError("body may hold dsc computations only, not '") << op.getName() << "'";
    if (failed(verifyBodyOp(op, domain, rowwise, quantize)))
      return failure();
  }
  if (rowwise && quantize && cast<QuantizeOp>(quantize).getX().getDefiningOp() != rowwise)
    return quantize->emitOpError("in a row-wise dsc.fusion quantizes the row-wise op's result "
                                 "(its kernel quantizes the rows it normalizes)");
  // A rank-0 or single-element domain has no rows to speak of; the row kernel
  // needs one axis.
  if (rowwise && domain.empty())
    return emitOpError("a row-wise fusion needs a domain of rank at least 1");
  return success();
}
