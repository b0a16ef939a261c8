//===- Elementwise.cpp - Elementwise reference kernels --------------------===//
//
// Float ops compute in f32 on values already exact in their dtype and round
// once when the result tensor is built. Int ops compute on int64 with
// unsigned (wrapping) arithmetic and wrap to the dtype's width on store.
//
//===----------------------------------------------------------------------===//

#include "interp/KernelSupport.h"

#include <cmath>
#include <limits>

namespace dsc::interp {

static float applyUnary(UnaryOp op, float x) {
  switch (op) {
  case UnaryOp::Neg:
    return -x;
  case UnaryOp::Abs:
    return std::fabs(x);
  case UnaryOp::Exp:
    return std::exp(x);
  case UnaryOp::Log:
    return std::log(x);
  case UnaryOp::Sqrt:
    return std::sqrt(x);
  case UnaryOp::Rsqrt:
    return 1.0f / std::sqrt(x);
  case UnaryOp::Tanh:
    return std::tanh(x);
  case UnaryOp::Sigmoid:
    return 1.0f / (1.0f + std::exp(-x));
  case UnaryOp::Silu:
    return x * (1.0f / (1.0f + std::exp(-x)));
  case UnaryOp::Relu:
    // NaN stays NaN, like max(x, 0) with NaN propagation.
    return x > 0.0f || std::isnan(x) ? x : 0.0f;
  }
  return x;
}

static int64_t applyUnary(UnaryOp op, int64_t x) {
  uint64_t u = static_cast<uint64_t>(x);
  switch (op) {
  case UnaryOp::Neg:
    return static_cast<int64_t>(0 - u);
  case UnaryOp::Abs:
    return x < 0 ? static_cast<int64_t>(0 - u) : x;
  default:
    return x > 0 ? x : 0;
  }
}

static bool hasIntForm(UnaryOp op) {
  return op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Relu;
}

HostTensor unary(UnaryOp op, const HostTensor &x) {
  // The verifier rejects float-only ops on ints; should one get here, it goes
  // through f32 and back like two dsc.casts.
  if (!x.isFloat() && !hasIntForm(op))
    return cast(unary(op, cast(x, DType::F32)), x.dtype());
  if (!x.isFloat()) {
    std::vector<int64_t> out(x.ints().size());
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = applyUnary(op, x.ints()[i]);
    return HostTensor::fromInts(x.dtype(), x.shape(), std::move(out));
  }
  std::vector<float> out(x.floats().size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = applyUnary(op, x.floats()[i]);
  return HostTensor::fromFloats(x.dtype(), x.shape(), std::move(out));
}

/// Applies `fn` to each element as a float and rounds the results to x's
/// dtype; the float-only ops below (the verifier rejects ints) share it.
template <typename Fn> static HostTensor mapFloats(const HostTensor &x, Fn fn) {
  std::vector<float> out(x.numElements());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = fn(static_cast<float>(x.elementAsDouble(i)));
  return HostTensor::fromFloats(x.dtype(), x.shape(), std::move(out));
}

HostTensor gelu(const HostTensor &x, bool tanhApproximation) {
  if (tanhApproximation) {
    // sqrt(2 / pi)
    const float k = 0.7978845608028654f;
    return mapFloats(x, [k](float v) {
      return 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
    });
  }
  const float sqrt2 = 1.4142135623730951f;
  return mapFloats(
      // 1 + erf(z) == erfc(-z), which keeps the tiny tail for very negative x that
      // 1 + erf(z) rounds away to 0 in f32.
      x, [sqrt2](float v) { return 0.5f * v * std::erfc(-v / sqrt2); });
}

HostTensor pow(const HostTensor &x, double exponent) {
  float e = static_cast<float>(exponent);
  return mapFloats(x, [e](float v) { return std::pow(v, e); });
}

static float applyBinary(BinaryOp op, float a, float b) {
  switch (op) {
  case BinaryOp::Add:
    return a + b;
  case BinaryOp::Sub:
    return a - b;
  case BinaryOp::Mul:
    return a * b;
  case BinaryOp::Div:
    return a / b;
  case BinaryOp::Max:
    if (std::isnan(a) || std::isnan(b))
      return std::numeric_limits<float>::quiet_NaN();
    return a > b ? a : b;
  case BinaryOp::Min:
    if (std::isnan(a) || std::isnan(b))
      return std::numeric_limits<float>::quiet_NaN();
    return a < b ? a : b;
  }
  return a;
}

static int64_t applyBinary(BinaryOp op, int64_t a, int64_t b) {
  uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  switch (op) {
  case BinaryOp::Add:
    return static_cast<int64_t>(ua + ub);
  case BinaryOp::Sub:
    return static_cast<int64_t>(ua - ub);
  case BinaryOp::Mul:
    return static_cast<int64_t>(ua * ub);
  case BinaryOp::Div:
    if (b == 0)
      return 0;
    // The one quotient int64 cannot hold wraps to itself instead of trapping.
    if (b == -1)
      return static_cast<int64_t>(0 - ua);
    return a / b;
  case BinaryOp::Max:
    return a > b ? a : b;
  case BinaryOp::Min:
    return a < b ? a : b;
  }
  return a;
}

HostTensor binary(BinaryOp op, const HostTensor &a, const HostTensor &b) {
  if (!a.isFloat()) {
    std::vector<int64_t> out(a.ints().size());
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = applyBinary(op, a.ints()[i], b.ints()[i]);
    return HostTensor::fromInts(a.dtype(), a.shape(), std::move(out));
  }
  std::vector<float> out(a.floats().size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = applyBinary(op, a.floats()[i], b.floats()[i]);
  return HostTensor::fromFloats(a.dtype(), a.shape(), std::move(out));
}

template <typename T>
static bool applyCompare(ComparePredicate predicate, T a, T b) {
  switch (predicate) {
  case ComparePredicate::Eq:
    return a == b;
  case ComparePredicate::Ne:
    return a != b;
  case ComparePredicate::Lt:
    return a < b;
  case ComparePredicate::Le:
    return a <= b;
  case ComparePredicate::Gt:
    return a > b;
  case ComparePredicate::Ge:
    return a >= b;
  }
  return false;
}

HostTensor compare(ComparePredicate predicate, const HostTensor &a,
                   const HostTensor &b) {
  std::vector<int64_t> out(a.numElements());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = a.isFloat() ? applyCompare(predicate, a.floats()[i], b.floats()[i])
                         : applyCompare(predicate, a.ints()[i], b.ints()[i]);
  return HostTensor::fromInts(DType::I1, a.shape(), std::move(out));
}

HostTensor select(const HostTensor &cond, const HostTensor &a,
                  const HostTensor &b) {
  const std::vector<int64_t> &c = cond.ints();
  if (!a.isFloat()) {
    std::vector<int64_t> out(a.ints().size());
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = c[i] ? a.ints()[i] : b.ints()[i];
    return HostTensor::fromInts(a.dtype(), a.shape(), std::move(out));
  }
  std::vector<float> out(a.floats().size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = c[i] ? a.floats()[i] : b.floats()[i];
  return HostTensor::fromFloats(a.dtype(), a.shape(), std::move(out));
}

HostTensor cast(const HostTensor &x, DType to) {
  if (x.isFloat())
    return HostTensor::fromFloats(to, x.shape(), x.floats());
  if (to != DType::I1)
    return HostTensor::fromInts(to, x.shape(), x.ints());
  std::vector<int64_t> out(x.ints().size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = x.ints()[i] != 0;
  return HostTensor::fromInts(to, x.shape(), std::move(out));
}

} // namespace dsc::interp
