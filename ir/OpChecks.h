//===- OpChecks.h - shape checks shared by dsc op verifiers -----*- C++ -*-===//
//
// Small helpers for type inference and verification. Inference runs before an op exists, so
// errors go through mlir::emitOptionalError at the op's location rather than emitOpError.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_OPCHECKS_H
#define DSC_IR_OPCHECKS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"

#include <optional>

namespace dsc::detail {

/// Maps a possibly negative `axis` into [0, rank), or reports `what` out of range.
mlir::FailureOr<int64_t> normalizeAxis(std::optional<mlir::Location> loc, int64_t axis,
                                       int64_t rank, llvm::StringRef what);

/// The statically shaped tensor type of `v`. Inference also runs while parsing, before the
/// op's type constraints are verified, so a scalar or dynamic operand must not crash it.
mlir::FailureOr<mlir::RankedTensorType> staticTensor(std::optional<mlir::Location> loc,
                                                     mlir::Value v, llvm::StringRef name);

/// "[2, 16, 256]" for messages.
std::string shapeString(llvm::ArrayRef<int64_t> shape);

bool isFp8(mlir::Type t);

/// Default-valued attributes are filled in when an op is created, but inference runs before
/// that inside the builders that infer result types, so it reads them through these.
inline bool flagOrDefault(mlir::BoolAttr attr, bool defaultValue) {
  return attr ? attr.getValue() : defaultValue;
}
inline int64_t intOrDefault(mlir::IntegerAttr attr, int64_t defaultValue) {
  return attr ? attr.getValue().getSExtValue() : defaultValue;
}

} // namespace dsc::detail

#endif // DSC_IR_OPCHECKS_H
