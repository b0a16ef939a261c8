//===- PlanDialect.cpp - the execution-plan dialect -----------------------===//
//
// Dialect registration and the buffer helpers (what counts as a plan buffer, its byte size,
// its root through views) that the verifiers, the memory planner and the artifact writer use.
//
//===----------------------------------------------------------------------===//

#include "ir/PlanDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace dsc::plan;

#include "ir/PlanDialect.cpp.inc"
#include "ir/PlanEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/PlanAttrs.cpp.inc"

void PlanDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/PlanOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ir/PlanAttrs.cpp.inc"
      >();
}

namespace dsc::plan {

static bool isDscElementType(Type t) {
  if (isa<Float32Type, BFloat16Type, Float16Type, Float8E4M3FNType, Float8E5M2Type>(t))
    return true;
  auto i = dyn_cast<IntegerType>(t);
  return i && i.isSignless() && (i.getWidth() == 1 || i.getWidth() == 32 || i.getWidth() == 64);
}

bool isPlanBuffer(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.hasStaticShape() && memref.getLayout().isIdentity() &&
         !memref.getMemorySpace() && isDscElementType(memref.getElementType());
}

int64_t elementBytes(Type elementType) {
  return std::max<int64_t>(1, elementType.getIntOrFloatBitWidth() / 8);
}

int64_t bufferBytes(MemRefType type) {
  return type.getNumElements() * elementBytes(type.getElementType());
}

std::pair<Value, int64_t> rootBuffer(Value buffer) {
  int64_t offset = 0;
  while (auto view = buffer.getDefiningOp<ViewOp>()) {
    offset += view.getByteOffset();
    buffer = view.getSource();
  }
  return {buffer, offset};
}

} // namespace dsc::plan
