//===- EmitFused.cpp - one kernel for a dsc.fusion body -------------------===//
//
// A fused body is a list of steps over one iteration domain (KernelSpec.h,
// FusedStep). Elementwise bodies run in the grid-stride vector loop of
// EmitElementwise.cpp; a body with a row-wise op (rms_norm, layer_norm, softmax
// over the last axis) runs one block per row like EmitRowwise.cpp, with its
// statistics: the steps run as the row is loaded, the row-wise op's input stays
// in registers for the statistics, then the normalized row is written.
//
// Every step computes in f32 (64-bit integers for integer types) and rounds to
// its own result type, as the unfused op does on store, so fusing never changes
// a value; that rounding is a register operation, free in a memory-bound
// kernel. Inputs of the domain's shape are read as V-element vectors; broadcast
// inputs element by element through an index map with constant strides (they
// are small and stay in cache). Each result is written once.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dsc::codegen {

// As kElementwiseBlock (EmitElementwise.cpp): 256 threads, 8 blocks per SM.
static constexpr unsigned kFusedBlock = 256;

static const char *kFusedTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($BLOCK) $KERNEL($PARAMS) {
  // $N elements as $NVEC vectors of $V, grid-stride.
  constexpr int kV = $V;
  constexpr long long kVectors = $NVEC;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < kVectors;
       i += (long long)gridDim.x * blockDim.x) {
$LOADS#pragma unroll
    for (int j = 0; j < kV; ++j) {
$STEPS    }
$WRITES  }
}
)cuda";

static const char *kFusedRowTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // One block per row of $D elements; each thread keeps $ITEMS vectors of $V of
  // the row-wise op's input in registers.
  constexpr int kD = $D, kV = $V, kItems = $ITEMS, kVecs = kD / kV;
  __shared__ float scratch[32];
  const long long row = blockIdx.x;
  auto valid = [](int it) { return threadIdx.x + it * $THREADS < kVecs; };
  float v[kItems][kV];
#pragma unroll
  for (int it = 0; it < kItems; ++it) {
    const long long i = row * kVecs + (valid(it) ? threadIdx.x + it * $THREADS : 0);
$LOADS#pragma unroll
    for (int j = 0; j < kV; ++j) {
$STEPS      v[it][j] = $ROW_INPUT;
    }
$WRITES  }
$STATS
  // The normalized row, from the registers.
#pragma unroll
  for (int it = 0; it < kItems; ++it) {
    const int c = threadIdx.x + it * $THREADS;
    if (c >= kVecs)
      continue;
$PARAM_LOADS    Vec<$ROW_TYPE, kV> y;
#pragma unroll
    for (int j = 0; j < kV; ++j)
      y.v[j] = fromF32<$ROW_TYPE>($EXPR);
    storeVec<kV>(out$ROW_OUT + (row * kVecs + c) * kV, y);
  }
}
)cuda";

namespace {

bool isRowKind(KernelKind kind) {
  return kind == KernelKind::RmsNorm || kind == KernelKind::LayerNorm ||
         kind == KernelKind::Softmax;
}

/// Operands of an elementwise step; -1 for kinds a fused kernel cannot run.
int stepArity(KernelKind kind) {
  switch (kind) {
  case KernelKind::Unary:
  case KernelKind::Cast:
  case KernelKind::Broadcast:
    return 1;
  case KernelKind::Binary:
  case KernelKind::Compare:
    return 2;
  case KernelKind::Select:
    return 3;
  default:
    return -1;
  }
}

/// Builds the per-element code of a fused body; the two templates place it.
class FusedBody {
public:
  explicit FusedBody(const KernelSpec &spec) : spec(spec) {}

  /// Checks the body and finds the row-wise step and the inputs read as
  /// vectors.
  absl::Status analyze();
  absl::Status checkRowStep(const FusedStep &step) const;
  /// Vector loads, per-element steps and result stores, for vector width `v`;
  /// each store behind `guard` (a condition, or empty).
  absl::Status generate(int v, const std::string &guard);

  const std::vector<int64_t> &domain() const { return spec.outputs[0].shape; }
  int rowStep() const { return rowIndex; }
  std::vector<DType> vectorTypes() const;
  /// The extent the vector width must divide: the row when any access is
  /// per row (a row-wise op, a broadcast over rows), else the whole domain.
  int64_t vectorExtent() const;

  std::string loads, steps, writes, rowInput;

private:
  DType dtypeOf(int value) const;
  const std::vector<int64_t> &shapeOf(int value) const;
  std::string name(int value) const { return absl::StrCat("x", value); }
  std::string widen(DType t, const std::string &expr) const;
  std::string round(DType to, bool fromInt, const std::string &expr) const;
  bool isRowBroadcast(const FusedStep &step) const;
  std::string broadcastOffset(const FusedStep &step,
                              const std::string &index) const;
  absl::StatusOr<std::string> stepExpr(const FusedStep &step, size_t s) const;

  const KernelSpec &spec;
  int rowIndex = -1;             // the row-wise step, if any
  std::vector<bool> vectorInput; // inputs of the domain's shape read as vectors
};

DType FusedBody::dtypeOf(int value) const {
  int n = static_cast<int>(spec.inputs.size());
  return value < n ? spec.inputs[value].dtype
                   : spec.fusedSteps[value - n].result.dtype;
}

const std::vector<int64_t> &FusedBody::shapeOf(int value) const {
  int n = static_cast<int>(spec.inputs.size());
  return value < n ? spec.inputs[value].shape
                   : spec.fusedSteps[value - n].result.shape;
}

std::string FusedBody::widen(DType t, const std::string &expr) const {
  return absl::StrCat(isIntDType(t) ? "toI64(" : "toF32(", expr, ")");
}

// The unfused op's store then the next op's load: the one rounding per op.
std::string FusedBody::round(DType to, bool fromInt,
                             const std::string &expr) const {
  if ((to == DType::F32 && !fromInt) || (to == DType::I64 && fromInt))
    return expr;
  return widen(to, absl::StrCat(fromInt ? "fromI64<" : "fromF32<",
                                *cudaType(to), ">(", expr, ")"));
}

absl::Status FusedBody::analyze() {
  int numInputs = static_cast<int>(spec.inputs.size());
  vectorInput.assign(numInputs, false);
  for (const TensorDesc &out : spec.outputs)
    if (out.shape != domain())
      return specError(spec, "results must share one shape");
  auto checkOperand = [&](int operand, int limit) {
    return operand >= 0 && operand < limit;
  };
  for (size_t s = 0; s < spec.fusedSteps.size(); ++s) {
    const FusedStep &step = spec.fusedSteps[s];
    int self = numInputs + static_cast<int>(s);
    for (int operand : step.operands)
      if (!checkOperand(operand, self))
        return specError(spec, absl::StrCat("step ", s, " (", step.sourceOp,
                                            ") reads an undefined value"));
    size_t arity = step.isConstant ? 0 : stepArity(step.kind);
    if (!isRowKind(step.kind) && step.operands.size() != arity)
      return specError(spec, absl::StrCat("step ", s, " (", step.sourceOp,
                                          ") cannot run in a fused kernel "
                                          "with these operands"));
    if (!cudaType(step.result.dtype).ok())
      return specError(spec,
                       cudaType(step.result.dtype).status().message().data());
    bool broadcast = step.kind == KernelKind::Broadcast;
    if (!step.isConstant && step.result.shape != domain())
      return specError(spec, absl::StrCat("step ", s, " (", step.sourceOp,
                                          ") is not of the domain's shape"));
    if (broadcast && step.operands[0] >= numInputs &&
        !spec.fusedSteps[step.operands[0] - numInputs].isConstant)
      return specError(spec, "a broadcast reads an input or a constant");
    if (isRowKind(step.kind)) {
      if (absl::Status st = checkRowStep(step); !st.ok())
        return st;
      rowIndex = static_cast<int>(s);
      continue;
    }
    for (int operand : step.operands) {
      if (rowIndex >= 0 && operand == numInputs + rowIndex)
        return specError(spec, "no step may read the row-wise op's result");
      if (operand < numInputs && !broadcast) {
        if (shapeOf(operand) != domain())
          return specError(spec, "an input read elementwise must have the "
                                 "domain's shape");
        vectorInput[operand] = true;
      }
    }
  }
  for (int result : spec.fusedResults) {
    if (!checkOperand(result,
                      numInputs + static_cast<int>(spec.fusedSteps.size())))
      return specError(spec, "a result names an undefined value");
    if (result < numInputs)
      vectorInput[result] = true;
  }
  if (spec.fusedResults.size() != spec.outputs.size())
    return specError(spec, "one result value per output");
  for (size_t k = 0; k < spec.outputs.size(); ++k)
    if (dtypeOf(spec.fusedResults[k]) != spec.outputs[k].dtype ||
        shapeOf(spec.fusedResults[k]) != domain())
      return specError(spec, absl::StrCat("output ", k,
                                          " does not have the "
                                          "type of its value"));
  if (rowIndex >= 0) {
    int rowValue = numInputs + rowIndex;
    int count = 0;
    for (int result : spec.fusedResults)
      count += result == rowValue;
    if (count != 1 || domain().empty())
      return specError(spec,
                       "the row-wise op's result must be exactly one output");
  }
  return absl::OkStatus();
}

// One row-wise op, of float rows; its parameters (rms_norm: weight; layer_norm:
// weight, optional bias) are inputs of the row's size.
absl::Status FusedBody::checkRowStep(const FusedStep &step) const {
  int numInputs = static_cast<int>(spec.inputs.size());
  size_t minParams = step.kind == KernelKind::Softmax ? 0 : 1;
  size_t maxParams = step.kind == KernelKind::LayerNorm ? 2 : minParams;
  size_t params = step.operands.size() - 1;
  int64_t rank = static_cast<int64_t>(domain().size());
  bool ok = rowIndex < 0 && !step.operands.empty() && params >= minParams &&
            params <= maxParams && rank > 0 && !isIntDType(step.result.dtype);
  if (step.kind == KernelKind::Softmax)
    ok = ok && (step.attrs.axis == -1 || step.attrs.axis == rank - 1);
  for (size_t i = 1; ok && i < step.operands.size(); ++i) {
    int p = step.operands[i];
    ok = p < numInputs && !isIntDType(spec.inputs[p].dtype) &&
         spec.inputs[p].shape == std::vector<int64_t>{domain().back()};
  }
  if (!ok)
    return specError(spec,
                     absl::StrCat("'", step.sourceOp,
                                  "' cannot end a "
                                  "fused kernel: one row-wise op over the "
                                  "last axis of float rows, with weight "
                                  "and bias inputs of the row's size"));
  return absl::OkStatus();
}

std::vector<DType> FusedBody::vectorTypes() const {
  std::vector<DType> types;
  for (size_t k = 0; k < spec.inputs.size(); ++k)
    if (vectorInput[k])
      types.push_back(spec.inputs[k].dtype);
  for (const TensorDesc &out : spec.outputs)
    types.push_back(out.dtype);
  if (rowIndex >= 0)
    for (size_t i = 1; i < spec.fusedSteps[rowIndex].operands.size(); ++i)
      types.push_back(spec.inputs[spec.fusedSteps[rowIndex].operands[i]].dtype);
  for (const FusedStep &step : spec.fusedSteps)
    if (isRowBroadcast(step))
      types.push_back(spec.inputs[step.operands[0]].dtype);
  return types;
}

int64_t FusedBody::vectorExtent() const {
  bool rows = rowIndex >= 0;
  for (const FusedStep &step : spec.fusedSteps)
    rows |= isRowBroadcast(step);
  return rows ? domain().back() : spec.outputs[0].numElements();
}

// A broadcast whose last dimension is the domain's last (a bias over rows):
// the V elements of one vector are consecutive in it, so it is read as a
// vector too, once V divides the row.
bool FusedBody::isRowBroadcast(const FusedStep &step) const {
  if (step.kind != KernelKind::Broadcast || step.isConstant ||
      step.operands[0] >= static_cast<int>(spec.inputs.size()))
    return false;
  const std::vector<int64_t> &in = spec.inputs[step.operands[0]].shape;
  return !in.empty() && !step.attrs.dims.empty() && in.back() > 1 &&
         step.attrs.dims.back() + 1 == static_cast<int64_t>(domain().size()) &&
         in.back() == domain().back();
}

// The input element that domain element `index` reads: operand dim i follows
// domain dim dims[i], or stays 0 where its size is 1.
std::string FusedBody::broadcastOffset(const FusedStep &step,
                                       const std::string &index) const {
  const std::vector<int64_t> &in = spec.inputs[step.operands[0]].shape;
  std::vector<int64_t> inStrides = rowMajorStrides(in);
  std::vector<int64_t> outStrides = rowMajorStrides(domain());
  std::vector<std::string> terms;
  for (size_t i = 0; i < in.size() && i < step.attrs.dims.size(); ++i) {
    int64_t d = step.attrs.dims[i];
    if (in[i] == 1 || d < 0 || d >= static_cast<int64_t>(domain().size()))
      continue;
    terms.push_back(absl::StrCat("(", index, " / ", outStrides[d], "LL % ",
                                 domain()[d], "LL) * ", inStrides[i], "LL"));
  }
  return terms.empty() ? "0" : absl::StrJoin(terms, " + ");
}

absl::StatusOr<std::string> FusedBody::stepExpr(const FusedStep &step,
                                                size_t s) const {
  auto operand = [&](size_t i) { return name(step.operands.at(i)); };
  bool isInt = step.operands.empty() ? isIntDType(step.result.dtype)
                                     : isIntDType(dtypeOf(step.operands[0]));
  std::string reg = isInt ? "long long" : "float";
  DType out = step.result.dtype;
  if (step.isConstant)
    return isIntDType(out)
               ? absl::StrCat(static_cast<long long>(step.constant), "LL")
               : floatLiteral(step.constant);
  switch (step.kind) {
  case KernelKind::Unary: {
    absl::StatusOr<std::string> e = unaryExpr(spec, step.attrs, isInt);
    if (!e.ok())
      return e.status();
    return round(
        out, isInt,
        absl::StrCat("[](", reg, " x) { return ", *e, "; }(", operand(0), ")"));
  }
  case KernelKind::Binary:
    return round(out, isInt,
                 absl::StrCat("[](", reg, " a, ", reg, " b) { return ",
                              binaryExpr(step.attrs.binary), "; }(", operand(0),
                              ", ", operand(1), ")"));
  case KernelKind::Compare:
    return absl::StrCat("[](", reg, " a, ", reg, " b) { return (long long)",
                        compareExpr(step.attrs.predicate), "; }(", operand(0),
                        ", ", operand(1), ")");
  case KernelKind::Select:
    return absl::StrCat("(", operand(0), " ? ", operand(1), " : ", operand(2),
                        ")");
  case KernelKind::Cast:
    return round(out, isInt, operand(0));
  case KernelKind::Broadcast:
    if (step.operands[0] >= static_cast<int>(spec.inputs.size()))
      return operand(0); // a splat constant is the same everywhere
    if (isRowBroadcast(step))
      return widen(out, absl::StrCat("b", s, ".v[j]"));
    return widen(out, absl::StrCat("in", step.operands[0], "[",
                                   broadcastOffset(step, "e"), "]"));
  default:
    break;
  }
  return specError(
      spec, absl::StrCat("'", step.sourceOp, "' cannot run in a fused kernel"));
}

absl::Status FusedBody::generate(int v, const std::string &guard) {
  int numInputs = static_cast<int>(spec.inputs.size());
  bool needsIndex = false;
  for (size_t s = 0; s < spec.fusedSteps.size(); ++s) {
    const FusedStep &step = spec.fusedSteps[s];
    if (isRowBroadcast(step))
      absl::StrAppend(&loads, "    const auto b", s, " = loadVec<", v, ">(in",
                      step.operands[0], " + ",
                      broadcastOffset(step, absl::StrCat("i * ", v)), ");\n");
    else
      needsIndex |= step.kind == KernelKind::Broadcast && !step.isConstant;
  }
  for (int k = 0; k < numInputs; ++k) {
    if (!vectorInput[k])
      continue;
    absl::StrAppend(&loads, "    const auto a", k, " = loadVec<", v, ">(in", k,
                    " + i * ", v, ");\n");
    absl::StrAppend(&steps, "      const ",
                    isIntDType(spec.inputs[k].dtype) ? "long long " : "float ",
                    name(k), " = ",
                    widen(spec.inputs[k].dtype, absl::StrCat("a", k, ".v[j]")),
                    ";\n");
  }
  if (needsIndex)
    steps = absl::StrCat("      const long long e = i * ", v, " + j;\n", steps);
  for (size_t s = 0; s < spec.fusedSteps.size(); ++s) {
    const FusedStep &step = spec.fusedSteps[s];
    int self = numInputs + static_cast<int>(s);
    if (static_cast<int>(s) == rowIndex) {
      rowInput = name(step.operands[0]);
      continue;
    }
    absl::StatusOr<std::string> expr = stepExpr(step, s);
    if (!expr.ok())
      return expr.status();
    absl::StrAppend(&steps, "      const ",
                    isIntDType(step.result.dtype) ? "long long " : "float ",
                    name(self), " = ", *expr, "; // ", step.sourceOp, "\n");
  }
  for (size_t k = 0; k < spec.outputs.size(); ++k) {
    int value = spec.fusedResults[k];
    if (rowIndex >= 0 && value == numInputs + rowIndex)
      continue; // written after the statistics
    std::string type = *cudaType(spec.outputs[k].dtype);
    absl::StrAppend(&loads, "    Vec<", type, ", ", v, "> y", k, ";\n");
    absl::StrAppend(&steps, "      y", k, ".v[j] = ",
                    isIntDType(dtypeOf(value)) ? "fromI64<" : "fromF32<", type,
                    ">(", name(value), ");\n");
    absl::StrAppend(&writes, "    ", guard.empty() ? "" : "if (" + guard + ") ",
                    "storeVec<", v, ">(out", k, " + i * ", v, ", y", k, ");\n");
  }
  return absl::OkStatus();
}

} // namespace

absl::StatusOr<EmittedKernel> emitFused(const KernelSpec &spec,
                                        const TargetInfo &target) {
  if (spec.inputs.empty() || spec.outputs.empty() || spec.fusedSteps.empty())
    return specError(spec, "a fused kernel needs inputs, steps and outputs");
  if (absl::Status s = checkArity(spec, spec.inputs.size(), spec.inputs.size(),
                                  spec.outputs.size());
      !s.ok())
    return s;
  FusedBody body(spec);
  if (absl::Status s = body.analyze(); !s.ok())
    return s;
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  int64_t n = spec.outputs[0].numElements();

  if (body.rowStep() < 0) {
    int v = chooseVectorWidth(body.vectorExtent(), body.vectorTypes());
    if (absl::Status s = body.generate(v, ""); !s.ok())
      return s;
    LaunchConfig launch{gridStrideBlocks(n / v, kFusedBlock, target),
                        kFusedBlock, 0};
    std::string text =
        fill(kFusedTemplate, {{"$BLOCK", absl::StrCat(kFusedBlock)},
                              {"$PARAMS", *params},
                              {"$N", absl::StrCat(n)},
                              {"$NVEC", absl::StrCat(n / v)},
                              {"$V", absl::StrCat(v)},
                              {"$LOADS", body.loads},
                              {"$STEPS", body.steps},
                              {"$WRITES", body.writes}});
    return finishKernel(spec, text, launch, v);
  }

  int64_t d = body.domain().back();
  int v = chooseVectorWidth(body.vectorExtent(), body.vectorTypes());
  if (absl::Status s = body.generate(v, "valid(it)"); !s.ok())
    return s;
  const FusedStep &rowOp = spec.fusedSteps[body.rowStep()];
  int rowValue = static_cast<int>(spec.inputs.size()) + body.rowStep();
  size_t rowOut = 0;
  while (spec.fusedResults[rowOut] != rowValue)
    ++rowOut;
  // The row-wise op's weight and bias, as EmitRowwise.cpp names them.
  std::string paramLoads;
  for (size_t i = 1; i < rowOp.operands.size(); ++i)
    absl::StrAppend(&paramLoads, "    const auto ", i == 1 ? "w" : "b",
                    " = loadVec<kV>(in", rowOp.operands[i], " + c * kV);\n");
  unsigned threads = rowBlockThreads(d / v);
  Subst subst = {
      {"$THREADS", absl::StrCat(threads)},
      {"$PARAMS", *params},
      {"$D", absl::StrCat(d)},
      {"$V", absl::StrCat(v)},
      {"$ITEMS", absl::StrCat((d / v + threads - 1) / threads)},
      {"$EPS", floatLiteral(rowOp.attrs.eps)},
      {"$LOADS", body.loads},
      {"$STEPS", body.steps},
      {"$ROW_INPUT", body.rowInput},
      {"$WRITES", body.writes},
      {"$PARAM_LOADS", paramLoads},
      {"$EXPR", rowOutputExpr(rowOp.kind, rowOp.operands.size() - 1)},
      {"$ROW_TYPE", *cudaType(rowOp.result.dtype)},
      {"$ROW_OUT", absl::StrCat(rowOut)}};
  subst.push_back({"$STATS", fill(rowStatsTemplate(rowOp.kind), subst)});
  LaunchConfig launch{static_cast<unsigned>(n / d), threads, 0};
  return finishKernel(spec, fill(kFusedRowTemplate, subst), launch, v);
}

} // namespace dsc::codegen
