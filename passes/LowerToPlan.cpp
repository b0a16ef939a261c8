//===- LowerToPlan.cpp - dsc graph to execution plan ----------------------===//
//
// Turns each function of dsc ops on tensors into a linear plan: bindings and buffers
// (plan.param/input/output/alloc/constant/view) and the steps that fill them (plan.gemm,
// plan.attention, plan.launch, plan.memset, plan.copy), in graph order. Every step writes a
// buffer of its own (destination-passing style); a graph result is written straight into its
// output binding. The pass does not place buffers (dsc-plan-memory does) and does not choose
// launch sizes or generate kernels (the kernel emitter does, from the launch's kernel kind, dsc
// op name and attributes).
//
// Written as one walk rather than with the dialect-conversion framework: the lowering is one to
// one in program order, the destination of a value depends on how the function returns it, and
// the function signature disappears altogether (bindings are by name), none of which the
// framework's type conversion would simplify.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "passes/LowerCollectives.h"
#include "passes/PipelineToPlan.h"

#include "ir/DscDialect.h"
#include "ir/PlanDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace dsc {
#define GEN_PASS_DEF_LOWERTOPLANPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

MemRefType bufferType(Type tensorType) {
  auto tensor = cast<RankedTensorType>(tensorType);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

/// The kernel kind (codegen/KernelSpec.h, lower case) of a dsc op lowered to one plain launch;
/// empty for ops that need more than that.
StringRef kernelKindOf(Operation *op) {
  return llvm::StringSwitch<StringRef>(op->getName().getStringRef())
      .Cases({"dsc.neg", "dsc.abs", "dsc.exp", "dsc.log", "dsc.sqrt", "dsc.rsqrt", "dsc.tanh",
              "dsc.sigmoid", "dsc.silu", "dsc.relu", "dsc.gelu", "dsc.pow"},
             "unary")
      .Cases({"dsc.add", "dsc.sub", "dsc.mul", "dsc.div", "dsc.max", "dsc.min"}, "binary")
      .Cases({"dsc.reduce_sum", "dsc.reduce_max", "dsc.reduce_mean"}, "reduce")
      .Case("dsc.compare", "compare")
      .Case("dsc.select", "select")
      .Case("dsc.cast", "cast")
      .Case("dsc.broadcast", "broadcast")
      .Case("dsc.transpose", "transpose")
      .Case("dsc.slice", "slice")
      .Case("dsc.concat", "concat")
      .Case("dsc.gather", "gather")
      .Case("dsc.iota", "iota")
      .Case("dsc.softmax", "softmax")
      .Case("dsc.rms_norm", "rms_norm")
      .Case("dsc.layer_norm", "layer_norm")
      .Cases({"dsc.rope", "dsc.split_rope"}, "rope")
      .Case("dsc.router_topk", "router_topk")
      .Case("dsc.quantize", "quantize_fp8") // in a fusion; alone, lowerQuantize launches it
      .Default("");
}

/// The op's inherent attributes, defaults filled in, without the discardable `dsc.*` hints:
/// what the emitter needs to generate its kernel, whatever the printed form elided.
DictionaryAttr kernelAttrs(Operation *op) {
  NamedAttrList attrs;
  for (NamedAttribute attr : op->getAttrDictionary())
    if (!attr.getName().strref().starts_with("dsc."))
      attrs.push_back(attr);
  op->getName().populateDefaultAttrs(attrs);
  return attrs.getDictionary(op->getContext());
}

/// A matmul on f32 operands that dsc-precision marked for TF32 tensor cores.
bool isTf32(MatmulOp op) {
  auto hint = op->getAttrOfType<StringAttr>(DscDialect::kPrecisionAttr);
  return hint && hint.getValue() == "tf32" &&
         cast<RankedTensorType>(op.getA().getType()).getElementType().isF32() &&
         cast<RankedTensorType>(op.getB().getType()).getElementType().isF32();
}

bool isZeroSplat(ElementsAttr value) {
  if (!value.isSplat())
    return false;
  Attribute splat = value.getSplatValue<Attribute>();
  if (auto f = dyn_cast<FloatAttr>(splat))
    return f.getValue().isPosZero();
  if (auto i = dyn_cast<IntegerAttr>(splat))
    return i.getValue().isZero();
  if (auto b = dyn_cast<BoolAttr>(splat))
    return !b.getValue();
  return false;
}

class FuncLowering {
public:
  /// `attention`: the pass's `attention` option (auto, cudnn or generated).
  FuncLowering(func::FuncOp func, StringRef attention, bool explain)
      : func(func), b(func.getContext()), attentionMode(attention), explain(explain) {}

  LogicalResult run();

private:
  void bindArgumentsAndResults(func::ReturnOp ret);
  LogicalResult lowerOp(Operation *op);
  LogicalResult lowerMatmul(MatmulOp op);
  void lowerParam(ParamOp op);
  void lowerQuantizedParam(QuantizedParamOp op);
  void lowerQuantize(QuantizeOp op);
  void lowerScaledMatmul(ScaledMatmulOp op);
  LogicalResult lowerAttention(AttentionOp op);
  void lowerConstant(ConstantOp op);
  void lowerSplit(SplitOp op);
  void lowerMoeDispatch(MoeDispatchOp op);
  void lowerMoeCombine(MoeCombineOp op);
  LogicalResult lowerMoeDispatchLocal(MoeDispatchLocalOp op);
  LogicalResult lowerMoeCombineLocal(MoeCombineLocalOp op);
  DictionaryAttr moeAttrs(int64_t numExperts, int64_t capacity);
  Value localMoeRows(Operation *op, Value indices, Value tokenIds, Value experts,
                     int64_t numExperts, int64_t capacity);
  LogicalResult lowerIota(IotaOp op);
  Value meshCoords(Location loc, int64_t meshRank);
  void lowerFusion(FusionOp op);
  Value dest(Value result, plan::BufferKind kind = plan::BufferKind::activation);
  Value workspace(MemRefType type, Location loc);
  SmallVector<Value> buffersOf(ValueRange tensors);
  std::pair<Value, Value> gemmOutputs(Value result, Value addend);
  plan::LaunchOp launch(Operation *op, StringRef kernel, ValueRange inputs, ValueRange outputs,
                        DictionaryAttr attrs);

  func::FuncOp func;
  OpBuilder b;
  StringRef attentionMode;
  bool explain;
  DenseMap<Value, Value> buffers;   // tensor value -> its buffer
  DenseMap<Value, Value> outputFor; // tensor value -> the output binding it is written into
  SmallVector<std::pair<Value, Value>> finalCopies; // (tensor, output) copied at the end
  llvm::StringMap<Value> params;
  int64_t numAmaxHistories = 0;
  Value coords; // this rank's mesh coordinates (plan.param mesh_coords), made on first use
};

LogicalResult FuncLowering::run() {
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("must have a single block to be lowered to a plan");
  Block &body = func.getBody().front();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret)
    return func.emitOpError("must end in func.return to be lowered to a plan");
  // A pipelined function: its stages in order, its steps tagged (PipelineToPlan.h).
  PipelinePlanning pipeline;
  if (failed(pipeline.prepare(func)))
    return failure();

  SmallVector<Operation *> graph =
      llvm::map_to_vector(body.without_terminator(), [](Operation &op) { return &op; });
  b.setInsertionPointToStart(&body);
  bindArgumentsAndResults(ret);
  // The ops lowering `op` made: from after the op before it up to `op`.
  auto madeBefore = [&](Operation *op, Operation *prev) {
    return prev ? std::next(prev->getIterator()) : body.begin();
  };
  for (Operation *op : graph) {
    b.setInsertionPoint(op);
    Operation *prev = op->getPrevNode();
    if (failed(lowerOp(op)))
      return failure();
    if (pipeline.active())
      pipeline.tag(op, madeBefore(op, prev), op->getIterator());
  }
  b.setInsertionPoint(ret);
  Operation *beforeCopies = ret->getPrevNode();
  for (auto [tensor, output] : finalCopies)
    plan::CopyOp::create(b, ret.getLoc(), buffers.lookup(tensor), output, /*stream=*/0,
                         /*wait_events=*/nullptr, /*record_event=*/nullptr);
  if (pipeline.active())
    pipeline.finish(func, madeBefore(ret, beforeCopies), ret->getIterator());
  func::ReturnOp::create(b, ret.getLoc());
  ret.erase();
  for (Operation *op : llvm::reverse(graph))
    op->erase();

  llvm::BitVector all(func.getNumArguments(), true);
  if (failed(func.eraseArguments(all)))
    return failure();
  all = llvm::BitVector(func.getNumResults(), true);
  return func.eraseResults(all);
}

/// Inputs and outputs first, in signature order, so that a plan reads like its signature.
void FuncLowering::bindArgumentsAndResults(func::ReturnOp ret) {
  auto nameOf = [&](DictionaryAttr attrs, StringRef prefix, unsigned i) -> std::string {
    if (auto name = attrs ? attrs.getAs<StringAttr>(DscDialect::kNameAttr) : StringAttr())
      return name.str();
    return (prefix + Twine(i)).str();
  };
  for (BlockArgument arg : func.getArguments()) {
    std::string name = nameOf(func.getArgAttrDict(arg.getArgNumber()), "arg", arg.getArgNumber());
    buffers[arg] = plan::InputOp::create(
        b, arg.getLoc(), bufferType(arg.getType()), name, /*offset=*/nullptr,
        func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), DscDialect::kSplitAxesAttr));
  }
  for (auto [i, result] : llvm::enumerate(ret.getOperands())) {
    std::string name = nameOf(func.getResultAttrDict(i), "result", i);
    Value output = plan::OutputOp::create(b, ret.getLoc(), bufferType(result.getType()), name,
                                          /*offset=*/nullptr);
    // Only a value a step computes can be written in place; the rest (arguments, weights,
    // constants, views, a value returned twice) is copied out after the last step.
    Operation *def = result.getDefiningOp();
    bool computed = def && !isa<ParamOp, ConstantOp, ReshapeOp>(def);
    if (computed && !outputFor.count(result))
      outputFor[result] = output;
    else
      finalCopies.push_back({result, output});
  }
}

Value FuncLowering::dest(Value result, plan::BufferKind kind) {
  Value buffer = outputFor.lookup(result);
  if (!buffer)
    buffer = plan::AllocOp::create(b, result.getLoc(), bufferType(result.getType()), kind,
                                   /*offset=*/nullptr);
  buffers[result] = buffer;
  return buffer;
}

Value FuncLowering::workspace(MemRefType type, Location loc) {
  return plan::AllocOp::create(b, loc, type, plan::BufferKind::workspace,
                               /*offset=*/nullptr);
}

/// A GEMM's C and D: without an addend, C is the result's buffer and there is no D; with
/// one, cuBLASLt reads the addend as C (beta = 1) and writes the result to D.
std::pair<Value, Value> FuncLowering::gemmOutputs(Value result, Value addend) {
  Value out = dest(result);
  if (!addend)
    return {out, Value()};
  return {buffers.lookup(addend), out};
}

SmallVector<Value> FuncLowering::buffersOf(ValueRange tensors) {
  return llvm::map_to_vector(tensors, [&](Value v) { return buffers.lookup(v); });
}

plan::LaunchOp FuncLowering::launch(Operation *op, StringRef kernel, ValueRange inputs,
                                    ValueRange outputs, DictionaryAttr attrs) {
  return plan::LaunchOp::create(b, op->getLoc(), kernel, op->getName().getStringRef(), attrs,
                                inputs, outputs, /*grid=*/nullptr,
                                /*block=*/nullptr, /*shared_bytes=*/0,
                                /*scalars=*/nullptr, /*stream=*/0,
                                /*wait_events=*/nullptr, /*record_event=*/nullptr);
}

LogicalResult FuncLowering::lowerOp(Operation *op) {
  if (isa_and_nonnull<shard::ShardDialect>(op->getDialect())) {
    // Named: function_ref does not keep a temporary lambda alive.
    auto bufferOf = [&](Value v) { return buffers.lookup(v); };
    auto destOf = [&](Value v) { return dest(v); };
    auto scratch = [&](MemRefType t, Location loc) { return workspace(t, loc); };
    return lowerShardCollective(b, op, {bufferOf, destOf, scratch});
  }
  if (!isa_and_nonnull<DscDialect>(op->getDialect()))
    return op->emitOpError("has no lowering to the execution plan");
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](MatmulOp matmul) { return lowerMatmul(matmul); })
      .Case([&](ParamOp param) {
        lowerParam(param);
        return success();
      })
      .Case([&](QuantizedParamOp param) {
        lowerQuantizedParam(param);
        return success();
      })
      .Case([&](QuantizeOp q) {
        lowerQuantize(q);
        return success();
      })
      .Case([&](ScaledMatmulOp m) {
        lowerScaledMatmul(m);
        return success();
      })
      .Case([&](ReshapeOp reshape) {
        buffers[reshape.getResult()] =
            plan::ViewOp::create(b, reshape.getLoc(), bufferType(reshape.getType()),
                                 buffers.lookup(reshape.getX()), /*byte_offset=*/0);
        return success();
      })
      .Case([&](ConstantOp c) {
        lowerConstant(c);
        return success();
      })
      .Case([&](AttentionOp a) { return lowerAttention(a); })
      .Case([&](SplitOp s) {
        lowerSplit(s);
        return success();
      })
      .Case([&](MoeDispatchOp d) {
        lowerMoeDispatch(d);
        return success();
      })
      .Case([&](MoeCombineOp c) {
        lowerMoeCombine(c);
        return success();
      })
      .Case([&](FusionOp f) {
        lowerFusion(f);
        return success();
      })
      .Case([&](MoeDispatchLocalOp d) { return lowerMoeDispatchLocal(d); })
      .Case([&](MoeCombineLocalOp c) { return lowerMoeCombineLocal(c); })
      .Case([&](IotaOp iota) { return lowerIota(iota); })
      .Default([&](Operation *op) {
        StringRef kernel = kernelKindOf(op);
        if (kernel.empty())
          return LogicalResult(op->emitOpError("has no lowering to the execution plan"));
        SmallVector<Value> outputs =
            llvm::map_to_vector(op->getResults(), [&](Value r) { return dest(r); });
        launch(op, kernel, buffersOf(op->getOperands()), outputs, kernelAttrs(op));
        return success();
      });
}

/// Two dsc.param ops of one name are one tensor: one binding.
void FuncLowering::lowerParam(ParamOp param) {
  Value &buffer = params[param.getName()];
  if (!buffer)
    buffer = plan::ParamOp::create(b, param.getLoc(), bufferType(param.getType()), param.getName(),
                                   /*offset=*/nullptr, /*source=*/nullptr, /*source_type=*/nullptr,
                                   /*fp8_recipe=*/nullptr, /*fp8_scales=*/false, /*state=*/false,
                                   param->getAttrOfType<ArrayAttr>(DscDialect::kSplitAxesAttr),
                                   /*mesh_coords=*/false, /*source_start=*/nullptr);
  buffers[param.getResult()] = buffer;
}

/// The values and the scales become two params made at load time from the weight `name`.
void FuncLowering::lowerQuantizedParam(QuantizedParamOp op) {
  for (auto [result, suffix, isScales] :
       {std::make_tuple(op.getValues(), ".fp8", false),
        std::make_tuple(op.getScales(), ".fp8_scales", true)}) {
    // Pieces of one fused weight (source_start) are params of their own.
    std::string name = op.getName().str();
    if (std::optional<ArrayRef<int64_t>> start = op.getSourceStart())
      name += "@" + std::to_string((*start)[0]) + "," + std::to_string((*start)[1]);
    name += suffix;
    Value &buffer = params[name];
    if (!buffer)
      buffer = plan::ParamOp::create(b, op.getLoc(), bufferType(result.getType()), name,
                                     /*offset=*/nullptr, op.getNameAttr(), op.getSourceTypeAttr(),
                                     op.getRecipeAttr(), isScales, /*state=*/false,
                                     op.getSplitAxesAttr(), /*mesh_coords=*/false,
                                     op.getSourceStartAttr());
    buffers[result] = buffer;
  }
}

/// Blockwise: one launch. Tensor: the amax into a zeroed workspace, then the quantization.
/// Delayed (amax_history = N): both kernels also read the history, a state param of N amaxes
/// plus three u32 words (the next slot, the blocks finished this run, this run's amax as the
/// bits of a non-negative f32). The amax kernel returns at once when the history holds a
/// usable amax; the quantization then takes the current amax while it converts, and its last
/// block records it.
void FuncLowering::lowerQuantize(QuantizeOp op) {
  Value values = dest(op.getValues()), scales = dest(op.getScales());
  Value x = buffers.lookup(op.getX());
  if (op.getRecipe() == "blockwise") {
    launch(op, "quantize_fp8", x, {values, scales}, kernelAttrs(op));
    return;
  }
  Value history;
  if (std::optional<int64_t> length = op.getAmaxHistory())
    history = plan::ParamOp::create(
        b, op.getLoc(), MemRefType::get({*length + 3}, b.getF32Type()),
        "amax_history." + std::to_string(numAmaxHistories++), /*offset=*/nullptr,
        /*source=*/nullptr, /*source_type=*/nullptr, /*fp8_recipe=*/nullptr,
        /*fp8_scales=*/false, /*state=*/true, /*split_axes=*/nullptr, /*mesh_coords=*/false,
        /*source_start=*/nullptr);
  Value amax = workspace(MemRefType::get({1}, b.getF32Type()), op.getLoc());
  plan::MemsetOp::create(b, op.getLoc(), amax, /*value=*/0, /*stream=*/0,
                         /*wait_events=*/nullptr, /*record_event=*/nullptr);
  SmallVector<Value> amaxInputs = {x};
  if (history)
    amaxInputs.push_back(history);
  launch(op, "amax", amaxInputs, amax, history ? kernelAttrs(op) : b.getDictionaryAttr({}));
  SmallVector<Value> outputs = {values, scales};
  if (history)
    outputs.push_back(history);
  launch(op, "quantize_fp8", {x, amax}, outputs, kernelAttrs(op));
}

// The TN product cuBLASLt runs in fp8: C^T [N, rows] = A^T B with A = the weight's values
// ([N, K], transa), B = the activations' values ([rows, K]); the weight's scales go with A.
void FuncLowering::lowerScaledMatmul(ScaledMatmulOp op) {
  auto aType = cast<RankedTensorType>(op.getA().getType());
  int64_t k = aType.getShape().back(), rows = aType.getNumElements() / k;
  int64_t n = cast<RankedTensorType>(op.getB().getType()).getDimSize(0);
  auto [c, d] = gemmOutputs(op.getResult(), op.getAddend());
  plan::GemmOp::create(
      b, op.getLoc(), buffers.lookup(op.getB()), buffers.lookup(op.getA()), c, /*bias=*/Value(),
      buffers.lookup(op.getBScales()), buffers.lookup(op.getAScales()), d, op.getRecipeAttr(),
      /*m=*/n, /*n=*/rows, /*k=*/k, /*batch=*/1, /*lda=*/k, /*ldb=*/k, /*ldc=*/n,
      /*stride_a=*/0, /*stride_b=*/0, /*stride_c=*/0, /*transa=*/true, /*transb=*/false,
      b.getF32Type(), APFloat(1.0), APFloat(op.getAddend() ? 1.0 : 0.0), plan::Epilogue::none,
      /*tf32=*/false,
      /*stream=*/0, /*wait_events=*/nullptr, /*record_event=*/nullptr);
}

void FuncLowering::lowerConstant(ConstantOp c) {
  ElementsAttr value = c.getValue();
  if (isZeroSplat(value)) {
    plan::MemsetOp::create(b, c.getLoc(), dest(c.getResult()), /*value=*/0, /*stream=*/0,
                           /*wait_events=*/nullptr, /*record_event=*/nullptr);
    return;
  }
  buffers[c.getResult()] =
      plan::ConstantOp::create(b, c.getLoc(), bufferType(c.getType()), value, /*offset=*/nullptr);
}

// Row-major dsc to column-major cuBLASLt. A row-major r x c matrix is, byte for byte, the
// column-major c x r matrix (its transpose) with leading dimension c. So the row-major product
// C = op(a) op(b), C of M x N, is computed as the column-major C^T = op(b)^T op(a)^T:
//   cuBLAS m = N, n = M, k = K;  ldc = N;
//   cuBLAS A = dsc b: b stored [K, N] reads as column-major N x K: transa = false, lda = N;
//                     b stored [N, K] (transpose_b) is column-major K x N: transa = true, lda = K;
//   cuBLAS B = dsc a: a stored [M, K] reads as column-major K x M: transb = false, ldb = K;
//                     a stored [K, M] (transpose_a) is column-major M x K: transb = true, ldb = M.
// Batch strides are whole matrices (N*K, M*K, M*N); a shared rank-2 b has stride 0. When b is
// shared and a is not transposed, the batches of a and C are consecutive row blocks of one
// [batch*M, K] x [K, N] product, so the batch folds into n (one larger GEMM, no batching).
LogicalResult FuncLowering::lowerMatmul(MatmulOp op) {
  auto aType = cast<RankedTensorType>(op.getA().getType());
  auto bType = cast<RankedTensorType>(op.getB().getType());
  Type aElem = aType.getElementType(), bElem = bType.getElementType();
  if (!isa<FloatType>(aElem))
    return op.emitOpError("integer matmul has no lowering to the execution plan (cuBLASLt "
                          "GEMMs are planned for floating-point types only)");
  bool ta = op.getTransposeA(), tb = op.getTransposeB();
  bool fp8 =
      isa<Float8E4M3FNType, Float8E5M2Type>(aElem) || isa<Float8E4M3FNType, Float8E5M2Type>(bElem);
  if (fp8 && (ta || !tb))
    return op.emitOpError("fp8 matmul needs transpose_b = true and transpose_a = false: "
                          "cuBLASLt runs fp8 GEMMs in the TN layout only");
  ArrayRef<int64_t> as = aType.getShape(), bs = bType.getShape();
  int64_t rank = as.size(), rankB = bs.size();
  if (rank < 2 || rankB < 2)
    return op.emitOpError("operands of rank below 2 have no GEMM lowering");
  int64_t m = ta ? as[rank - 1] : as[rank - 2], k = ta ? as[rank - 2] : as[rank - 1];
  int64_t n = tb ? bs[rankB - 2] : bs[rankB - 1];
  int64_t batch = 1;
  for (int64_t d : as.drop_back(2))
    batch *= d;
  bool sharedB = rankB == 2 && rank > 2;

  int64_t gemmN = m, strideA = sharedB ? 0 : n * k, strideB = m * k, strideC = m * n;
  if (sharedB && !ta) {
    gemmN = batch * m;
    batch = 1;
  }
  if (batch == 1)
    strideA = strideB = strideC = 0;
  auto [c, d] = gemmOutputs(op.getResult(), op.getAddend());
  plan::GemmOp::create(
      b, op.getLoc(), buffers.lookup(op.getB()), buffers.lookup(op.getA()), c, /*bias=*/Value(),
      /*a_scale=*/Value(), /*b_scale=*/Value(), d, /*fp8_recipe=*/nullptr, /*m=*/n, /*n=*/gemmN, /*k=*/k, batch, /*lda=*/tb ? k : n, /*ldb=*/ta ? m : k, /*ldc=*/n,
      strideA, strideB, strideC, /*transa=*/tb, /*transb=*/ta, b.getF32Type(),
      /*alpha=*/APFloat(1.0), /*beta=*/APFloat(op.getAddend() ? 1.0 : 0.0), plan::Epilogue::none,
      /*tf32=*/isTf32(op),
      /*stream=*/0, /*wait_events=*/nullptr, /*record_event=*/nullptr);
  return success();
}

/// The backend is cuDNN's fused attention where the mode allows it and cuDNN can take the op
/// (plan::cudnnAttentionUnsupported), else the generated kernel; --attention=cudnn makes an op
/// cuDNN cannot take an error rather than a fallback.
LogicalResult FuncLowering::lowerAttention(AttentionOp op) {
  ArrayRef<int64_t> q = cast<RankedTensorType>(op.getQ().getType()).getShape();
  ArrayRef<int64_t> k = cast<RankedTensorType>(op.getK().getType()).getShape();
  ArrayRef<int64_t> v = cast<RankedTensorType>(op.getV().getType()).getShape();
  double scale = op.getScaleAttr() ? op.getScaleAttr().getValueAsDouble()
                                   : 1.0 / std::sqrt(static_cast<double>(q[3]));
  Type dtype = cast<RankedTensorType>(op.getQ().getType()).getElementType();
  std::string why =
      attentionMode == "generated"
          ? std::string("--attention=generated")
          : plan::cudnnAttentionUnsupported(dtype, q[1], k[1], q[3], v[3], op.getCausal());
  if (attentionMode == "cudnn" && !why.empty())
    return op.emitOpError("cannot run on cuDNN (--attention=cudnn): ")
           << why << "; use --attention=auto to fall back to the generated kernel";
  StringRef backend = why.empty() ? "cudnn" : "generated";
  if (explain) {
    InFlightDiagnostic remark = op.emitRemark();
    if (why.empty())
      remark << "dsc.attention: runs on cuDNN's fused flash attention (--attention="
             << attentionMode << ")";
    else
      remark << "dsc.attention: runs on the generated flash-attention kernel: " << why;
  }
  plan::AttentionOp::create(b, op.getLoc(), buffers.lookup(op.getQ()), buffers.lookup(op.getK()),
                            buffers.lookup(op.getV()), dest(op.getResult()), q[0], q[1], k[1], q[2],
                            k[2], q[3], v[3], op.getCausal(), APFloat(scale), backend,
                            /*stream=*/0, /*wait_events=*/nullptr, /*record_event=*/nullptr);
  return success();
}

/// One slice launch per piece; the emitter has no multi-output split kernel.
void FuncLowering::lowerSplit(SplitOp op) {
  auto type = cast<RankedTensorType>(op.getX().getType());
  int64_t rank = type.getRank(), axis = static_cast<int64_t>(op.getAxis());
  if (axis < 0)
    axis += rank;
  SmallVector<int64_t> start(rank, 0), limit(type.getShape()), stride(rank, 1);
  Value input = buffers.lookup(op.getX());
  for (auto [piece, size] : llvm::zip(op.getResults(), op.getSizes())) {
    limit[axis] = start[axis] + size;
    NamedAttrList attrs;
    attrs.append("start", b.getDenseI64ArrayAttr(start));
    attrs.append("limit", b.getDenseI64ArrayAttr(limit));
    attrs.append("stride", b.getDenseI64ArrayAttr(stride));
    launch(op, "slice", input, dest(piece), attrs.getDictionary(b.getContext()));
    start[axis] = limit[axis];
  }
}

// MoE dispatch and combine both need each choice's slot in its expert's buffer; the emitter
// computes slots in a kernel of their own (moe_slots) into two i32 workspaces: slot[N, k] and
// rowSource[E, C]. Combine recomputes them from the same indices rather than keeping dispatch's
// alive across the experts' GEMMs.
void FuncLowering::lowerMoeDispatch(MoeDispatchOp op) {
  auto idx = cast<RankedTensorType>(op.getIndices().getType());
  int64_t e = op.getNumExperts(), cap = op.getCapacity();
  Value slot = workspace(MemRefType::get(idx.getShape(), b.getI32Type()), op.getLoc());
  Value rowSource = workspace(MemRefType::get({e, cap}, b.getI32Type()), op.getLoc());
  DictionaryAttr attrs = kernelAttrs(op);
  launch(op, "moe_slots", buffers.lookup(op.getIndices()), {slot, rowSource}, attrs);
  launch(op, "moe_dispatch", {buffers.lookup(op.getX()), rowSource}, dest(op.getResult()), attrs);
}

void FuncLowering::lowerMoeCombine(MoeCombineOp op) {
  auto idx = cast<RankedTensorType>(op.getIndices().getType());
  ArrayRef<int64_t> buf = cast<RankedTensorType>(op.getBuffer().getType()).getShape();
  Value slot = workspace(MemRefType::get(idx.getShape(), b.getI32Type()), op.getLoc());
  Value rowSource = workspace(MemRefType::get({buf[0], buf[1]}, b.getI32Type()), op.getLoc());
  NamedAttrList slotAttrs;
  slotAttrs.append("num_experts", b.getI64IntegerAttr(buf[0]));
  slotAttrs.append("capacity", b.getI64IntegerAttr(buf[1]));
  Value indices = buffers.lookup(op.getIndices());
  launch(op, "moe_slots", indices, {slot, rowSource}, slotAttrs.getDictionary(b.getContext()));
  launch(op, "moe_combine",
         {buffers.lookup(op.getBuffer()), indices, slot, buffers.lookup(op.getWeights())},
         dest(op.getResult()), kernelAttrs(op));
}

// Expert parallelism: slots come from the whole batch's indices (moe_slots, as unsharded), then
// moe_local_rows maps each choice of this rank's tokens to a row of its local buffer (or -1).
// Dispatch zeroes the buffer and scatters the token rows into it; combine reads them back.
// Combine recomputes the slots and rows, as lowerMoeCombine does.
DictionaryAttr FuncLowering::moeAttrs(int64_t numExperts, int64_t capacity) {
  NamedAttrList attrs;
  attrs.append("num_experts", b.getI64IntegerAttr(numExperts));
  attrs.append("capacity", b.getI64IntegerAttr(capacity));
  return attrs.getDictionary(b.getContext());
}

Value FuncLowering::localMoeRows(Operation *op, Value indices, Value tokenIds, Value experts,
                                 int64_t numExperts, int64_t capacity) {
  auto idx = cast<RankedTensorType>(indices.getType());
  int64_t tokens = cast<RankedTensorType>(tokenIds.getType()).getDimSize(0);
  Location loc = op->getLoc();
  Value slot = workspace(MemRefType::get(idx.getShape(), b.getI32Type()), loc);
  Value rowSource = workspace(MemRefType::get({numExperts, capacity}, b.getI32Type()), loc);
  Value rows = workspace(MemRefType::get({tokens, idx.getDimSize(1)}, b.getI32Type()), loc);
  DictionaryAttr dict = moeAttrs(numExperts, capacity);
  Value indexBuffer = buffers.lookup(indices);
  launch(op, "moe_slots", indexBuffer, {slot, rowSource}, dict);
  launch(op, "moe_local_rows",
         {indexBuffer, slot, buffers.lookup(tokenIds), buffers.lookup(experts)}, rows, dict);
  return rows;
}

LogicalResult FuncLowering::lowerMoeDispatchLocal(MoeDispatchLocalOp op) {
  int64_t numExperts = op.getNumExperts(), capacity = op.getCapacity();
  Value rows =
      localMoeRows(op, op.getIndices(), op.getTokenIds(), op.getExperts(), numExperts, capacity);
  Value out = dest(op.getResult());
  plan::MemsetOp::create(b, op.getLoc(), out, /*value=*/0, /*stream=*/0,
                         /*wait_events=*/nullptr, /*record_event=*/nullptr);
  launch(op, "moe_dispatch_local", {buffers.lookup(op.getX()), rows}, out,
         moeAttrs(numExperts, capacity));
  return success();
}

LogicalResult FuncLowering::lowerMoeCombineLocal(MoeCombineLocalOp op) {
  int64_t numExperts = op.getNumExperts();
  int64_t capacity = cast<RankedTensorType>(op.getBuffer().getType()).getDimSize(1);
  Value rows =
      localMoeRows(op, op.getIndices(), op.getTokenIds(), op.getExperts(), numExperts, capacity);
  launch(op, "moe_combine_local",
         {buffers.lookup(op.getBuffer()), rows, buffers.lookup(op.getWeights())},
         dest(op.getResult()), moeAttrs(numExperts, capacity));
  return success();
}

/// One param per plan, at its start: every step that needs the rank's place reads it.
Value FuncLowering::meshCoords(Location loc, int64_t meshRank) {
  if (coords)
    return coords;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  coords = plan::ParamOp::create(b, loc, MemRefType::get({meshRank}, b.getI64Type()), "mesh.coords",
                                 /*offset=*/nullptr, /*source=*/nullptr,
                                 /*source_type=*/nullptr, /*fp8_recipe=*/nullptr,
                                 /*fp8_scales=*/false, /*state=*/false, /*split_axes=*/nullptr,
                                 /*mesh_coords=*/true, /*source_start=*/nullptr);
  return coords;
}

/// An iota split over the mesh (dsc-fold-param-slices) is this rank's block: the kernel adds the
/// block's start along `dimension`, from the rank's coordinates along the dimension's mesh
/// axes (`rank_axes`, outermost first; `mesh_shape` their sizes).
LogicalResult FuncLowering::lowerIota(IotaOp op) {
  auto split = op->getAttrOfType<ArrayAttr>(DscDialect::kSplitAxesAttr);
  int64_t dim = static_cast<int64_t>(op.getDimension());
  auto axes = split && dim < static_cast<int64_t>(split.size())
                  ? dyn_cast<DenseI32ArrayAttr>(split[dim])
                  : DenseI32ArrayAttr();
  NamedAttrList attrs(kernelAttrs(op));
  SmallVector<Value> inputs;
  if (axes && !axes.empty()) {
    auto grids = func->getParentOfType<ModuleOp>().getOps<shard::GridOp>();
    if (grids.empty())
      return op.emitOpError("is split over mesh axes but the module has no shard.grid");
    shard::GridOp grid = *grids.begin();
    attrs.set("rank_axes", b.getDenseI64ArrayAttr(llvm::map_to_vector(
                               axes.asArrayRef(), [](int32_t a) { return int64_t(a); })));
    attrs.set("mesh_shape", b.getDenseI64ArrayAttr(grid.getShape()));
    inputs.push_back(meshCoords(op.getLoc(), grid.getRank()));
  }
  launch(op, "iota", inputs, dest(op.getResult()), attrs.getDictionary(b.getContext()));
  return success();
}

// A fusion is one "fused" launch. Its body travels as a list of steps in
// op_attrs (the plan holds buffers and steps, no tensors): values are numbered,
// operands first, then one per step; each step names the kernel kind its op
// lowers to alone, the op, its operand numbers, its result type and its
// attributes (a step of several results, a quantize, lists the types of the
// others in `extra_types` and they are numbered after it); `results` numbers
// the value each output is written from.
void FuncLowering::lowerFusion(FusionOp op) {
  Block &body = op.getBody().front();
  DenseMap<Value, int64_t> number;
  for (BlockArgument arg : body.getArguments())
    number[arg] = arg.getArgNumber();
  SmallVector<Attribute> steps;
  for (Operation &inner : body.without_terminator()) {
    NamedAttrList step;
    step.append("kernel", b.getStringAttr(isa<ConstantOp>(inner) ? StringRef("constant")
                                                                 : kernelKindOf(&inner)));
    step.append("op", b.getStringAttr(inner.getName().getStringRef()));
    step.append("operands", b.getDenseI64ArrayAttr(llvm::map_to_vector(
                                inner.getOperands(), [&](Value v) { return number.lookup(v); })));
    step.append("type", TypeAttr::get(inner.getResult(0).getType()));
    if (inner.getNumResults() > 1) // a quantize's scales
      step.append("extra_types", b.getArrayAttr(llvm::map_to_vector(
                                     TypeRange(inner.getResultTypes()).drop_front(),
                                     [](Type t) -> Attribute { return TypeAttr::get(t); })));
    step.append("attrs", kernelAttrs(&inner));
    steps.push_back(step.getDictionary(b.getContext()));
    for (Value result : inner.getResults())
      number[result] = static_cast<int64_t>(number.size());
  }
  auto yield = cast<YieldOp>(body.getTerminator());
  NamedAttrList attrs;
  attrs.append("body", b.getArrayAttr(steps));
  attrs.append("results", b.getDenseI64ArrayAttr(llvm::map_to_vector(
                              yield.getValues(), [&](Value v) { return number.lookup(v); })));
  SmallVector<Value> outputs =
      llvm::map_to_vector(op.getResults(), [&](Value r) { return dest(r); });
  launch(op, "fused", buffersOf(op.getInputs()), outputs, attrs.getDictionary(b.getContext()));
}

struct LowerToPlanPass : public dsc::impl::LowerToPlanPassBase<LowerToPlanPass> {
  using LowerToPlanPassBase::LowerToPlanPassBase;

  void runOnOperation() override {
    if (attention != "auto" && attention != "cudnn" && attention != "generated") {
      getOperation().emitError("dsc-lower-to-plan: attention must be auto, cudnn or generated, "
                               "got '")
          << attention << "'";
      return signalPassFailure();
    }
    for (auto func : llvm::make_early_inc_range(getOperation().getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      if (failed(FuncLowering(func, attention, explain).run()))
        return signalPassFailure();
    }
    // After the functions: their collectives look the grid up by symbol.
    if (failed(lowerShardGrid(getOperation())))
      return signalPassFailure();
  }
};

} // namespace
