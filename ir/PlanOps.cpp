//===- PlanOps.cpp - plan dialect op verifiers ----------------------------===//
//
// The checks that make a plan safe to serialize without interpretation: names and offsets of
// buffers, views inside their source, launch sizes, and GEMM / attention arguments that stay
// inside their buffers.
//
//===----------------------------------------------------------------------===//

#include "ir/PlanDialect.h"
#include "runtime/support/Fp8Layout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

using namespace mlir;
using namespace dsc::plan;

#define GET_OP_CLASSES
#include "ir/PlanOps.cpp.inc"

namespace {

LogicalResult verifyOffset(Operation *op, std::optional<int64_t> offset) {
  if (offset && (*offset < 0 || *offset % kBufferAlignment != 0))
    return op->emitOpError("offset ")
           << *offset << " is not a non-negative multiple of " << kBufferAlignment;
  return success();
}

LogicalResult verifyBinding(Operation *op, StringRef name, std::optional<int64_t> offset) {
  if (name.empty())
    return op->emitOpError("needs a non-empty name");
  return verifyOffset(op, offset);
}

/// The stream/event attributes every step carries; ODS checks non-negativity of the scalars.
LogicalResult verifyEvents(Operation *op, std::optional<ArrayRef<int32_t>> waitEvents) {
  if (waitEvents && llvm::any_of(*waitEvents, [](int32_t e) { return e < 0; }))
    return op->emitOpError("wait_events must be non-negative event indices");
  return success();
}

LogicalResult verifyDim3(Operation *op, StringRef what, std::optional<ArrayRef<int32_t>> dims) {
  if (dims && (dims->size() != 3 || llvm::any_of(*dims, [](int32_t d) { return d < 1; })))
    return op->emitOpError() << what << " must have 3 positive entries (x, y, z)";
  return success();
}

/// Elements a column-major matrix of `rows` x `cols` with leading dimension `ld`, repeated
/// `batch` times `stride` apart, reaches: one past its last element.
int64_t matrixExtent(int64_t rows, int64_t cols, int64_t ld, int64_t batch, int64_t stride) {
  return (batch - 1) * stride + ld * (cols - 1) + rows;
}

LogicalResult verifyMatrix(Operation *op, StringRef name, Value buffer, int64_t rows, int64_t cols,
                           int64_t ld, int64_t batch, int64_t stride) {
  if (ld < rows)
    return op->emitOpError() << "ld" << name << " = " << ld << " is less than the " << rows
                             << " rows of the stored " << name << " (column-major)";
  if (stride < 0)
    return op->emitOpError() << "stride_" << name << " must be non-negative";
  int64_t extent = matrixExtent(rows, cols, ld, batch, stride);
  int64_t elements = cast<MemRefType>(buffer.getType()).getNumElements();
  if (extent > elements)
    return op->emitOpError() << name << " reaches element " << extent << " but its buffer holds "
                             << elements;
  return success();
}

bool isFp8(Type t) { return isa<Float8E4M3FNType, Float8E5M2Type>(t); }

/// A "fused" launch's body (dsc-lower-to-plan, lowerFusion): steps that read
/// only values numbered before them (a step defines one value per type and
/// extra type), results that name values of the outputs' types.
LogicalResult verifyFusedBody(LaunchOp op) {
  auto body = op.getOpAttrs().getAs<ArrayAttr>("body");
  auto results = op.getOpAttrs().getAs<DenseI64ArrayAttr>("results");
  if (!body || body.empty() || !results)
    return op.emitOpError("a fused kernel needs op_attrs.body (its steps) and op_attrs.results");
  SmallVector<ShapedType> values =
      llvm::map_to_vector(op.getInputs().getTypes(), [](Type t) { return cast<ShapedType>(t); });
  for (auto [i, attr] : llvm::enumerate(body)) {
    auto step = dyn_cast<DictionaryAttr>(attr);
    auto type = step ? step.getAs<TypeAttr>("type") : TypeAttr();
    auto operands = step ? step.getAs<DenseI64ArrayAttr>("operands") : DenseI64ArrayAttr();
    if (!type || !isa<ShapedType>(type.getValue()) || !operands || !step.getAs<StringAttr>("op") ||
        !step.getAs<StringAttr>("kernel") || !step.getAs<DictionaryAttr>("attrs"))
      return op.emitOpError("fused step #")
             << i << " needs kernel, op, operands, type (a shaped type) and attrs";
    for (int64_t operand : operands.asArrayRef())
      if (operand < 0 || operand >= static_cast<int64_t>(values.size()))
        return op.emitOpError("fused step #")
               << i << " reads value " << operand << ", which is not defined before it";
    values.push_back(cast<ShapedType>(type.getValue()));
    if (auto extra = step.getAs<ArrayAttr>("extra_types")) {
      for (Attribute t : extra) {
        auto shaped = dyn_cast<TypeAttr>(t);
        if (!shaped || !isa<ShapedType>(shaped.getValue()))
          return op.emitOpError("fused step #") << i << " has an extra type that is not shaped";
        values.push_back(cast<ShapedType>(shaped.getValue()));
      }
    }
  }
  if (results.size() != static_cast<int64_t>(op.getOutputs().size()))
    return op.emitOpError("fused kernel has ")
           << results.size() << " results for " << op.getOutputs().size() << " outputs";
  for (auto [i, value, output] : llvm::enumerate(results.asArrayRef(), op.getOutputs())) {
    auto type = cast<MemRefType>(output.getType());
    if (value < 0 || value >= static_cast<int64_t>(values.size()))
      return op.emitOpError("fused result #") << i << " names undefined value " << value;
    if (values[value].getShape() != type.getShape() ||
        values[value].getElementType() != type.getElementType())
      return op.emitOpError("fused result #")
             << i << " has type " << values[value] << ", its output is " << type;
  }
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  bool quantized = getSource().has_value();
  if (getSourceType().has_value() != quantized || getFp8Recipe().has_value() != quantized ||
      (getFp8Scales() && !quantized))
    return emitOpError("source, source_type and fp8_recipe go together (fp8_scales with them)");
  if (quantized) {
    auto source = dyn_cast<RankedTensorType>(*getSourceType());
    if (!source || source.getRank() != 2 || !isa<FloatType>(source.getElementType()))
      return emitOpError("source_type must be a [K, N] float matrix");
    if (!parseFp8Recipe(*getFp8Recipe()))
      return emitOpError("unknown fp8_recipe '") << *getFp8Recipe() << "'";
    Type element = getResult().getType().getElementType();
    if (getFp8Scales() ? !element.isF32() : !isa<Float8E4M3FNType>(element))
      return emitOpError(getFp8Scales() ? "fp8 scales are f32" : "fp8 values are f8E4M3FN");
  }
  if (getState() && quantized)
    return emitOpError("state is zeroed at load, not made from a weight source");
  if (getSourceStart() && !quantized)
    return emitOpError("source_start belongs to a quantized param (with source)");
  if (std::optional<ArrayRef<int64_t>> start = getSourceStart();
      start && (start->size() != 2 || llvm::any_of(*start, [](int64_t s) { return s < 0; })))
    return emitOpError("source_start needs two non-negative offsets, one per dim of source_type");
  // A quantized param's split is its source's: one entry per dim of [K, N].
  if (auto split = getSplitAxesAttr())
    if (failed(verifySplitAxes(*this, split, quantized ? 2 : getResult().getType().getRank())))
      return failure();
  return verifyBinding(*this, getName(), getOffset());
}

FailureOr<Mesh> dsc::plan::getMesh(Operation *op) {
  auto module = op->getParentOfType<ModuleOp>();
  auto dict = module ? module->getAttrOfType<DictionaryAttr>(PlanDialect::kMeshAttr) : nullptr;
  if (!dict)
    return op->emitOpError("needs the module attribute 'plan.mesh' (the device mesh)");
  auto axes = dict.getAs<ArrayAttr>("axes");
  auto shape = dict.getAs<DenseI64ArrayAttr>("shape");
  if (!axes || !shape || axes.size() != shape.size() || axes.empty())
    return op->emitOpError("'plan.mesh' must be {axes = [names], shape = array<i64: sizes>} "
                           "with one name per size");
  Mesh mesh;
  for (auto [name, size] : llvm::zip(axes, shape.asArrayRef())) {
    auto str = dyn_cast<StringAttr>(name);
    if (!str || str.getValue().empty() || size < 1)
      return op->emitOpError("'plan.mesh' axes need non-empty names and sizes of at least 1");
    mesh.axes.push_back(str.getValue());
    mesh.shape.push_back(size);
  }
  return mesh;
}

LogicalResult dsc::plan::verifySplitAxes(Operation *op, ArrayAttr splitAxes, int64_t rank) {
  FailureOr<Mesh> mesh = getMesh(op);
  if (failed(mesh))
    return failure();
  if (static_cast<int64_t>(splitAxes.size()) != rank)
    return op->emitOpError("split_axes has ")
           << splitAxes.size() << " entries for " << rank << " dimensions";
  SmallVector<bool> used(mesh->shape.size(), false);
  for (Attribute dim : splitAxes) {
    auto axes = dyn_cast<DenseI32ArrayAttr>(dim);
    if (!axes)
      return op->emitOpError("split_axes entries are array<i32: mesh axes>");
    for (int32_t axis : axes.asArrayRef()) {
      if (axis < 0 || axis >= static_cast<int32_t>(used.size()) || used[axis])
        return op->emitOpError("split_axes uses mesh axis ")
               << axis << " out of range or twice (the mesh has " << used.size() << " axes)";
      used[axis] = true;
    }
  }
  return success();
}

FailureOr<int64_t> CollectiveOp::groupSize() {
  FailureOr<Mesh> mesh = getMesh(*this);
  if (failed(mesh))
    return failure();
  int64_t size = 1;
  SmallVector<bool> seen(mesh->shape.size(), false);
  for (int32_t axis : getMeshAxes()) {
    if (axis < 0 || axis >= static_cast<int32_t>(seen.size()) || seen[axis])
      return emitOpError("mesh axis ")
             << axis << " is out of range or repeated (the mesh has " << seen.size() << " axes)";
    seen[axis] = true;
    size *= mesh->shape[axis];
  }
  return size;
}

LogicalResult CollectiveOp::verify() {
  CollectiveKind kind = getKind();
  if (getMeshAxes().empty())
    return emitOpError("names no mesh axes");
  FailureOr<int64_t> group = groupSize();
  if (failed(group))
    return failure();
  bool reduces = kind == CollectiveKind::all_reduce || kind == CollectiveKind::reduce_scatter;
  if (reduces != getReduction().has_value())
    return emitOpError(reduces ? "needs a reduction" : "takes no reduction");
  bool hasSend = kind != CollectiveKind::recv, hasRecv = kind != CollectiveKind::send;
  if (hasSend != static_cast<bool>(getSend()) || hasRecv != static_cast<bool>(getRecv()))
    return emitOpError(hasSend && hasRecv ? "needs send and recv buffers"
                       : hasSend          ? "needs a send buffer and no recv buffer"
                                          : "needs a recv buffer and no send buffer");
  bool peered = kind == CollectiveKind::broadcast || kind == CollectiveKind::send ||
                kind == CollectiveKind::recv;
  if (peered != getPeer().has_value())
    return emitOpError(peered ? "needs a peer (the in-group rank)" : "takes no peer");
  if (peered && (*getPeer() < 0 || *getPeer() >= *group))
    return emitOpError("peer ") << *getPeer() << " is not in the group of " << *group << " ranks";
  if (!hasSend || !hasRecv)
    return success();
  MemRefType send = getSend().getType(), recv = getRecv().getType();
  if (send.getElementType() != recv.getElementType())
    return emitOpError("send and recv element types differ: ") << send << " vs " << recv;
  int64_t sendElements = send.getNumElements(), recvElements = recv.getNumElements();
  int64_t expected = kind == CollectiveKind::all_gather       ? sendElements * *group
                     : kind == CollectiveKind::reduce_scatter ? sendElements / *group
                                                              : sendElements;
  if (kind == CollectiveKind::reduce_scatter && sendElements % *group != 0)
    return emitOpError("reduce_scatter of ")
           << sendElements << " elements over " << *group << " ranks does not divide";
  if (kind == CollectiveKind::all_to_all && sendElements % *group != 0)
    return emitOpError("all_to_all of ")
           << sendElements << " elements over " << *group << " ranks does not divide";
  if (recvElements != expected)
    return emitOpError("recv holds ")
           << recvElements << " elements; " << stringifyEnum(kind) << " of " << sendElements
           << " over " << *group << " ranks makes " << expected;
  return success();
}
LogicalResult InputOp::verify() {
  if (auto split = getSplitAxesAttr())
    if (failed(verifySplitAxes(*this, split, getResult().getType().getRank())))
      return failure();
  return verifyBinding(*this, getName(), getOffset());
}
LogicalResult OutputOp::verify() { return verifyBinding(*this, getName(), getOffset()); }
LogicalResult AllocOp::verify() { return verifyOffset(*this, getOffset()); }

LogicalResult ConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  MemRefType type = getResult().getType();
  if (valueType.getShape() != type.getShape() ||
      valueType.getElementType() != type.getElementType())
    return emitOpError("value of type ") << valueType << " does not match the buffer " << type;
  return verifyOffset(*this, getOffset());
}

LogicalResult ViewOp::verify() {
  int64_t offset = getByteOffset();
  MemRefType type = getResult().getType();
  if (offset < 0 || offset % elementBytes(type.getElementType()) != 0)
    return emitOpError("byte_offset ") << offset << " is not a non-negative multiple of the "
                                       << "element size";
  int64_t sourceBytes = bufferBytes(getSource().getType());
  if (offset + bufferBytes(type) > sourceBytes)
    return emitOpError("view of ") << bufferBytes(type) << " bytes at byte_offset " << offset
                                   << " overruns its source of " << sourceBytes << " bytes";
  return success();
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

LogicalResult LaunchOp::verify() {
  // The KernelKind spellings of codegen/KernelSpec.h (kernelKindName); a key the emitter does
  // not know would only fail at codegen, far from the op that made it.
  // A table reads better than one name a line.
  // clang-format off
  static const llvm::StringSet<> kKernels = {
      "unary",          "binary",             "compare",           "select",       "cast",
      "broadcast",      "transpose",          "slice",             "concat",       "gather",
      "iota",           "reduce",             "softmax",           "rms_norm",     "layer_norm",
      "rope",           "router_topk",        "moe_slots",         "moe_dispatch", "moe_combine",
      "moe_local_rows", "moe_dispatch_local", "moe_combine_local", "fused",        "quantize_fp8",
      "amax"};
  // clang-format on
  if (!kKernels.contains(getKernel()))
    return emitOpError("unknown kernel '") << getKernel() << "'";
  if (!getOp().starts_with("dsc."))
    return emitOpError("op must name the dsc op the kernel implements, got '") << getOp() << "'";
  if (getOutputs().empty())
    return emitOpError("needs at least one output");
  for (auto [i, out] : llvm::enumerate(getOutputs()))
    for (Value other : getOutputs().drop_front(i + 1))
      if (out == other)
        return emitOpError("output #") << i << " is written twice";
  if (failed(verifyDim3(*this, "grid", getGrid())) ||
      failed(verifyDim3(*this, "block", getBlock())))
    return failure();
  if (getGrid().has_value() != getBlock().has_value())
    return emitOpError("grid and block are set together");
  if (auto scalars = getScalars())
    for (Attribute s : *scalars)
      if (!isa<IntegerAttr, FloatAttr>(s))
        return emitOpError("scalars must be integer or float attributes, got ") << s;
  if (getKernel() == "fused" && failed(verifyFusedBody(*this)))
    return failure();
  return verifyEvents(*this, getWaitEvents());
}

LogicalResult GemmOp::verify() {
  if (getM() < 1 || getN() < 1 || getK() < 1 || getBatch() < 1)
    return emitOpError("m, n, k and batch must be positive");
  Type a = getA().getType().getElementType(), b = getB().getType().getElementType();
  Type c = getC().getType().getElementType();
  if (!isa<FloatType>(a) || !isa<FloatType>(b) || !isa<FloatType>(c))
    return emitOpError("cuBLASLt GEMMs here are floating point; got ")
           << a << ", " << b << " -> " << c;
  if (a != b && !(isFp8(a) && isFp8(b)))
    return emitOpError("a and b have different element types ") << a << " and " << b;
  if (!getComputeType().isF32())
    return emitOpError("compute_type must be f32");
  if (failed(verifyFp8Scales()))
    return failure();
  if (getTf32() && !(a.isF32() && b.isF32()))
    return emitOpError("tf32 applies to f32 operands only");
  if (Value d = getD(); d && d.getType() != getC().getType())
    return emitOpError("d must have c's type ") << getC().getType() << ", got " << d.getType();
  bool hasBiasEpilogue = getEpilogue() == Epilogue::bias || getEpilogue() == Epilogue::bias_relu ||
                         getEpilogue() == Epilogue::bias_gelu;
  if (hasBiasEpilogue != static_cast<bool>(getBias()))
    return emitOpError("a bias operand goes with a bias epilogue, and only with one");
  int64_t batch = getBatch();
  if (failed(verifyMatrix(*this, "a", getA(), getTransa() ? getK() : getM(),
                          getTransa() ? getM() : getK(), getLda(), batch, getStrideA())) ||
      failed(verifyMatrix(*this, "b", getB(), getTransb() ? getN() : getK(),
                          getTransb() ? getK() : getN(), getLdb(), batch, getStrideB())) ||
      failed(verifyMatrix(*this, "c", getC(), getM(), getN(), getLdc(), batch, getStrideC())))
    return failure();
  if (batch > 1 && getStrideC() < matrixExtent(getM(), getN(), getLdc(), 1, 0))
    return emitOpError("stride_c ") << getStrideC() << " makes the batches of c overlap";
  return verifyEvents(*this, getWaitEvents());
}

LogicalResult GemmOp::verifyFp8Scales() {
  std::optional<StringRef> recipe = getFp8Recipe();
  if (static_cast<bool>(getAScale()) != static_cast<bool>(recipe) ||
      static_cast<bool>(getBScale()) != static_cast<bool>(recipe))
    return emitOpError("a_scale and b_scale go with fp8_recipe, and only with it");
  if (!recipe)
    return success();
  std::optional<Fp8Recipe> parsed = parseFp8Recipe(*recipe);
  if (!parsed)
    return emitOpError("unknown fp8_recipe '") << *recipe << "'";
  if (!isa<Float8E4M3FNType>(getA().getType().getElementType()) ||
      !isa<Float8E4M3FNType>(getB().getType().getElementType()))
    return emitOpError("scaled GEMMs take f8E4M3FN a and b");
  if (!getTransa() || getTransb() || getBatch() != 1)
    return emitOpError("scaled GEMMs run in the TN layout (transa, not transb), unbatched");
  if (*parsed == Fp8Recipe::Blockwise && (getM() % kFp8Block != 0 || getK() % kFp8Block != 0))
    return emitOpError("blockwise scaling needs m and k to be multiples of 128");
  // a is the weight (m = N rows of K), b the activations (n rows of K).
  int64_t aScales = fp8ScaleCount(fp8WeightScaleShape(getK(), getM(), *parsed));
  int64_t bScales = fp8ScaleCount(fp8ActivationScaleShape(getN(), getK(), *parsed));
  for (auto [name, buffer, count] : {std::make_tuple("a_scale", getAScale(), aScales),
                                     std::make_tuple("b_scale", getBScale(), bScales)}) {
    auto type = cast<MemRefType>(buffer.getType());
    if (!type.getElementType().isF32() || type.getNumElements() != count)
      return emitOpError() << name << " must hold " << count << " f32 scales, got " << type;
  }
  return success();
}

std::string dsc::plan::cudnnAttentionUnsupported(Type dtype, int64_t tq, int64_t tk, int64_t dh,
                                                 int64_t dv, bool causal) {
  // The limits of cuDNN 9's fused flash-attention fprop engine as cudnn-frontend checks them
  // (its SDPA support surface); dsc keeps to the part every cuDNN 9 release has.
  std::string why;
  llvm::raw_string_ostream os(why);
  if (!dtype.isBF16() && !dtype.isF16())
    os << "it computes in " << dtype << "; cuDNN's fused attention takes bf16 or f16";
  else if (dh != dv)
    os << "dh = " << dh << " differs from dv = " << dv;
  else if (dh % 8 != 0 || dh > 128)
    os << "head size " << dh << " is not a multiple of 8 up to 128";
  else if (causal && tq > tk)
    os << "it is causal with more queries (" << tq << ") than keys (" << tk << ")";
  else if (causal && tq != tk && (tq % 64 != 0 || tk % 64 != 0))
    os << "it is causal with tq = " << tq << " != tk = " << tk
       << ", which cuDNN takes only as multiples of 64";
  return why;
}

LogicalResult AttentionOp::verify() {
  int64_t b = getBatch(), tq = getTq(), tk = getTk(), hq = getHq(), hkv = getHkv();
  int64_t dh = getDh(), dv = getDv();
  if (llvm::any_of(ArrayRef<int64_t>{b, tq, tk, hq, hkv, dh, dv}, [](int64_t v) { return v < 1; }))
    return emitOpError("batch, tq, tk, hq, hkv, dh and dv must be positive");
  if (hq % hkv != 0)
    return emitOpError("hq = ") << hq << " is not a multiple of hkv = " << hkv;
  if (!std::isfinite(getScale().convertToDouble()))
    return emitOpError("scale must be finite");
  Type dtype = getQ().getType().getElementType();
  if (!isa<FloatType>(dtype))
    return emitOpError("q must be floating point, got ") << dtype;
  if (getBackend() != "generated" && getBackend() != "cudnn")
    return emitOpError("backend must be \"generated\" or \"cudnn\", got \"")
           << getBackend() << "\"";
  if (getBackend() == "cudnn")
    if (std::string why = cudnnAttentionUnsupported(dtype, tq, tk, dh, dv, getCausal());
        !why.empty())
      return emitOpError("cannot run on cuDNN: ") << why;
  struct Expect {
    Value buffer;
    StringRef name;
    int64_t elements;
  };
  for (const Expect &e :
       {Expect{getQ(), "q", b * tq * hq * dh}, Expect{getK(), "k", b * tk * hkv * dh},
        Expect{getV(), "v", b * tk * hkv * dv}, Expect{getOut(), "out", b * tq * hq * dv}}) {
    auto type = cast<MemRefType>(e.buffer.getType());
    if (type.getElementType() != dtype)
      return emitOpError() << e.name << " has element type " << type.getElementType() << ", q has "
                           << dtype;
    if (type.getNumElements() != e.elements)
      return emitOpError() << e.name << " holds " << type.getNumElements()
                           << " elements, the sizes give " << e.elements;
  }
  return verifyEvents(*this, getWaitEvents());
}

LogicalResult MemsetOp::verify() { return verifyEvents(*this, getWaitEvents()); }

LogicalResult CopyOp::verify() {
  int64_t src = bufferBytes(getSrc().getType()), dst = bufferBytes(getDst().getType());
  if (src != dst)
    return emitOpError("copies ") << src << " bytes into a buffer of " << dst;
  if (getSrc() == getDst())
    return emitOpError("source and destination are the same buffer");
  return verifyEvents(*this, getWaitEvents());
}
