//===- IRGen.h - syntax tree to dsc IR --------------------------*- C++ -*-===//
//
// Walks the syntax tree from `graph main`, checking names, types and shapes as it goes, and
// emits one flat `func.func @main`. A sub-graph is inlined at each application with the
// application's parameter prefix, so a 32-layer model is 32 walks of one layer's statements:
// compile time grows linearly with the layer count.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_IRGEN_H
#define DSC_FRONTEND_IRGEN_H

#include "frontend/Eval.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace dsc {

/// Returns null after reporting errors through `diag`.
mlir::OwningOpRef<mlir::ModuleOp> generateIR(const ast::Module &module, Diagnoser &diag,
                                             Evaluator &eval, mlir::MLIRContext *context,
                                             llvm::SMLoc moduleLoc);

} // namespace dsc

#endif // DSC_FRONTEND_IRGEN_H
