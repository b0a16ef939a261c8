//===- CompareTest.cpp - differential comparison ---------------------------===//

#include "interp/Compare.h"
#include "TestUtil.h"

namespace dsc::interp {
namespace {

TEST(Compare, IdenticalTensorsPass) {
  HostTensor a = randomTensor(DType::BF16, {4, 8}, 1);
  OutputDiff diff = compareTensors("y", a, a);
  EXPECT_TRUE(diff.ok());
  EXPECT_EQ(diff.maxAbsError, 0.0);
  EXPECT_EQ(diff.relFrobenius, 0.0);
}

TEST(Compare, ErrorBeyondTheDtypeToleranceFails) {
  HostTensor ref = f32({4}, {1, 2, 3, 4});
  HostTensor close = f32({4}, {1, 2, 3, 4.00001f});
  HostTensor far = f32({4}, {1, 2, 3, 4.1f});
  EXPECT_TRUE(compareTensors("y", ref, close).ok());
  OutputDiff diff = compareTensors("y", ref, far);
  EXPECT_FALSE(diff.ok());
  EXPECT_NEAR(diff.maxAbsError, 0.1, 1e-6);
  EXPECT_NEAR(diff.relFrobenius, 0.1 / std::sqrt(30.0), 1e-6);
  // The same error passes a looser bf16-like tolerance given explicitly.
  EXPECT_TRUE(compareTensors("y", ref, far, 0.05).ok());
}

TEST(Compare, BfloatToleranceAllowsAFewUlps) {
  HostTensor ref = HostTensor::fromFloats(DType::BF16, {2}, {1.0f, 2.0f});
  HostTensor oneUlp = HostTensor::fromFloats(DType::BF16, {2}, {1.0078125f, 2.0f});
  EXPECT_TRUE(compareTensors("y", ref, oneUlp).ok());
  HostTensor tenPercent = HostTensor::fromFloats(DType::BF16, {2}, {1.1f, 2.2f});
  EXPECT_FALSE(compareTensors("y", ref, tenPercent).ok());
}

TEST(Compare, IntegersMustMatchExactly) {
  EXPECT_TRUE(compareTensors("idx", i32({3}, {1, 2, 3}), i32({3}, {1, 2, 3})).ok());
  EXPECT_FALSE(compareTensors("idx", i32({3}, {1, 2, 3}), i32({3}, {1, 2, 4})).ok());
}

TEST(Compare, NaNOnOneSideFails) {
  HostTensor ref = f32({2}, {1, NAN});
  EXPECT_TRUE(compareTensors("y", ref, f32({2}, {1, NAN})).ok());
  OutputDiff diff = compareTensors("y", ref, f32({2}, {1, 5}));
  EXPECT_FALSE(diff.ok());
  EXPECT_EQ(diff.mismatchedNaNs, 1);
}

TEST(Compare, ShapeOrDtypeMismatchIsAnError) {
  OutputDiff diff = compareTensors("y", f32({2}, {1, 2}), f32({1, 2}, {1, 2}));
  EXPECT_FALSE(diff.ok());
  EXPECT_EQ(diff.error, "expected f32[2], got f32[1, 2]");
}

} // namespace
} // namespace dsc::interp
