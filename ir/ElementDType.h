//===- ElementDType.h - MLIR element types to dsc::DType --------*- C++ -*-===//
//
// The one mapping from the dialect's element types to the runtime's DType, shared by the
// interpreter and code generation.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_ELEMENTDTYPE_H
#define DSC_IR_ELEMENTDTYPE_H

#include "runtime/support/DType.h"

#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace dsc {

inline std::optional<DType> elementDType(mlir::Type t) {
  if (t.isF32())
    return DType::F32;
  if (t.isF64())
    return DType::F64;
  if (t.isBF16())
    return DType::BF16;
  if (t.isF16())
    return DType::F16;
  if (llvm::isa<mlir::Float8E4M3FNType>(t))
    return DType::F8E4M3FN;
  if (llvm::isa<mlir::Float8E5M2Type>(t))
    return DType::F8E5M2;
  if (t.isSignlessInteger(1))
    return DType::I1;
  if (t.isSignlessInteger(32))
    return DType::I32;
  if (t.isSignlessInteger(64))
    return DType::I64;
  return std::nullopt;
}

} // namespace dsc

#endif // DSC_IR_ELEMENTDTYPE_H
