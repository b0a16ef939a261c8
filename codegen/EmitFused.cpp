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
// A body may end in a blockwise quantize (dsc-fuse-quantize) of a computed
// value, in a row kernel of the row-wise op's result: the 128/V lanes that
// hold one 1 x 128 tile take its amax by shuffles and write the e4m3 values and
// the tile's scale, with EmitQuant.cpp's formulas (so the bits are the
// standalone kernel's), and the quantized value itself only if it is an output.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>

namespace dsc::codegen {

// As kElementwiseBlock (EmitElementwise.cpp): 256 threads, 8 blocks per SM.
static constexpr unsigned kFusedBlock = 256;
// Fused bodies vary in registers (a quantize adds ~10), so their occupancy is
// not known here: several waves (gridStrideBlocks says why).
static constexpr int kFusedWaves = 8;

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
$ROW_STORE  }
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

  const std::vector<int64_t> &domain() const { return domainShape; }
  int rowStep() const { return rowIndex; }
  int quantStep() const { return quantIndex; }
  int rowValue() const { return firstValue[rowIndex]; }
  /// The quantize step's code once qx[kV] holds its input vector, which
  /// starts at element `at` of the domain, in row `row` and 1 x 128 tile
  /// `tile` of it (C++ expressions).
  std::string quantCode(const std::string &at, const std::string &row,
                        const std::string &tile) const;
  std::vector<DType> vectorTypes() const;
  /// The extent the vector width must divide: the row when any access is
  /// per row (a row-wise op, a broadcast over rows), else the whole domain.
  int64_t vectorExtent() const;

  std::string loads, steps, writes, rowInput;

private:
  DType dtypeOf(int value) const { return valueDesc[value]->dtype; }
  const std::vector<int64_t> &shapeOf(int value) const { return valueDesc[value]->shape; }
  /// Numbers the values (a step may define several) and finds the domain.
  absl::Status numberValues();
  absl::Status checkQuantStep(const FusedStep &step) const;
  /// An output the quantize step writes (its values or scales).
  bool isQuantOutput(size_t k) const;
  bool isScalesOutput(size_t k) const;
  /// How many outputs are written from `value`.
  int resultCount(int value) const {
    return static_cast<int>(std::count(spec.fusedResults.begin(), spec.fusedResults.end(), value));
  }
  std::string name(int value) const { return absl::StrCat("x", value); }
  std::string widen(DType t, const std::string &expr) const;
  std::string round(DType to, bool fromInt, const std::string &expr) const;
  bool isRowBroadcast(const FusedStep &step) const;
  std::string broadcastOffset(const FusedStep &step,
                              const std::string &index) const;
  absl::StatusOr<std::string> stepExpr(const FusedStep &step, size_t s) const;

  const KernelSpec &spec;
  int rowIndex = -1;             // the row-wise step, if any
  int quantIndex = -1;           // the quantize step, if any
  std::vector<bool> vectorInput; // inputs of the domain's shape read as vectors
  std::vector<const TensorDesc *> valueDesc; // by value number
  std::vector<int> firstValue;               // by step: its first value
  std::vector<int64_t> domainShape;
};

absl::Status FusedBody::numberValues() {
  for (const TensorDesc &in : spec.inputs)
    valueDesc.push_back(&in);
  for (size_t s = 0; s < spec.fusedSteps.size(); ++s) {
    const FusedStep &step = spec.fusedSteps[s];
    firstValue.push_back(static_cast<int>(valueDesc.size()));
    valueDesc.push_back(&step.result);
    for (const TensorDesc &extra : step.extraResults)
      valueDesc.push_back(&extra);
    if (step.kind == KernelKind::QuantizeFp8 && !step.isConstant) {
      if (quantIndex >= 0)
        return specError(spec, "one quantize per fused kernel");
      quantIndex = static_cast<int>(s);
    } else if (!step.extraResults.empty()) {
      return specError(spec,
                       absl::StrCat("step ", s, " (", step.sourceOp, ") has more than one result"));
    }
  }
  if (spec.fusedResults.size() != spec.outputs.size())
    return specError(spec, "one result value per output");
  for (size_t k = 0; k < spec.outputs.size(); ++k)
    if (!isScalesOutput(k)) {
      domainShape = spec.outputs[k].shape;
      return absl::OkStatus();
    }
  return specError(spec, "a fused kernel needs an output besides the scales");
}

bool FusedBody::isScalesOutput(size_t k) const {
  return quantIndex >= 0 && spec.fusedResults[k] == firstValue[quantIndex] + 1;
}

bool FusedBody::isQuantOutput(size_t k) const {
  if (quantIndex < 0)
    return false;
  int v = spec.fusedResults[k];
  return v == firstValue[quantIndex] || v == firstValue[quantIndex] + 1;
}

// One blockwise quantize of a value a step computes (in a row kernel, the
// row-wise op's result) into e4m3 values of the domain's shape and f32 scales
// [K/128, rows rounded up to 4], which only outputs read.
absl::Status FusedBody::checkQuantStep(const FusedStep &step) const {
  int numInputs = static_cast<int>(spec.inputs.size());
  int64_t k = domain().empty() ? 0 : domain().back();
  int64_t rows = k > 0 ? step.result.numElements() / k : 0;
  bool ok = step.attrs.fp8Blockwise && step.operands.size() == 1 && step.operands[0] >= numInputs &&
            k > 0 && k % 128 == 0 && !isIntDType(dtypeOf(step.operands[0])) &&
            step.result.dtype == DType::F8E4M3FN && step.result.shape == domain() &&
            step.extraResults.size() == 1 && step.extraResults[0].dtype == DType::F32 &&
            step.extraResults[0].shape == std::vector<int64_t>{k / 128, (rows + 3) / 4 * 4};
  if (ok && rowIndex >= 0)
    ok = step.operands[0] == firstValue[rowIndex];
  if (!ok)
    return specError(spec, "a fused quantize is blockwise, of a computed float "
                           "value (the row-wise op's result in a row kernel) "
                           "whose last dimension is a multiple of 128, into "
                           "e4m3 values and f32 scales [K/128, rows padded to "
                           "4]");
  return absl::OkStatus();
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
  if (absl::Status st = numberValues(); !st.ok())
    return st;
  for (size_t k = 0; k < spec.outputs.size(); ++k)
    if (!isScalesOutput(k) && spec.outputs[k].shape != domain())
      return specError(spec, "results must share one shape");
  auto checkOperand = [&](int operand, int limit) {
    return operand >= 0 && operand < limit;
  };
  for (size_t s = 0; s < spec.fusedSteps.size(); ++s) {
    const FusedStep &step = spec.fusedSteps[s];
    int self = firstValue[s];
    for (int operand : step.operands) {
      if (!checkOperand(operand, self))
        return specError(spec, absl::StrCat("step ", s, " (", step.sourceOp,
                                            ") reads an undefined value"));
      if (quantIndex >= 0 && operand >= firstValue[quantIndex])
        return specError(spec, "no step may read the quantize's results");
    }
    if (static_cast<int>(s) == quantIndex)
      continue; // checked once the row-wise step is known
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
      if (step.operands[0] < numInputs) // a norm of an operand, as it is
        vectorInput[step.operands[0]] = true;
      continue;
    }
    for (int operand : step.operands) {
      if (rowIndex >= 0 && operand == firstValue[rowIndex])
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
    if (!checkOperand(result, static_cast<int>(valueDesc.size())))
      return specError(spec, "a result names an undefined value");
    if (result < numInputs)
      vectorInput[result] = true;
  }
  for (size_t k = 0; k < spec.outputs.size(); ++k)
    if (dtypeOf(spec.fusedResults[k]) != spec.outputs[k].dtype ||
        shapeOf(spec.fusedResults[k]) != spec.outputs[k].shape)
      return specError(spec, absl::StrCat("output ", k,
                                          " does not have the "
                                          "type of its value"));
  if (quantIndex >= 0) {
    if (absl::Status st = checkQuantStep(spec.fusedSteps[quantIndex]); !st.ok())
      return st;
    for (int part = 0; part < 2; ++part)
      if (resultCount(firstValue[quantIndex] + part) != 1)
        return specError(spec, "the quantize's values and scales must each be "
                               "exactly one output");
  }
  if (rowIndex >= 0) {
    // Written after the statistics, or only quantized.
    int count = resultCount(firstValue[rowIndex]);
    if (count > 1 || (count == 0 && quantIndex < 0) || domain().empty())
      return specError(spec, "the row-wise op's result must be exactly one "
                             "output (or none, when it is quantized)");
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
  for (size_t k = 0; k < spec.outputs.size(); ++k)
    if (!isScalesOutput(k))
      types.push_back(spec.outputs[k].dtype); // the scales are not vectors
  if (quantIndex >= 0)
    types.push_back(dtypeOf(spec.fusedSteps[quantIndex].operands[0]));
  if (rowIndex >= 0)
    for (size_t i = 1; i < spec.fusedSteps[rowIndex].operands.size(); ++i)
      types.push_back(spec.inputs[spec.fusedSteps[rowIndex].operands[i]].dtype);
  for (const FusedStep &step : spec.fusedSteps)
    if (isRowBroadcast(step))
      types.push_back(spec.inputs[step.operands[0]].dtype);
  return types;
}

int64_t FusedBody::vectorExtent() const {
  bool rows = rowIndex >= 0 || quantIndex >= 0;
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
    int self = firstValue[s];
    if (static_cast<int>(s) == rowIndex) {
      rowInput = name(step.operands[0]);
      continue;
    }
    if (static_cast<int>(s) == quantIndex) {
      if (rowIndex < 0) { // a row kernel quantizes the normalized row
        absl::StrAppend(&loads, "    float qx[kV];\n");
        absl::StrAppend(&steps, "      qx[j] = ", name(step.operands[0]), ";\n");
        int64_t k = domain().back();
        absl::StrAppend(&writes,
                        quantCode(absl::StrCat("i * ", v), absl::StrCat("i * ", v, " / ", k),
                                  absl::StrCat("i * ", v, " % ", k, " / 128")));
      }
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
    if ((rowIndex >= 0 && value == firstValue[rowIndex]) || isQuantOutput(k))
      continue; // written after the statistics, or by the quantize
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

std::string FusedBody::quantCode(const std::string &at, const std::string &row,
                                 const std::string &tile) const {
  const FusedStep &step = spec.fusedSteps[quantIndex];
  int64_t k = domain().back();
  size_t values = 0, scales = 0;
  for (size_t o = 0; o < spec.outputs.size(); ++o) {
    if (spec.fusedResults[o] == firstValue[quantIndex])
      values = o;
    if (spec.fusedResults[o] == firstValue[quantIndex] + 1)
      scales = o;
  }
  return quantizeTileCode(step.sourceOp, step.result.numElements() / k, values, scales, at, row,
                          tile);
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

  // A 1 x 128 tile must fit in one warp's lanes.
  auto checkQuantWidth = [&](int v) {
    return body.quantStep() >= 0 && v < 4
               ? specError(spec, "a fused quantize needs 16-byte accesses of "
                                 "at least 4 elements (values of at most 32 "
                                 "bits)")
               : absl::OkStatus();
  };
  if (body.rowStep() < 0) {
    int v = chooseVectorWidth(body.vectorExtent(), body.vectorTypes());
    if (absl::Status s = checkQuantWidth(v); !s.ok())
      return s;
    if (absl::Status s = body.generate(v, ""); !s.ok())
      return s;
    LaunchConfig launch{gridStrideBlocks(n / v, kFusedBlock, target, kFusedWaves),
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
  if (absl::Status s = checkQuantWidth(v); !s.ok())
    return s;
  if (absl::Status s = body.generate(v, "valid(it)"); !s.ok())
    return s;
  const FusedStep &rowOp = spec.fusedSteps[body.rowStep()];
  // The normalized vector goes to its output (if it is one), to the quantize
  // (if there is one), or both.
  std::string rowStore;
  const std::string at = "(row * kVecs + c) * kV";
  for (size_t k = 0; k < spec.outputs.size(); ++k)
    if (spec.fusedResults[k] == body.rowValue())
      absl::StrAppend(&rowStore, "    storeVec<kV>(out", k, " + ", at, ", y);\n");
  if (body.quantStep() >= 0)
    absl::StrAppend(&rowStore,
                    "    float qx[kV];\n#pragma unroll\n"
                    "    for (int j = 0; j < kV; ++j)\n"
                    "      qx[j] = toF32(y.v[j]);\n",
                    body.quantCode(at, "row", "c / kLanes"));
  // The row-wise op's weight and bias, as EmitRowwise.cpp names them.
  std::string paramLoads;
  for (size_t i = 1; i < rowOp.operands.size(); ++i)
    absl::StrAppend(&paramLoads, "    const auto ", i == 1 ? "w" : "b",
                    " = loadVec<kV>(in", rowOp.operands[i], " + c * kV);\n");
  unsigned threads = rowBlockThreads(d / v);
  Subst subst = {{"$THREADS", absl::StrCat(threads)},
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
                 {"$ROW_STORE", rowStore}};
  subst.push_back({"$STATS", fill(rowStatsTemplate(rowOp.kind), subst)});
  LaunchConfig launch{static_cast<unsigned>(n / d), threads, 0};
  return finishKernel(spec, fill(kFusedRowTemplate, subst), launch, v);
}

} // namespace dsc::codegen
