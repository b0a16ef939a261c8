//===- Compare.cpp - differential comparison of interpreter results -------===//

#include "interp/Compare.h"

#include <cmath>

namespace dsc::interp {

double defaultTolerance(DType dtype) {
  // Eight units of roundoff (2^-mantissa_bits) of the type: a chain of a few ops that each
  // round once may drift that far when a pass reorders or fuses them.
  switch (dtype) {
  case DType::F64:
  case DType::F32:
    return 1e-5;
  case DType::F16:
    return 8 * std::ldexp(1.0, -11);
  case DType::BF16:
    return 8 * std::ldexp(1.0, -8 - 1);
  case DType::F8E4M3FN:
    return 8 * std::ldexp(1.0, -3 - 3);
  case DType::F8E5M2:
    return 8 * std::ldexp(1.0, -2 - 3);
  case DType::I1:
  case DType::I32:
  case DType::I64:
    return 0.0;
  }
  return 0.0;
}

OutputDiff compareTensors(const std::string &name, const HostTensor &ref, const HostTensor &got,
                          std::optional<double> tolerance) {
  OutputDiff diff;
  diff.name = name;
  diff.type = ref.typeToString();
  diff.tolerance = tolerance.value_or(defaultTolerance(ref.dtype()));
  if (ref.dtype() != got.dtype() || ref.shape() != got.shape()) {
    diff.error = "expected " + ref.typeToString() + ", got " + got.typeToString();
    return diff;
  }
  double errSq = 0, refSq = 0;
  for (int64_t i = 0; i < ref.numElements(); ++i) {
    double r = ref.elementAsDouble(i), g = got.elementAsDouble(i);
    if (std::isnan(r) || std::isnan(g)) {
      diff.mismatchedNaNs += std::isnan(r) != std::isnan(g);
      continue;
    }
    if (std::isinf(r) || std::isinf(g)) {
      if (r != g)
        diff.maxAbsError = INFINITY;
      continue;
    }
    double e = std::fabs(g - r);
    diff.maxAbsError = std::max(diff.maxAbsError, e);
    errSq += e * e;
    refSq += r * r;
  }
  if (std::isinf(diff.maxAbsError))
    diff.relFrobenius = INFINITY;
  else
    diff.relFrobenius = std::sqrt(errSq) / std::max(std::sqrt(refSq), 1e-30);
  // Integers are compared exactly: any difference fails.
  if (isIntDType(ref.dtype()) && diff.maxAbsError > 0)
    diff.relFrobenius = std::max(diff.relFrobenius, 1.0);
  return diff;
}

} // namespace dsc::interp
