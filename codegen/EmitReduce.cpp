//===- EmitReduce.cpp - reduce_sum, reduce_max, reduce_mean ---------------===//
//
// Adjacent dimensions that are both kept or both reduced are merged first
// (row-major, so they are contiguous). When what remains is [kept, reduced],
// the fast template runs: one block per output element reduces one contiguous
// run with V-element vector loads and a block reduction. Otherwise the general
// template gives each thread one output element and walks the reduced index
// space; consecutive threads then read consecutive kept elements, so the
// common [reduced, kept] case is coalesced too. Accumulation is f32.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

#include <set>

namespace dsc::codegen {

// As EmitElementwise.cpp: 8 blocks of 256 fill an SM's 2048 threads.
static constexpr unsigned kGeneralBlock = 256;

static const char *kRowReduceTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // One block per output element: a contiguous run of $R elements, $V at a time.
  constexpr long long kR = $R, kVecs = kR / $V;
  __shared__ float scratch[32];
  const $IN *x = in0 + blockIdx.x * kR;
  float acc = $INIT;
  for (long long c = threadIdx.x; c < kVecs; c += $THREADS) {
    const auto a = loadVec<$V>(x + c * $V);
#pragma unroll
    for (int j = 0; j < $V; ++j)
      acc = $COMBINE(acc, toF32(a.v[j]));
  }
  acc = $BLOCK_REDUCE<$THREADS>(acc, scratch);
  if (threadIdx.x == 0)
    out0[blockIdx.x] = fromF32<$OUT>($FINAL);
}
)cuda";

static const char *kGeneralReduceTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // One output element per thread (grid-stride); the reduced dimensions are
  // walked in row-major order. Dims and input strides of kept / reduced dims:
  constexpr int kKeepRank = $KEEP_RANK, kRedRank = $RED_RANK;
  constexpr long long kKeepDims[] = $KEEP_DIMS, kKeepStrides[] = $KEEP_STRIDES;
  constexpr long long kRedDims[] = $RED_DIMS, kRedStrides[] = $RED_STRIDES;
  constexpr long long kOut = $NOUT, kR = $R;
  for (long long o = blockIdx.x * (long long)blockDim.x + threadIdx.x; o < kOut;
       o += (long long)gridDim.x * blockDim.x) {
    long long base = 0, rest = o;
#pragma unroll
    for (int d = kKeepRank - 1; d >= 0; --d) {
      base += (rest % kKeepDims[d]) * kKeepStrides[d];
      rest /= kKeepDims[d];
    }
    float acc = $INIT;
    for (long long r = 0; r < kR; ++r) {
      long long off = base, rr = r;
#pragma unroll
      for (int d = kRedRank - 1; d >= 0; --d) {
        off += (rr % kRedDims[d]) * kRedStrides[d];
        rr /= kRedDims[d];
      }
      acc = $COMBINE(acc, toF32(in0[off]));
    }
    out0[o] = fromF32<$OUT>($FINAL);
  }
}
)cuda";

namespace {
struct DimGroup {
  bool reduced;
  int64_t size, stride;
};
} // namespace

absl::StatusOr<EmittedKernel> emitReduce(const KernelSpec &spec,
                                         const TargetInfo &target) {
  if (absl::Status s = checkArity(spec, 1, 1, 1); !s.ok())
    return s;
  const TensorDesc &x = spec.inputs[0], &out = spec.outputs[0];
  int64_t rank = static_cast<int64_t>(x.shape.size());
  std::set<int64_t> axes;
  for (int64_t a : spec.attrs.dims) {
    int64_t axis = a < 0 ? a + rank : a;
    if (axis < 0 || axis >= rank || !axes.insert(axis).second)
      return specError(spec, "reduce axes must be unique and in range");
  }
  // Merge adjacent dims of the same class; size-1 dims are dropped.
  std::vector<DimGroup> groups;
  std::vector<int64_t> strides = rowMajorStrides(x.shape);
  int64_t nOut = 1, r = 1;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = axes.count(d) != 0;
    (reduced ? r : nOut) *= x.shape[d];
    if (x.shape[d] == 1)
      continue;
    if (!groups.empty() && groups.back().reduced == reduced) {
      groups.back().size *= x.shape[d];
      groups.back().stride = strides[d];
    } else {
      groups.push_back({reduced, x.shape[d], strides[d]});
    }
  }
  if (out.numElements() != nOut)
    return specError(spec, "result size does not match the kept dimensions");

  std::string init = "0.0f", combine = "[](float a, float b) { return a + b; }",
              blockReduce = "blockSum", final = "acc";
  if (spec.attrs.reduce == ReduceOp::Max) {
    init = "negInf()";
    combine = "maxNaN";
    blockReduce = "blockMax";
  }
  if (spec.attrs.reduce == ReduceOp::Mean)
    final = absl::StrCat("acc / ", r, ".0f");
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  Subst subst = {{"$PARAMS", *params},
                 {"$IN", *cudaType(x.dtype)},
                 {"$OUT", *cudaType(out.dtype)},
                 {"$INIT", init},
                 {"$COMBINE", combine},
                 {"$BLOCK_REDUCE", blockReduce},
                 {"$FINAL", final},
                 {"$R", absl::StrCat(r)},
                 {"$NOUT", absl::StrCat(nOut)}};

  int reducedGroups = 0;
  for (const DimGroup &g : groups)
    reducedGroups += g.reduced;
  if (reducedGroups == 1 && groups.back().reduced) {
    int v = chooseVectorWidth(r, {x.dtype});
    unsigned threads = rowBlockThreads(r / v);
    subst.push_back({"$THREADS", absl::StrCat(threads)});
    subst.push_back({"$V", absl::StrCat(v)});
    LaunchConfig launch{static_cast<unsigned>(nOut), threads, 0};
    return finishKernel(spec, fill(kRowReduceTemplate, subst), launch, v);
  }
  std::vector<int64_t> keepDims, keepStrides, redDims, redStrides;
  for (const DimGroup &g : groups) {
    (g.reduced ? redDims : keepDims).push_back(g.size);
    (g.reduced ? redStrides : keepStrides).push_back(g.stride);
  }
  subst.push_back({"$THREADS", absl::StrCat(kGeneralBlock)});
  subst.push_back({"$KEEP_RANK", absl::StrCat(keepDims.size())});
  subst.push_back({"$RED_RANK", absl::StrCat(redDims.size())});
  subst.push_back({"$KEEP_DIMS", intList(keepDims)});
  subst.push_back({"$KEEP_STRIDES", intList(keepStrides)});
  subst.push_back({"$RED_DIMS", intList(redDims)});
  subst.push_back({"$RED_STRIDES", intList(redStrides)});
  LaunchConfig launch{gridStrideBlocks(nOut, kGeneralBlock, target),
                      kGeneralBlock, 0};
  return finishKernel(spec, fill(kGeneralReduceTemplate, subst), launch, 1);
}

} // namespace dsc::codegen
