//===- EmitQuant.cpp - FP8 activation quantization ------------------------===//
//
// dsc.quantize on the GPU, with the numerics of runtime/support/Fp8Quant.h
// (scale = amax / 448 by IEEE division, 1 for an all-zero group; value =
// cvt.rn.satfinite.e4m3(x / scale)), so values and scales match the
// interpreter bit for bit.
//
// - Blockwise (1 x 128 tiles): half a warp per tile, eight elements (16
//   bytes of bf16) a lane, the amax by shuffles; lane 0 writes the tile's scale at [tile, row] (the
//   [K/128, rows padded to 4] layout cuBLASLt's VEC128_32F mode reads).
// - Fused into a producer (quantizeTileCode, for EmitFused.cpp): the same
//   formulas on the 128 / V lanes that hold a tile in the producer's kernel.
// - Tensor: `amax` (grid-stride max of |x| into a zeroed f32, by atomicMax on
//   its bits: non-negative floats order like their bit patterns), then a
//   grid-stride kernel that derives the scale from it; thread 0 stores it.
// - Delayed (tensor with an amax history): each block takes the scale from the
//   history (a state param that outlives the run) and the current amax while
//   it converts (atomicMax into a word after the history); the last block to
//   finish, counted by an atomic there, records it over the oldest slot, so the
//   history rotates once per run, CUDA-graph replays included. The amax kernel
//   runs in full only when the history holds no usable amax (the first run).
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

namespace dsc::codegen {

static const char *kTileTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__(256) $KERNEL($PARAMS) {
  // x[$ROWS, $KDIM] -> e4m3 values of the same shape, scales[$KDIM / 128, pitch].
  // Half a warp per 1 x 128 tile, 8 elements (one 16-byte load of bf16) a lane.
  constexpr long long kRows = $ROWS, kK = $KDIM, kTiles = kRows * (kK / 128);
  constexpr long long kPitch = (kRows + 3) / 4 * 4; // scale rows, padded to 16 bytes
  const long long t = (long long)blockIdx.x * 16 + (threadIdx.x >> 4);
  const int lane = threadIdx.x & 15;
  const bool valid = t < kTiles; // both halves of a warp shuffle, so none returns early
  const long long tile = valid ? t : kTiles - 1;
  const long long row = tile / (kK / 128), kb = tile % (kK / 128);
  const long long at = row * kK + kb * 128 + lane * 8;
  const auto a = loadVec<8>(in0 + at);
  float v[8], amax = 0.0f;
#pragma unroll
  for (int j = 0; j < 8; ++j) {
    v[j] = toF32(a.v[j]);
    amax = fmaxf(amax, fabsf(v[j]));
  }
#pragma unroll
  for (int o = 8; o > 0; o >>= 1) // within each half warp
    amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
  const float scale = fp8Scale(amax);
  if (!valid)
    return;
  Vec<f8e4m3, 8> q;
#pragma unroll
  for (int j = 0; j < 8; ++j)
    q.v[j] = fromF32<f8e4m3>(__fdiv_rn(v[j], scale));
  storeVec<8>(out0 + at, q);
  if (lane == 0)
    out1[kb * kPitch + row] = scale;
  if (row == kRows - 1 && lane < kPitch - kRows) // the padding, as the interpreter fills it
    out1[kb * kPitch + kRows + lane] = 1.0f;
}
)cuda";

// The per-tensor kernels take $V elements a thread per step (16-byte loads of bf16) in a
// grid-stride loop over one wave of blocks, so a block's atomic (the amax, the delayed
// recipe's counter) happens once per block, about a thousand per kernel, not once per 256
// elements.
static const char *kAmaxTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__(256) $KERNEL($PARAMS) {
  // max |x| over $N elements into out0[0], which the plan zeroes first.
  constexpr int kV = $V;
  constexpr long long kVecs = $N / kV;
  __shared__ float scratch[32];
$HISTORYEXIT  float amax = 0.0f;
#pragma unroll 4
  for (long long i = (long long)blockIdx.x * 256 + threadIdx.x; i < kVecs;
       i += (long long)gridDim.x * 256) {
    const auto x = loadVec<kV>(in0 + i * kV);
#pragma unroll
    for (int j = 0; j < kV; ++j)
      amax = fmaxf(amax, fabsf(toF32(x.v[j])));
  }
  amax = blockMax<256>(amax, scratch);
  if (threadIdx.x == 0)
    atomicMax(reinterpret_cast<int *>(out0), __float_as_int(amax));
}
)cuda";

// Delayed scaling: the amax is needed now only when the history (in1, $HISTORY amaxes of past
// runs) holds no usable one, the first run's case; else the quantization takes it.
static const char *kAmaxHistoryExit = R"cuda(  {
    constexpr int kHistory = $HISTORY;
    float delayed = 0.0f;
    for (int h = threadIdx.x; h < kHistory; h += 256)
      delayed = fmaxf(delayed, in1[h]);
    delayed = blockMax<256>(delayed, scratch);
    if (delayed > 0.0f && delayed <= 3.40282347e38f)
      return;
  }
)cuda";

// x / scale to e4m3 for every element, $V a thread per step; the tail of both per-tensor
// quantize kernels.
static const char *kScaleLoop = R"cuda(
  if (blockIdx.x == 0 && threadIdx.x == 0)
    out1[0] = scale;
#pragma unroll 4
  for (long long i = (long long)blockIdx.x * 256 + threadIdx.x; i < kVecs;
       i += (long long)gridDim.x * 256) {
    const auto x = loadVec<kV>(in0 + i * kV);
    Vec<f8e4m3, kV> q;
#pragma unroll
    for (int j = 0; j < kV; ++j) {
      q.v[j] = fromF32<f8e4m3>(__fdiv_rn(toF32(x.v[j]), scale));
      $TRACKAMAX
    }
    storeVec<kV>(out0 + i * kV, q);
  }
)cuda";

static const char *kTensorTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__(256) $KERNEL($PARAMS) {
  // x[$N] with amax in1[0] -> e4m3 values, out1[0] = the scale.
  constexpr int kV = $V;
  constexpr long long kVecs = $N / kV;
  const float scale = fp8Scale(in1[0]);
$SCALELOOP}
)cuda";

// A quantize fused into a producer's kernel (EmitFused.cpp): the tile kernel's
// formulas for a thread holding kV consecutive values in qx[kV]; the 128 / kV
// lanes of a tile are consecutive threads, all of them there or none.
static const char *kFusedTileTemplate = R"cuda(    {
      // $SOURCE: 1 x 128 tiles of 128 / kV lanes, the amax by shuffles within each.
      constexpr int kLanes = 128 / kV;
      constexpr long long kRows = $ROWS, kPitch = (kRows + 3) / 4 * 4;
      const unsigned lanes = kLanes == 32 ? 0xffffffffu
                                          : ((1u << kLanes) - 1) << (threadIdx.x & 31 & ~(kLanes - 1));
      float amax = 0.0f;
#pragma unroll
      for (int j = 0; j < kV; ++j)
        amax = fmaxf(amax, fabsf(qx[j]));
#pragma unroll
      for (int o = kLanes / 2; o > 0; o >>= 1)
        amax = fmaxf(amax, __shfl_xor_sync(lanes, amax, o));
      const float scale = fp8Scale(amax);
      Vec<f8e4m3, kV> q;
#pragma unroll
      for (int j = 0; j < kV; ++j)
        q.v[j] = fromF32<f8e4m3>(__fdiv_rn(qx[j], scale));
      storeVec<kV>(out$VALUES + $AT, q);
      const long long qRow = $QROW, qTile = $QTILE;
      if ((threadIdx.x & (kLanes - 1)) == 0) {
        out$SCALES[qTile * kPitch + qRow] = scale;
        for (long long p = kRows; qRow == kRows - 1 && p < kPitch; ++p)
          out$SCALES[qTile * kPitch + p] = 1.0f; // the padding, as the interpreter fills it
      }
    }
)cuda";

std::string quantizeTileCode(const std::string &sourceOp, int64_t rows, size_t valuesOut,
                             size_t scalesOut, const std::string &at, const std::string &row,
                             const std::string &tile) {
  return fill(kFusedTileTemplate, {{"$SOURCE", sourceOp},
                                   {"$ROWS", absl::StrCat(rows)},
                                   {"$VALUES", absl::StrCat(valuesOut)},
                                   {"$SCALES", absl::StrCat(scalesOut)},
                                   {"$AT", at},
                                   {"$QROW", row},
                                   {"$QTILE", tile}});
}

static const char *kDelayedTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__(256) $KERNEL($PARAMS) {
  // x[$N] with amax in1[0] -> e4m3 values, out1[0] = the scale. out2: the amax history, $HISTORY
  // amaxes of previous runs, then (as u32) the next slot, the blocks finished in this run and
  // this run's amax (the bits of a non-negative float, which order like the floats).
  constexpr int kV = $V;
  constexpr long long kVecs = $N / kV;
  constexpr int kHistory = $HISTORY;
  __shared__ float scratch[32];
  float delayed = 0.0f, amax = 0.0f;
  for (int h = threadIdx.x; h < kHistory; h += 256)
    delayed = fmaxf(delayed, out2[h]);
  delayed = blockMax<256>(delayed, scratch); // after it, this block has read the history
  // No usable history (the first run): the current amax, which the amax kernel computed then.
  const float scale = fp8Scale(delayed > 0.0f && delayed <= 3.40282347e38f ? delayed : in1[0]);
$SCALELOOP  amax = blockMax<256>(amax, scratch);
  if (threadIdx.x != 0)
    return;
  unsigned *words = reinterpret_cast<unsigned *>(out2 + kHistory);
  atomicMax(&words[2], __float_as_uint(amax));
  __threadfence(); // this block's amax lands before its count
  if (atomicAdd(&words[1], 1u) == gridDim.x - 1) { // every other block has read the history
    const unsigned slot = words[0];
    out2[slot] = __uint_as_float(atomicExch(&words[2], 0u));
    words[0] = slot + 1 == kHistory ? 0u : slot + 1;
    words[1] = 0u;
  }
}
)cuda";

absl::StatusOr<EmittedKernel> emitQuant(const KernelSpec &spec,
                                        const TargetInfo &target) {
  const TensorDesc &x = spec.inputs.empty() ? TensorDesc{} : spec.inputs[0];
  int64_t n = x.numElements();
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  if (!isFloatDType(x.dtype) || x.shape.empty())
    return specError(spec, "quantization reads a float tensor of rank >= 1");
  Subst subst = {{"$PARAMS", *params}, {"$N", absl::StrCat(n)}};
  if (spec.kind == KernelKind::Amax) {
    if (absl::Status s = checkArity(spec, 1, 2, 1); !s.ok())
      return s;
    if (spec.outputs[0].dtype != DType::F32 ||
        spec.outputs[0].numElements() != 1)
      return specError(spec, "amax writes one f32");
    int64_t history = spec.attrs.fp8AmaxHistory;
    if (history > 0 && (spec.inputs.size() != 2 || spec.inputs[1].dtype != DType::F32 ||
                        spec.inputs[1].numElements() != history + 3))
      return specError(spec, "delayed scaling's amax reads x and the f32[amax_history + 3] "
                             "history");
    int v = chooseVectorWidth(n, {x.dtype});
    subst.push_back({"$V", absl::StrCat(v)});
    subst.push_back({"$HISTORY", absl::StrCat(history)});
    std::string text =
        fill(kAmaxTemplate, {{"$HISTORYEXIT", history > 0 ? kAmaxHistoryExit : ""}});
    return finishKernel(spec, fill(text.c_str(), subst),
                        {gridStrideBlocks(n / v, 256, target), 256, 0}, v);
  }
  if (spec.outputs.size() < 2 || spec.outputs[0].dtype != DType::F8E4M3FN ||
      spec.outputs[0].shape != x.shape || spec.outputs[1].dtype != DType::F32)
    return specError(
        spec, "quantize_fp8 writes e4m3 values of x's shape and f32 scales");
  if (!spec.attrs.fp8Blockwise) {
    int64_t history = spec.attrs.fp8AmaxHistory;
    if (absl::Status s = checkArity(spec, 2, 2, history > 0 ? 3 : 2); !s.ok())
      return s;
    if (history > 0 &&
        (spec.outputs[2].dtype != DType::F32 || spec.outputs[2].numElements() != history + 3))
      return specError(spec, "the amax history is f32[amax_history + 3]");
    int v = chooseVectorWidth(n, {x.dtype, DType::F8E4M3FN});
    subst.push_back({"$HISTORY", absl::StrCat(history)});
    subst.push_back({"$V", absl::StrCat(v)});
    std::string loop = fill(
        kScaleLoop, {{"$TRACKAMAX", history > 0 ? "amax = fmaxf(amax, fabsf(toF32(x.v[j])));"
                                                : ""}});
    std::string text =
        fill(history > 0 ? kDelayedTemplate : kTensorTemplate, {{"$SCALELOOP", loop}});
    return finishKernel(spec, fill(text.c_str(), subst),
                        {gridStrideBlocks(n / v, 256, target), 256, 0}, v);
  }
  if (absl::Status s = checkArity(spec, 1, 1, 2); !s.ok())
    return s;
  int64_t k = x.shape.back(), rows = n / std::max<int64_t>(k, 1);
  if (k % 128 != 0)
    return specError(spec,
                     "blockwise quantization needs the last dimension to be a "
                     "multiple of 128");
  if (spec.outputs[1].numElements() != (rows + 3) / 4 * 4 * (k / 128))
    return specError(
        spec, "scales must be [K/128, rows rounded up to a multiple of 4]");
  subst.push_back({"$ROWS", absl::StrCat(rows)});
  subst.push_back({"$KDIM", absl::StrCat(k)});
  int64_t blocks = (rows * (k / 128) + 15) / 16;
  if (blocks > 0x7fffffff)
    return specError(spec, "too many tiles for one grid");
  return finishKernel(
      spec, fill(kTileTemplate, subst),
      {static_cast<unsigned>(std::max<int64_t>(blocks, 1)), 256, 0}, 1);
}

} // namespace dsc::codegen
