//===- Compare.h - differential comparison of interpreter results *- C++ -*-===//
//
// Compares two evaluations of a model (before and after a pass pipeline, or a GPU run against
// the interpreter): per output, the largest absolute difference and the relative Frobenius
// error ||got - ref|| / ||ref||, judged against a tolerance chosen by the output's dtype.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_COMPARE_H
#define DSC_INTERP_COMPARE_H

#include "interp/Tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace dsc::interp {

/// The relative Frobenius error allowed for an output of `dtype` when the two sides may round
/// differently (reordered accumulation, fused ops): eight units of roundoff of the type for
/// floats (f32 1e-5, f16 3.9e-3, bf16 1.6e-2, f8e4m3 0.125, f8e5m2 0.25); integers must match
/// exactly (0).
double defaultTolerance(DType dtype);

struct OutputDiff {
  std::string name;
  std::string type;        // "bf16[2, 3]"
  double maxAbsError = 0;  // over elements, NaN-aware (see mismatchedNaNs)
  double relFrobenius = 0; // ||got - ref||_F / max(||ref||_F, tiny)
  int64_t mismatchedNaNs = 0;
  double tolerance = 0;
  std::string error;       // non-empty when the outputs cannot be compared (shape, dtype)
  bool ok() const {
    return error.empty() && mismatchedNaNs == 0 && relFrobenius <= tolerance;
  }
};

/// Compares `got` with `ref`; `tolerance` overrides the dtype's default.
OutputDiff compareTensors(const std::string &name, const HostTensor &ref, const HostTensor &got,
                          std::optional<double> tolerance = std::nullopt);

} // namespace dsc::interp

#endif // DSC_INTERP_COMPARE_H
