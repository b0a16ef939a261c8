//===- Tensor.cpp - Host tensors of the reference interpreter -------------===//

#include "interp/Tensor.h"
#include "interp/ThreadPool.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace dsc::interp {

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> rowMajorStrides(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

bool isIntDType(DType type) {
  return type == DType::I1 || type == DType::I32 || type == DType::I64;
}

int64_t wrapToDType(int64_t value, DType type) {
  switch (type) {
  case DType::I1:
    return value & 1;
  case DType::I32:
    return static_cast<int32_t>(static_cast<uint32_t>(value));
  default:
    return value;
  }
}

float narrowForDType(double value, DType type) {
  float nearest = static_cast<float>(value);
  if (type == DType::F32 || type == DType::F64 || std::isnan(value) ||
      static_cast<double>(nearest) == value)
    return nearest;
  uint32_t bits;
  std::memcpy(&bits, &nearest, sizeof(bits));
  if ((bits & 1) == 0 && !std::isinf(nearest))
    return std::nextafter(
        nearest, value > nearest ? std::numeric_limits<float>::infinity()
                                 : -std::numeric_limits<float>::infinity());
  return nearest;
}

/// dsc.cast float -> int: truncate toward zero, saturate, NaN -> 0; to i1 is
/// `value != 0` (NaN is true), as roundToDType in runtime/support.
static int64_t floatToInt(double value, DType type) {
  if (type == DType::I1)
    return value != 0.0;
  if (std::isnan(value))
    return 0;
  double t = std::trunc(value);
  switch (type) {
  case DType::I32:
    return static_cast<int64_t>(
        std::fmin(std::fmax(t, -2147483648.0), 2147483647.0));
  default:
    // 2^63 is exactly representable; int64 max is not, so compare against it.
    if (t >= 9223372036854775808.0)
      return std::numeric_limits<int64_t>::max();
    if (t < -9223372036854775808.0)
      return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(t);
  }
}

/// dsc.cast int -> float: one rounding from the exact integer. `long double`
/// (x87, 64-bit mantissa) holds every int64 exactly; the same round-to-odd
/// step as narrowForDType keeps the second rounding exact.
static float intToFloat(int64_t value, DType type) {
  long double exact = static_cast<long double>(value);
  float nearest = static_cast<float>(exact);
  if (type != DType::F32 && type != DType::F64 &&
      static_cast<long double>(nearest) != exact) {
    uint32_t bits;
    std::memcpy(&bits, &nearest, sizeof(bits));
    if ((bits & 1) == 0)
      nearest = std::nextafter(
          nearest, exact > nearest ? std::numeric_limits<float>::infinity()
                                   : -std::numeric_limits<float>::infinity());
  }
  return roundToDType(nearest, type);
}

HostTensor HostTensor::zeros(DType dtype, Shape shape) {
  HostTensor t;
  t.type = dtype;
  int64_t n = interp::numElements(shape);
  t.dims = std::move(shape);
  if (isIntDType(dtype))
    t.intValues.assign(n, 0);
  else
    t.floatValues.assign(n, 0.0f);
  return t;
}

HostTensor HostTensor::fromFloats(DType dtype, Shape shape,
                                  std::vector<float> values) {
  HostTensor t;
  t.type = dtype;
  t.dims = std::move(shape);
  if (isIntDType(dtype)) {
    t.intValues.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      t.intValues[i] = floatToInt(values[i], dtype);
    return t;
  }
  if (dtype != DType::F32 && dtype != DType::F64) {
    // roundToDType costs a few ns per element; logits-sized tensors (millions
    // of elements) are worth splitting across the pool.
    parallelFor(values.size(), 1 << 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        values[i] = roundToDType(values[i], dtype);
    });
  }
  t.floatValues = std::move(values);
  return t;
}

HostTensor HostTensor::fromInts(DType dtype, Shape shape,
                                std::vector<int64_t> values) {
  HostTensor t;
  t.type = dtype;
  t.dims = std::move(shape);
  if (!isIntDType(dtype)) {
    t.floatValues.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      t.floatValues[i] = intToFloat(values[i], dtype);
    return t;
  }
  if (dtype != DType::I64)
    for (int64_t &v : values)
      v = wrapToDType(v, dtype);
  t.intValues = std::move(values);
  return t;
}

bool HostTensor::fromBytes(DType dtype, Shape shape, const void *data,
                           size_t size, HostTensor &result) {
  int64_t n = interp::numElements(shape);
  if (n < 0 || size != static_cast<size_t>(n) * dtypeSize(dtype))
    return false;
  const auto *bytes = static_cast<const uint8_t *>(data);
  std::vector<int64_t> ints;
  switch (dtype) {
  case DType::F64: {
    std::vector<float> values(n);
    for (int64_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, bytes + 8 * i, 8);
      values[i] = static_cast<float>(d);
    }
    result = fromFloats(dtype, std::move(shape), std::move(values));
    return true;
  }
  case DType::I1:
    ints.resize(n);
    for (int64_t i = 0; i < n; ++i)
      ints[i] = bytes[i] != 0;
    break;
  case DType::I32:
    ints.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      int32_t v;
      std::memcpy(&v, bytes + 4 * i, 4);
      ints[i] = v;
    }
    break;
  case DType::I64:
    ints.resize(n);
    if (n)
      std::memcpy(ints.data(), bytes, 8 * n);
    break;
  default: {
    std::vector<float> values(n);
    decodeToFloat(dtype, data, values.data(), n);
    result = fromFloats(dtype, std::move(shape), std::move(values));
    return true;
  }
  }
  result = fromInts(dtype, std::move(shape), std::move(ints));
  return true;
}

std::vector<uint8_t> HostTensor::toBytes() const {
  int64_t n = numElements();
  std::vector<uint8_t> bytes(n * dtypeSize(type));
  switch (type) {
  case DType::F64:
    for (int64_t i = 0; i < n; ++i) {
      double d = floatValues[i];
      std::memcpy(bytes.data() + 8 * i, &d, 8);
    }
    break;
  case DType::I1:
    for (int64_t i = 0; i < n; ++i)
      bytes[i] = static_cast<uint8_t>(intValues[i]);
    break;
  case DType::I32:
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = static_cast<int32_t>(intValues[i]);
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    }
    break;
  case DType::I64:
    if (n)
      std::memcpy(bytes.data(), intValues.data(), 8 * n);
    break;
  default:
    encodeFromFloat(type, floatValues.data(), bytes.data(), n);
    break;
  }
  return bytes;
}

double HostTensor::elementAsDouble(int64_t i) const {
  return isFloat() ? static_cast<double>(floatValues[i])
                   : static_cast<double>(intValues[i]);
}

std::string HostTensor::typeToString() const {
  return describeArray(type, dims);
}

HostArray toHostArray(const HostTensor &tensor) {
  return HostArray{tensor.dtype(), tensor.shape(), tensor.toBytes()};
}

bool fromHostArray(const HostArray &array, HostTensor &result) {
  return HostTensor::fromBytes(array.dtype, array.shape, array.data.data(),
                               array.data.size(), result);
}

} // namespace dsc::interp
