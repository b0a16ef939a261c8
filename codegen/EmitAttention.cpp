//===- EmitAttention.cpp - Fused scaled dot-product attention -------------===//
//
// Two templates for dsc.attention (q[B,TQ,HQ,DH], k[B,TK,HKV,DH],
// v[B,TK,HKV,DV] -> out[B,TQ,HQ,DV]; query head h reads kv head h / (HQ/HKV);
// causal: query i sees keys j <= i + (TK - TQ); a row that sees no key is 0):
//
// - Tensor cores (bf16/f16, DH and DV multiples of 16 up to 128): a
//   FlashAttention-2 style forward. A block of 4 warps owns 128 queries of one
//   (batch, head), 32 per warp (64 and 16 when there are fewer than 128
//   queries); it streams 64-key tiles of K and V through
//   double-buffered shared memory with cp.async, computes S = Q K^T with
//   mma.sync m16n8k16 (f32 accumulate), keeps the softmax online in f32 (exp2
//   with the scale folded into log2(e)), reuses the S accumulators as the A
//   operand of P V (P rounded to the input type, as FlashAttention does) and
//   writes the output through shared memory with 16-byte stores. Blocks of the
//   last query tiles (the most keys under a causal mask) are numbered first.
// - Any float type and size: one warp per query row, one key per lane per
//   step, the same online softmax; slow, but exact in f32. It builds the fp32
//   reference models.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

#include <cmath>

namespace dsc::codegen {

static const char *kFlashTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__(128, 2) $KERNEL($PARAMS) {
  // Sizes: q[$B, $TQ, $HQ, $DH], k[$B, $TK, $HKV, $DH], v[$B, $TK, $HKV, $DV].
  // Each of the 4 warps owns kMT m-tiles of 16 query rows: every K and V
  // fragment read from shared memory feeds kMT mma instructions.
  typedef $T T;
  constexpr int kTQ = $TQ, kTK = $TK, kHQ = $HQ, kHKV = $HKV;
  constexpr int kDH = $DH, kDV = $DV, kMT = $MT, kBM = 64 * kMT, kBN = 64;
  constexpr int kQP = kDH + 8, kKP = kDH + 8, kVP = kDV + 8; // padded pitches
  constexpr int kOP = kDV + 8;
  constexpr bool kCausal = $CAUSAL;
  constexpr float kScaleLog2 = $SCALE_LOG2;
  constexpr int kQTiles = (kTQ + kBM - 1) / kBM;
  extern __shared__ __align__(16) unsigned char smemRaw[];
  T *sQ = reinterpret_cast<T *>(smemRaw);        // [kBM][kQP], later [kBM][kOP]
  T *sK = sQ + kBM * (kQP > kOP ? kQP : kOP);     // [2][kBN][kKP]
  T *sV = sK + 2 * kBN * kKP;                     // [2][kBN][kVP]

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t = lane & 3;
  const int qTile = kQTiles - 1 - (int)(blockIdx.x / ($B * kHQ));
  const int bh = blockIdx.x % ($B * kHQ);
  const long long b = bh / kHQ;
  const int h = bh % kHQ, hk = h / (kHQ / kHKV);
  const int q0 = qTile * kBM;
  const T *qBase = in0 + ((b * kTQ) * kHQ + h) * kDH;
  const T *kBase = in1 + ((b * kTK) * kHKV + hk) * kDH;
  const T *vBase = in2 + ((b * kTK) * kHKV + hk) * kDV;

  // 16-byte async copies of a [rows][cols] tile; rows past `limit` read as 0.
  auto copyTile = [&](T *dst, int pitch, const T *src, long long rowStride,
                      int row0, int limit, int rows, int cols) {
    const int chunksPerRow = cols / 8;
    for (int c = tid; c < rows * chunksPerRow; c += 128) {
      const int r = c / chunksPerRow, col = (c % chunksPerRow) * 8;
      const int row = row0 + r;
      const T *p = src + (long long)(row < limit ? row : 0) * rowStride + col;
      const unsigned d = (unsigned)__cvta_generic_to_shared(dst + r * pitch + col);
      asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d),
                   "l"(p), "r"(row < limit ? 16 : 0));
    }
  };
  auto commit = [] { asm volatile("cp.async.commit_group;\n" ::); };
  auto ldmatrix4 = [](unsigned (&r)[4], const T *p) {
    const unsigned a = (unsigned)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a));
  };

  // Keys this tile's queries can see: [0, kvEnd).
  const int qLast = (q0 + kBM < kTQ ? q0 + kBM : kTQ) - 1;
  int kvEnd = kTK;
  if (kCausal)
    kvEnd = qLast + (kTK - kTQ) + 1 < kTK ? qLast + (kTK - kTQ) + 1 : kTK;
  const int nTiles = kvEnd > 0 ? (kvEnd + kBN - 1) / kBN : 0;

  copyTile(sQ, kQP, qBase, (long long)kHQ * kDH, q0, kTQ, kBM, kDH);
  commit();
  if (nTiles > 0) {
    copyTile(sK, kKP, kBase, (long long)kHKV * kDH, 0, kTK, kBN, kDH);
    copyTile(sV, kVP, vBase, (long long)kHKV * kDV, 0, kTK, kBN, kDV);
  }
  commit();
  asm volatile("cp.async.wait_group 1;\n" ::);
  __syncthreads();

  // With one m-tile the warp's Q fragments stay in registers; with more they
  // are read from shared memory for each product (registers hold O and S).
  constexpr bool kQInRegs = kMT == 1;
  unsigned qReg[kQInRegs ? kDH / 16 : 1][4];
  if (kQInRegs) {
#pragma unroll
    for (int kc = 0; kc < kDH / 16; ++kc)
      ldmatrix4(qReg[kQInRegs ? kc : 0],
                sQ + (warp * 16 + (lane & 15)) * kQP + kc * 16 + (lane >> 4) * 8);
  }

  float o[kMT][kDV / 8][4];
  float rowMax[kMT][2], rowSum[kMT][2]; // rowSum: this thread's columns only
#pragma unroll
  for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
    for (int n = 0; n < kDV / 8; ++n)
      o[mt][n][0] = o[mt][n][1] = o[mt][n][2] = o[mt][n][3] = 0.0f;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      rowMax[mt][r] = negInf();
      rowSum[mt][r] = 0.0f;
    }
  }

  for (int tile = 0; tile < nTiles; ++tile) {
    const int buf = tile & 1, kv0 = tile * kBN;
    if (tile + 1 < nTiles) {
      copyTile(sK + (buf ^ 1) * kBN * kKP, kKP, kBase, (long long)kHKV * kDH,
               kv0 + kBN, kTK, kBN, kDH);
      copyTile(sV + (buf ^ 1) * kBN * kVP, kVP, vBase, (long long)kHKV * kDV,
               kv0 + kBN, kTK, kBN, kDV);
    }
    commit();
    asm volatile("cp.async.wait_group 1;\n" ::);
    __syncthreads();
    const T *k = sK + buf * kBN * kKP;
    const T *v = sV + buf * kBN * kVP;

    // S = Q K^T: 16 x 64 per m-tile, 8 n-tiles of 8 keys.
    float s[kMT][kBN / 8][4];
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
      for (int n = 0; n < kBN / 8; ++n)
        s[mt][n][0] = s[mt][n][1] = s[mt][n][2] = s[mt][n][3] = 0.0f;
#pragma unroll
    for (int kc = 0; kc < kDH / 16; ++kc) {
      unsigned qf[kMT][4];
#pragma unroll
      for (int mt = 0; mt < kMT; ++mt) {
        if (kQInRegs) {
#pragma unroll
          for (int e = 0; e < 4; ++e)
            qf[mt][e] = qReg[kQInRegs ? kc : 0][e];
        } else {
          ldmatrix4(qf[mt], sQ + ((warp * kMT + mt) * 16 + (lane & 15)) * kQP +
                                kc * 16 + (lane >> 4) * 8);
        }
      }
#pragma unroll
      for (int np = 0; np < kBN / 16; ++np) {
        unsigned r[4];
        ldmatrix4(r, k + (np * 16 + (lane >> 4) * 8 + (lane & 7)) * kKP + kc * 16 +
                         ((lane >> 3) & 1) * 8);
#pragma unroll
        for (int mt = 0; mt < kMT; ++mt) {
          $MMA(s[mt][2 * np], qf[mt], r[0], r[1]);
          $MMA(s[mt][2 * np + 1], qf[mt], r[2], r[3]);
        }
      }
    }

    // Scale to the log2 domain and mask the tile's out-of-range and (causal)
    // future keys.
    const bool edge = kv0 + kBN > kTK ||
                      (kCausal && kv0 + kBN - 1 > q0 + (kTK - kTQ));
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
      for (int n = 0; n < kBN / 8; ++n)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          s[mt][n][e] *= kScaleLog2;
          if (edge) {
            const int j = kv0 + n * 8 + 2 * t + (e & 1);
            const int i = q0 + (warp * kMT + mt) * 16 + g + 8 * (e >> 1);
            if (j >= kTK || (kCausal && j > i + (kTK - kTQ)))
              s[mt][n][e] = negInf();
          }
        }

    // Online softmax over the rows this thread holds (g and g + 8 of each
    // m-tile).
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float m = rowMax[mt][r];
#pragma unroll
        for (int n = 0; n < kBN / 8; ++n)
          m = fmaxf(m, fmaxf(s[mt][n][2 * r], s[mt][n][2 * r + 1]));
        m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
        m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
        // A row with no visible key yet keeps m = -inf; subtract 0 instead.
        const float base = m == negInf() ? 0.0f : m;
        const float alpha = exp2f(rowMax[mt][r] - base);
        rowMax[mt][r] = m;
        float sum = 0.0f;
#pragma unroll
        for (int n = 0; n < kBN / 8; ++n) {
          s[mt][n][2 * r] = exp2f(s[mt][n][2 * r] - base);
          s[mt][n][2 * r + 1] = exp2f(s[mt][n][2 * r + 1] - base);
          sum += s[mt][n][2 * r] + s[mt][n][2 * r + 1];
        }
        rowSum[mt][r] = rowSum[mt][r] * alpha + sum;
#pragma unroll
        for (int n = 0; n < kDV / 8; ++n) {
          o[mt][n][2 * r] *= alpha;
          o[mt][n][2 * r + 1] *= alpha;
        }
      }

    // O += P V; the S accumulators of n-tiles 2kc and 2kc+1 are P's A fragment.
#pragma unroll
    for (int kc = 0; kc < kBN / 16; ++kc) {
      unsigned pf[kMT][4];
#pragma unroll
      for (int mt = 0; mt < kMT; ++mt) {
        pf[mt][0] = $PACK(s[mt][2 * kc][0], s[mt][2 * kc][1]);
        pf[mt][1] = $PACK(s[mt][2 * kc][2], s[mt][2 * kc][3]);
        pf[mt][2] = $PACK(s[mt][2 * kc + 1][0], s[mt][2 * kc + 1][1]);
        pf[mt][3] = $PACK(s[mt][2 * kc + 1][2], s[mt][2 * kc + 1][3]);
      }
#pragma unroll
      for (int np = 0; np < kDV / 16; ++np) {
        unsigned r0, r1, r2, r3;
        const unsigned a = (unsigned)__cvta_generic_to_shared(
            v + (kc * 16 + ((lane >> 3) & 1) * 8 + (lane & 7)) * kVP + np * 16 +
            (lane >> 4) * 8);
        asm volatile(
            "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
            : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
            : "r"(a));
#pragma unroll
        for (int mt = 0; mt < kMT; ++mt) {
          $MMA(o[mt][2 * np], pf[mt], r0, r1);
          $MMA(o[mt][2 * np + 1], pf[mt], r2, r3);
        }
      }
    }
    __syncthreads(); // the next prefetch overwrites this buffer
  }
  asm volatile("cp.async.wait_group 0;\n" ::);

  // Normalize, stage the block's output in shared memory (over Q's tile, which
  // every warp has read by now), store 16 bytes at a time.
  __syncthreads();
  T *sO = sQ;
#pragma unroll
  for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float l = rowSum[mt][r];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      const float inv = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
      for (int n = 0; n < kDV / 8; ++n) {
        T *p = sO + ((warp * kMT + mt) * 16 + g + 8 * r) * kOP + n * 8 + 2 * t;
        p[0] = fromF32<T>(o[mt][n][2 * r] * inv);
        p[1] = fromF32<T>(o[mt][n][2 * r + 1] * inv);
      }
    }
  __syncthreads();
  T *outBase = out0 + ((b * kTQ) * kHQ + h) * kDV;
  for (int c = tid; c < kBM * (kDV / 8); c += 128) {
    const int r = c / (kDV / 8), col = (c % (kDV / 8)) * 8;
    if (q0 + r < kTQ)
      storeVec<8>(outBase + (long long)(q0 + r) * kHQ * kDV + col,
                  loadVec<8>(sO + r * kOP + col));
  }
}
)cuda";

static const char *kRowTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__(128) $KERNEL($PARAMS) {
  // One warp per query row (b, i, h), row-major over q[$B, $TQ, $HQ, $DH].
  constexpr long long kRows = (long long)$B * $TQ * $HQ;
  constexpr int kTQ = $TQ, kTK = $TK, kHQ = $HQ, kHKV = $HKV;
  constexpr int kDH = $DH, kDV = $DV, kPerLane = (kDV + 31) / 32;
  constexpr bool kCausal = $CAUSAL;
  constexpr float kScaleLog2 = $SCALE_LOG2;
  __shared__ float sq[4][kDH];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const long long row = (long long)blockIdx.x * 4 + warp;
  if (row >= kRows)
    return; // a whole warp
  const long long b = row / ((long long)kTQ * kHQ);
  const int i = (int)((row / kHQ) % kTQ), h = (int)(row % kHQ);
  const int hk = h / (kHQ / kHKV);
  for (int d = lane; d < kDH; d += 32)
    sq[warp][d] = toF32(in0[row * kDH + d]) * kScaleLog2;
  __syncwarp();
  int kvEnd = kTK;
  if (kCausal)
    kvEnd = i + (kTK - kTQ) + 1 < kTK ? i + (kTK - kTQ) + 1 : kTK;
  float o[kPerLane];
#pragma unroll
  for (int e = 0; e < kPerLane; ++e)
    o[e] = 0.0f;
  float m = negInf(), l = 0.0f;
  for (int j0 = 0; j0 < kvEnd; j0 += 32) {
    const int j = j0 + lane;
    float s = negInf();
    if (j < kvEnd) {
      const auto *kr = in1 + ((b * kTK + j) * kHKV + hk) * kDH;
      float acc = 0.0f;
      for (int d = 0; d < kDH; ++d)
        acc += sq[warp][d] * toF32(kr[d]);
      s = acc;
    }
    const float mNew = maxNaN(m, warpMax(s)); // lane 0's key is visible: finite
    const float alpha = exp2f(m - mNew), p = exp2f(s - mNew);
    l = l * alpha + warpSum(p);
#pragma unroll
    for (int e = 0; e < kPerLane; ++e)
      o[e] *= alpha;
    const int count = kvEnd - j0 < 32 ? kvEnd - j0 : 32;
    for (int jj = 0; jj < count; ++jj) {
      const float pj = __shfl_sync(0xffffffffu, p, jj);
      const auto *vr = in2 + ((b * kTK + j0 + jj) * kHKV + hk) * kDV;
#pragma unroll
      for (int e = 0; e < kPerLane; ++e)
        if (lane + 32 * e < kDV)
          o[e] += pj * toF32(vr[lane + 32 * e]);
    }
    m = mNew;
  }
  const float inv = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
  for (int e = 0; e < kPerLane; ++e)
    if (lane + 32 * e < kDV)
      out0[row * kDV + lane + 32 * e] = fromF32<$T>(o[e] * inv);
}
)cuda";

absl::StatusOr<EmittedKernel> emitAttention(const KernelSpec &spec,
                                            const TargetInfo &target) {
  (void)target;
  if (absl::Status s = checkArity(spec, 3, 3, 1); !s.ok())
    return s;
  const TensorDesc &q = spec.inputs[0], &k = spec.inputs[1],
                   &v = spec.inputs[2], &out = spec.outputs[0];
  for (const TensorDesc *t : {&q, &k, &v, &out})
    if (t->shape.size() != 4)
      return specError(spec, "q, k, v and the result must be rank 4");
  for (const TensorDesc *t : {&k, &v, &out})
    if (t->dtype != q.dtype)
      return specError(spec, "q, k, v and the result must share one type");
  if (isIntDType(q.dtype))
    return specError(spec, "attention needs a float type");
  int64_t batch = q.shape[0], tq = q.shape[1], hq = q.shape[2], dh = q.shape[3];
  int64_t tk = k.shape[1], hkv = k.shape[2], dv = v.shape[3];
  if (k.shape[0] != batch || k.shape[3] != dh ||
      v.shape != std::vector<int64_t>{batch, tk, hkv, dv} ||
      out.shape != std::vector<int64_t>{batch, tq, hq, dv})
    return specError(spec, "shapes must be q[B,TQ,HQ,DH], k[B,TK,HKV,DH], "
                           "v[B,TK,HKV,DV], result [B,TQ,HQ,DV]");
  if (hkv <= 0 || hq % hkv != 0)
    return specError(spec, "query heads must be a multiple of kv heads");
  if (batch * tq * hq == 0)
    return specError(spec, "empty attention has no kernel");
  absl::StatusOr<std::string> params = kernelParams(spec);
  absl::StatusOr<std::string> type = cudaType(q.dtype);
  if (!params.ok() || !type.ok())
    return specError(spec, "unsupported element type");

  double scaleLog2 = spec.attrs.scale / std::log(2.0);
  Subst subst = {{"$PARAMS", *params},
                 {"$T", *type},
                 {"$B", absl::StrCat(batch)},
                 {"$TQ", absl::StrCat(tq)},
                 {"$TK", absl::StrCat(tk)},
                 {"$HQ", absl::StrCat(hq)},
                 {"$HKV", absl::StrCat(hkv)},
                 {"$DH", absl::StrCat(dh)},
                 {"$DV", absl::StrCat(dv)},
                 {"$CAUSAL", spec.attrs.causal ? "true" : "false"},
                 {"$SCALE_LOG2", floatLiteral(scaleLog2)}};

  bool tensorCores = (q.dtype == DType::BF16 || q.dtype == DType::F16) &&
                     dh % 16 == 0 && dv % 16 == 0 && dh <= 128 && dv <= 128;
  if (!tensorCores) {
    int64_t blocks = (batch * tq * hq + 3) / 4;
    if (blocks > 0x7fffffff)
      return specError(spec, "too many query rows for one grid");
    return finishKernel(spec, fill(kRowTemplate, subst),
                        {static_cast<unsigned>(blocks), 128, 0}, 1);
  }
  bool isBf16 = q.dtype == DType::BF16;
  std::string suffix = isBf16 ? "Bf16" : "F16";
  subst.push_back({"$MMA", "mma" + suffix});
  subst.push_back({"$PACK", "pack" + suffix});
  // Two m-tiles per warp (128 queries a block) halve the shared-memory reads
  // per mma; short query sequences keep one so as not to idle half the block.
  int64_t mTiles = tq >= 128 ? 2 : 1;
  subst.push_back({"$MT", absl::StrCat(mTiles)});
  int64_t rowsPerBlock = 64 * mTiles;
  int64_t qTiles = (tq + rowsPerBlock - 1) / rowsPerBlock;
  int64_t blocks = qTiles * batch * hq;
  if (blocks > 0x7fffffff)
    return specError(spec, "too many query tiles for one grid");
  int64_t elemBytes = 2;
  int64_t shared = elemBytes * (rowsPerBlock * (std::max(dh, dv) + 8) +
                                2 * 64 * (dh + 8) + 2 * 64 * (dv + 8));
  return finishKernel(
      spec, fill(kFlashTemplate, subst),
      {static_cast<unsigned>(blocks), 128, static_cast<unsigned>(shared)}, 8);
}

} // namespace dsc::codegen
