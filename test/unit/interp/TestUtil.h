//===- TestUtil.h - Helpers for the interpreter kernel tests ----*- C++ -*-===//

#ifndef DSC_TEST_UNIT_INTERP_TESTUTIL_H
#define DSC_TEST_UNIT_INTERP_TESTUTIL_H

#include "interp/Kernels.h"

#include <gtest/gtest.h>

#include <random>

namespace dsc::interp {

inline HostTensor f32(Shape shape, std::vector<float> values) {
  return HostTensor::fromFloats(DType::F32, std::move(shape),
                                std::move(values));
}

inline HostTensor i32(Shape shape, std::vector<int64_t> values) {
  return HostTensor::fromInts(DType::I32, std::move(shape), std::move(values));
}

/// Uniform values in [-1, 1) rounded to `dtype`, reproducible per seed.
inline HostTensor randomTensor(DType dtype, Shape shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(numElements(shape));
  for (float &v : values)
    v = dist(gen);
  return HostTensor::fromFloats(dtype, std::move(shape), std::move(values));
}

/// Expects equal shape, dtype and values within `tolerance` (0: bit-equal
/// except that NaN equals NaN).
inline void expectTensorNear(const HostTensor &actual,
                             const HostTensor &expected,
                             double tolerance = 0.0) {
  ASSERT_EQ(actual.typeToString(), expected.typeToString());
  for (int64_t i = 0; i < actual.numElements(); ++i) {
    double a = actual.elementAsDouble(i), e = expected.elementAsDouble(i);
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << "element " << i;
      continue;
    }
    if (tolerance == 0.0)
      EXPECT_EQ(a, e) << "element " << i;
    else
      EXPECT_NEAR(a, e, tolerance) << "element " << i;
  }
}

} // namespace dsc::interp

#endif // DSC_TEST_UNIT_INTERP_TESTUTIL_H
