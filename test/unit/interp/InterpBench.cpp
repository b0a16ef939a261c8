//===- InterpBench.cpp - Times the kernels of a small Llama forward -------===//
//
// A 2-layer Llama (D = 256, 4 heads of 64, SwiGLU FFN of 768, T = 128,
// B = 1) run straight through the kernels, bf16 weights and activations, and
// the matmul alone at the sizes the model uses. Prints milliseconds; the
// interpreter's target is well under a second per forward on 2 cores.
//
// Usage: DscInterpBench [vocab=32000] [repeats=5]
//
//===----------------------------------------------------------------------===//

#include "interp/Kernels.h"
#include "interp/ThreadPool.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

using namespace dsc;
using namespace dsc::interp;

static HostTensor random(Shape shape, float range, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-range, range);
  std::vector<float> values(numElements(shape));
  for (float &v : values)
    v = dist(gen);
  return HostTensor::fromFloats(DType::BF16, std::move(shape),
                                std::move(values));
}

static double millisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

namespace {
struct Layer {
  HostTensor attnNorm, wqkv, wo, ffnNorm, wgate, wup, wdown;
};
} // namespace

int main(int argc, char **argv) {
  const int64_t d = 256, t = 128, heads = 4, dh = 64, ffn = 768;
  int64_t vocab = argc > 1 ? std::atoll(argv[1]) : 32000;
  int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  std::printf("threads: %u\n", ThreadPool::global().numThreads());

  std::vector<Layer> layers;
  for (unsigned l = 0; l < 2; ++l)
    layers.push_back(
        {random({d}, 1, 10 * l), random({d, 3 * d}, 0.06f, 10 * l + 1),
         random({d, d}, 0.06f, 10 * l + 2), random({d}, 1, 10 * l + 3),
         random({d, ffn}, 0.06f, 10 * l + 4),
         random({d, ffn}, 0.06f, 10 * l + 5),
         random({ffn, d}, 0.04f, 10 * l + 6)});
  HostTensor embed = random({vocab, d}, 1, 100);
  HostTensor finalNorm = random({d}, 1, 101);
  std::vector<int64_t> ids(t);
  for (int64_t i = 0; i < t; ++i)
    ids[i] = (i * 7919) % vocab;
  HostTensor tokens = HostTensor::fromInts(DType::I32, {1, t}, ids);
  HostTensor positions = iota(DType::I32, {t}, 0);

  MatmulAttrs plain, lmHead;
  lmHead.transposeB = true; // tied embeddings: [V, D]
  double bestTotal = 1e30, bestMatmul = 1e30;
  for (int r = 0; r < repeats; ++r) {
    double matmulMs = 0;
    auto timedMatmul = [&](const HostTensor &a, const HostTensor &b,
                           const MatmulAttrs &attrs) {
      auto start = std::chrono::steady_clock::now();
      HostTensor c = matmul(a, b, attrs);
      matmulMs += millisSince(start);
      return c;
    };
    auto start = std::chrono::steady_clock::now();
    HostTensor x = gather(embed, tokens, 0); // [1, T, D]
    for (const Layer &layer : layers) {
      HostTensor h = rmsNorm(x, layer.attnNorm, 1e-5);
      HostTensor qkv = timedMatmul(h, layer.wqkv, plain);
      std::vector<HostTensor> parts = split(qkv, -1, {d, d, d});
      HostTensor q = rope(reshape(parts[0], {1, t, heads, dh}), positions,
                          10000.0, RopeStyle::Half);
      HostTensor k = rope(reshape(parts[1], {1, t, heads, dh}), positions,
                          10000.0, RopeStyle::Half);
      HostTensor v = reshape(parts[2], {1, t, heads, dh});
      HostTensor a = reshape(attention(q, k, v, true, std::nullopt), {1, t, d});
      x = binary(BinaryOp::Add, x, timedMatmul(a, layer.wo, plain));
      h = rmsNorm(x, layer.ffnNorm, 1e-5);
      HostTensor gate =
          unary(UnaryOp::Silu, timedMatmul(h, layer.wgate, plain));
      HostTensor up = timedMatmul(h, layer.wup, plain);
      x = binary(
          BinaryOp::Add, x,
          timedMatmul(binary(BinaryOp::Mul, gate, up), layer.wdown, plain));
    }
    HostTensor logits = timedMatmul(rmsNorm(x, finalNorm, 1e-5), embed, lmHead);
    double total = millisSince(start);
    bestTotal = std::min(bestTotal, total);
    bestMatmul = std::min(bestMatmul, matmulMs);
    std::printf("forward %d: %.1f ms (matmuls %.1f ms), logits %s\n", r, total,
                matmulMs, logits.typeToString().c_str());
  }
  std::printf("best forward: %.1f ms, of which matmuls %.1f ms\n", bestTotal,
              bestMatmul);

  // The matmul alone: GFLOP/s at the model's shapes.
  struct Shape3 {
    int64_t m, k, n;
  };
  for (Shape3 s :
       {Shape3{128, 256, 768}, Shape3{128, 768, 256}, Shape3{128, 256, 4096}}) {
    HostTensor a = random({s.m, s.k}, 1, 1), b = random({s.k, s.n}, 1, 2);
    double best = 1e30;
    for (int r = 0; r < 5; ++r) {
      auto start = std::chrono::steady_clock::now();
      matmul(a, b, plain);
      best = std::min(best, millisSince(start));
    }
    std::printf("matmul %ldx%ldx%ld: %.2f ms, %.1f GFLOP/s\n", (long)s.m,
                (long)s.k, (long)s.n, best,
                2.0 * s.m * s.k * s.n / (best * 1e6));
  }
  return 0;
}
