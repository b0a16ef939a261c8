//===- KernelSupport.h - Helpers shared by the kernel files -----*- C++ -*-===//
//
// Private to interp/: axis normalization, the f32/f64 accumulator switch and
// float-vector storage with one rounding.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_KERNELSUPPORT_H
#define DSC_INTERP_KERNELSUPPORT_H

#include "interp/Kernels.h"

#include <cmath>
#include <limits>

namespace dsc::interp {

/// Maps a possibly negative axis to [0, rank).
inline int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

/// Product of shape[begin, end).
inline int64_t product(const Shape &shape, int64_t begin, int64_t end) {
  int64_t n = 1;
  for (int64_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

/// Calls `fn(Acc{})` with Acc = double when options ask for f64 accumulation,
/// else float: kernels are written once, generic on the accumulator type.
template <typename Fn>
auto withAccumulator(const InterpOptions &options, Fn &&fn) {
  if (options.accumulateInF64)
    return fn(double{});
  return fn(float{});
}

/// max() that propagates NaN.
template <typename T> T maxPropagatingNaN(T acc, T v) {
  if (std::isnan(acc) || std::isnan(v))
    return std::numeric_limits<T>::quiet_NaN();
  return v > acc ? v : acc;
}

/// Turns an accumulator value into the float that fromFloats(type, ..) rounds
/// once (see narrowForDType).
inline float toStored(float value, DType) { return value; }
inline float toStored(double value, DType type) {
  return narrowForDType(value, type);
}

} // namespace dsc::interp

#endif // DSC_INTERP_KERNELSUPPORT_H
