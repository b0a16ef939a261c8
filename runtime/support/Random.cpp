//===- Random.cpp - Reproducible random tensors ---------------------------===//

#include "runtime/support/Random.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dsc {

static size_t countOf(const std::vector<int64_t> &shape) {
  size_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<size_t>(std::max<int64_t>(d, 0));
  return n;
}

std::vector<float> randomWeightFloats(uint64_t seed, std::string_view name,
                                      const std::vector<int64_t> &shape) {
  RandomStream random(seed, name);
  std::vector<float> values(countOf(shape));
  if (shape.size() == 1) {
    for (float &v : values)
      v = random.uniform(0.9f, 1.1f);
    return values;
  }
  float bound = 1.0f;
  if (shape.size() >= 2) {
    int64_t fanIn = std::min(shape[shape.size() - 1], shape[shape.size() - 2]);
    bound = std::sqrt(3.0f / static_cast<float>(std::max<int64_t>(fanIn, 1)));
  }
  for (float &v : values)
    v = random.uniform(-bound, bound);
  return values;
}

std::vector<int64_t> randomWeightInts(uint64_t seed, std::string_view name,
                                      DType dtype,
                                      const std::vector<int64_t> &shape) {
  RandomStream random(seed, name);
  std::vector<int64_t> values(countOf(shape));
  for (int64_t &v : values)
    v = random.below(dtype == DType::I1 ? 2 : 8);
  return values;
}

/// Stores ints in `dtype`'s layout; the values are small and non-negative.
static void encodeInts(DType dtype, const std::vector<int64_t> &values,
                       std::vector<uint8_t> &data) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::I1) {
      data[i] = values[i] != 0;
    } else if (dtype == DType::I32) {
      int32_t v = static_cast<int32_t>(values[i]);
      std::memcpy(data.data() + 4 * i, &v, 4);
    } else {
      std::memcpy(data.data() + 8 * i, &values[i], 8);
    }
  }
}

static absl::StatusOr<HostArray> allocate(DType dtype,
                                          const std::vector<int64_t> &shape) {
  absl::StatusOr<uint64_t> n = checkedNumElements(shape, dtype);
  if (!n.ok())
    return n.status();
  HostArray array;
  array.dtype = dtype;
  array.shape = shape;
  array.data.resize(*n * dtypeSize(dtype));
  return array;
}

absl::StatusOr<HostArray> randomWeightArray(uint64_t seed,
                                            std::string_view name, DType dtype,
                                            const std::vector<int64_t> &shape) {
  absl::StatusOr<HostArray> array = allocate(dtype, shape);
  if (!array.ok())
    return array.status();
  if (!isFloatDType(dtype)) {
    encodeInts(dtype, randomWeightInts(seed, name, dtype, shape), array->data);
    return array;
  }
  std::vector<float> values = randomWeightFloats(seed, name, shape);
  encodeFromFloat(dtype, values.data(), array->data.data(), values.size());
  return array;
}

absl::StatusOr<HostArray> randomInputArray(uint64_t seed, std::string_view name,
                                           DType dtype,
                                           const std::vector<int64_t> &shape,
                                           int64_t intBound) {
  absl::StatusOr<HostArray> array = allocate(dtype, shape);
  if (!array.ok())
    return array.status();
  RandomStream random(seed, name);
  size_t n = countOf(shape);
  if (!isFloatDType(dtype)) {
    int64_t bound = dtype == DType::I1 ? 2 : std::max<int64_t>(intBound, 1);
    std::vector<int64_t> values(n);
    for (int64_t &v : values)
      v = random.below(bound);
    encodeInts(dtype, values, array->data);
    return array;
  }
  std::vector<float> values(n);
  for (float &v : values)
    v = random.uniform(-1.0f, 1.0f);
  encodeFromFloat(dtype, values.data(), array->data.data(), n);
  return array;
}

} // namespace dsc
