//===- DscDialect.cpp - the dsc dialect -----------------------------------===//
//
// Dialect registration, constant materialization for folders, and verification of the
// discardable attributes (`dsc.name`, `dsc.shard`, `dsc.precision`, `dsc.split_axes`) that later
// passes read.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "llvm/ADT/StringSet.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace dsc;

#include "ir/DscDialect.cpp.inc"
#include "ir/DscEnums.cpp.inc"
#include "ir/DscInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/DscAttrs.cpp.inc"

void DscDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/DscOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ir/DscAttrs.cpp.inc"
      >();
  attachShardingModels(getContext());
}

Operation *DscDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                           Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

namespace {

bool isPrecisionName(StringRef s) {
  return llvm::StringSwitch<bool>(s)
      .Cases({"fp32", "tf32", "bf16", "fp16", "fp8"}, true)
      .Default(false);
}

bool isStringArray(Attribute attr) {
  auto array = llvm::dyn_cast<ArrayAttr>(attr);
  return array && llvm::all_of(array, [](Attribute a) { return llvm::isa<StringAttr>(a); });
}

/// Checks `dsc.shard = {dims = [[axes...] per dim], partial = [axes...]}` against a value of
/// type `type`. `emit` produces the error with the caller's location.
LogicalResult verifyShard(Attribute attr, Type type,
                          llvm::function_ref<InFlightDiagnostic()> emit) {
  auto dict = llvm::dyn_cast<DictionaryAttr>(attr);
  if (!dict)
    return emit() << "'dsc.shard' must be a dictionary {dims = [...], partial = [...]}";
  for (NamedAttribute entry : dict) {
    if (entry.getName() != "dims" && entry.getName() != "partial")
      return emit() << "'dsc.shard' has unknown key '" << entry.getName().getValue()
                    << "'; expected 'dims' or 'partial'";
  }
  if (Attribute partial = dict.get("partial"); partial && !isStringArray(partial))
    return emit() << "'dsc.shard' partial must be a list of mesh axis names";
  Attribute dimsAttr = dict.get("dims");
  if (!dimsAttr)
    return success();
  auto dims = llvm::dyn_cast<ArrayAttr>(dimsAttr);
  if (!dims || !llvm::all_of(dims, isStringArray))
    return emit() << "'dsc.shard' dims must be a list, per tensor dimension, of mesh axis names";
  auto tensor = llvm::dyn_cast_if_present<RankedTensorType>(type);
  if (tensor && static_cast<int64_t>(dims.size()) != tensor.getRank())
    return emit() << "'dsc.shard' lists " << dims.size() << " dimensions but the value has rank "
                  << tensor.getRank();
  return success();
}

LogicalResult verifyValueAttribute(NamedAttribute attr, Type type,
                                   llvm::function_ref<InFlightDiagnostic()> emit) {
  StringRef name = attr.getName().getValue();
  if (name == DscDialect::kShardAttr)
    return verifyShard(attr.getValue(), type, emit);
  if (name == DscDialect::kPrecisionAttr) {
    auto str = llvm::dyn_cast<StringAttr>(attr.getValue());
    if (!str || !isPrecisionName(str.getValue()))
      return emit() << "'dsc.precision' must be one of \"fp32\", \"tf32\", \"bf16\", \"fp16\", "
                       "\"fp8\"";
    return success();
  }
  if (name == DscDialect::kSplitAxesAttr) {
    auto dims = llvm::dyn_cast<ArrayAttr>(attr.getValue());
    auto tensor = llvm::dyn_cast_if_present<RankedTensorType>(type);
    if (!dims || !llvm::all_of(dims, llvm::IsaPred<DenseI32ArrayAttr>) ||
        (tensor && static_cast<int64_t>(dims.size()) != tensor.getRank()))
      return emit() << "'dsc.split_axes' must list, per dimension of the value, an "
                       "array<i32> of grid axes";
    return success();
  }
  if (name == DscDialect::kNameAttr) {
    auto str = llvm::dyn_cast<StringAttr>(attr.getValue());
    if (!str || str.getValue().empty())
      return emit() << "'dsc.name' must be a non-empty string";
    return success();
  }
  return emit() << "unknown dsc attribute '" << name << "'";
}

} // namespace

LogicalResult DscDialect::verifyOperationAttribute(Operation *op, NamedAttribute attr) {
  if (attr.getName() == kMeshAxesAttr) {
    auto grid = llvm::dyn_cast<shard::GridOp>(op);
    auto names = llvm::dyn_cast<ArrayAttr>(attr.getValue());
    if (!grid || !names || !isStringArray(names) ||
        static_cast<int64_t>(names.size()) != grid.getRank())
      return op->emitError() << "'dsc.mesh_axes' belongs on a shard.grid: one name per grid axis";
    llvm::StringSet<> seen;
    for (Attribute name : names)
      if (!seen.insert(llvm::cast<StringAttr>(name).getValue()).second)
        return op->emitError() << "'dsc.mesh_axes' names axis " << name << " twice";
    return success();
  }
  if (attr.getName() == kNameAttr)
    return op->emitError() << "'dsc.name' belongs on function arguments and results";
  if (attr.getName() == kStageAttr || attr.getName() == kMicrobatchAttr) {
    auto index = llvm::dyn_cast<IntegerAttr>(attr.getValue());
    if (!index || index.getInt() < 0)
      return op->emitError() << "'" << attr.getName() << "' must be a non-negative integer";
    return success();
  }
  if (attr.getName() == kPipelineAttr) {
    if (!llvm::isa<FunctionOpInterface>(op) || !llvm::isa<DictionaryAttr>(attr.getValue()))
      return op->emitError() << "'dsc.pipeline' belongs on a function: a dictionary";
    return success();
  }
  Type type = op->getNumResults() ? op->getResult(0).getType() : Type();
  return verifyValueAttribute(attr, type, [&] { return op->emitError(); });
}

LogicalResult DscDialect::verifyRegionArgAttribute(Operation *op, unsigned regionIndex,
                                                   unsigned argIndex, NamedAttribute attr) {
  // A declaration has no entry block; its argument types come from the function type.
  Type type;
  if (auto fn = llvm::dyn_cast<FunctionOpInterface>(op))
    type = fn.getArgumentTypes()[argIndex];
  else if (Region &region = op->getRegion(regionIndex); !region.empty())
    type = region.getArgument(argIndex).getType();
  return verifyValueAttribute(attr, type, [&] {
    return op->emitError() << "argument " << argIndex << ": ";
  });
}

LogicalResult DscDialect::verifyRegionResultAttribute(Operation *op, unsigned regionIndex,
                                                      unsigned resultIndex,
                                                      NamedAttribute attr) {
  Type type;
  if (auto fn = llvm::dyn_cast<FunctionOpInterface>(op))
    type = fn.getResultTypes()[resultIndex];
  return verifyValueAttribute(attr, type, [&] {
    return op->emitError() << "result " << resultIndex << ": ";
  });
}

shard::GridOp dsc::findMeshGrid(Operation *op) {
  auto module = isa<ModuleOp>(op) ? cast<ModuleOp>(op) : op->getParentOfType<ModuleOp>();
  if (module)
    for (auto grid : module.getOps<shard::GridOp>())
      if (grid->hasAttr(DscDialect::kMeshAxesAttr))
        return grid;
  return nullptr;
}
