//===- ReduceTest.cpp - Reductions, softmax and norms ---------------------===//

#include "TestUtil.h"

#include <cmath>

namespace dsc::interp {
namespace {

TEST(Reduce, SumMaxMeanOverAxes) {
  HostTensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  expectTensorNear(reduce(ReduceKind::Sum, x, {1}, false), f32({2}, {6, 15}));
  expectTensorNear(reduce(ReduceKind::Sum, x, {0}, true),
                   f32({1, 3}, {5, 7, 9}));
  expectTensorNear(reduce(ReduceKind::Max, x, {-1}, false), f32({2}, {3, 6}));
  expectTensorNear(reduce(ReduceKind::Mean, x, {0, 1}, false), f32({}, {3.5f}));
  expectTensorNear(reduce(ReduceKind::Mean, x, {0, 1}, true),
                   f32({1, 1}, {3.5f}));
}

TEST(Reduce, MaxPropagatesNaN) {
  HostTensor x = f32({2, 2}, {1, NAN, 3, 4});
  expectTensorNear(reduce(ReduceKind::Max, x, {1}, false), f32({2}, {NAN, 4}));
}

TEST(Reduce, MiddleAxisOfRank3) {
  HostTensor x = f32({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  expectTensorNear(reduce(ReduceKind::Sum, x, {1}, false),
                   f32({2, 2}, {4, 6, 12, 14}));
}

TEST(Reduce, IntsAndBf16Result) {
  HostTensor x = i32({2, 2}, {1, -7, 2147483647, 1});
  EXPECT_EQ(reduce(ReduceKind::Sum, x, {1}, false).ints(),
            (std::vector<int64_t>{-6, -2147483648LL}));
  EXPECT_EQ(reduce(ReduceKind::Max, x, {1}, false).ints(),
            (std::vector<int64_t>{1, 2147483647}));
  // 256 + 1 + 1 = 258 in f32, stored once in bf16: 258 (not 256 as a
  // bf16 running sum would give).
  HostTensor b = HostTensor::fromFloats(DType::BF16, {3}, {256, 1, 1});
  EXPECT_EQ(reduce(ReduceKind::Sum, b, {0}, false).floats()[0], 258.0f);
}

TEST(Softmax, LastAndFirstAxis) {
  HostTensor x = f32({2, 2}, {0, std::log(3.0f), 1, 1});
  expectTensorNear(softmax(x, -1), f32({2, 2}, {0.25f, 0.75f, 0.5f, 0.5f}),
                   1e-7);
  HostTensor y = f32({2, 1}, {0, std::log(3.0f)});
  expectTensorNear(softmax(y, 0), f32({2, 1}, {0.25f, 0.75f}), 1e-7);
}

TEST(RmsNorm, HandComputed) {
  // mean(x^2) = (9 + 16) / 2 = 12.5; with eps 0: x / sqrt(12.5) * w.
  HostTensor x = f32({1, 2}, {3, 4});
  HostTensor w = f32({2}, {1, 2});
  float r = 1.0f / std::sqrt(12.5f);
  expectTensorNear(rmsNorm(x, w, 0.0), f32({1, 2}, {3 * r, 8 * r}), 1e-6);
}

TEST(LayerNorm, WithAndWithoutBias) {
  // mean 2, biased variance 2/3 over {1, 2, 3}.
  HostTensor x = f32({1, 3}, {1, 2, 3});
  HostTensor w = f32({3}, {1, 1, 2});
  HostTensor b = f32({3}, {0, 1, 0});
  float r = 1.0f / std::sqrt(2.0f / 3.0f + 1e-5f);
  expectTensorNear(layerNorm(x, w, nullptr, 1e-5), f32({1, 3}, {-r, 0, 2 * r}),
                   1e-6);
  expectTensorNear(layerNorm(x, w, &b, 1e-5), f32({1, 3}, {-r, 1, 2 * r}),
                   1e-6);
}

TEST(Reduce, F64AccumulationOption) {
  // 1 + 2^-24 * 4 in f32 steps stays 1; in f64 the four small terms add up.
  HostTensor x =
      f32({5}, {1, 5.9604645e-8f, 5.9604645e-8f, 5.9604645e-8f, 5.9604645e-8f});
  EXPECT_EQ(reduce(ReduceKind::Sum, x, {0}, false).floats()[0], 1.0f);
  InterpOptions f64;
  f64.accumulateInF64 = true;
  EXPECT_EQ(reduce(ReduceKind::Sum, x, {0}, false, f64).floats()[0],
            1.0f + 2.3841858e-7f);
}

} // namespace
} // namespace dsc::interp
