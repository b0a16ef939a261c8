//===- ElementwiseTest.cpp - Elementwise kernels --------------------------===//

#include "TestUtil.h"

#include <cmath>
#include <limits>

namespace dsc::interp {
namespace {

TEST(Unary, FloatOps) {
  HostTensor x = f32({3}, {-1.0f, 0.0f, 2.0f});
  expectTensorNear(unary(UnaryOp::Neg, x), f32({3}, {1.0f, -0.0f, -2.0f}));
  expectTensorNear(unary(UnaryOp::Abs, x), f32({3}, {1.0f, 0.0f, 2.0f}));
  expectTensorNear(unary(UnaryOp::Relu, x), f32({3}, {0.0f, 0.0f, 2.0f}));
  expectTensorNear(unary(UnaryOp::Exp, x),
                   f32({3}, {0.36787944f, 1.0f, 7.3890561f}), 1e-6);
  expectTensorNear(unary(UnaryOp::Sigmoid, x),
                   f32({3}, {0.26894142f, 0.5f, 0.88079708f}), 1e-6);
  expectTensorNear(unary(UnaryOp::Silu, x),
                   f32({3}, {-0.26894142f, 0.0f, 1.76159416f}), 1e-6);
  expectTensorNear(unary(UnaryOp::Tanh, x),
                   f32({3}, {-0.76159416f, 0.0f, 0.96402758f}), 1e-6);
  HostTensor p = f32({2}, {4.0f, 0.25f});
  expectTensorNear(unary(UnaryOp::Sqrt, p), f32({2}, {2.0f, 0.5f}));
  expectTensorNear(unary(UnaryOp::Rsqrt, p), f32({2}, {0.5f, 2.0f}));
  expectTensorNear(unary(UnaryOp::Log, p), f32({2}, {1.3862944f, -1.3862944f}),
                   1e-6);
  EXPECT_TRUE(std::isnan(unary(UnaryOp::Relu, f32({1}, {NAN})).floats()[0]));
}

TEST(Unary, IntOpsWrap) {
  HostTensor x = i32({3}, {-5, 3, -2147483648LL});
  EXPECT_EQ(unary(UnaryOp::Neg, x).ints(),
            (std::vector<int64_t>{5, -3, -2147483648LL}));
  EXPECT_EQ(unary(UnaryOp::Abs, x).ints(),
            (std::vector<int64_t>{5, 3, -2147483648LL}));
  EXPECT_EQ(unary(UnaryOp::Relu, x).ints(), (std::vector<int64_t>{0, 3, 0}));
}

TEST(Gelu, BothForms) {
  HostTensor x = f32({3}, {-1.0f, 0.0f, 1.5f});
  // 0.5 x (1 + erf(x / sqrt 2)), from the closed form.
  expectTensorNear(gelu(x, false), f32({3}, {-0.15865525f, 0.0f, 1.39978919f}),
                   1e-6);
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  expectTensorNear(gelu(x, true), f32({3}, {-0.15880801f, 0.0f, 1.39957158f}),
                   1e-6);
}

TEST(Pow, ConstantExponent) {
  expectTensorNear(pow(f32({3}, {3.0f, -2.0f, 4.0f}), 2.0),
                   f32({3}, {9.0f, 4.0f, 16.0f}));
  expectTensorNear(pow(f32({1}, {4.0f}), 0.5), f32({1}, {2.0f}));
}

TEST(Binary, FloatOpsAndNaNPropagation) {
  HostTensor a = f32({3}, {1.0f, NAN, -2.0f});
  HostTensor b = f32({3}, {4.0f, 1.0f, 0.5f});
  expectTensorNear(binary(BinaryOp::Add, a, b), f32({3}, {5.0f, NAN, -1.5f}));
  expectTensorNear(binary(BinaryOp::Sub, a, b), f32({3}, {-3.0f, NAN, -2.5f}));
  expectTensorNear(binary(BinaryOp::Mul, a, b), f32({3}, {4.0f, NAN, -1.0f}));
  expectTensorNear(binary(BinaryOp::Div, a, b), f32({3}, {0.25f, NAN, -4.0f}));
  expectTensorNear(binary(BinaryOp::Max, a, b), f32({3}, {4.0f, NAN, 0.5f}));
  expectTensorNear(binary(BinaryOp::Min, b, a), f32({3}, {1.0f, NAN, -2.0f}));
}

TEST(Binary, IntOpsWrapAndDivideTowardZero) {
  HostTensor a = i32({4}, {2147483647, -7, 7, -2147483648LL});
  HostTensor b = i32({4}, {1, 2, 0, -1});
  EXPECT_EQ(binary(BinaryOp::Add, a, b).ints(),
            (std::vector<int64_t>{-2147483648LL, -5, 7, 2147483647}));
  EXPECT_EQ(binary(BinaryOp::Div, a, b).ints(),
            (std::vector<int64_t>{2147483647, -3, 0, -2147483648LL}));
  EXPECT_EQ(binary(BinaryOp::Mul, a, i32({4}, {2, 3, 1, 2})).ints(),
            (std::vector<int64_t>{-2, -21, 7, 0}));
  HostTensor big = HostTensor::fromInts(DType::I64, {1},
                                        {std::numeric_limits<int64_t>::min()});
  HostTensor minusOne = HostTensor::fromInts(DType::I64, {1}, {-1});
  EXPECT_EQ(binary(BinaryOp::Div, big, minusOne).ints()[0],
            std::numeric_limits<int64_t>::min());
}

TEST(Compare, OrderedWithNaN) {
  HostTensor a = f32({3}, {1.0f, NAN, 2.0f});
  HostTensor b = f32({3}, {1.0f, NAN, 3.0f});
  HostTensor eq = compare(ComparePredicate::Eq, a, b);
  EXPECT_EQ(eq.dtype(), DType::I1);
  EXPECT_EQ(eq.ints(), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(compare(ComparePredicate::Ne, a, b).ints(),
            (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(compare(ComparePredicate::Lt, a, b).ints(),
            (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(compare(ComparePredicate::Ge, a, b).ints(),
            (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(
      compare(ComparePredicate::Gt, i32({2}, {3, -1}), i32({2}, {2, 0})).ints(),
      (std::vector<int64_t>{1, 0}));
}

TEST(Select, PicksPerElement) {
  HostTensor cond = HostTensor::fromInts(DType::I1, {3}, {1, 0, 1});
  expectTensorNear(select(cond, f32({3}, {1, 2, 3}), f32({3}, {4, 5, 6})),
                   f32({3}, {1, 5, 3}));
}

} // namespace
} // namespace dsc::interp
