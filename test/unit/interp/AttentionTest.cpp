//===- AttentionTest.cpp - Rotary embedding and attention -----------------===//

#include "TestUtil.h"

#include <algorithm>
#include <cmath>

namespace dsc::interp {
namespace {

TEST(Rope, HalfAndInterleavedPairs) {
  // Dh = 4, theta = 10000: f0 = 1, f1 = 10000^(-1/2) = 0.01; position 1.
  HostTensor x = f32({1, 1, 4}, {1, 0, 0, 1});
  HostTensor pos = i32({1}, {1});
  float c0 = std::cos(1.0f), s0 = std::sin(1.0f);
  float c1 = std::cos(0.01f), s1 = std::sin(0.01f);
  // half: pairs (x0, x2) and (x1, x3).
  expectTensorNear(rope(x, pos, 10000.0, RopeStyle::Half),
                   f32({1, 1, 4}, {c0, -s1, s0, c1}), 1e-6);
  // interleaved: pairs (x0, x1) and (x2, x3).
  expectTensorNear(rope(x, pos, 10000.0, RopeStyle::Interleaved),
                   f32({1, 1, 4}, {c0, s0, -s1, c1}), 1e-6);
}

TEST(Rope, PerBatchPositions) {
  // x[B=2, T=1, H=1, Dh=2], positions [[0], [2]]: batch 0 is unrotated.
  HostTensor x = f32({2, 1, 1, 2}, {1, 0, 1, 0});
  HostTensor pos = i32({2, 1}, {0, 2});
  expectTensorNear(rope(x, pos, 10000.0, RopeStyle::Half),
                   f32({2, 1, 1, 2}, {1, 0, std::cos(2.0f), std::sin(2.0f)}),
                   1e-6);
}

TEST(Attention, HandComputed) {
  // One query, keys with scores {0, ln 3} -> weights {1/4, 3/4}.
  HostTensor q = f32({1, 1, 1, 1}, {1});
  HostTensor k = f32({1, 2, 1, 1}, {0, std::log(3.0f)});
  HostTensor v = f32({1, 2, 1, 1}, {4, 8});
  expectTensorNear(attention(q, k, v, false, 1.0), f32({1, 1, 1, 1}, {7}),
                   1e-6);
  // Causal, Tq = Tk = 2: query 0 sees key 0 only.
  HostTensor q2 = f32({1, 2, 1, 1}, {1, 1});
  expectTensorNear(attention(q2, k, v, true, 1.0), f32({1, 2, 1, 1}, {4, 7}),
                   1e-6);
  // Causal, Tq = 3 > Tk = 2: query 0 sees no key and is zero.
  HostTensor q3 = f32({1, 3, 1, 1}, {1, 1, 1});
  expectTensorNear(attention(q3, k, v, true, 1.0), f32({1, 3, 1, 1}, {0, 4, 7}),
                   1e-6);
}

/// The loop ops.md describes, in double.
HostTensor naiveAttention(const HostTensor &q, const HostTensor &k,
                          const HostTensor &v, bool causal, double scale) {
  int64_t b = q.dim(0), tq = q.dim(1), hq = q.dim(2), dh = q.dim(3);
  int64_t tk = k.dim(1), hkv = k.dim(2), dv = v.dim(3);
  std::vector<float> out(b * tq * hq * dv, 0.0f);
  auto at = [](const HostTensor &t, int64_t i0, int64_t i1, int64_t i2,
               int64_t i3) {
    return double(
        t.floats()[((i0 * t.dim(1) + i1) * t.dim(2) + i2) * t.dim(3) + i3]);
  };
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t h = 0; h < hq; ++h)
      for (int64_t i = 0; i < tq; ++i) {
        int64_t g = h / (hq / hkv);
        std::vector<double> s;
        for (int64_t j = 0; j < tk; ++j) {
          if (causal && j > i + (tk - tq))
            break;
          double dot = 0;
          for (int64_t d = 0; d < dh; ++d)
            dot += at(q, bi, i, h, d) * at(k, bi, j, g, d);
          s.push_back(dot * scale);
        }
        if (s.empty())
          continue;
        double max = *std::max_element(s.begin(), s.end()), sum = 0;
        for (double &x : s)
          sum += x = std::exp(x - max);
        for (int64_t d = 0; d < dv; ++d) {
          double o = 0;
          for (size_t j = 0; j < s.size(); ++j)
            o += s[j] / sum * at(v, bi, j, g, d);
          out[((bi * tq + i) * hq + h) * dv + d] = o;
        }
      }
  return f32({b, tq, hq, dv}, out);
}

TEST(Attention, CausalGqaMatchesNaiveLoop) {
  // Hq = 6 query heads over Hkv = 2 kv heads; Tq < Tk (a decode-like suffix),
  // Tq = Tk, and Tq > Tk; Tq = 40 crosses the 32-row task blocks.
  struct Case {
    int64_t tq, tk;
  };
  unsigned seed = 10;
  for (Case c : std::vector<Case>{{40, 40}, {5, 37}, {40, 33}}) {
    HostTensor q = randomTensor(DType::F32, {2, c.tq, 6, 8}, seed++);
    HostTensor k = randomTensor(DType::F32, {2, c.tk, 2, 8}, seed++);
    HostTensor v = randomTensor(DType::F32, {2, c.tk, 2, 5}, seed++);
    for (bool causal : {true, false}) {
      double scale = 1.0 / std::sqrt(8.0);
      expectTensorNear(attention(q, k, v, causal, std::nullopt),
                       naiveAttention(q, k, v, causal, scale), 2e-6);
      InterpOptions f64;
      f64.accumulateInF64 = true;
      expectTensorNear(attention(q, k, v, causal, 0.3, f64),
                       naiveAttention(q, k, v, causal, 0.3), 1e-7);
    }
  }
}

TEST(Attention, Bf16ResultIsRounded) {
  HostTensor q = randomTensor(DType::BF16, {1, 4, 2, 8}, 1);
  HostTensor k = randomTensor(DType::BF16, {1, 4, 1, 8}, 2);
  HostTensor v = randomTensor(DType::BF16, {1, 4, 1, 8}, 3);
  HostTensor out = attention(q, k, v, true, std::nullopt);
  EXPECT_EQ(out.dtype(), DType::BF16);
  for (float x : out.floats())
    EXPECT_EQ(roundToDType(x, DType::BF16), x);
}

} // namespace
} // namespace dsc::interp
