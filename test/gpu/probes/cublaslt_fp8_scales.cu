// cuBLASLt FP8 probe: which memory layout the fine-grained scale modes read, and
// how fast each FP8 recipe runs next to bf16, on the GPU it runs on.
//
// Y[M, N] = X[M, K] W[K, N], row-major as dsc writes it, run the way FP8 needs
// on Hopper ("TN": both operands K-major): cuBLAS computes the column-major
// N x M product D = op(A) B with A = W^T stored as [N, K] (TRANSA = T) and
// B = X stored as [M, K]. Fine-grained recipe (DeepSeek-V3): X scaled per
// 1 x 128 tile (B_SCALE_MODE = VEC128_32F), W per 128 x 128 block
// (A_SCALE_MODE = BLK128x128_32F), f32 scales, bf16 output.
//
// Part 1 quantizes nothing: it draws e4m3 values and random power-of-two
// scales, runs cuBLASLt at a small shape, and compares with a CPU product for
// each candidate scale layout; exactly one should match (to f32 rounding).
// Part 2 times bf16, per-tensor FP8 (SCALAR_32F) and fine-grained FP8 at the
// llama_layer GEMM shapes: CUDA events, median of 50 after 10 warm-up runs.
//
// Build: nvcc -O2 -std=c++17 -arch=sm_90a cublaslt_fp8_scales.cu -lcublasLt -o probe
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define CHECK_CUDA(x)                                                                   \
  do {                                                                                  \
    cudaError_t e = (x);                                                                \
    if (e != cudaSuccess) {                                                             \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x,                   \
                   cudaGetErrorString(e));                                              \
      std::exit(1);                                                                     \
    }                                                                                   \
  } while (0)

static bool lt(cublasStatus_t s, const char *what) {
  if (s == CUBLAS_STATUS_SUCCESS)
    return true;
  std::printf("  %s: %s\n", what, cublasLtGetStatusName(s));
  return false;
}

enum class Recipe { Bf16, PerTensor, FineGrained };

struct Gemm {
  cublasLtHandle_t handle;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, ld = nullptr;
  cublasLtMatmulAlgo_t algo{};
  void *workspace;
  size_t workspaceBytes;

  // A: [N, K] (K-major), B: [M, K] (K-major), D: [M, N] row-major bf16.
  bool init(Recipe r, int m, int n, int k, const void *scaleA, const void *scaleB) {
    cudaDataType_t in = r == Recipe::Bf16 ? CUDA_R_16BF : CUDA_R_8F_E4M3;
    if (!lt(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "desc"))
      return false;
    cublasOperation_t t = CUBLAS_OP_T, nn = CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof(t));
    cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &nn, sizeof(nn));
    if (r != Recipe::Bf16) {
      int32_t modeA = r == Recipe::FineGrained ? CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F
                                               : CUBLASLT_MATMUL_MATRIX_SCALE_SCALAR_32F;
      int32_t modeB = r == Recipe::FineGrained ? CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F
                                               : CUBLASLT_MATMUL_MATRIX_SCALE_SCALAR_32F;
      if (!lt(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &modeA,
                                             sizeof(modeA)),
              "A_SCALE_MODE") ||
          !lt(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &modeB,
                                             sizeof(modeB)),
              "B_SCALE_MODE"))
        return false;
      cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &scaleA,
                                     sizeof(scaleA));
      cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &scaleB,
                                     sizeof(scaleB));
    }
    cublasLtMatrixLayoutCreate(&la, in, k, n, k);
    cublasLtMatrixLayoutCreate(&lb, in, k, m, k);
    cublasLtMatrixLayoutCreate(&ld, CUDA_R_16BF, n, m, n);
    cublasLtMatmulPreference_t pref;
    cublasLtMatmulPreferenceCreate(&pref);
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                         &workspaceBytes, sizeof(workspaceBytes));
    cublasLtMatmulHeuristicResult_t res{};
    int found = 0;
    bool ok = lt(cublasLtMatmulAlgoGetHeuristic(handle, desc, la, lb, ld, ld, pref, 1, &res,
                                                &found),
                 "heuristic");
    cublasLtMatmulPreferenceDestroy(pref);
    if (!ok || found == 0) {
      std::printf("  no algorithm (%d found)\n", found);
      return false;
    }
    algo = res.algo;
    return true;
  }
  bool run(const void *a, const void *b, void *d, cudaStream_t s) {
    float alpha = 1, beta = 0;
    return lt(cublasLtMatmul(handle, desc, &alpha, a, la, b, lb, &beta, d, ld, d, ld, &algo,
                             workspace, workspaceBytes, s),
              "matmul");
  }
  ~Gemm() {
    if (ld) cublasLtMatrixLayoutDestroy(ld);
    if (lb) cublasLtMatrixLayoutDestroy(lb);
    if (la) cublasLtMatrixLayoutDestroy(la);
    if (desc) cublasLtMatmulDescDestroy(desc);
  }
};

static float e4m3ToFloat(uint8_t v) {
  __nv_fp8_e4m3 x;
  x.__x = v;
  return float(x);
}

template <class T> static T *upload(const std::vector<T> &h) {
  T *d;
  CHECK_CUDA(cudaMalloc(&d, h.size() * sizeof(T)));
  CHECK_CUDA(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}

static int layoutProbe(cublasLtHandle_t handle, void *ws, size_t wsBytes) {
  const int M = 256, N = 384, K = 512, KB = K / 128, NB = N / 128;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255), exp2(-3, 3);
  auto finiteE4m3 = [&] {
    for (;;) {
      uint8_t v = byte(rng);
      if ((v & 0x7f) != 0x7f) // 0x7f / 0xff are NaN in e4m3
        return v;
    }
  };
  std::vector<uint8_t> w(N * K), x(M * K);
  for (auto &v : w) v = finiteE4m3();
  for (auto &v : x) v = finiteE4m3();
  std::vector<float> sx(M * KB), sw(NB * KB);
  for (auto &v : sx) v = std::ldexp(1.0f, exp2(rng));
  for (auto &v : sw) v = std::ldexp(1.0f, exp2(rng));

  uint8_t *dW = upload(w), *dX = upload(x);
  float *dSx = upload(sx), *dSw = upload(sw);
  __nv_bfloat16 *dY;
  CHECK_CUDA(cudaMalloc(&dY, M * N * 2));
  Gemm g{handle};
  g.workspace = ws;
  g.workspaceBytes = wsBytes;
  if (!g.init(Recipe::FineGrained, M, N, K, dSw, dSx) || !g.run(dW, dX, dY, 0)) {
    std::printf("layout probe: fine-grained FP8 GEMM not available here\n");
    return 1;
  }
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<__nv_bfloat16> y(M * N);
  CHECK_CUDA(cudaMemcpy(y.data(), dY, M * N * 2, cudaMemcpyDeviceToHost));

  // Candidate layouts of the scale tensors, by (row, k block).
  struct Cand {
    const char *name;
    int (*x)(int m, int kb, int M, int KB);
    int (*w)(int nb, int kb, int NB, int KB);
  };
  const Cand cands[] = {
      {"x [KB][M] (M contiguous), w [KB][NB] (NB contiguous)",
       [](int m, int kb, int M, int) { return kb * M + m; },
       [](int nb, int kb, int NB, int) { return kb * NB + nb; }},
      {"x [KB][M] (M contiguous), w [NB][KB] (KB contiguous)",
       [](int m, int kb, int M, int) { return kb * M + m; },
       [](int nb, int kb, int, int KB) { return nb * KB + kb; }},
      {"x [M][KB] (KB contiguous), w [KB][NB] (NB contiguous)",
       [](int m, int kb, int, int KB) { return m * KB + kb; },
       [](int nb, int kb, int NB, int) { return kb * NB + nb; }},
      {"x [M][KB] (KB contiguous), w [NB][KB] (KB contiguous)",
       [](int m, int kb, int, int KB) { return m * KB + kb; },
       [](int nb, int kb, int, int KB) { return nb * KB + kb; }},
  };
  int matches = 0;
  for (const Cand &c : cands) {
    double num = 0, den = 0;
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double acc = 0;
        for (int kb = 0; kb < KB; ++kb) {
          double part = 0;
          for (int kk = 0; kk < 128; ++kk) {
            int kx = kb * 128 + kk;
            part += double(e4m3ToFloat(x[m * K + kx])) * e4m3ToFloat(w[n * K + kx]);
          }
          acc += part * sx[c.x(m, kb, M, KB)] * sw[c.w(n / 128, kb, NB, KB)];
        }
        double got = __bfloat162float(y[m * N + n]);
        num += (got - acc) * (got - acc);
        den += acc * acc;
      }
    double rel = std::sqrt(num / den);
    bool match = rel < 1e-2; // bf16 output rounding is ~2e-3 relative
    matches += match;
    std::printf("layout %-58s rel l2 %.3g %s\n", c.name, rel, match ? "MATCH" : "");
  }
  cudaFree(dW);
  cudaFree(dX);
  cudaFree(dSx);
  cudaFree(dSw);
  cudaFree(dY);
  return matches == 1 ? 0 : 1;
}

static void timeShape(cublasLtHandle_t handle, void *ws, size_t wsBytes, int m, int n, int k) {
  size_t big = size_t(std::max(m, n)) * k * 2;
  void *a, *b, *d, *sa, *sb;
  CHECK_CUDA(cudaMalloc(&a, big));
  CHECK_CUDA(cudaMalloc(&b, big));
  CHECK_CUDA(cudaMalloc(&d, size_t(m) * n * 2));
  CHECK_CUDA(cudaMemset(a, 0x11, big));
  CHECK_CUDA(cudaMemset(b, 0x11, big));
  size_t scales = size_t(std::max(m, n)) * (k / 128 + 1) * 4;
  CHECK_CUDA(cudaMalloc(&sa, scales));
  CHECK_CUDA(cudaMalloc(&sb, scales));
  std::vector<float> ones(scales / 4, 1.0f);
  CHECK_CUDA(cudaMemcpy(sa, ones.data(), scales, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(sb, ones.data(), scales, cudaMemcpyHostToDevice));
  std::printf("M=%d N=%d K=%d:", m, n, k);
  for (Recipe r : {Recipe::Bf16, Recipe::PerTensor, Recipe::FineGrained}) {
    Gemm g{handle};
    g.workspace = ws;
    g.workspaceBytes = wsBytes;
    const char *name = r == Recipe::Bf16 ? "bf16" : r == Recipe::PerTensor ? "fp8 tensor" : "fp8 1x128/128x128";
    if (!g.init(r, m, n, k, sa, sb)) {
      std::printf("  %s: unavailable", name);
      continue;
    }
    for (int i = 0; i < 10; ++i)
      g.run(a, b, d, 0);
    std::vector<float> ms;
    cudaEvent_t s, e;
    cudaEventCreate(&s);
    cudaEventCreate(&e);
    for (int i = 0; i < 50; ++i) {
      cudaEventRecord(s);
      g.run(a, b, d, 0);
      cudaEventRecord(e);
      cudaEventSynchronize(e);
      float t;
      cudaEventElapsedTime(&t, s, e);
      ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    double med = ms[ms.size() / 2];
    std::printf("  %s %.3f ms (%.0f TFLOP/s)", name, med, 2.0 * m * n * k / med / 1e9);
  }
  std::printf("\n");
  cudaFree(a);
  cudaFree(b);
  cudaFree(d);
  cudaFree(sa);
  cudaFree(sb);
}

int main() {
  cublasLtHandle_t handle;
  if (!lt(cublasLtCreate(&handle), "create"))
    return 1;
  size_t wsBytes = 32u << 20;
  void *ws;
  CHECK_CUDA(cudaMalloc(&ws, wsBytes));
  cudaDeviceProp prop;
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  std::printf("device %s, cuBLASLt %zu\n", prop.name, cublasLtGetVersion());
  int rc = layoutProbe(handle, ws, wsBytes);
  // llama_layer at B=4, T=2048: QKV, O, gate/up, down.
  timeShape(handle, ws, wsBytes, 8192, 6144, 4096);
  timeShape(handle, ws, wsBytes, 8192, 4096, 4096);
  timeShape(handle, ws, wsBytes, 8192, 11008, 4096);
  timeShape(handle, ws, wsBytes, 8192, 4096, 11008);
  timeShape(handle, ws, wsBytes, 8192, 22016, 4096);
  std::printf("probe: layout %s\n", rc == 0 ? "found" : "NOT found");
  return rc;
}
