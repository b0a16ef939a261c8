//===- EmitRope.cpp - rotary position embedding ---------------------------===//
//
// One thread per rotated pair, grid-stride. Half style pairs (x_i, x_{i+Dh/2}):
// consecutive threads take consecutive i, so both halves are read coalesced.
// Interleaved style pairs (x_2i, x_2i+1): one 2-element vector per thread.
// The angle pos * theta^(-2i/Dh) is computed in f32 and sincosf does full
// range reduction (no fast math), as docs/ops.md's f32 compute asks.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace dsc::codegen {

// As EmitElementwise.cpp: 8 blocks of 256 fill an SM's 2048 threads.
static constexpr unsigned kRopeBlock = 256;

static const char *kRopeTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($BLOCK) $KERNEL($PARAMS) {
  // x is [..., T=$T, H=$H, Dh=$DH]; $STYLE pairs; one thread per pair.
  constexpr long long kPairs = $NPAIRS;
  constexpr int kHalf = $DH / 2, kH = $H, kT = $T;
  for (long long p = blockIdx.x * (long long)blockDim.x + threadIdx.x; p < kPairs;
       p += (long long)gridDim.x * blockDim.x) {
    const int i = p % kHalf;
    const long long row = p / kHalf; // (batch..., t, h)
    const long long t = row / kH % kT;
    const float pos = (float)$POSITION;
    const float freq = powf($THETA, -2.0f * i / $DH.0f);
    float s, c;
    sincosf(pos * freq, &s, &c);
$ROTATE  }
}
)cuda";

static const char *kHalfRotate =
    R"cuda(    const long long a = row * $DH + i, b = a + kHalf;
    const float x1 = toF32(in0[a]), x2 = toF32(in0[b]);
    out0[a] = fromF32<$OUT>(x1 * c - x2 * s);
    out0[b] = fromF32<$OUT>(x1 * s + x2 * c);
)cuda";

static const char *kInterleavedRotate =
    R"cuda(    const long long a = row * $DH + 2 * i;
    const auto x = loadVec<2>(in0 + a);
    const float x1 = toF32(x.v[0]), x2 = toF32(x.v[1]);
    Vec<$OUT, 2> y;
    y.v[0] = fromF32<$OUT>(x1 * c - x2 * s);
    y.v[1] = fromF32<$OUT>(x1 * s + x2 * c);
    storeVec<2>(out0 + a, y);
)cuda";

absl::StatusOr<EmittedKernel> emitRope(const KernelSpec &spec,
                                       const TargetInfo &target) {
  if (absl::Status s = checkArity(spec, 2, 2, 1); !s.ok())
    return s;
  const TensorDesc &x = spec.inputs[0], &pos = spec.inputs[1],
                   &out = spec.outputs[0];
  size_t rank = x.shape.size();
  if (rank < 3 || x.shape != out.shape || x.shape[rank - 1] % 2 != 0 ||
      isIntDType(x.dtype) || isIntDType(out.dtype))
    return specError(spec, "rope needs a float x[..., T, H, Dh] with even Dh "
                           "and a result of its shape");
  int64_t t = x.shape[rank - 3], h = x.shape[rank - 2], dh = x.shape[rank - 1];
  std::string position;
  if (pos.shape == std::vector<int64_t>{t}) {
    position = "in1[t]";
  } else if (rank == 4 && pos.shape == std::vector<int64_t>{x.shape[0], t}) {
    position = "in1[row / (kH * kT) * kT + t]";
  } else {
    return specError(spec, "positions must be [T], or [B, T] with x of rank 4");
  }
  if (!isIntDType(pos.dtype))
    return specError(spec, "positions must be integers");
  bool half = spec.attrs.ropeStyle == RopeStyle::Half;
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  int64_t pairs = x.numElements() / 2;
  std::string text = absl::StrReplaceAll(
      kRopeTemplate, {{"$ROTATE", half ? kHalfRotate : kInterleavedRotate}});
  text = fill(text.c_str(), {{"$BLOCK", absl::StrCat(kRopeBlock)},
                             {"$PARAMS", *params},
                             {"$T", absl::StrCat(t)},
                             {"$H", absl::StrCat(h)},
                             {"$DH", absl::StrCat(dh)},
                             {"$STYLE", half ? "half" : "interleaved"},
                             {"$NPAIRS", absl::StrCat(pairs)},
                             {"$POSITION", position},
                             {"$THETA", floatLiteral(spec.attrs.theta)},
                             {"$OUT", *cudaType(out.dtype)}});
  LaunchConfig launch{gridStrideBlocks(pairs, kRopeBlock, target), kRopeBlock,
                      0};
  return finishKernel(spec, text, launch, half ? 1 : 2);
}

} // namespace dsc::codegen
