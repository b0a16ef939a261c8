//===- TensorTest.cpp - HostTensor storage, rounding and cast -------------===//

#include "TestUtil.h"

#include <cmath>
#include <limits>

namespace dsc::interp {
namespace {

TEST(HostTensor, RoundsToBf16OnStore) {
  // bf16 keeps 8 significant bits: 1 + 2^-8 is a tie (to even: 1), 1 + 3*2^-9
  // is above it (1 + 2^-7).
  HostTensor t = HostTensor::fromFloats(DType::BF16, {3},
                                        {1.00390625f, 1.005859375f, 3.0f});
  EXPECT_EQ(t.floats()[0], 1.0f);
  EXPECT_EQ(t.floats()[1], 1.0078125f);
  EXPECT_EQ(t.floats()[2], 3.0f);
}

TEST(HostTensor, BinaryOpResultIsRoundedOnceToBf16) {
  HostTensor a = HostTensor::fromFloats(DType::BF16, {1}, {1.0f});
  HostTensor b = HostTensor::fromFloats(DType::BF16, {1}, {0.00390625f});
  // 1 + 2^-8 ties to even in bf16.
  EXPECT_EQ(binary(BinaryOp::Add, a, b).floats()[0], 1.0f);
  HostTensor c = HostTensor::fromFloats(DType::BF16, {1}, {0.005859375f});
  EXPECT_EQ(binary(BinaryOp::Add, a, c).floats()[0], 1.0078125f);
}

TEST(HostTensor, WrapsIntsToTheirWidth) {
  HostTensor t = HostTensor::fromInts(
      DType::I32, {3}, {(int64_t(1) << 32) + 5, int64_t(1) << 31, -1});
  EXPECT_EQ(t.ints(), (std::vector<int64_t>{5, -(int64_t(1) << 31), -1}));
  EXPECT_EQ(HostTensor::fromInts(DType::I1, {2}, {2, 3}).ints(),
            (std::vector<int64_t>{0, 1}));
}

TEST(HostTensor, BytesRoundTrip) {
  HostTensor bf = HostTensor::fromFloats(DType::BF16, {2}, {1.5f, -2.0f});
  std::vector<uint8_t> bytes = bf.toBytes();
  ASSERT_EQ(bytes.size(), 4u);
  HostTensor back;
  ASSERT_TRUE(HostTensor::fromBytes(DType::BF16, {2}, bytes.data(),
                                    bytes.size(), back));
  expectTensorNear(back, bf);
  EXPECT_FALSE(HostTensor::fromBytes(DType::BF16, {3}, bytes.data(),
                                     bytes.size(), back));

  HostTensor ints = i32({3}, {7, -8, 1 << 30});
  bytes = ints.toBytes();
  ASSERT_TRUE(
      HostTensor::fromBytes(DType::I32, {3}, bytes.data(), bytes.size(), back));
  expectTensorNear(back, ints);
}

TEST(HostTensor, NarrowForDTypeRoundsOnceFromDouble) {
  // 1 + 2^-8 + 2^-30: to float alone it becomes the bf16 tie 1 + 2^-8 (and
  // then 1.0); the exact value is above the tie, so bf16 must give 1 + 2^-7.
  double v = 1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -30);
  EXPECT_EQ(roundToDType(narrowForDType(v, DType::BF16), DType::BF16),
            1.0078125f);
  EXPECT_EQ(narrowForDType(v, DType::F32), static_cast<float>(v));
}

TEST(Cast, FloatToIntTruncatesAndSaturates) {
  float inf = std::numeric_limits<float>::infinity();
  HostTensor x = f32({6}, {2.7f, -2.7f, 1e10f, -inf, NAN, -0.5f});
  EXPECT_EQ(cast(x, DType::I32).ints(),
            (std::vector<int64_t>{2, -2, 2147483647, -2147483648LL, 0, 0}));
  EXPECT_EQ(cast(x, DType::I64).ints()[3], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(cast(f32({4}, {0.5f, -2.0f, 0.0f, NAN}), DType::I1).ints(),
            (std::vector<int64_t>{1, 1, 0, 1}));
}

TEST(Cast, FloatToFloatRoundsAndSaturatesFp8) {
  HostTensor x = f32({3}, {1000.0f, -1000.0f, 1e6f});
  EXPECT_EQ(cast(x, DType::F8E4M3FN).floats(),
            (std::vector<float>{448.0f, -448.0f, 448.0f}));
  EXPECT_TRUE(std::isinf(cast(x, DType::F8E5M2).floats()[2]));
}

TEST(Cast, IntToFloatRoundsOnce) {
  // 2^30 + 2^22 + 1 is just above a bf16 tie; via f32 it would land on the
  // tie and round down to 2^30.
  HostTensor x =
      HostTensor::fromInts(DType::I64, {2}, {(1 << 30) + (1 << 22) + 1, 3});
  EXPECT_EQ(cast(x, DType::BF16).floats(),
            (std::vector<float>{1082130432.0f, 3.0f}));
}

TEST(Cast, IntToIntWrapsAndBoolIsNonzero) {
  HostTensor x =
      HostTensor::fromInts(DType::I64, {3}, {(int64_t(1) << 32) + 5, 2, 0});
  EXPECT_EQ(cast(x, DType::I32).ints(), (std::vector<int64_t>{5, 2, 0}));
  EXPECT_EQ(cast(x, DType::I1).ints(), (std::vector<int64_t>{1, 1, 0}));
  HostTensor b = HostTensor::fromInts(DType::I1, {2}, {1, 0});
  EXPECT_EQ(cast(b, DType::F32).floats(), (std::vector<float>{1.0f, 0.0f}));
  EXPECT_EQ(cast(b, DType::I32).ints(), (std::vector<int64_t>{1, 0}));
}

} // namespace
} // namespace dsc::interp
