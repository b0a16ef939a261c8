//===- Matmul.cpp - Blocked batched matmul --------------------------------===//
//
// C[M, N] = A[M, K] x B[K, N] per batch. B is first packed into panels of
// kPanel columns ([N / kPanel][K][kPanel], zero-padded), so the inner loop
// reads B contiguously whatever its layout or transpose; then each group of
// kRowGroup rows times one panel is summed over all of K in registers.
//
// Each C element is still the plain sum over k = 0, 1, ..., K-1 in the
// accumulator type: the blocking reorders loops, never the additions, so the
// result equals a naive loop's bit for bit (the library builds with
// -ffp-contract=off: no fused multiply-adds).
//
//===----------------------------------------------------------------------===//

#include "interp/KernelSupport.h"
#include "interp/ThreadPool.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace dsc::interp {

/// Four floats as one value; GCC and Clang lower its arithmetic to the
/// target's 128-bit vectors (SSE2 on any x86-64, NEON on AArch64).
typedef float Vec4 __attribute__((vector_size(16)));
/// The same, for loads and stores at float alignment through float memory.
typedef float Vec4Unaligned
    __attribute__((vector_size(16), aligned(4), may_alias));

// Columns per panel: two Vec4s. With kRowGroup = 4 rows that is 8 vector
// sums, half the 16 SSE registers, leaving room for B and the broadcasts;
// wider strips measured slower on SSE2 (spills).
constexpr int64_t kPanel = 8;
constexpr int64_t kRowGroup = 4;
// Rows of C per parallel task and panels per task: a 64 x 256 block of C
// reuses each packed panel 16 times from L1, and a 128-row activation times
// a 768-wide weight still gives 6 tasks for the pool.
constexpr int64_t kTileM = 64;
constexpr int64_t kTilePanels = 32;

/// sums[r][0, kPanel) = sum over k of a[r][k] * panel[k][0, kPanel).
template <typename Acc, int Rows>
static void panelKernel(const float *a, int64_t lda, const float *panel,
                        int64_t k, Acc (&sums)[kRowGroup][kPanel]) {
  if constexpr (std::is_same_v<Acc, float>) {
    Vec4 s[Rows][2] = {};
    for (int64_t kk = 0; kk < k; ++kk) {
      const auto *b =
          reinterpret_cast<const Vec4Unaligned *>(panel + kk * kPanel);
      Vec4 b0 = b[0], b1 = b[1];
      for (int r = 0; r < Rows; ++r) {
        float ar = a[r * lda + kk];
        s[r][0] += ar * b0;
        s[r][1] += ar * b1;
      }
    }
    for (int r = 0; r < Rows; ++r) {
      auto *out = reinterpret_cast<Vec4Unaligned *>(sums[r]);
      out[0] = s[r][0];
      out[1] = s[r][1];
    }
  } else {
    for (int r = 0; r < Rows; ++r)
      std::fill(sums[r], sums[r] + kPanel, Acc(0));
    for (int64_t kk = 0; kk < k; ++kk)
      for (int r = 0; r < Rows; ++r) {
        Acc ar = a[r * lda + kk];
        for (int64_t j = 0; j < kPanel; ++j)
          sums[r][j] += ar * Acc(panel[kk * kPanel + j]);
      }
  }
}

template <typename Acc>
static void panelKernel(int rows, const float *a, int64_t lda,
                        const float *panel, int64_t k,
                        Acc (&sums)[kRowGroup][kPanel]) {
  switch (rows) {
  case 4:
    return panelKernel<Acc, 4>(a, lda, panel, k, sums);
  case 3:
    return panelKernel<Acc, 3>(a, lda, panel, k, sums);
  case 2:
    return panelKernel<Acc, 2>(a, lda, panel, k, sums);
  default:
    return panelKernel<Acc, 1>(a, lda, panel, k, sums);
  }
}

/// B of one batch ([K, N], or [N, K] when transposed) as zero-padded panels.
static std::vector<float> packPanels(const float *b, int64_t k, int64_t n,
                                     bool transposed) {
  int64_t panels = (n + kPanel - 1) / kPanel;
  std::vector<float> packed(panels * k * kPanel, 0.0f);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < kPanel && p * kPanel + j < n; ++j) {
        int64_t col = p * kPanel + j;
        packed[(p * k + kk) * kPanel + j] =
            transposed ? b[col * k + kk] : b[kk * n + col];
      }
  return packed;
}

/// Row-major [batch, rows, cols] copy of `t` viewed as [batch, cols, rows].
static std::vector<float> transposeLastTwo(const std::vector<float> &t,
                                           int64_t batch, int64_t rows,
                                           int64_t cols) {
  std::vector<float> out(t.size());
  for (int64_t bt = 0; bt < batch; ++bt)
    for (int64_t c = 0; c < cols; ++c)
      for (int64_t r = 0; r < rows; ++r)
        out[(bt * rows + r) * cols + c] = t[(bt * cols + c) * rows + r];
  return out;
}

/// i32/i64 operands: the plain loop with wrapping int64 sums, rounded or
/// wrapped once to `outType`. Rare (index arithmetic), so not blocked.
static HostTensor intMatmul(const HostTensor &a, const HostTensor &b,
                            const MatmulAttrs &attrs, DType outType) {
  int64_t rank = a.rank();
  int64_t m = a.dim(rank - (attrs.transposeA ? 1 : 2));
  int64_t k = a.dim(rank - (attrs.transposeA ? 2 : 1));
  int64_t n = b.dim(b.rank() - (attrs.transposeB ? 2 : 1));
  int64_t batch = product(a.shape(), 0, rank - 2);
  bool sharedB = b.rank() == 2;
  Shape outShape(a.shape().begin(), a.shape().end() - 2);
  outShape.push_back(m);
  outShape.push_back(n);
  std::vector<int64_t> out(batch * m * n);
  for (int64_t bt = 0; bt < batch; ++bt)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        uint64_t sum = 0;
        for (int64_t kk = 0; kk < k; ++kk) {
          int64_t av = a.ints()[bt * m * k +
                                (attrs.transposeA ? kk * m + i : i * k + kk)];
          int64_t bv = b.ints()[(sharedB ? 0 : bt * k * n) +
                                (attrs.transposeB ? j * k + kk : kk * n + j)];
          sum += static_cast<uint64_t>(av) * static_cast<uint64_t>(bv);
        }
        out[(bt * m + i) * n + j] = static_cast<int64_t>(sum);
      }
  return HostTensor::fromInts(outType, std::move(outShape), std::move(out));
}

HostTensor matmul(const HostTensor &a, const HostTensor &b,
                  const MatmulAttrs &attrs, const InterpOptions &options) {
  DType outType = attrs.outType.value_or(a.dtype());
  if (!a.isFloat())
    return intMatmul(a, b, attrs, outType);
  int64_t rank = a.rank();
  int64_t m = a.dim(rank - (attrs.transposeA ? 1 : 2));
  int64_t k = a.dim(rank - (attrs.transposeA ? 2 : 1));
  int64_t n = b.dim(b.rank() - (attrs.transposeB ? 2 : 1));
  int64_t batch = product(a.shape(), 0, rank - 2);
  bool sharedB = b.rank() == 2;

  std::vector<float> packedA;
  const float *aData = a.floats().data();
  if (attrs.transposeA) {
    packedA = transposeLastTwo(a.floats(), batch, m, k);
    aData = packedA.data();
  }
  int64_t panels = (n + kPanel - 1) / kPanel;
  std::vector<std::vector<float>> packedB(sharedB ? 1 : batch);
  for (size_t bt = 0; bt < packedB.size(); ++bt)
    packedB[bt] =
        packPanels(b.floats().data() + bt * k * n, k, n, attrs.transposeB);

  Shape outShape(a.shape().begin(), a.shape().end() - 2);
  outShape.push_back(m);
  outShape.push_back(n);
  std::vector<float> out(batch * m * n);
  int64_t tilesM = (m + kTileM - 1) / kTileM;
  int64_t tilesN = (panels + kTilePanels - 1) / kTilePanels;

  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    parallelFor(batch * tilesM * tilesN, 1, [&](int64_t begin, int64_t end) {
      Acc sums[kRowGroup][kPanel];
      for (int64_t task = begin; task < end; ++task) {
        int64_t bt = task / (tilesM * tilesN);
        int64_t i0 = (task / tilesN) % tilesM * kTileM;
        int64_t p0 = task % tilesN * kTilePanels;
        int64_t i1 = std::min(m, i0 + kTileM);
        int64_t p1 = std::min(panels, p0 + kTilePanels);
        const std::vector<float> &bPanels = packedB[sharedB ? 0 : bt];
        for (int64_t p = p0; p < p1; ++p) {
          int64_t cols = std::min(kPanel, n - p * kPanel);
          for (int64_t i = i0; i < i1; i += kRowGroup) {
            int rows = std::min(kRowGroup, i1 - i);
            panelKernel<Acc>(rows, aData + (bt * m + i) * k, k,
                             bPanels.data() + p * k * kPanel, k, sums);
            for (int r = 0; r < rows; ++r)
              for (int64_t j = 0; j < cols; ++j)
                out[(bt * m + i + r) * n + p * kPanel + j] =
                    toStored(sums[r][j], outType);
          }
        }
      }
    });
    return 0;
  });
  return HostTensor::fromFloats(outType, std::move(outShape), std::move(out));
}

} // namespace dsc::interp
