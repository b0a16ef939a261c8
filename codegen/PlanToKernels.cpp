//===- PlanToKernels.cpp - KernelSpecs and cubins from a plan module ------===//
//
// Reads each launch's kernel kind, operand types and `op_attrs` (the dsc op's
// inherent attributes with defaults filled in by dsc-lower-to-plan) into a
// KernelSpec. Each spec is first emitted on its own so that a spec the emitter
// rejects is reported at its launch; the module is then emitted once, which
// deduplicates identical kernels.
//
//===----------------------------------------------------------------------===//

#include "ir/ElementDType.h"
#include "codegen/PlanToKernels.h"

#include "ir/DscDialect.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace dsc::codegen {

std::optional<DType> dtypeOf(Type t) {
  return elementDType(t);
}

std::string sourceLocation(Location loc) {
  std::string result;
  loc->walk([&](Location inner) {
    if (auto file = dyn_cast<FileLineColLoc>(inner)) {
      result =
          (llvm::sys::path::filename(file.getFilename().strref()) + ":" +
           llvm::Twine(file.getLine()) + ":" + llvm::Twine(file.getColumn()))
              .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result;
}

namespace {

std::optional<KernelKind> parseKernelKind(StringRef name) {
  return llvm::StringSwitch<std::optional<KernelKind>>(name)
      .Case("unary", KernelKind::Unary)
      .Case("binary", KernelKind::Binary)
      .Case("compare", KernelKind::Compare)
      .Case("select", KernelKind::Select)
      .Case("cast", KernelKind::Cast)
      .Case("broadcast", KernelKind::Broadcast)
      .Case("transpose", KernelKind::Transpose)
      .Case("slice", KernelKind::Slice)
      .Case("concat", KernelKind::Concat)
      .Case("gather", KernelKind::Gather)
      .Case("iota", KernelKind::Iota)
      .Case("reduce", KernelKind::Reduce)
      .Case("softmax", KernelKind::Softmax)
      .Case("rms_norm", KernelKind::RmsNorm)
      .Case("layer_norm", KernelKind::LayerNorm)
      .Case("rope", KernelKind::Rope)
      .Case("router_topk", KernelKind::RouterTopK)
      .Case("moe_slots", KernelKind::MoeSlots)
      .Case("moe_dispatch", KernelKind::MoeDispatch)
      .Case("moe_combine", KernelKind::MoeCombine)
      .Case("moe_local_rows", KernelKind::MoeLocalRows)
      .Case("moe_dispatch_local", KernelKind::MoeDispatchLocal)
      .Case("moe_combine_local", KernelKind::MoeCombineLocal)
      .Case("fused", KernelKind::Fused)
      .Case("quantize_fp8", KernelKind::QuantizeFp8)
      .Case("amax", KernelKind::Amax)
      .Default(std::nullopt);
}

std::optional<UnaryOp> unaryOpOf(StringRef op) {
  return llvm::StringSwitch<std::optional<UnaryOp>>(op)
      .Case("dsc.neg", UnaryOp::Neg)
      .Case("dsc.abs", UnaryOp::Abs)
      .Case("dsc.exp", UnaryOp::Exp)
      .Case("dsc.log", UnaryOp::Log)
      .Case("dsc.sqrt", UnaryOp::Sqrt)
      .Case("dsc.rsqrt", UnaryOp::Rsqrt)
      .Case("dsc.tanh", UnaryOp::Tanh)
      .Case("dsc.sigmoid", UnaryOp::Sigmoid)
      .Case("dsc.silu", UnaryOp::Silu)
      .Case("dsc.relu", UnaryOp::Relu)
      .Case("dsc.gelu", UnaryOp::GeluErf)
      .Case("dsc.pow", UnaryOp::Pow)
      .Default(std::nullopt);
}

std::optional<BinaryOp> binaryOpOf(StringRef op) {
  return llvm::StringSwitch<std::optional<BinaryOp>>(op)
      .Case("dsc.add", BinaryOp::Add)
      .Case("dsc.sub", BinaryOp::Sub)
      .Case("dsc.mul", BinaryOp::Mul)
      .Case("dsc.div", BinaryOp::Div)
      .Case("dsc.max", BinaryOp::Max)
      .Case("dsc.min", BinaryOp::Min)
      .Default(std::nullopt);
}

std::optional<ReduceOp> reduceOpOf(StringRef op) {
  return llvm::StringSwitch<std::optional<ReduceOp>>(op)
      .Case("dsc.reduce_sum", ReduceOp::Sum)
      .Case("dsc.reduce_max", ReduceOp::Max)
      .Case("dsc.reduce_mean", ReduceOp::Mean)
      .Default(std::nullopt);
}

/// Reads `attrs` (a launch's `op_attrs`, or a fused step's attributes) into a
/// KernelAttrs, reporting a missing or mistyped attribute at the launch.
class AttrReader {
public:
  AttrReader(plan::LaunchOp launch, DictionaryAttr attrs)
      : launch(launch), attrs(attrs) {}

  bool failed() const { return hasError; }

  template <typename T> T get(StringRef name) {
    Attribute attr = attrs.get(name);
    auto typed = dyn_cast_or_null<T>(attr);
    if (!typed && !hasError) {
      launch.emitOpError() << "kernel '" << launch.getKernel()
                           << "' needs op_attrs." << name;
      hasError = true;
    }
    return typed;
  }
  int64_t integer(StringRef name) {
    auto a = get<IntegerAttr>(name);
    return a ? a.getInt() : 0;
  }
  double real(StringRef name) {
    auto a = get<FloatAttr>(name);
    return a ? a.getValueAsDouble() : 0.0;
  }
  bool flag(StringRef name) {
    auto a = get<BoolAttr>(name);
    return a && a.getValue();
  }
  std::vector<int64_t> array(StringRef name) {
    auto a = get<DenseI64ArrayAttr>(name);
    return a ? std::vector<int64_t>(a.asArrayRef().begin(),
                                    a.asArrayRef().end())
             : std::vector<int64_t>{};
  }

private:
  plan::LaunchOp launch;
  DictionaryAttr attrs;
  bool hasError = false;
};

/// Fills the fields of `attrs` that `kind` reads from `opAttrs` of the dsc op
/// `op`; fails (after an error) on a source op the kind has no variant for.
LogicalResult readAttrs(plan::LaunchOp launch, KernelKind kind, StringRef op,
                        DictionaryAttr opAttrs, KernelAttrs &attrs) {
  AttrReader r(launch, opAttrs);
  auto unknownOp = [&] {
    return launch.emitOpError() << "kernel '" << launch.getKernel()
                                << "' cannot implement '" << op << "' yet";
  };
  switch (kind) {
  case KernelKind::Unary: {
    std::optional<UnaryOp> u = unaryOpOf(op);
    if (!u)
      return unknownOp();
    attrs.unary = *u;
    if (*u == UnaryOp::GeluErf) {
      auto approx = r.get<GeluApproximationAttr>("approximate");
      if (approx && approx.getValue() == GeluApproximation::tanh)
        attrs.unary = UnaryOp::GeluTanh;
    }
    if (*u == UnaryOp::Pow)
      attrs.exponent = r.real("exponent");
    break;
  }
  case KernelKind::Binary: {
    std::optional<BinaryOp> b = binaryOpOf(op);
    if (!b)
      return unknownOp();
    attrs.binary = *b;
    break;
  }
  case KernelKind::Compare:
    if (auto p = r.get<ComparePredicateAttr>("predicate"))
      attrs.predicate = static_cast<ComparePredicate>(p.getValue());
    break;
  case KernelKind::Select:
  case KernelKind::Cast:
    break;
  case KernelKind::Amax: // delayed scaling's reads the history too
    if (auto history = dyn_cast_or_null<IntegerAttr>(opAttrs.get("amax_history")))
      attrs.fp8AmaxHistory = history.getInt();
    break;
  case KernelKind::QuantizeFp8:
    if (auto recipe = r.get<StringAttr>("recipe"))
      attrs.fp8Blockwise = recipe.getValue() == "blockwise";
    if (auto history = dyn_cast_or_null<IntegerAttr>(opAttrs.get("amax_history")))
      attrs.fp8AmaxHistory = history.getInt();
    break;
  case KernelKind::Attention: // plan.attention, not a launch kind
    return launch.emitOpError() << "attention is a plan.attention step";
  case KernelKind::Fused: // the body is read by readFusedBody
    break;
  case KernelKind::MoeCombine: {
    // dsc.moe_combine has no attributes: E and C are the shape of its buf[E, C,
    // D].
    auto buf = cast<MemRefType>(launch.getInputs().front().getType());
    if (launch.getInputs().size() != 4 || buf.getRank() != 3)
      return launch.emitOpError()
             << "moe_combine expects buf[E, C, D], idx, slot, w";
    attrs.numExperts = buf.getDimSize(0);
    attrs.capacity = buf.getDimSize(1);
    break;
  }
  case KernelKind::Broadcast:
    attrs.dims = r.array("dims");
    break;
  case KernelKind::Transpose:
    attrs.dims = r.array("permutation");
    break;
  case KernelKind::Slice:
    attrs.dims = r.array("start");
    attrs.limit = r.array("limit");
    attrs.stride = r.array("stride");
    break;
  case KernelKind::Concat:
  case KernelKind::Gather:
  case KernelKind::Softmax:
    attrs.axis = r.integer("axis");
    break;
  case KernelKind::Iota:
    attrs.axis = r.integer("dimension");
    if (opAttrs.get("rank_axes")) {
      attrs.rankAxes = r.array("rank_axes");
      attrs.meshShape = r.array("mesh_shape");
    }
    break;
  case KernelKind::Reduce: {
    std::optional<ReduceOp> red = reduceOpOf(op);
    if (!red)
      return unknownOp();
    attrs.reduce = *red;
    attrs.dims = r.array("axes");
    attrs.keepDims = r.flag("keepdims");
    break;
  }
  case KernelKind::RmsNorm:
  case KernelKind::LayerNorm:
    attrs.eps = r.real("eps");
    break;
  case KernelKind::Rope:
    attrs.theta = r.real("theta");
    if (auto style = r.get<RopeStyleAttr>("style"))
      attrs.ropeStyle = style.getValue() == dsc::RopeStyle::interleaved
                            ? codegen::RopeStyle::Interleaved
                            : codegen::RopeStyle::Half;
    if (op == "dsc.split_rope")
      if (auto rotate = r.get<DenseBoolArrayAttr>("rotate"))
        attrs.rotate.assign(rotate.asArrayRef().begin(), rotate.asArrayRef().end());
    break;
  case KernelKind::RouterTopK:
    attrs.k = r.integer("k");
    attrs.nGroups = r.integer("n_groups");
    attrs.topkGroups = r.integer("topk_groups");
    if (auto score = r.get<RouterScoreAttr>("score"))
      attrs.score = score.getValue() == dsc::RouterScore::softmax
                        ? codegen::RouterScore::Softmax
                        : codegen::RouterScore::Sigmoid;
    attrs.normalize = r.flag("normalize");
    attrs.scaling = r.real("scaling");
    break;
  case KernelKind::MoeSlots:
  case KernelKind::MoeDispatch:
  case KernelKind::MoeLocalRows:
  case KernelKind::MoeDispatchLocal:
  case KernelKind::MoeCombineLocal:
    attrs.numExperts = r.integer("num_experts");
    attrs.capacity = r.integer("capacity");
    break;
  }
  return failure(r.failed());
}

LogicalResult describeType(Operation *launch, ShapedType type,
                           std::vector<TensorDesc> &descs) {
  std::optional<DType> dtype = dtypeOf(type.getElementType());
  if (!dtype)
    return launch->emitOpError()
           << "has an operand of element type " << type.getElementType()
           << ", which no kernel supports";
  descs.push_back({*dtype, std::vector<int64_t>(type.getShape().begin(),
                                                type.getShape().end())});
  return success();
}

LogicalResult describeOperands(Operation *launch, ValueRange values,
                               std::vector<TensorDesc> &descs) {
  for (Value v : values)
    if (failed(describeType(launch, cast<ShapedType>(v.getType()), descs)))
      return failure();
  return success();
}

/// The value of a splat constant step, as the fused kernel writes it.
FailureOr<double> splatValue(plan::LaunchOp launch, DictionaryAttr attrs) {
  auto value = attrs.getAs<SplatElementsAttr>("value");
  if (value && isa<FloatType>(value.getElementType()))
    return value.getSplatValue<APFloat>().convertToDouble();
  if (value && isa<IntegerType>(value.getElementType()))
    return static_cast<double>(
        value.getElementType().isInteger(1)
            ? value.getSplatValue<APInt>().getZExtValue()
            : value.getSplatValue<APInt>().getSExtValue());
  return launch.emitOpError() << "a fused constant must be a splat";
}

/// A "fused" launch's op_attrs (checked by its verifier) as FusedSteps.
LogicalResult readFusedBody(plan::LaunchOp launch, KernelSpec &spec) {
  auto body = launch.getOpAttrs().getAs<ArrayAttr>("body");
  auto results = launch.getOpAttrs().getAs<DenseI64ArrayAttr>("results");
  if (!body || !results)
    return launch.emitOpError() << "a fused kernel needs op_attrs.body and "
                                   "op_attrs.results";
  for (Attribute attr : body) {
    auto dict = cast<DictionaryAttr>(attr);
    FusedStep step;
    step.sourceOp = dict.getAs<StringAttr>("op").str();
    StringRef kernel = dict.getAs<StringAttr>("kernel").getValue();
    auto attrs = dict.getAs<DictionaryAttr>("attrs");
    std::vector<TensorDesc> result;
    if (failed(describeType(
            launch, cast<ShapedType>(dict.getAs<TypeAttr>("type").getValue()),
            result)))
      return failure();
    step.result = result.front();
    if (auto extra = dict.getAs<ArrayAttr>("extra_types")) {
      std::vector<TensorDesc> more;
      for (Attribute t : extra)
        if (failed(describeType(launch, cast<ShapedType>(cast<TypeAttr>(t).getValue()), more)))
          return failure();
      step.extraResults = std::move(more);
    }
    for (int64_t operand :
         dict.getAs<DenseI64ArrayAttr>("operands").asArrayRef())
      step.operands.push_back(static_cast<int>(operand));
    if (kernel == "constant") {
      FailureOr<double> value = splatValue(launch, attrs);
      if (failed(value))
        return failure();
      step.isConstant = true;
      step.constant = *value;
    } else {
      std::optional<KernelKind> kind = parseKernelKind(kernel);
      if (!kind || *kind == KernelKind::Fused)
        return launch.emitOpError()
               << "fused step '" << step.sourceOp << "' has no kernel kind '"
               << kernel << "'";
      step.kind = *kind;
      if (failed(readAttrs(launch, *kind, step.sourceOp, attrs, step.attrs)))
        return failure();
    }
    spec.fusedSteps.push_back(std::move(step));
  }
  for (int64_t value : results.asArrayRef())
    spec.fusedResults.push_back(static_cast<int>(value));
  return success();
}

} // namespace

FailureOr<KernelSpec> buildKernelSpec(plan::LaunchOp launch) {
  std::optional<KernelKind> kind = parseKernelKind(launch.getKernel());
  if (!kind)
    return launch.emitOpError()
           << "kernel kind '" << launch.getKernel() << "' (from '"
           << launch.getOp() << "') has no kernel emitter yet";
  if (launch.getScalars() && !launch.getScalars()->empty())
    return launch.emitOpError()
           << "has scalar arguments; generated kernels take buffers only";
  KernelSpec spec;
  spec.kind = *kind;
  spec.sourceOp = launch.getOp().str();
  spec.location = sourceLocation(launch.getLoc());
  if (*kind == KernelKind::Fused
          ? failed(readFusedBody(launch, spec))
          : failed(readAttrs(launch, *kind, launch.getOp(), launch.getOpAttrs(),
                             spec.attrs)))
    return failure();
  if (failed(describeOperands(launch, launch.getInputs(), spec.inputs)) ||
      failed(describeOperands(launch, launch.getOutputs(), spec.outputs)))
    return failure();
  return spec;
}

FailureOr<KernelSpec> buildKernelSpec(plan::AttentionOp attention) {
  KernelSpec spec;
  spec.kind = KernelKind::Attention;
  spec.sourceOp = "dsc.attention";
  spec.location = sourceLocation(attention.getLoc());
  spec.attrs.causal = attention.getCausal();
  spec.attrs.scale = attention.getScale().convertToDouble();
  // The kernel indexes dense [B, T, H, D] tensors; the op's sizes (checked
  // against the buffers' element counts by its verifier) give the shapes.
  auto shaped = [](Value v, std::vector<int64_t> shape) {
    return std::make_pair(v, std::move(shape));
  };
  int64_t b = attention.getBatch(), tq = attention.getTq(),
          tk = attention.getTk(), hq = attention.getHq(),
          hkv = attention.getHkv(), dh = attention.getDh(),
          dv = attention.getDv();
  for (auto [value, shape] :
       {shaped(attention.getQ(), {b, tq, hq, dh}),
        shaped(attention.getK(), {b, tk, hkv, dh}),
        shaped(attention.getV(), {b, tk, hkv, dv}),
        shaped(attention.getOut(), {b, tq, hq, dv})}) {
    std::optional<DType> dtype =
        dtypeOf(cast<MemRefType>(value.getType()).getElementType());
    if (!dtype)
      return attention.emitOpError() << "has an operand of element type "
                                     << cast<MemRefType>(value.getType())
                                            .getElementType()
                                     << ", which no kernel supports";
    (value == attention.getOut() ? spec.outputs : spec.inputs)
        .push_back({*dtype, shape});
  }
  return spec;
}

FailureOr<PlanKernels> emitPlanKernels(func::FuncOp func,
                                       const TargetInfo &target) {
  PlanKernels result;
  std::vector<KernelSpec> specs;
  bool ok = true;
  func.walk([&](Operation *op) {
    FailureOr<KernelSpec> spec = failure();
    if (auto launch = dyn_cast<plan::LaunchOp>(op))
      spec = buildKernelSpec(launch);
    else if (auto attention = dyn_cast<plan::AttentionOp>(op);
             attention && attention.getBackend() == "generated")
      spec = buildKernelSpec(attention);
    else
      return;
    if (failed(spec)) {
      ok = false;
      return;
    }
    if (absl::StatusOr<EmittedKernel> k = emitKernel(*spec, target); !k.ok()) {
      op->emitOpError() << "cannot generate its '" << kernelKindName(spec->kind)
                        << "' kernel: " << std::string(k.status().message());
      ok = false;
      return;
    }
    result.launches.push_back(op);
    specs.push_back(std::move(*spec));
  });
  if (!ok)
    return failure();
  absl::StatusOr<EmittedModule> module = emitModule(specs, target);
  if (!module.ok())
    return func.emitError()
           << "kernel module: " << std::string(module.status().message());
  result.module = std::move(*module);
  return result;
}

FailureOr<std::vector<Cubin>>
compilePlanKernels(const PlanKernels &kernels,
                   const std::vector<std::string> &archs, Location loc) {
  NvrtcCompiler compiler(DSC_CUDA_INCLUDE_DIR);
  std::string names;
  for (const EmittedKernel &k : kernels.module.kernels)
    if (names.find(k.name) == std::string::npos)
      names += (names.empty() ? "" : ", ") + k.name;
  absl::StatusOr<std::vector<Cubin>> cubins =
      compiler.compileForArchs(kernels.module.source, archs, names);
  if (!cubins.ok())
    return emitError(loc) << std::string(cubins.status().message());
  return std::move(*cubins);
}

} // namespace dsc::codegen
