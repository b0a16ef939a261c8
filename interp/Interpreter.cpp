//===- Interpreter.cpp - The reference interpreter of dsc IR --------------===//
//
// The walker: binds inputs, evaluates each op of the entry block with its
// kernel, checks that the kernel produced exactly the type the IR declares,
// and frees each value after its last use so that a deep model needs memory
// for its live activations only.
//
//===----------------------------------------------------------------------===//

#include "ir/ElementDType.h"
#include "interp/Interpreter.h"

#include "ir/DscDialect.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cstring>

namespace dsc::interp {

using mlir::failure;
using mlir::LogicalResult;
using mlir::Operation;
using mlir::success;
using mlir::Value;

std::optional<DType> dtypeOf(mlir::Type t) {
  return elementDType(t);
}

std::optional<std::pair<DType, Shape>> tensorTypeOf(mlir::Type type) {
  auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return std::nullopt;
  std::optional<DType> dtype = dtypeOf(tensor.getElementType());
  if (!dtype)
    return std::nullopt;
  return std::make_pair(*dtype, Shape(tensor.getShape()));
}

std::string inputName(mlir::func::FuncOp func, unsigned index) {
  if (auto name =
          func.getArgAttrOfType<mlir::StringAttr>(index, DscDialect::kNameAttr))
    return name.str();
  return "arg" + std::to_string(index);
}

std::string outputName(mlir::func::FuncOp func, unsigned index) {
  if (auto name = func.getResultAttrOfType<mlir::StringAttr>(
          index, DscDialect::kNameAttr))
    return name.str();
  return "result" + std::to_string(index);
}

mlir::func::FuncOp findEntryFunction(mlir::ModuleOp module) {
  if (auto main = module.lookupSymbol<mlir::func::FuncOp>("main"))
    return main;
  auto funcs = module.getOps<mlir::func::FuncOp>();
  if (!funcs.empty() && std::next(funcs.begin()) == funcs.end())
    return *funcs.begin();
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Op evaluation
//===----------------------------------------------------------------------===//

static UnaryOp unaryKind(NegOp) { return UnaryOp::Neg; }
static UnaryOp unaryKind(AbsOp) { return UnaryOp::Abs; }
static UnaryOp unaryKind(ReluOp) { return UnaryOp::Relu; }
static UnaryOp unaryKind(ExpOp) { return UnaryOp::Exp; }
static UnaryOp unaryKind(LogOp) { return UnaryOp::Log; }
static UnaryOp unaryKind(SqrtOp) { return UnaryOp::Sqrt; }
static UnaryOp unaryKind(RsqrtOp) { return UnaryOp::Rsqrt; }
static UnaryOp unaryKind(TanhOp) { return UnaryOp::Tanh; }
static UnaryOp unaryKind(SigmoidOp) { return UnaryOp::Sigmoid; }
static UnaryOp unaryKind(SiluOp) { return UnaryOp::Silu; }

static BinaryOp binaryKind(AddOp) { return BinaryOp::Add; }
static BinaryOp binaryKind(SubOp) { return BinaryOp::Sub; }
static BinaryOp binaryKind(MulOp) { return BinaryOp::Mul; }
static BinaryOp binaryKind(DivOp) { return BinaryOp::Div; }
static BinaryOp binaryKind(MaxOp) { return BinaryOp::Max; }
static BinaryOp binaryKind(MinOp) { return BinaryOp::Min; }

/// f32 values rounded to TF32 (10 mantissa bits, to nearest even), as the
/// tensor cores read them under CUBLAS_COMPUTE_32F_FAST_TF32.
static HostTensor tf32Inputs(const HostTensor &x) {
  std::vector<float> v(x.floats());
  for (float &f : v) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7f800000u) != 0x7f800000u) { // finite
      bits += 0x0fffu + ((bits >> 13) & 1u);
      bits &= ~0x1fffu;
      std::memcpy(&f, &bits, sizeof bits);
    }
  }
  return HostTensor::fromFloats(DType::F32, x.shape(), std::move(v));
}

/// `product + addend` (an f32 product) summed in f32 and rounded once to `type`.
static HostTensor addRounded(const HostTensor &product, const HostTensor &addend,
                             DType type) {
  std::vector<float> sum(product.floats());
  for (size_t i = 0; i < sum.size(); ++i)
    sum[i] += addend.floats()[i];
  return HostTensor::fromFloats(type, product.shape(), std::move(sum));
}

/// The verifiers admit known recipe names only.
static Fp8Recipe recipeOf(llvm::StringRef name) { return *parseFp8Recipe(name); }

static ReduceKind reduceKind(ReduceSumOp) { return ReduceKind::Sum; }
static ReduceKind reduceKind(ReduceMaxOp) { return ReduceKind::Max; }
static ReduceKind reduceKind(ReduceMeanOp) { return ReduceKind::Mean; }

static ComparePredicate comparePredicate(dsc::ComparePredicate p) {
  switch (p) {
  case dsc::ComparePredicate::eq:
    return ComparePredicate::Eq;
  case dsc::ComparePredicate::ne:
    return ComparePredicate::Ne;
  case dsc::ComparePredicate::lt:
    return ComparePredicate::Lt;
  case dsc::ComparePredicate::le:
    return ComparePredicate::Le;
  case dsc::ComparePredicate::gt:
    return ComparePredicate::Gt;
  case dsc::ComparePredicate::ge:
    return ComparePredicate::Ge;
  }
  return ComparePredicate::Eq;
}

static float toFloat(llvm::APFloat value) {
  bool losesInfo;
  value.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToFloat();
}

/// A dense<...> literal as a tensor of `dtype[shape]`.
static mlir::FailureOr<HostTensor> constantValue(ConstantOp op, DType dtype,
                                                 const Shape &shape) {
  auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(op.getValue());
  if (!dense)
    return op.emitOpError(
        "the interpreter evaluates dense<...> constants only");
  int64_t n = numElements(shape);
  if (isIntDType(dtype)) {
    // i1 `true` is the 1-bit pattern 1, which sign-extends to -1.
    auto toInt = [&](const llvm::APInt &v) {
      return dtype == DType::I1 ? static_cast<int64_t>(v.getZExtValue())
                                : v.getSExtValue();
    };
    std::vector<int64_t> values;
    if (dense.isSplat()) {
      values.assign(n, toInt(dense.getSplatValue<llvm::APInt>()));
    } else {
      values.reserve(n);
      for (const llvm::APInt &v : dense.getValues<llvm::APInt>())
        values.push_back(toInt(v));
    }
    return HostTensor::fromInts(dtype, shape, std::move(values));
  }
  std::vector<float> values;
  if (dense.isSplat()) {
    values.assign(n, toFloat(dense.getSplatValue<llvm::APFloat>()));
  } else {
    values.reserve(n);
    for (const llvm::APFloat &v : dense.getValues<llvm::APFloat>())
      values.push_back(toFloat(v));
  }
  return HostTensor::fromFloats(dtype, shape, std::move(values));
}

namespace {
/// Evaluates one op in a RankContext: looks operands up, calls the kernel and
/// stores the results, checked against the types the IR declares.
class OpEvaluator {
public:
  /// The amax history (of a length) of a delayed-scaling quantize, in this context's rank.
  using HistoryOf = llvm::function_ref<Fp8AmaxHistory &(Operation *, int64_t)>;

  OpEvaluator(Operation *op, RankContext &context, WeightSource &weights,
              const InterpOptions &options, HistoryOf amaxHistory)
      : op(op), context(context), weights(weights), options(options), amaxHistory(amaxHistory) {}

  LogicalResult run();

private:
  LogicalResult runFusion(FusionOp fusion);
  const HostTensor &in(Value v) { return context.values.find(v)->second; }
  const HostTensor *inOrNull(Value v) { return v ? &in(v) : nullptr; }
  LogicalResult set(Value result, HostTensor tensor);
  LogicalResult set(HostTensor tensor) {
    return set(op->getResult(0), std::move(tensor));
  }
  DType resultDType(unsigned i = 0) {
    return tensorTypeOf(op->getResult(i).getType())->first;
  }
  Shape resultShape(unsigned i = 0) {
    return tensorTypeOf(op->getResult(i).getType())->second;
  }

  Operation *op;
  RankContext &context;
  WeightSource &weights;
  const InterpOptions &options;
  HistoryOf amaxHistory;
};
} // namespace

LogicalResult OpEvaluator::set(Value result, HostTensor tensor) {
  auto declared = tensorTypeOf(result.getType());
  if (declared->first != tensor.dtype() || declared->second != tensor.shape())
    return op->emitOpError("interpreter produced ")
           << tensor.typeToString() << " where the IR declares "
           << describeArray(declared->first, declared->second)
           << " (a kernel or verifier bug)";
  context.values[result] = std::move(tensor);
  return success();
}

LogicalResult OpEvaluator::run() {
  auto unsupported = [](Operation *other) {
    return other->emitOpError("is not supported by the reference interpreter");
  };
  if (!llvm::isa_and_nonnull<DscDialect>(op->getDialect()))
    return unsupported(op);
  for (mlir::Type t : op->getResultTypes())
    if (!tensorTypeOf(t))
      return op->emitOpError("result type ")
             << t << " is not a static tensor of a dsc element type";
  using std::vector;
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ParamOp p) -> LogicalResult {
        llvm::Expected<HostTensor> w =
            weights.load(p.getName(), resultDType(), resultShape());
        if (!w)
          return p.emitError(llvm::toString(w.takeError()));
        return set(std::move(*w));
      })
      .Case([&](ConstantOp c) -> LogicalResult {
        mlir::FailureOr<HostTensor> value =
            constantValue(c, resultDType(), resultShape());
        if (failed(value))
          return failure();
        return set(std::move(*value));
      })
      .Case([&](IotaOp o) {
        return set(iota(resultDType(), resultShape(),
                        static_cast<int64_t>(o.getDimension())));
      })
      .Case<NegOp, AbsOp, ReluOp, ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp,
            SigmoidOp, SiluOp>(
          [&](auto u) { return set(unary(unaryKind(u), in(u.getX()))); })
      .Case([&](GeluOp o) {
        return set(
            gelu(in(o.getX()), o.getApproximate() == GeluApproximation::tanh));
      })
      .Case([&](PowOp o) {
        return set(pow(in(o.getX()), o.getExponent().convertToDouble()));
      })
      .Case<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp>([&](auto b) {
        return set(binary(binaryKind(b), in(b.getLhs()), in(b.getRhs())));
      })
      .Case([&](CompareOp o) {
        return set(compare(comparePredicate(o.getPredicate()), in(o.getLhs()),
                           in(o.getRhs())));
      })
      .Case([&](SelectOp o) {
        return set(
            select(in(o.getCond()), in(o.getOnTrue()), in(o.getOnFalse())));
      })
      .Case([&](CastOp o) { return set(cast(in(o.getX()), resultDType())); })
      .Case([&](BroadcastOp o) {
        return set(broadcast(in(o.getX()), vector<int64_t>(o.getDims()),
                             resultShape()));
      })
      .Case([&](ReshapeOp o) {
        return set(reshape(in(o.getX()), resultShape()));
      })
      .Case([&](TransposeOp o) {
        return set(
            transpose(in(o.getX()), vector<int64_t>(o.getPermutation())));
      })
      .Case([&](SliceOp o) {
        return set(slice(in(o.getX()), vector<int64_t>(o.getStart()),
                         vector<int64_t>(o.getLimit()),
                         vector<int64_t>(o.getStride())));
      })
      .Case([&](ConcatOp o) {
        vector<const HostTensor *> inputs;
        for (Value v : o.getInputs())
          inputs.push_back(&in(v));
        return set(concat(inputs, static_cast<int64_t>(o.getAxis())));
      })
      .Case([&](SplitOp o) -> LogicalResult {
        vector<HostTensor> parts =
            split(in(o.getX()), static_cast<int64_t>(o.getAxis()),
                  vector<int64_t>(o.getSizes()));
        if (parts.size() != o->getNumResults())
          return o.emitOpError("interpreter produced ")
                 << parts.size() << " pieces for " << o->getNumResults()
                 << " results";
        for (auto [result, part] : llvm::zip(o.getResults(), parts))
          if (failed(set(result, std::move(part))))
            return failure();
        return success();
      })
      .Case([&](GatherOp o) {
        return set(gather(in(o.getTable()), in(o.getIndices()),
                          static_cast<int64_t>(o.getAxis())));
      })
      .Case<ReduceSumOp, ReduceMaxOp, ReduceMeanOp>([&](auto r) {
        return set(reduce(reduceKind(r), in(r.getX()),
                          vector<int64_t>(r.getAxes()), r.getKeepdims(),
                          options));
      })
      .Case([&](SoftmaxOp o) {
        return set(
            softmax(in(o.getX()), static_cast<int64_t>(o.getAxis()), options));
      })
      .Case([&](RmsNormOp o) {
        return set(rmsNorm(in(o.getX()), in(o.getWeight()),
                           o.getEps().convertToDouble(), options));
      })
      .Case([&](LayerNormOp o) {
        return set(layerNorm(in(o.getX()), in(o.getWeight()),
                             inOrNull(o.getBias()),
                             o.getEps().convertToDouble(), options));
      })
      .Case([&](QuantizedParamOp p) -> LogicalResult {
        auto source = tensorTypeOf(p.getSourceType());
        if (!source)
          return p.emitOpError("source_type is not a static tensor of a dsc "
                               "element type");
        llvm::Expected<HostTensor> w =
            weights.load(p.getName(), source->first, source->second);
        if (!w)
          return p.emitError(llvm::toString(w.takeError()));
        // On a mesh, the rank's part of the weight (its box, as dsrun reads it).
        if (p.getSplitAxes() || p.getSourceStart()) {
          Shape local = resultShape(0);
          vector<int64_t> start(2, 0), limit(2), stride(2, 1);
          if (std::optional<llvm::ArrayRef<int64_t>> given = p.getSourceStart())
            start.assign(given->begin(), given->end());
          for (int64_t d = 0; d < 2; ++d) {
            int64_t size = local[1 - d];
            if (mlir::ArrayAttr split = p.getSplitAxesAttr()) {
              auto axes = llvm::cast<mlir::DenseI32ArrayAttr>(split[d]).asArrayRef();
              start[d] += size * inGroupIndex(context.grid, context.rank,
                                              vector<int64_t>(axes.begin(), axes.end()));
            }
            limit[d] = start[d] + size;
          }
          *w = slice(*w, start, limit, stride);
        }
        auto [values, scales] = quantizeWeightFp8(*w, recipeOf(p.getRecipe()));
        if (failed(set(p.getValues(), std::move(values))))
          return failure();
        return set(p.getScales(), std::move(scales));
      })
      .Case([&](QuantizeOp o) -> LogicalResult {
        std::optional<int64_t> history = o.getAmaxHistory();
        auto [values, scales] = history ? quantizeFp8Delayed(in(o.getX()), amaxHistory(o, *history))
                                        : quantizeFp8(in(o.getX()), recipeOf(o.getRecipe()));
        if (failed(set(o.getValues(), std::move(values))))
          return failure();
        return set(o.getScales(), std::move(scales));
      })
      .Case([&](ScaledMatmulOp o) {
        HostTensor product = scaledMatmul(
            in(o.getA()), in(o.getAScales()), in(o.getB()), in(o.getBScales()),
            recipeOf(o.getRecipe()), o.getAddend() ? DType::F32 : resultDType());
        if (!o.getAddend())
          return set(std::move(product));
        return set(addRounded(product, in(o.getAddend()), resultDType()));
      })
      .Case([&](MatmulOp o) {
        const HostTensor &a = in(o.getA()), &b = in(o.getB());
        // dsc-precision's tf32: the tensor cores read f32 operands rounded to TF32.
        auto hint = o->getAttrOfType<mlir::StringAttr>(DscDialect::kPrecisionAttr);
        bool tf32 = hint && hint.getValue() == "tf32" && a.dtype() == DType::F32 &&
                    b.dtype() == DType::F32;
        MatmulAttrs attrs;
        attrs.transposeA = o.getTransposeA();
        attrs.transposeB = o.getTransposeB();
        // An addend is added in f32 and rounded once, as cuBLASLt's beta * C.
        attrs.outType = o.getAddend() ? DType::F32 : resultDType();
        HostTensor product = tf32 ? matmul(tf32Inputs(a), tf32Inputs(b), attrs, options)
                                  : matmul(a, b, attrs, options);
        if (!o.getAddend())
          return set(std::move(product));
        return set(addRounded(product, in(o.getAddend()), resultDType()));
      })
      .Case([&](RopeOp o) {
        return set(rope(in(o.getX()), in(o.getPositions()),
                        o.getTheta().convertToDouble(),
                        o.getStyle() == dsc::RopeStyle::half
                            ? interp::RopeStyle::Half
                            : interp::RopeStyle::Interleaved,
                        options));
      })
      .Case([&](SplitRopeOp o) -> LogicalResult {
        // As the ops it replaces: split the last axis, reshape to heads, rope.
        const HostTensor &x = in(o.getX());
        int64_t rows = x.numElements() / x.shape().back();
        vector<int64_t> sizes;
        for (unsigned i = 0; i < o->getNumResults(); ++i)
          sizes.push_back(numElements(resultShape(i)) / rows);
        vector<HostTensor> parts = split(x, x.rank() - 1, sizes);
        auto style = o.getStyle() == dsc::RopeStyle::half
                         ? interp::RopeStyle::Half
                         : interp::RopeStyle::Interleaved;
        for (auto [i, part] : llvm::enumerate(parts)) {
          HostTensor heads = reshape(part, resultShape(i));
          if (o.getRotate()[i])
            heads = rope(heads, in(o.getPositions()),
                         o.getTheta().convertToDouble(), style, options);
          if (failed(set(o.getResult(i), std::move(heads))))
            return failure();
        }
        return success();
      })
      .Case([&](AttentionOp o) {
        std::optional<double> scale;
        if (std::optional<llvm::APFloat> s = o.getScale())
          scale = s->convertToDouble();
        return set(attention(in(o.getQ()), in(o.getK()), in(o.getV()),
                             o.getCausal(), scale, options));
      })
      .Case([&](RouterTopkOp o) -> LogicalResult {
        RouterAttrs attrs;
        attrs.k = static_cast<int64_t>(o.getK());
        attrs.numGroups = static_cast<int64_t>(o.getNGroups());
        attrs.topkGroups = static_cast<int64_t>(o.getTopkGroups());
        attrs.score = o.getScore() == dsc::RouterScore::sigmoid
                          ? interp::RouterScore::Sigmoid
                          : interp::RouterScore::Softmax;
        attrs.normalize = o.getNormalize();
        attrs.scaling = o.getScaling().convertToDouble();
        auto [w, idx] = routerTopK(in(o.getLogits()), inOrNull(o.getBias()),
                                   attrs, options);
        if (failed(set(o.getWeights(), std::move(w))))
          return failure();
        return set(o.getIndices(), std::move(idx));
      })
      .Case([&](MoeDispatchOp o) {
        return set(moeDispatch(in(o.getX()), in(o.getIndices()),
                               static_cast<int64_t>(o.getNumExperts()),
                               static_cast<int64_t>(o.getCapacity())));
      })
      .Case([&](MoeCombineOp o) {
        return set(moeCombine(in(o.getBuffer()), in(o.getIndices()),
                              in(o.getWeights()), options));
      })
      .Case([&](MoeDispatchLocalOp o) {
        MoeSubset subset{&in(o.getTokenIds()), &in(o.getExperts()),
                         static_cast<int64_t>(o.getNumExperts())};
        return set(moeDispatch(in(o.getX()), in(o.getIndices()),
                               static_cast<int64_t>(o.getNumExperts()),
                               static_cast<int64_t>(o.getCapacity()), subset));
      })
      .Case([&](MoeCombineLocalOp o) {
        MoeSubset subset{&in(o.getTokenIds()), &in(o.getExperts()),
                         static_cast<int64_t>(o.getNumExperts())};
        return set(moeCombine(in(o.getBuffer()), in(o.getIndices()),
                              in(o.getWeights()), options, subset));
      })
      .Case([&](FusionOp f) { return runFusion(f); })
      .Default(unsupported);
}

/// The body op by op in this context, as if it were not fused. Block arguments
/// borrow their operands' tensors (no copy) and give them back; the body's own
/// values move into the results or are freed.
LogicalResult OpEvaluator::runFusion(FusionOp fusion) {
  mlir::Block &body = fusion.getBody().front();
  llvm::SmallDenseMap<Value, Value>
      lentTo; // operand -> the argument holding it
  for (auto [arg, input] : llvm::zip(body.getArguments(), fusion.getInputs())) {
    // Take the tensor out before inserting: `values[arg]` may grow the map, which would leave
    // a reference into it (the right side, evaluated first) dangling.
    if (Value holder = lentTo.lookup(input)) { // an operand passed twice
      HostTensor copy = in(holder);
      context.values[arg] = std::move(copy);
      continue;
    }
    HostTensor lent = std::move(context.values.find(input)->second);
    context.values[arg] = std::move(lent);
    lentTo[input] = arg;
  }
  LogicalResult result = success();
  for (Operation &inner : body.without_terminator())
    if (failed(result = OpEvaluator(&inner, context, weights, options, amaxHistory).run()))
      break;
  auto yield = llvm::cast<YieldOp>(body.getTerminator());
  mlir::OperandRange yielded = yield.getValues();
  for (auto [i, out, value] :
       llvm::enumerate(fusion.getResults(), yield.getValues())) {
    if (failed(result))
      break;
    bool keep = llvm::isa<mlir::BlockArgument>(value) ||
                llvm::is_contained(yielded.drop_front(i + 1), value);
    result = set(out, keep ? HostTensor(in(value))
                           : std::move(context.values.find(value)->second));
  }
  for (auto [input, arg] : lentTo) {
    HostTensor returned = std::move(context.values.find(arg)->second);
    context.values[input] = std::move(returned);
  }
  for (Value arg : body.getArguments())
    context.values.erase(arg);
  for (Operation &inner : body.without_terminator())
    for (Value v : inner.getResults())
      context.values.erase(v);
  return result;
}

//===----------------------------------------------------------------------===//
// Function evaluation
//===----------------------------------------------------------------------===//

LogicalResult Interpreter::evaluateOp(Operation *op, RankContext &context) {
  auto historyOf = [&](Operation *quantize, int64_t length) -> Fp8AmaxHistory & {
    return amaxHistory(quantize, length, context.rank);
  };
  return OpEvaluator(op, context, weights, options, historyOf).run();
}

LogicalResult Interpreter::evaluate(mlir::func::FuncOp func,
                                    RankContext &context,
                                    std::vector<HostTensor> &results) {
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("the interpreter needs a body of one block");
  mlir::Block &block = func.getBody().front();
  for (mlir::BlockArgument arg : block.getArguments())
    if (!context.values.count(arg))
      return func.emitOpError("argument #")
             << arg.getArgNumber() << " has no value in rank " << context.rank;
  // The op after which each value is dead (its last user in program order).
  llvm::DenseMap<Value, Operation *> lastUse;
  for (Operation &op : block)
    for (Value operand : op.getOperands())
      lastUse[operand] = &op;

  for (Operation &op : block) {
    if (auto ret = llvm::dyn_cast<mlir::func::ReturnOp>(op)) {
      results.clear();
      for (Value v : ret.getOperands())
        results.push_back(context.values.find(v)->second);
      return success();
    }
    if (failed(evaluateOp(&op, context)))
      return failure();
    for (Value operand : op.getOperands())
      if (lastUse.lookup(operand) == &op)
        context.values.erase(operand);
  }
  return func.emitOpError("has no func.return");
}

mlir::LogicalResult bindInputs(mlir::func::FuncOp func, const TensorMap &inputs,
                               RankContext &context) {
  for (auto [index, arg] : llvm::enumerate(func.getArguments())) {
    std::string name = inputName(func, index);
    auto declared = tensorTypeOf(arg.getType());
    if (!declared)
      return func.emitError("input '")
             << name << "' has type " << arg.getType()
             << ", not a static tensor of a dsc element type";
    auto it = inputs.find(name);
    if (it == inputs.end())
      return func.emitError("input '")
             << name << "' ("
             << describeArray(declared->first, declared->second)
             << ") was not given";
    if (it->second.dtype() != declared->first ||
        it->second.shape() != declared->second)
      return func.emitError("input '")
             << name << "': expected "
             << describeArray(declared->first, declared->second) << ", got "
             << it->second.typeToString();
    context.values[arg] = it->second;
  }
  return mlir::success();
}

static TensorMap nameOutputs(mlir::func::FuncOp func,
                             std::vector<HostTensor> results) {
  TensorMap outputs;
  for (auto [index, tensor] : llvm::enumerate(results))
    outputs[outputName(func, index)] = std::move(tensor);
  return outputs;
}

Fp8AmaxHistory &Interpreter::amaxHistory(Operation *op, int64_t length, int64_t rank) {
  return amaxHistories.try_emplace({op, rank}, length).first->second;
}

mlir::FailureOr<TensorMap> Interpreter::run(mlir::func::FuncOp func,
                                            const TensorMap &inputs) {
  RankContext context;
  if (failed(bindInputs(func, inputs, context)))
    return failure();
  std::vector<HostTensor> results;
  if (failed(evaluate(func, context, results)))
    return failure();
  return nameOutputs(func, std::move(results));
}

mlir::FailureOr<std::vector<TensorMap>>
Interpreter::runRanks(mlir::func::FuncOp func, const DeviceGrid &grid,
                      const std::vector<TensorMap> &inputs) {
  std::vector<RankContext> ranks(grid.size());
  for (auto [r, context] : llvm::enumerate(ranks)) {
    context.rank = static_cast<int64_t>(r);
    context.numRanks = grid.size();
    context.grid = grid;
    if (failed(bindInputs(func, inputs[r], context)))
      return failure();
  }
  auto results = evaluateSpmd(func, grid, ranks);
  if (failed(results))
    return failure();
  std::vector<TensorMap> outputs;
  for (std::vector<HostTensor> &rankResults : *results)
    outputs.push_back(nameOutputs(func, std::move(rankResults)));
  return outputs;
}

} // namespace dsc::interp
