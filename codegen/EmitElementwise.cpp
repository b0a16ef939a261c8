//===- EmitElementwise.cpp - unary, binary, compare, select, cast ---------===//
//
// One template for every same-shape elementwise op: a grid-stride loop over
// V-element vectors of the flattened tensors (all operands are dense and the
// same shape, so element i of each lines up), computing in f32 for float
// operands and in 64-bit integers for integer ones, rounding once on store.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

namespace dsc::codegen {

// 256 threads: 8 such blocks fill an SM's 2048 resident threads, and a warp
// count the CUDA Best Practices Guide recommends (128-256) for memory-bound
// kernels.
static constexpr unsigned kElementwiseBlock = 256;

static const char *kElementwiseTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($BLOCK) $KERNEL($PARAMS) {
  // $N elements as $NVEC vectors of $V, grid-stride.
  constexpr long long kVectors = $NVEC;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < kVectors;
       i += (long long)gridDim.x * blockDim.x) {
$LOADS    Vec<$OUT, $V> y;
#pragma unroll
    for (int j = 0; j < $V; ++j)
      y.v[j] = $RESULT;
    storeVec<$V>(out0 + i * $V, y);
  }
}
)cuda";

absl::StatusOr<std::string> unaryExpr(const KernelSpec &spec,
                                      const KernelAttrs &attrs, bool isInt) {
  switch (attrs.unary) {
  case UnaryOp::Neg:
    return std::string("-x");
  case UnaryOp::Abs:
    return std::string(isInt ? "(x < 0 ? -x : x)" : "fabsf(x)");
  case UnaryOp::Relu:
    return std::string("(x < 0 ? 0 : x)"); // NaN stays NaN
  default:
    break;
  }
  if (isInt)
    return specError(spec, "only neg, abs and relu apply to integers");
  switch (attrs.unary) {
  case UnaryOp::Exp:
    return std::string("expf(x)");
  case UnaryOp::Log:
    return std::string("logf(x)");
  case UnaryOp::Sqrt:
    return std::string("sqrtf(x)");
  // 1/sqrtf rather than rsqrtf: rsqrtf is an approximation (2 ulp).
  case UnaryOp::Rsqrt:
    return std::string("(1.0f / sqrtf(x))");
  case UnaryOp::Tanh:
    return std::string("tanhf(x)");
  case UnaryOp::Sigmoid:
    return std::string("sigmoidF(x)");
  case UnaryOp::Silu:
    return std::string("(x * sigmoidF(x))");
  // 0.70710678f = 1/sqrt(2); 0.7978845608f = sqrt(2/pi) (docs/ops.md gelu).
  case UnaryOp::GeluErf:
    // erfc(-z) == 1 + erf(z) without losing the tail for very negative x (as the interpreter).
    return std::string("(0.5f * x * erfcf(x * -0.70710678f))");
  case UnaryOp::GeluTanh:
    return std::string("(0.5f * x * (1.0f + tanhf(0.7978845608f * (x + "
                       "0.044715f * x * x * x))))");
  case UnaryOp::Pow:
    return absl::StrCat("powf(x, ", floatLiteral(attrs.exponent), ")");
  default:
    break;
  }
  return specError(spec, "unknown unary op");
}

std::string binaryExpr(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "(a + b)";
  case BinaryOp::Sub:
    return "(a - b)";
  case BinaryOp::Mul:
    return "(a * b)";
  case BinaryOp::Div:
    return "(a / b)";
  case BinaryOp::Max:
    return "maxNaN(a, b)";
  case BinaryOp::Min:
    return "minNaN(a, b)";
  }
  return "";
}

std::string compareExpr(ComparePredicate p) {
  switch (p) {
  case ComparePredicate::Eq:
    return "(a == b)";
  case ComparePredicate::Ne:
    return "(a != b)";
  case ComparePredicate::Lt:
    return "(a < b)";
  case ComparePredicate::Le:
    return "(a <= b)";
  case ComparePredicate::Gt:
    return "(a > b)";
  case ComparePredicate::Ge:
    return "(a >= b)";
  }
  return "";
}

// The per-element result expression, in terms of the loaded vectors v0, v1..
static absl::StatusOr<std::string> resultExpr(const KernelSpec &spec,
                                              const std::string &outType) {
  DType in = spec.inputs.back().dtype;
  bool isInt = isIntDType(in);
  std::string load = isInt ? "toI64" : "toF32";
  std::string store =
      absl::StrCat(isInt ? "fromI64<" : "fromF32<", outType, ">");
  auto lambda = [&](const std::string &args, const std::string &expr) {
    return absl::StrCat("[&](", isInt ? "long long " : "float ", args,
                        ") { return ", store, "(", expr, "); }");
  };
  switch (spec.kind) {
  case KernelKind::Unary: {
    absl::StatusOr<std::string> e = unaryExpr(spec, spec.attrs, isInt);
    if (!e.ok())
      return e.status();
    return absl::StrCat(lambda("x", *e), "(", load, "(v0.v[j]))");
  }
  case KernelKind::Cast:
    return absl::StrCat(store, "(", load, "(v0.v[j]))");
  case KernelKind::Binary:
    return absl::StrCat("[&](", isInt ? "long long" : "float", " a, ",
                        isInt ? "long long" : "float", " b) { return ", store,
                        "(", binaryExpr(spec.attrs.binary), "); }(", load,
                        "(v0.v[j]), ", load, "(v1.v[j]))");
  case KernelKind::Compare:
    return absl::StrCat("[&](", isInt ? "long long" : "float", " a, ",
                        isInt ? "long long" : "float",
                        " b) { return i1{(unsigned char)",
                        compareExpr(spec.attrs.predicate), "}; }(", load,
                        "(v0.v[j]), ", load, "(v1.v[j]))");
  case KernelKind::Select:
    return std::string("(v0.v[j].bits ? v1.v[j] : v2.v[j])");
  default:
    break;
  }
  return specError(spec, "not an elementwise kind");
}

absl::StatusOr<EmittedKernel> emitElementwise(const KernelSpec &spec,
                                              const TargetInfo &target) {
  size_t arity = spec.kind == KernelKind::Select    ? 3
                 : spec.kind == KernelKind::Binary  ? 2
                 : spec.kind == KernelKind::Compare ? 2
                                                    : 1;
  if (absl::Status s = checkArity(spec, arity, arity, 1); !s.ok())
    return s;
  const TensorDesc &out = spec.outputs[0];
  std::vector<DType> types{out.dtype};
  for (const TensorDesc &in : spec.inputs) {
    if (in.shape != out.shape)
      return specError(spec, "operands and result must have the same shape");
    types.push_back(in.dtype);
  }
  if (spec.kind == KernelKind::Select && spec.inputs[0].dtype != DType::I1)
    return specError(spec, "select's condition must be i1");
  if (spec.kind == KernelKind::Compare && out.dtype != DType::I1)
    return specError(spec, "compare's result must be i1");
  if ((spec.kind == KernelKind::Unary || spec.kind == KernelKind::Binary ||
       spec.kind == KernelKind::Select) &&
      spec.inputs.back().dtype != out.dtype)
    return specError(spec, "operand and result element types differ");

  std::string outType = *cudaType(out.dtype);
  absl::StatusOr<std::string> result = resultExpr(spec, outType);
  if (!result.ok())
    return result.status();
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();

  int64_t n = out.numElements();
  int v = chooseVectorWidth(n, types);
  std::string loads;
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    absl::StrAppend(&loads, "    const auto v", i, " = loadVec<", v, ">(in", i,
                    " + i * ", v, ");\n");
  LaunchConfig launch{gridStrideBlocks(n / v, kElementwiseBlock, target),
                      kElementwiseBlock, 0};
  std::string body =
      fill(kElementwiseTemplate, {{"$BLOCK", absl::StrCat(kElementwiseBlock)},
                                  {"$PARAMS", *params},
                                  {"$NVEC", absl::StrCat(n / v)},
                                  {"$N", absl::StrCat(n)},
                                  {"$V", absl::StrCat(v)},
                                  {"$LOADS", loads},
                                  {"$OUT", outType},
                                  {"$RESULT", *result}});
  return finishKernel(spec, body, launch, v);
}

} // namespace dsc::codegen
