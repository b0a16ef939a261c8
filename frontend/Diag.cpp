//===- Diag.cpp - located frontend diagnostics ----------------------------===//

#include "frontend/Diag.h"

#include "mlir/IR/MLIRContext.h"

using namespace dsc;

Diagnoser::Diagnoser(llvm::SourceMgr &sourceMgr, unsigned bufferId, mlir::MLIRContext *context)
    : sourceMgr(sourceMgr), bufferId(bufferId),
      filename(mlir::StringAttr::get(context,
                                     sourceMgr.getMemoryBuffer(bufferId)->getBufferIdentifier())),
      handler(context, [this](mlir::Diagnostic &d) -> mlir::LogicalResult {
        if (d.getSeverity() != mlir::DiagnosticSeverity::Error)
          return mlir::failure();
        std::pair<const void *, std::string> key(d.getLocation().getAsOpaquePointer(), d.str());
        // Returning success() drops the diagnostic; failure() hands it to the tool's handler.
        if (!seen.insert(std::move(key)).second || errors >= kMaxErrors)
          return mlir::success();
        ++errors;
        return mlir::failure();
      }) {}

mlir::Location Diagnoser::loc(llvm::SMLoc at) const {
  if (!at.isValid())
    return mlir::FileLineColLoc::get(filename, 1, 1);
  auto [line, col] = sourceMgr.getLineAndColumn(at, bufferId);
  return mlir::FileLineColLoc::get(filename, line, col);
}
