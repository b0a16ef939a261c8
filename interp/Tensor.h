//===- Tensor.h - Host tensors of the reference interpreter -----*- C++ -*-===//
//
// A HostTensor is a dense row-major tensor with a static shape and a dsc
// element type. Storage is chosen so that every kernel computes on one C++
// type per family and rounds exactly once, on store:
//   - float dtypes (f32, bf16, f16, f8E4M3FN, f8E5M2) are held as `float`
//     values that are already exactly representable in the dtype (a bf16
//     tensor holds bf16 values widened to float). f64 is not a dsc element
//     type; an F64 tensor is held at f32 precision.
//   - integer dtypes (i1, i32, i64) are held as `int64_t` values already
//     wrapped to the dtype's width; i1 is 0 or 1.
// The constructors that take values round (or wrap) them, so a tensor can
// never hold a value its dtype cannot represent.
//
// This header and the kernels depend on nothing but C++17 and
// runtime/support (DType): the runtime's tests can use them without LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_TENSOR_H
#define DSC_INTERP_TENSOR_H

#include "runtime/support/DType.h"
#include "runtime/support/HostArray.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::interp {

using Shape = std::vector<int64_t>;

/// Product of the dimensions (1 for a scalar).
int64_t numElements(const Shape &shape);

/// Row-major strides, in elements.
std::vector<int64_t> rowMajorStrides(const Shape &shape);

/// True for the dtypes a HostTensor stores as int64 (i1, i32, i64).
bool isIntDType(DType type);

/// Wraps `value` to the width of the integer dtype `type` (two's complement;
/// i1 keeps the low bit).
int64_t wrapToDType(int64_t value, DType type);

/// Narrows a wide (f64) result to float so that a later roundToDType(.., type)
/// rounds it once: round-to-nearest-even for f32, round-to-odd for narrower
/// types (round-to-odd at 24 bits followed by RNE at <= 22 bits equals one
/// RNE from the exact value).
float narrowForDType(double value, DType type);

class HostTensor {
public:
  HostTensor() = default;

  /// A tensor of zeros.
  static HostTensor zeros(DType dtype, Shape shape);
  /// Takes float `values` (one per element), rounding each to `dtype`; an int
  /// `dtype` truncates and saturates like dsc.cast.
  static HostTensor fromFloats(DType dtype, Shape shape,
                               std::vector<float> values);
  /// Takes int `values`, wrapping each to an int `dtype`; a float `dtype`
  /// rounds them like dsc.cast.
  static HostTensor fromInts(DType dtype, Shape shape,
                             std::vector<int64_t> values);
  /// Decodes `numElements(shape)` elements in the dtype's binary layout (as in
  /// .npy / safetensors: little-endian, i1 as one byte). `size` is the byte
  /// count available at `data`; returns false when it is not exactly enough.
  static bool fromBytes(DType dtype, Shape shape, const void *data, size_t size,
                        HostTensor &result);

  /// The elements in the dtype's binary layout (the inverse of fromBytes).
  std::vector<uint8_t> toBytes() const;

  DType dtype() const { return type; }
  const Shape &shape() const { return dims; }
  int64_t rank() const { return static_cast<int64_t>(dims.size()); }
  int64_t dim(int64_t i) const { return dims[i]; }
  int64_t numElements() const { return interp::numElements(dims); }
  bool isFloat() const { return !isIntDType(type); }

  /// Element storage; only the one matching isFloat() is non-empty.
  const std::vector<float> &floats() const { return floatValues; }
  const std::vector<int64_t> &ints() const { return intValues; }

  /// Element `i` (row-major) widened to double, whatever the family.
  double elementAsDouble(int64_t i) const;

  /// "bf16[2, 3]"-style text for messages.
  std::string typeToString() const;

private:
  DType type = DType::F32;
  Shape dims;
  std::vector<float> floatValues;
  std::vector<int64_t> intValues;
};

/// The file-exchange form (raw little-endian bytes) of `tensor`.
HostArray toHostArray(const HostTensor &tensor);

/// `array` decoded; fails when its byte size does not match its shape.
bool fromHostArray(const HostArray &array, HostTensor &result);

} // namespace dsc::interp

#endif // DSC_INTERP_TENSOR_H
