//===- MatmulTest.cpp - Blocked matmul against hand values and a naive loop
//===//

#include "TestUtil.h"

namespace dsc::interp {
namespace {

/// The loop ops.md describes: c[b, i, j] = sum over k in order, in Acc.
template <typename Acc>
HostTensor naiveMatmul(const HostTensor &a, const HostTensor &b, bool ta,
                       bool tb, DType outType) {
  int64_t rank = a.rank();
  int64_t m = a.dim(rank - (ta ? 1 : 2)), k = a.dim(rank - (ta ? 2 : 1));
  int64_t n = b.dim(b.rank() - (tb ? 2 : 1));
  int64_t batch = a.numElements() / (m * k);
  bool shared = b.rank() == 2;
  Shape shape(a.shape().begin(), a.shape().end() - 2);
  shape.push_back(m);
  shape.push_back(n);
  std::vector<float> out(batch * m * n);
  for (int64_t bt = 0; bt < batch; ++bt)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        Acc sum = 0;
        for (int64_t kk = 0; kk < k; ++kk) {
          float av = a.floats()[bt * m * k + (ta ? kk * m + i : i * k + kk)];
          float bv = b.floats()[(shared ? 0 : bt * k * n) +
                                (tb ? j * k + kk : kk * n + j)];
          sum += Acc(av) * Acc(bv);
        }
        out[(bt * m + i) * n + j] = narrowForDType(sum, outType);
      }
  return HostTensor::fromFloats(outType, shape, out);
}

TEST(Matmul, HandComputed) {
  HostTensor a = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor b = f32({3, 2}, {7, 8, 9, 10, 11, 12});
  expectTensorNear(matmul(a, b, {}), f32({2, 2}, {58, 64, 139, 154}));
  MatmulAttrs tb;
  tb.transposeB = true;
  expectTensorNear(matmul(a, transpose(b, {1, 0}), tb),
                   f32({2, 2}, {58, 64, 139, 154}));
  MatmulAttrs ta;
  ta.transposeA = true;
  expectTensorNear(matmul(transpose(a, {1, 0}), b, ta),
                   f32({2, 2}, {58, 64, 139, 154}));
}

TEST(Matmul, OutTypeRoundsOnce) {
  // 256 + 1 + 1 = 258 exactly in f32, then one bf16 rounding: 258.
  HostTensor a = HostTensor::fromFloats(DType::BF16, {1, 3}, {256, 1, 1});
  HostTensor b = HostTensor::fromFloats(DType::BF16, {3, 1}, {1, 1, 1});
  HostTensor c = matmul(a, b, {});
  EXPECT_EQ(c.dtype(), DType::BF16);
  EXPECT_EQ(c.floats()[0], 258.0f);
  MatmulAttrs toF32;
  toF32.outType = DType::F32;
  EXPECT_EQ(matmul(a, b, toF32).dtype(), DType::F32);
}

TEST(Matmul, MatchesNaiveLoopBitForBit) {
  // Sizes straddle the tiles (32 x 256 x 256) and the 4-row groups.
  struct Case {
    Shape a, b;
    bool ta, tb;
  };
  std::vector<Case> cases = {
      {{70, 300}, {300, 290}, false, false},
      {{3, 37, 65}, {65, 19}, false, false}, // shared rank-2 rhs
      {{2, 2, 5, 33}, {2, 2, 33, 7}, false, false},
      {{2, 65, 9}, {2, 11, 65}, true, true},
      {{1, 513}, {513, 3}, false, false},
  };
  unsigned seed = 1;
  for (const Case &c : cases) {
    HostTensor a = randomTensor(DType::BF16, c.a, seed++);
    HostTensor b = randomTensor(DType::BF16, c.b, seed++);
    MatmulAttrs attrs;
    attrs.transposeA = c.ta;
    attrs.transposeB = c.tb;
    attrs.outType = DType::F32;
    expectTensorNear(matmul(a, b, attrs),
                     naiveMatmul<float>(a, b, c.ta, c.tb, DType::F32));
    attrs.outType = DType::BF16;
    expectTensorNear(matmul(a, b, attrs),
                     naiveMatmul<float>(a, b, c.ta, c.tb, DType::BF16));
    InterpOptions f64;
    f64.accumulateInF64 = true;
    expectTensorNear(matmul(a, b, attrs, f64),
                     naiveMatmul<double>(a, b, c.ta, c.tb, DType::BF16));
  }
}

TEST(Matmul, IntsWrap) {
  HostTensor a = i32({2, 2}, {1, 2, 3, 65536});
  HostTensor b = i32({2, 1}, {5, 65536});
  // 3 * 5 + 65536 * 65536 = 15 + 2^32, which wraps to 15 in i32.
  EXPECT_EQ(matmul(a, b, {}).ints(), (std::vector<int64_t>{131077, 15}));
}

TEST(Matmul, EmptyK) {
  HostTensor a = HostTensor::zeros(DType::F32, {2, 0});
  HostTensor b = HostTensor::zeros(DType::F32, {0, 3});
  expectTensorNear(matmul(a, b, {}), HostTensor::zeros(DType::F32, {2, 3}));
}

} // namespace
} // namespace dsc::interp
