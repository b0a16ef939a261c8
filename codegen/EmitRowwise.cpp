//===- EmitRowwise.cpp - rms_norm, layer_norm, softmax --------------------===//
//
// One template for the row-wise ops: one block per row; each thread loads its
// share of the row once into registers (ITEMS vectors of V elements, indexed
// only by unrolled constants so they stay in registers, HOPPER.md), reduces
// in f32 with warp shuffles and one shared-memory step (prelude blockSum /
// blockMax, a fixed order: results do not depend on scheduling), then writes
// the row. Softmax over a non-last axis uses the same template with a strided
// row (scalar, uncoalesced, but correct); the lowering should prefer the last
// axis.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

namespace dsc::codegen {

static const char *kRowTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // One block per row of $D elements (stride $STRIDE); each thread keeps
  // $ITEMS vectors of $V in registers.
  constexpr int kD = $D, kV = $V, kItems = $ITEMS, kVecs = kD / kV;
  constexpr long long kStride = $STRIDE;
  __shared__ float scratch[32];
  const long long row = blockIdx.x;
  const long long base = (row / kStride) * kD * kStride + row % kStride;
  auto valid = [](int it) { return threadIdx.x + it * $THREADS < kVecs; };
  float v[kItems][kV];
#pragma unroll
  for (int it = 0; it < kItems; ++it) {
    const int c = threadIdx.x + it * $THREADS;
    const auto a = loadVec<kV>(in0 + base + (valid(it) ? c : 0) * kV * kStride);
#pragma unroll
    for (int j = 0; j < kV; ++j)
      v[it][j] = toF32(a.v[j]);
  }
$STATS
#pragma unroll
  for (int it = 0; it < kItems; ++it) {
    if (!valid(it))
      continue;
    const int c = threadIdx.x + it * $THREADS;
$PARAM_LOADS    Vec<$OUT, kV> y;
#pragma unroll
    for (int j = 0; j < kV; ++j)
      y.v[j] = fromF32<$OUT>($EXPR);
    storeVec<kV>(out0 + base + c * kV * kStride, y);
  }
}
)cuda";

// Per-kind statistics over v[][] (valid items only), then the output
// expression of v[it][j].
static const char *kSoftmaxStats = R"cuda(  float m = negInf();
#pragma unroll
  for (int it = 0; it < kItems; ++it)
#pragma unroll
    for (int j = 0; j < kV; ++j)
      m = valid(it) ? maxNaN(m, v[it][j]) : m;
  m = blockMax<$THREADS>(m, scratch);
  float s = 0.0f;
#pragma unroll
  for (int it = 0; it < kItems; ++it)
#pragma unroll
    for (int j = 0; j < kV; ++j) {
      v[it][j] = expf(v[it][j] - m);
      s += valid(it) ? v[it][j] : 0.0f;
    }
  const float inv = 1.0f / blockSum<$THREADS>(s, scratch);)cuda";

static const char *kRmsNormStats = R"cuda(  float ss = 0.0f;
#pragma unroll
  for (int it = 0; it < kItems; ++it)
#pragma unroll
    for (int j = 0; j < kV; ++j)
      ss += valid(it) ? v[it][j] * v[it][j] : 0.0f;
  const float r = 1.0f / sqrtf(blockSum<$THREADS>(ss, scratch) / kD + $EPS);)cuda";

static const char *kLayerNormStats = R"cuda(  float s = 0.0f;
#pragma unroll
  for (int it = 0; it < kItems; ++it)
#pragma unroll
    for (int j = 0; j < kV; ++j)
      s += valid(it) ? v[it][j] : 0.0f;
  const float mean = blockSum<$THREADS>(s, scratch) / kD;
  float ss = 0.0f; // biased variance, two-pass for accuracy
#pragma unroll
  for (int it = 0; it < kItems; ++it)
#pragma unroll
    for (int j = 0; j < kV; ++j)
      ss += valid(it) ? (v[it][j] - mean) * (v[it][j] - mean) : 0.0f;
  const float r = 1.0f / sqrtf(blockSum<$THREADS>(ss, scratch) / kD + $EPS);)cuda";

const char *rowStatsTemplate(KernelKind kind) {
  switch (kind) {
  case KernelKind::Softmax:
    return kSoftmaxStats;
  case KernelKind::RmsNorm:
    return kRmsNormStats;
  default:
    return kLayerNormStats;
  }
}

std::string rowOutputExpr(KernelKind kind, size_t parameters) {
  switch (kind) {
  case KernelKind::Softmax:
    return "v[it][j] * inv";
  case KernelKind::RmsNorm:
    return "v[it][j] * r * toF32(w.v[j])";
  default:
    return parameters == 2
               ? "(v[it][j] - mean) * r * toF32(w.v[j]) + toF32(b.v[j])"
               : "(v[it][j] - mean) * r * toF32(w.v[j])";
  }
}

absl::StatusOr<EmittedKernel> emitRowwise(const KernelSpec &spec,
                                          const TargetInfo &target) {
  (void)target; // one block per row: the grid is the row count
  bool isLayerNorm = spec.kind == KernelKind::LayerNorm;
  size_t minIn = spec.kind == KernelKind::Softmax ? 1 : 2;
  size_t maxIn = isLayerNorm ? 3 : minIn;
  if (absl::Status s = checkArity(spec, minIn, maxIn, 1); !s.ok())
    return s;
  const TensorDesc &x = spec.inputs[0], &out = spec.outputs[0];
  if (x.shape != out.shape || x.shape.empty())
    return specError(spec, "result must have the operand's (non-scalar) shape");
  for (const TensorDesc *t : {&x, &out})
    if (isIntDType(t->dtype))
      return specError(spec, "operand and result must be float");
  int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = rank - 1;
  if (spec.kind == KernelKind::Softmax) {
    axis = spec.attrs.axis < 0 ? spec.attrs.axis + rank : spec.attrs.axis;
    if (axis < 0 || axis >= rank)
      return specError(spec, "softmax axis out of range");
  }
  int64_t d = x.shape[axis];
  int64_t stride = rowMajorStrides(x.shape)[axis];
  for (size_t i = 1; i < spec.inputs.size(); ++i)
    if (spec.inputs[i].shape != std::vector<int64_t>{d} ||
        isIntDType(spec.inputs[i].dtype))
      return specError(spec, "weight and bias must be float vectors of the "
                             "last dimension's size");

  std::vector<DType> types{out.dtype};
  for (const TensorDesc &in : spec.inputs)
    types.push_back(in.dtype);
  int v = stride == 1 ? chooseVectorWidth(d, types) : 1;
  unsigned threads = rowBlockThreads(d / v);
  int64_t items = (d / v + threads - 1) / threads;

  std::string stats = rowStatsTemplate(spec.kind);
  std::string expr = rowOutputExpr(spec.kind, spec.inputs.size() - 1);
  std::string paramLoads;
  if (spec.inputs.size() > 1)
    paramLoads = "    const auto w = loadVec<kV>(in1 + c * kV);\n";
  if (spec.inputs.size() > 2)
    paramLoads += "    const auto b = loadVec<kV>(in2 + c * kV);\n";
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  int64_t rows = x.numElements() / d;
  Subst subst = {{"$THREADS", absl::StrCat(threads)},
                 {"$PARAMS", *params},
                 {"$D", absl::StrCat(d)},
                 {"$V", absl::StrCat(v)},
                 {"$ITEMS", absl::StrCat(items)},
                 {"$STRIDE", absl::StrCat(stride)},
                 {"$EPS", floatLiteral(spec.attrs.eps)},
                 {"$OUT", *cudaType(out.dtype)},
                 {"$PARAM_LOADS", paramLoads},
                 {"$EXPR", expr}};
  subst.push_back({"$STATS", fill(stats.c_str(), subst)});
  // 32 floats of reduction scratch, declared statically in the kernel.
  LaunchConfig launch{static_cast<unsigned>(rows), threads, 0};
  return finishKernel(spec, fill(kRowTemplate, subst), launch, v);
}

} // namespace dsc::codegen
