//===- Annotations.h - @shard and @precision --------------------*- C++ -*-===//
//
// Per-tensor hints for later passes. They are checked here against the annotated value's type
// and become the discardable attributes `dsc.shard` and `dsc.precision` (docs/ops.md).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_ANNOTATIONS_H
#define DSC_FRONTEND_ANNOTATIONS_H

#include "frontend/Eval.h"

#include "mlir/IR/OperationSupport.h"

namespace dsc {

/// Converts `annotations` of a value of type `type` into `attrs`; reports what is wrong.
mlir::LogicalResult convertAnnotations(llvm::ArrayRef<ast::Annotation> annotations, mlir::Type type,
                                       Diagnoser &diag, Evaluator &eval,
                                       mlir::NamedAttrList &attrs);

} // namespace dsc

#endif // DSC_FRONTEND_ANNOTATIONS_H
