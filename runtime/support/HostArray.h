//===- HostArray.h - A dense array as files store it ------------*- C++ -*-===//
//
// The exchange type of the .npy and safetensors readers and writers: a dtype,
// a row-major shape and the elements in the dtype's little-endian storage
// layout, exactly as they sit in the file. Keeping raw bytes (rather than
// decoded floats) lets weights travel to the GPU without a conversion and
// keeps every bit pattern, NaN payloads included.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_HOSTARRAY_H
#define DSC_RUNTIME_SUPPORT_HOSTARRAY_H

#include "runtime/support/DType.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc {

struct HostArray {
  DType dtype = DType::F32;
  /// Row-major; empty for a scalar.
  std::vector<int64_t> shape;
  /// numElements(shape) * dtypeSize(dtype) bytes, little-endian.
  std::vector<uint8_t> data;
};

/// The element count of `shape` (1 for a scalar); an error for a negative
/// dimension or a count whose byte size in `dtype` overflows 64 bits.
absl::StatusOr<uint64_t> checkedNumElements(const std::vector<int64_t> &shape,
                                            DType dtype);

/// A zeroed array of `shape` in `dtype`; the shape's byte size must be known
/// to fit (checkedNumElements).
HostArray zeroedHostArray(DType dtype, std::vector<int64_t> shape);

/// OK when `array.data` holds exactly the bytes its dtype and shape need.
absl::Status checkHostArray(const HostArray &array);

/// "bf16[2, 3]", for messages.
std::string describeArray(DType dtype, const std::vector<int64_t> &shape);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_HOSTARRAY_H
