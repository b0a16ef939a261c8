//===- EmitRope.cpp - rotary position embedding, alone or with a split ----===//
//
// One template for dsc.rope and dsc.split_rope. The input is rows of N columns ([..., T, H, Dh]
// for rope, [..., T, N] for split_rope); output i takes the next H_i * Dh columns of every row,
// rotated where attrs.rotate says (rope: its one output, always). So a fused QKV projection is
// read once and q, k and v are written once, in the [..., T, H, Dh] layout attention reads.
//
// A block takes kR rows (one block per group of rows; the loop over groups also serves a
// smaller grid). Each thread first loads its
// units, then the block computes the angles of its rows into shared memory, once per (row,
// pair): pos * theta^(-2i/Dh) in f32 with powf and sincosf at full range reduction (no fast
// math, as docs/ops.md's f32 compute asks), so the loads are in flight while the table is
// computed and no head recomputes them. A unit is two vectors of V elements (16 bytes each
// when Dh allows): for half style, x[i..i+V) and its partners x[i+Dh/2..); for interleaved
// style and for pieces that are only copied, 2V consecutive elements. Every access is a
// coalesced 16-byte vector and every byte is read and written once.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

#include <algorithm>

namespace dsc::codegen {

// Rows per block are chosen so that a block has about this many units of work; 256 threads
// (8 warps) is what the elementwise kernels use too (EmitElementwise.cpp).
static constexpr int64_t kRopeUnitsPerBlock = 256;

static const char *kRopeTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // in0 is [$ROWS rows, $NCOLS]; output i is [rows, H_i * Dh = kWidth[i]] from column kCol[i],
  // $STYLE pairs rotated where kRotate[i]. kR rows per block; a unit is 2 x $V elements.
  constexpr int kPieces = $NPIECES, kDh = $DH, kHalf = $DH / 2, kV = $V, kR = $RPB;
  constexpr int kUnits = $UNITS; // per row
  constexpr long long kRows = $ROWS, kN = $NCOLS;
  constexpr int kUnitStart[kPieces + 1] = $USTART;
  constexpr int kCol[kPieces] = $COLS;
  constexpr int kWidth[kPieces] = $WIDTHS;
  constexpr bool kRotate[kPieces] = $ROTFLAGS;
  constexpr int kPer = $PER; // units per thread and group
  __shared__ float cosT[kR][kHalf], sinT[kR][kHalf];
  for (long long g = blockIdx.x; g * kR < kRows; g += gridDim.x) {
    Vec<$ELEM, kV> a[kPer], b[kPer];
    int piece[kPer], first[kPer], width[kPer], second[kPer];
    bool rotate[kPer];
#pragma unroll
    for (int k = 0; k < kPer; ++k) {
      const int item = threadIdx.x + k * $THREADS, r = item / kUnits, u = item % kUnits;
      const long long row = g * kR + r;
      piece[k] = -1;
      if (item >= kR * kUnits || row >= kRows)
        continue;
      // The unit's piece, by unrolled selects (no dynamically indexed local arrays).
      int p = 0, col = 0;
#pragma unroll
      for (int i = 1; i < kPieces; ++i)
        p += u >= kUnitStart[i];
      const int local = u - kUnitStart[p];
#pragma unroll
      for (int i = 0; i < kPieces; ++i)
        if (p == i) {
          col = kCol[i];
          width[k] = kWidth[i];
          rotate[k] = kRotate[i];
        }
      // The unit's first column in its piece, and where its second vector starts.
      if ($HALF && rotate[k]) {
        first[k] = (local / (kHalf / kV)) * kDh + (local % (kHalf / kV)) * kV;
        second[k] = kHalf;
      } else {
        first[k] = local * 2 * kV;
        second[k] = kV;
      }
      piece[k] = p;
      const $ELEM *src = in0 + row * kN + col + first[k];
      a[k] = loadVec<kV>(src);
      b[k] = loadVec<kV>(src + second[k]);
    }
    __syncthreads(); // the previous group's table is no longer read
    for (int e = threadIdx.x; e < kR * kHalf; e += $THREADS) {
      const int r = e / kHalf, i = e % kHalf;
      const long long row = g * kR + r;
      if (row >= kRows)
        continue;
      const float pos = (float)in1[$POSITION];
      float s, c;
      sincosf(pos * powf($THETA, -2.0f * i / $DH.0f), &s, &c);
      cosT[r][i] = c;
      sinT[r][i] = s;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kPer; ++k) {
      const int p = piece[k];
      if (p < 0)
        continue;
      const int r = (threadIdx.x + k * $THREADS) / kUnits;
      const long long row = g * kR + r;
      if (rotate[k]) {
$PAIRS      }
      $ELEM *dst = ($DST) + row * width[k] + first[k];
      storeVec<kV>(dst, a[k]);
      storeVec<kV>(dst + second[k], b[k]);
    }
  }
}
)cuda";

// Element j of a pairs with element j of b; `base` is the pair index of element 0.
static const char *kPairAcross = R"cuda(        const int base = $BASE;
#pragma unroll
        for (int j = 0; j < kV; ++j) {
          const float x1 = toF32(a[k].v[j]), x2 = toF32(b[k].v[j]);
          const float c = cosT[r][base + j], s = sinT[r][base + j];
          a[k].v[j] = fromF32<$ELEM>(x1 * c - x2 * s);
          b[k].v[j] = fromF32<$ELEM>(x1 * s + x2 * c);
        }
)cuda";

// Interleaved pairs inside each vector: (v[2m], v[2m+1]), a's pairs first, then b's.
static const char *kPairWithin = R"cuda(        const int base = first[k] % kDh / 2;
#pragma unroll
        for (int j = 0; j < kV; ++j) {
          Vec<$ELEM, kV> &w = j < kV / 2 ? a[k] : b[k];
          const int m = j % (kV / 2);
          const float x1 = toF32(w.v[2 * m]), x2 = toF32(w.v[2 * m + 1]);
          const float c = cosT[r][base + j], s = sinT[r][base + j];
          w.v[2 * m] = fromF32<$ELEM>(x1 * c - x2 * s);
          w.v[2 * m + 1] = fromF32<$ELEM>(x1 * s + x2 * c);
        }
)cuda";

namespace {

/// The outputs as pieces of the input's rows: their widths, and the rows.
struct RopeLayout {
  std::vector<int64_t> widths;
  int64_t rows = 0, n = 0, t = 0, dh = 0;
};

absl::StatusOr<RopeLayout> ropeLayout(const KernelSpec &spec) {
  const TensorDesc &x = spec.inputs[0];
  RopeLayout l;
  const std::vector<int64_t> &first = spec.outputs[0].shape;
  if (first.size() < 3)
    return specError(spec, "rope outputs must be [..., T, H, Dh]");
  std::vector<int64_t> lead(first.begin(), first.end() - 2);
  l.dh = first.back();
  l.t = lead.back();
  for (const TensorDesc &out : spec.outputs) {
    if (out.dtype != x.dtype || isIntDType(out.dtype) || out.shape.size() != lead.size() + 2 ||
        !std::equal(lead.begin(), lead.end(), out.shape.begin()) || out.shape.back() != l.dh)
      return specError(spec, "rope outputs must be float [..., T, H_i, Dh] of x's type, with "
                             "one leading shape and one Dh");
    l.widths.push_back(out.shape[out.shape.size() - 2] * l.dh);
    l.n += l.widths.back();
  }
  // rope: x has its output's shape; split_rope: x is [..., T, N].
  std::vector<int64_t> split = lead;
  split.push_back(l.n);
  if (x.shape != split && !(spec.outputs.size() == 1 && x.shape == first))
    return specError(spec, "x must be [..., T, N] with N the sum of the outputs' H_i * Dh");
  if (l.dh % 2 != 0)
    return specError(spec, "rope needs an even head size Dh");
  l.rows = x.numElements() / l.n;
  return l;
}

} // namespace

absl::StatusOr<EmittedKernel> emitRope(const KernelSpec &spec,
                                       const TargetInfo & /*target*/) {
  if (spec.inputs.size() != 2 || spec.outputs.empty() || spec.outputs.size() > 64)
    return specError(spec, "rope needs x, positions and 1 to 64 outputs");
  absl::StatusOr<RopeLayout> layout = ropeLayout(spec);
  if (!layout.ok())
    return layout.status();
  const RopeLayout &l = *layout;
  const TensorDesc &pos = spec.inputs[1];
  std::vector<bool> rotate = spec.attrs.rotate;
  if (rotate.empty())
    rotate.assign(spec.outputs.size(), true);
  if (rotate.size() != spec.outputs.size())
    return specError(spec, "rotate needs one flag per output");
  std::string position;
  const std::vector<int64_t> &outShape = spec.outputs[0].shape;
  if (pos.shape == std::vector<int64_t>{l.t}) {
    position = absl::StrCat("row % ", l.t);
  } else if (outShape.size() == 4 && pos.shape == std::vector<int64_t>{outShape[0], l.t}) {
    position = "row";
  } else {
    return specError(spec, "positions must be [T], or [B, T] with x of rank 4");
  }
  if (!isIntDType(pos.dtype))
    return specError(spec, "positions must be integers");
  bool half = spec.attrs.ropeStyle == RopeStyle::Half;
  // V divides Dh/2, so a unit of 2V never leaves its head and every offset is aligned.
  int v = chooseVectorWidth(l.dh / 2, {spec.inputs[0].dtype});
  std::vector<int64_t> unitStart{0}, cols;
  int64_t col = 0;
  for (int64_t w : l.widths) {
    cols.push_back(col);
    col += w;
    unitStart.push_back(unitStart.back() + w / (2 * v));
  }
  int64_t units = unitStart.back();
  int64_t rowsPerBlock = std::clamp<int64_t>(kRopeUnitsPerBlock / units, 1, l.rows);
  unsigned threads = rowBlockThreads(rowsPerBlock * units);
  int64_t per = (rowsPerBlock * units + threads - 1) / threads;
  std::string flags, dst;
  for (size_t i = 0; i < rotate.size(); ++i) {
    absl::StrAppend(&flags, i ? ", " : "{", rotate[i] ? "true" : "false");
    if (i + 1 < rotate.size())
      absl::StrAppend(&dst, "p == ", i, " ? out", i, " : ");
  }
  absl::StrAppend(&flags, "}");
  absl::StrAppend(&dst, "out", rotate.size() - 1);
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  // Interleaved pairs sit inside a vector unless V is 1; then a unit is one pair (a, b).
  bool across = half || v == 1;
  std::string text = fill(kRopeTemplate, {{"$PAIRS", across ? kPairAcross : kPairWithin}});
  text = fill(text.c_str(), {{"$THREADS", absl::StrCat(threads)},
                             {"$PARAMS", *params},
                             {"$NPIECES", absl::StrCat(rotate.size())},
                             {"$DH", absl::StrCat(l.dh)},
                             {"$V", absl::StrCat(v)},
                             {"$RPB", absl::StrCat(rowsPerBlock)},
                             {"$UNITS", absl::StrCat(units)},
                             {"$ROWS", absl::StrCat(l.rows)},
                             {"$NCOLS", absl::StrCat(l.n)},
                             {"$USTART", intList(unitStart)},
                             {"$COLS", intList(cols)},
                             {"$WIDTHS", intList(l.widths)},
                             {"$ROTFLAGS", flags},
                             {"$PER", absl::StrCat(per)},
                             {"$STYLE", half ? "half" : "interleaved"},
                             {"$HALF", half ? "true" : "false"},
                             {"$BASE", half ? "first[k] % kDh" : "first[k] % kDh / 2"},
                             {"$POSITION", position},
                             {"$THETA", floatLiteral(spec.attrs.theta)},
                             {"$DST", dst},
                             {"$ELEM", *cudaType(spec.inputs[0].dtype)}});
  // One group of rows per block, not a grid-stride wave: the wave assumes 2048 / threads
  // resident blocks per SM, but registers decide (llama's split_rope: 384 threads at 55
  // registers, 3 blocks per SM, not 5), and the blocks of a wave that do not fit ran as a
  // second, partial wave. With a block per group the hardware keeps every SM full to the end.
  int64_t groups = (l.rows + rowsPerBlock - 1) / rowsPerBlock;
  if (groups > 0x7fffffff)
    return specError(spec, "too many rows for one grid");
  LaunchConfig launch{static_cast<unsigned>(groups), threads, 0};
  return finishKernel(spec, text, launch, v);
}

} // namespace dsc::codegen
