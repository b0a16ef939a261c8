//===- OpTable.cpp - .dsg op calls to dsc ops -----------------------------===//

#include "frontend/OpTable.h"

#include "ir/DscDialect.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"

using namespace dsc;
using namespace mlir;

namespace {

enum class AttrKind {
  I64,
  F64,
  F32,
  Bool,
  I64Array,
  ElemType,
  Gelu,
  RopeStyle,
  Score,
  Predicate,
  // Keywords the frontend reads itself (result shapes and types, constant values).
  Shape,
  DType,
  Literal,
};

struct AttrSpec {
  const char *name;
  AttrKind kind;
  bool required = false;
};

class OpContext;
using BuildFn = FailureOr<Operation *> (*)(OpContext &);

struct OpSpec {
  const char *name;
  unsigned minOperands, maxOperands;
  std::vector<AttrSpec> attrs;
  BuildFn build;
};

class OpContext {
public:
  OpContext(OpBuilder &builder, Diagnoser &diag, Evaluator &eval, const OpCall &call,
            const OpSpec &spec)
      : builder(builder), diag(diag), eval(eval), call(call), spec(spec) {}

  MLIRContext *ctx() { return builder.getContext(); }
  Value operand(unsigned i) const { return call.operands[i]; }
  RankedTensorType operandType(unsigned i) const {
    return llvm::cast<RankedTensorType>(call.operands[i].getType());
  }
  InFlightDiagnostic error() { return diag.error(call.call.loc); }
  InFlightDiagnostic operandError(unsigned i) { return diag.error(call.call.operands[i]->loc); }
  const ConstValue *frontendValue(llvm::StringRef name) const {
    auto it = frontend.find(name);
    return it == frontend.end() ? nullptr : &it->second;
  }
  bool hasAttr(llvm::StringRef name) const {
    return llvm::any_of(attrs, [&](const NamedAttribute &a) { return a.getName() == name; });
  }

  OpBuilder &builder;
  Diagnoser &diag;
  Evaluator &eval;
  const OpCall &call;
  const OpSpec &spec;
  SmallVector<NamedAttribute> attrs;
  llvm::StringMap<ConstValue> frontend;
  llvm::StringMap<Type> dtypes;
};

/// Builds `OpTy` from the context's operands and attributes. Result types are inferred when
/// the op can and `resultTypes` is empty; inference and verification report at the call.
template <typename OpTy>
FailureOr<Operation *> create(OpContext &c, ArrayRef<Type> resultTypes = {}) {
  OperationState state(c.call.loc, OpTy::getOperationName());
  state.addOperands(c.call.operands);
  DictionaryAttr dict = DictionaryAttr::get(c.ctx(), c.attrs);
  using Props = typename PropertiesSelector<OpTy>::type;
  if constexpr (!std::is_same_v<Props, EmptyProperties>) {
    Props &props = state.getOrAddProperties<Props>();
    // Inference reads default-valued attributes through the properties, so fill them first.
    state.name.populateDefaultProperties(state.getRawProperties());
    if (failed(OpTy::setPropertiesFromAttr(props, dict, [&] { return c.error(); })))
      return failure();
  }
  SmallVector<Type> types(resultTypes);
  if constexpr (OpTy::template hasTrait<InferTypeOpInterface::Trait>()) {
    if (types.empty() &&
        failed(OpTy::inferReturnTypes(c.ctx(), c.call.loc, state.operands, dict,
                                      state.getRawProperties(), state.regions, types)))
      return failure();
  }
  state.addTypes(types);
  Operation *op = c.builder.create(state);
  if (failed(verify(op))) {
    op->erase();
    return failure();
  }
  return op;
}

template <typename OpTy> FailureOr<Operation *> inferred(OpContext &c) { return create<OpTy>(c); }

/// Elementwise ops never broadcast (docs/ops.md): say so where the types differ.
template <typename OpTy> FailureOr<Operation *> buildSameType(OpContext &c) {
  unsigned first = c.call.operands.size() == 3 ? 1 : 0; // select's condition is i1
  for (unsigned i = first + 1; i < c.call.operands.size(); ++i) {
    if (c.operand(i).getType() != c.operand(first).getType()) {
      c.operandError(i) << "'" << c.spec.name << "' operands must have the same type, got "
                        << typeString(c.operand(first).getType()) << " and "
                        << typeString(c.operand(i).getType())
                        << (c.operandType(i).getShape() != c.operandType(first).getShape()
                                ? " (use broadcast(...) to expand a shape)"
                                : " (use cast(...) to convert)");
      return failure();
    }
  }
  return create<OpTy>(c);
}

/// Reads a `shape=[...]` keyword; one entry may be -1 when `inferFrom` elements are known.
FailureOr<SmallVector<int64_t>> shapeOf(OpContext &c, std::optional<int64_t> inferFrom) {
  const ConstValue *value = c.frontendValue("shape");
  SmallVector<int64_t> shape;
  int64_t known = 1;
  int unknownAt = -1;
  for (const ConstValue &e : value->elements) {
    if (e.intValue == -1 && inferFrom && unknownAt < 0) {
      unknownAt = shape.size();
      shape.push_back(1);
      continue;
    }
    if (e.intValue < 1 || e.intValue > (int64_t(1) << 40) ||
        __builtin_mul_overflow(known, e.intValue, &known) || known > (int64_t(1) << 48)) {
      c.diag.error(e.loc) << "shape entry " << e.intValue << " is out of range";
      return failure();
    }
    shape.push_back(e.intValue);
  }
  if (unknownAt >= 0) {
    if (*inferFrom % known != 0) {
      c.error() << "cannot infer the -1 in shape: " << *inferFrom
                << " elements are not a multiple of " << known;
      return failure();
    }
    shape[unknownAt] = *inferFrom / known;
  }
  return shape;
}

FailureOr<Operation *> buildCast(OpContext &c) {
  return create<CastOp>(c, RankedTensorType::get(c.operandType(0).getShape(), c.dtypes["to"]));
}

FailureOr<Operation *> buildReshape(OpContext &c) {
  RankedTensorType in = c.operandType(0);
  FailureOr<SmallVector<int64_t>> shape = shapeOf(c, in.getNumElements());
  if (failed(shape))
    return failure();
  return create<ReshapeOp>(c, RankedTensorType::get(*shape, in.getElementType()));
}

/// Without `dims`, operand dims align with the trailing result dims, as in numpy.
FailureOr<Operation *> buildBroadcast(OpContext &c) {
  RankedTensorType in = c.operandType(0);
  FailureOr<SmallVector<int64_t>> shape = shapeOf(c, std::nullopt);
  if (failed(shape))
    return failure();
  if (!c.hasAttr("dims")) {
    int64_t offset = static_cast<int64_t>(shape->size()) - in.getRank();
    if (offset < 0) {
      c.error() << "cannot broadcast " << typeString(in) << " to a shape of rank " << shape->size();
      return failure();
    }
    SmallVector<int64_t> dims;
    for (int64_t i = 0; i < in.getRank(); ++i)
      dims.push_back(offset + i);
    c.attrs.push_back(c.builder.getNamedAttr("dims", c.builder.getDenseI64ArrayAttr(dims)));
  }
  return create<BroadcastOp>(c, RankedTensorType::get(*shape, in.getElementType()));
}

FailureOr<Operation *> buildIota(OpContext &c) {
  FailureOr<SmallVector<int64_t>> shape = shapeOf(c, std::nullopt);
  if (failed(shape))
    return failure();
  Type element = c.dtypes.lookup("dtype");
  if (!element)
    element = c.builder.getI32Type();
  if (!c.hasAttr("dimension"))
    c.attrs.push_back(c.builder.getNamedAttr("dimension", c.builder.getI64IntegerAttr(0)));
  return create<IotaOp>(c, RankedTensorType::get(*shape, element));
}

/// `constant(0.5, shape=[4], dtype=f32)` splats; a list gives every element.
FailureOr<Operation *> buildConstant(OpContext &c) {
  const ConstValue *value = c.frontendValue("value");
  Type element = c.dtypes.lookup("dtype");
  if (!element)
    element = c.builder.getF32Type();
  std::vector<const ConstValue *> scalars;
  if (value->kind == ConstValue::List)
    for (const ConstValue &e : value->elements)
      scalars.push_back(&e);
  else
    scalars.push_back(value);
  SmallVector<int64_t> shape;
  if (c.frontendValue("shape")) {
    FailureOr<SmallVector<int64_t>> given = shapeOf(c, std::nullopt);
    if (failed(given))
      return failure();
    shape = *given;
  } else if (value->kind == ConstValue::List) {
    shape.push_back(scalars.size());
  }
  auto type = RankedTensorType::get(shape, element);
  if (scalars.size() != 1 && static_cast<int64_t>(scalars.size()) != type.getNumElements()) {
    c.error() << "constant has " << scalars.size() << " values for shape " << typeString(type);
    return failure();
  }
  SmallVector<Attribute> elements;
  for (const ConstValue *s : scalars) {
    if (!s->isNumber() && s->kind != ConstValue::Bool) {
      c.diag.error(s->loc) << "constant values must be numbers, found " << kindName(s->kind);
      return failure();
    }
    if (llvm::isa<FloatType>(element))
      elements.push_back(FloatAttr::get(element, s->asDouble()));
    else if (s->kind == ConstValue::Float)
      return c.diag.error(s->loc) << "integer constant expected for " << typeString(type),
             failure();
    else
      elements.push_back(IntegerAttr::get(element, s->intValue));
  }
  c.attrs.push_back(c.builder.getNamedAttr("value", elements.size() == 1
                                                        ? DenseElementsAttr::get(type, elements[0])
                                                        : DenseElementsAttr::get(type, elements)));
  return create<ConstantOp>(c);
}

/// `start` defaults to zeros, `limit` to the full size and `stride` to ones.
FailureOr<Operation *> buildSlice(OpContext &c) {
  llvm::ArrayRef<int64_t> shape = c.operandType(0).getShape();
  auto fill = [&](llvm::StringRef name, llvm::function_ref<int64_t(int64_t)> value) {
    if (c.hasAttr(name))
      return;
    SmallVector<int64_t> values;
    for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i)
      values.push_back(value(i));
    c.attrs.push_back(c.builder.getNamedAttr(name, c.builder.getDenseI64ArrayAttr(values)));
  };
  fill("start", [](int64_t) { return int64_t(0); });
  fill("limit", [&](int64_t i) { return shape[i]; });
  fill("stride", [](int64_t) { return int64_t(1); });
  return create<SliceOp>(c);
}

const std::vector<OpSpec> &opSpecs() {
  using K = AttrKind;
  static const std::vector<OpSpec> specs = {
      {"neg", 1, 1, {}, inferred<NegOp>},
      {"abs", 1, 1, {}, inferred<AbsOp>},
      {"relu", 1, 1, {}, inferred<ReluOp>},
      {"exp", 1, 1, {}, inferred<ExpOp>},
      {"log", 1, 1, {}, inferred<LogOp>},
      {"sqrt", 1, 1, {}, inferred<SqrtOp>},
      {"rsqrt", 1, 1, {}, inferred<RsqrtOp>},
      {"tanh", 1, 1, {}, inferred<TanhOp>},
      {"sigmoid", 1, 1, {}, inferred<SigmoidOp>},
      {"silu", 1, 1, {}, inferred<SiluOp>},
      {"gelu", 1, 1, {{"approximate", K::Gelu}}, inferred<GeluOp>},
      {"pow", 1, 1, {{"exponent", K::F64, true}}, inferred<PowOp>},
      {"add", 2, 2, {}, buildSameType<AddOp>},
      {"sub", 2, 2, {}, buildSameType<SubOp>},
      {"mul", 2, 2, {}, buildSameType<MulOp>},
      {"div", 2, 2, {}, buildSameType<DivOp>},
      {"max", 2, 2, {}, buildSameType<MaxOp>},
      {"min", 2, 2, {}, buildSameType<MinOp>},
      {"compare", 2, 2, {{"predicate", K::Predicate, true}}, buildSameType<CompareOp>},
      {"select", 3, 3, {}, buildSameType<SelectOp>},
      {"cast", 1, 1, {{"to", K::DType, true}}, buildCast},
      {"broadcast", 1, 1, {{"shape", K::Shape, true}, {"dims", K::I64Array}}, buildBroadcast},
      {"reshape", 1, 1, {{"shape", K::Shape, true}}, buildReshape},
      {"transpose", 1, 1, {{"permutation", K::I64Array, true}}, inferred<TransposeOp>},
      {"slice",
       1,
       1,
       {{"start", K::I64Array}, {"limit", K::I64Array}, {"stride", K::I64Array}},
       buildSlice},
      {"concat", 1, ~0u, {{"axis", K::I64, true}}, inferred<ConcatOp>},
      {"split", 1, 1, {{"axis", K::I64, true}, {"sizes", K::I64Array, true}}, inferred<SplitOp>},
      {"gather", 2, 2, {{"axis", K::I64}}, inferred<GatherOp>},
      {"reduce_sum",
       1,
       1,
       {{"axes", K::I64Array, true}, {"keepdims", K::Bool}},
       inferred<ReduceSumOp>},
      {"reduce_max",
       1,
       1,
       {{"axes", K::I64Array, true}, {"keepdims", K::Bool}},
       inferred<ReduceMaxOp>},
      {"reduce_mean",
       1,
       1,
       {{"axes", K::I64Array, true}, {"keepdims", K::Bool}},
       inferred<ReduceMeanOp>},
      {"softmax", 1, 1, {{"axis", K::I64}}, inferred<SoftmaxOp>},
      {"rms_norm", 2, 2, {{"eps", K::F32}}, inferred<RmsNormOp>},
      {"layer_norm", 2, 3, {{"eps", K::F32}}, inferred<LayerNormOp>},
      {"matmul",
       2,
       2,
       {{"transpose_a", K::Bool}, {"transpose_b", K::Bool}, {"out_type", K::ElemType}},
       inferred<MatmulOp>},
      {"rope", 2, 2, {{"theta", K::F64}, {"style", K::RopeStyle}}, inferred<RopeOp>},
      {"attention", 3, 3, {{"causal", K::Bool}, {"scale", K::F64}}, inferred<AttentionOp>},
      {"router_topk",
       1,
       2,
       {{"k", K::I64, true},
        {"n_groups", K::I64},
        {"topk_groups", K::I64},
        {"score", K::Score},
        {"normalize", K::Bool},
        {"scaling", K::F64}},
       inferred<RouterTopkOp>},
      {"moe_dispatch",
       2,
       2,
       {{"num_experts", K::I64, true}, {"capacity", K::I64, true}},
       inferred<MoeDispatchOp>},
      {"moe_combine", 3, 3, {}, inferred<MoeCombineOp>},
      {"iota",
       0,
       0,
       {{"shape", K::Shape, true}, {"dtype", K::DType}, {"dimension", K::I64}},
       buildIota},
      {"constant",
       0,
       0,
       {{"value", K::Literal, true}, {"shape", K::Shape}, {"dtype", K::DType}},
       buildConstant},
  };
  return specs;
}

const OpSpec *findSpec(llvm::StringRef name) {
  for (const OpSpec &spec : opSpecs())
    if (name == spec.name)
      return &spec;
  return nullptr;
}

template <typename EnumT, typename AttrT>
Attribute enumAttr(MLIRContext *ctx, const ConstValue &v) {
  if (v.kind != ConstValue::Symbol && v.kind != ConstValue::String)
    return {};
  if (std::optional<EnumT> e = symbolizeEnum<EnumT>(v.text))
    return AttrT::get(ctx, *e);
  return {};
}

const char *expectedText(AttrKind kind) {
  switch (kind) {
  case AttrKind::I64:
    return "an integer";
  case AttrKind::F64:
  case AttrKind::F32:
    return "a number";
  case AttrKind::Bool:
    return "true or false";
  case AttrKind::I64Array:
  case AttrKind::Shape:
    return "a list of integers";
  case AttrKind::ElemType:
  case AttrKind::DType:
    return "an element type (f32, bf16, f16, f8e4m3, f8e5m2, i1, i32, i64)";
  case AttrKind::Gelu:
    return "none or tanh";
  case AttrKind::RopeStyle:
    return "half or interleaved";
  case AttrKind::Score:
    return "sigmoid or softmax";
  case AttrKind::Predicate:
    return "eq, ne, lt, le, gt or ge";
  case AttrKind::Literal:
    return "a number or a list of numbers";
  }
  return "a value";
}

bool isIntList(const ConstValue &v) {
  return v.kind == ConstValue::List &&
         llvm::all_of(v.elements, [](const ConstValue &e) { return e.kind == ConstValue::Int; });
}

/// Reports keyword `spec` given a value `v` of the wrong kind, pointing at the element of a
/// list that is wrong and calling a stray name in an integer what it most likely is.
LogicalResult reportMismatch(OpContext &c, const AttrSpec &spec, const ConstValue &v) {
  bool wantsInts =
      spec.kind == AttrKind::I64 || spec.kind == AttrKind::I64Array || spec.kind == AttrKind::Shape;
  const ConstValue *bad = &v;
  if (v.kind == ConstValue::List && wantsInts)
    for (const ConstValue &e : v.elements)
      if (e.kind != ConstValue::Int) {
        bad = &e;
        break;
      }
  InFlightDiagnostic d = c.diag.error(bad->loc);
  if (wantsInts && bad->kind == ConstValue::Symbol) {
    d << "unknown dimension '" << bad->text << "'";
    return failure();
  }
  d << "'" << spec.name << "' of '" << c.spec.name << "' must be " << expectedText(spec.kind);
  if (bad->kind == ConstValue::Symbol)
    d << ", found unknown name '" << bad->text << "'";
  else
    d << ", found " << (bad == &v ? "" : "an element that is ") << kindName(bad->kind);
  return failure();
}

/// Converts keyword `spec` with value `v` into an op attribute or a frontend-only value.
LogicalResult convertKeyword(OpContext &c, const AttrSpec &spec, ConstValue v) {
  Builder &b = c.builder;
  Attribute attr;
  switch (spec.kind) {
  case AttrKind::I64:
    if (v.kind == ConstValue::Int)
      attr = b.getI64IntegerAttr(v.intValue);
    break;
  case AttrKind::F64:
    if (v.isNumber())
      attr = b.getF64FloatAttr(v.asDouble());
    break;
  case AttrKind::F32:
    if (v.isNumber())
      attr = b.getF32FloatAttr(static_cast<float>(v.asDouble()));
    break;
  case AttrKind::Bool:
    if (v.kind == ConstValue::Bool)
      attr = b.getBoolAttr(v.intValue != 0);
    break;
  case AttrKind::I64Array:
    if (v.kind == ConstValue::Int) // `axes=1` means `axes=[1]`
      attr = b.getDenseI64ArrayAttr({v.intValue});
    else if (isIntList(v)) {
      SmallVector<int64_t> values;
      for (const ConstValue &e : v.elements)
        values.push_back(e.intValue);
      attr = b.getDenseI64ArrayAttr(values);
    }
    break;
  case AttrKind::ElemType:
  case AttrKind::DType:
    if (v.kind != ConstValue::Symbol && v.kind != ConstValue::String)
      break;
    if (Type type = c.eval.elementType(v.text)) {
      if (spec.kind == AttrKind::DType) {
        c.dtypes[spec.name] = type;
        return success();
      }
      attr = TypeAttr::get(type);
    }
    break;
  case AttrKind::Gelu:
    attr = enumAttr<GeluApproximation, GeluApproximationAttr>(c.ctx(), v);
    break;
  case AttrKind::RopeStyle:
    attr = enumAttr<RopeStyle, RopeStyleAttr>(c.ctx(), v);
    break;
  case AttrKind::Score:
    attr = enumAttr<RouterScore, RouterScoreAttr>(c.ctx(), v);
    break;
  case AttrKind::Predicate:
    attr = enumAttr<ComparePredicate, ComparePredicateAttr>(c.ctx(), v);
    break;
  case AttrKind::Shape:
    if (isIntList(v)) {
      c.frontend[spec.name] = std::move(v);
      return success();
    }
    break;
  case AttrKind::Literal:
    if (v.isNumber() || v.kind == ConstValue::Bool || v.kind == ConstValue::List) {
      c.frontend[spec.name] = std::move(v);
      return success();
    }
    break;
  }
  if (!attr)
    return reportMismatch(c, spec, v);
  c.attrs.push_back(b.getNamedAttr(spec.name, attr));
  return success();
}

std::string attrNames(const OpSpec &spec) {
  if (spec.attrs.empty())
    return "it takes none";
  std::string names = "it takes ";
  for (const AttrSpec &a : spec.attrs)
    names += std::string(&a == &spec.attrs.front() ? "" : ", ") + a.name;
  return names;
}

} // namespace

bool dsc::isOpName(llvm::StringRef name) { return findSpec(name); }

llvm::StringRef dsc::closestOpName(llvm::StringRef name) {
  llvm::StringRef best;
  // About one edit in three letters is a typo; more is a different word.
  unsigned bestDistance = std::max<size_t>(1, name.size() / 3) + 1;
  for (const OpSpec &spec : opSpecs()) {
    unsigned distance = name.edit_distance(spec.name, true, bestDistance);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = spec.name;
    }
  }
  return best;
}

FailureOr<Operation *> dsc::buildOp(OpBuilder &builder, Diagnoser &diag, Evaluator &eval,
                                    const OpCall &call) {
  const OpSpec *spec = findSpec(call.call.text);
  OpContext c(builder, diag, eval, call, *spec);
  size_t count = call.operands.size();
  if (count < spec->minOperands || count > spec->maxOperands) {
    InFlightDiagnostic d = c.error();
    d << "'" << spec->name << "' takes ";
    if (spec->maxOperands == ~0u)
      d << "at least " << spec->minOperands;
    else if (spec->minOperands == spec->maxOperands)
      d << spec->minOperands;
    else
      d << spec->minOperands << " or " << spec->maxOperands;
    d << (spec->maxOperands == 1 ? " tensor operand" : " tensor operands") << ", got " << count;
    return failure();
  }
  bool ok = true;
  llvm::StringMap<llvm::SMLoc> seen;
  if (spec->build == buildConstant && !call.call.operands.empty()) {
    const ast::Expr &value = *call.call.operands.front();
    if (call.call.operands.size() > 1) {
      diag.error(call.call.operands[1]->loc) << "'constant' takes one value";
      return failure();
    }
    seen.try_emplace("value", value.loc);
    std::optional<ConstValue> v = eval.evaluate(value);
    ok &= v && succeeded(convertKeyword(c, spec->attrs.front(), std::move(*v)));
  }
  for (const ast::KeywordArg &keyword : call.call.keywords) {
    auto attrSpec =
        llvm::find_if(spec->attrs, [&](const AttrSpec &a) { return keyword.name == a.name; });
    if (attrSpec == spec->attrs.end()) {
      diag.error(keyword.loc) << "'" << spec->name << "' has no attribute '" << keyword.name
                              << "'; " << attrNames(*spec);
      ok = false;
      continue;
    }
    if (!seen.try_emplace(keyword.name, keyword.loc).second) {
      diag.error(keyword.loc) << "attribute '" << keyword.name << "' is given twice";
      ok = false;
      continue;
    }
    std::optional<ConstValue> value = eval.evaluate(*keyword.value);
    ok &= value && succeeded(convertKeyword(c, *attrSpec, std::move(*value)));
  }
  for (const AttrSpec &a : spec->attrs) {
    if (a.required && !seen.count(a.name) && ok) {
      c.error() << "'" << spec->name << "' needs the attribute '" << a.name << "' ("
                << expectedText(a.kind) << ")";
      ok = false;
    }
  }
  if (!ok)
    return failure();
  return spec->build(c);
}
