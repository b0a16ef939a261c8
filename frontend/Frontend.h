//===- Frontend.h - the .dsg language frontend ------------------*- C++ -*-===//
//
// Reads a .dsg model into the dsc dialect: a module with one flat `func.func @main` whose
// sub-graphs are inlined at each application. frontend/README.md describes the language.
// Errors are MLIR diagnostics at FileLineColLoc locations of the .dsg source; install a
// SourceMgrDiagnosticHandler on the context to print them with the source line and a caret.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_FRONTEND_H
#define DSC_FRONTEND_FRONTEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <map>
#include <string>

namespace dsc {

/// Named dims to override (`-D B=8`), by name.
using DimOverrides = std::map<std::string, int64_t>;

/// Parses `-D` values of the form `NAME=INTEGER`; a malformed or repeated one is an error.
llvm::Expected<DimOverrides> parseDimOverrides(llvm::ArrayRef<std::string> specs);

/// Parses the main buffer of `sourceMgr` as a .dsg model and generates dsc IR. Returns null
/// after reporting every error it found; the module it returns has been verified.
mlir::OwningOpRef<mlir::ModuleOp> parseDsg(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context,
                                           const DimOverrides &overrides = {});

} // namespace dsc

#endif // DSC_FRONTEND_FRONTEND_H
