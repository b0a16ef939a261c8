//===- OpTable.h - .dsg op calls to dsc ops ---------------------*- C++ -*-===//
//
// Each op a .dsg model may call: its operand count, its keyword attributes and how they map
// onto the op's attributes (docs/ops.md), and how its result type is found. Ops whose result
// type the dialect infers are built through that inference, so the frontend and the verifier
// never disagree; the others (cast, reshape, broadcast, iota, constant) take it from their
// keywords.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_OPTABLE_H
#define DSC_FRONTEND_OPTABLE_H

#include "frontend/Eval.h"

#include "mlir/IR/Builders.h"

namespace dsc {

struct OpCall {
  const ast::Expr &call;
  mlir::Location loc;
  llvm::SmallVector<mlir::Value> operands;
};

bool isOpName(llvm::StringRef name);

/// The op name closest to a misspelled `name`, or "".
llvm::StringRef closestOpName(llvm::StringRef name);

/// Builds the op for `call` at the builder's insertion point and verifies it. On failure the
/// error has been reported at the call and nothing is left in the IR.
mlir::FailureOr<mlir::Operation *> buildOp(mlir::OpBuilder &builder, Diagnoser &diag,
                                           Evaluator &eval, const OpCall &call);

} // namespace dsc

#endif // DSC_FRONTEND_OPTABLE_H
