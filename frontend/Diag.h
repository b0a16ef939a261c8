//===- Diag.h - located frontend diagnostics --------------------*- C++ -*-===//
//
// Every frontend error goes through MLIR's diagnostic engine at a FileLineColLoc of the .dsg
// source, so the tool's SourceMgrDiagnosticHandler prints `file:line:col: error: ...` with the
// line and a caret, and op verifier errors look the same as ours. While the frontend runs, a
// scoped handler drops exact repeats (a sub-graph's error would otherwise recur at each
// application) and stops the run after a bounded number of errors.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_DIAG_H
#define DSC_FRONTEND_DIAG_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/SourceMgr.h"

#include <set>
#include <string>

namespace dsc {

class Diagnoser {
public:
  /// Enough to fix several mistakes per run; a garbled file would produce hundreds.
  static constexpr unsigned kMaxErrors = 20;

  Diagnoser(llvm::SourceMgr &sourceMgr, unsigned bufferId, mlir::MLIRContext *context);

  mlir::Location loc(llvm::SMLoc at) const;
  mlir::InFlightDiagnostic error(llvm::SMLoc at) { return mlir::emitError(loc(at)); }

  unsigned numErrors() const { return errors; }
  /// True once so many errors were reported that going on would only add noise.
  bool tooMany() const { return errors >= kMaxErrors; }

private:
  llvm::SourceMgr &sourceMgr;
  unsigned bufferId;
  mlir::StringAttr filename;
  std::set<std::pair<const void *, std::string>> seen;
  unsigned errors = 0;
  mlir::ScopedDiagnosticHandler handler;
};

} // namespace dsc

#endif // DSC_FRONTEND_DIAG_H
