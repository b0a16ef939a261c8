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
#include <optional>
#include <string>
#include <vector>

namespace dsc {

/// Named dims to override (`-D B=8`), by name.
using DimOverrides = std::map<std::string, int64_t>;

/// Parses `-D` values of the form `NAME=INTEGER`; a malformed or repeated one is an error.
llvm::Expected<DimOverrides> parseDimOverrides(llvm::ArrayRef<std::string> specs);

/// One named axis of the device mesh.
struct MeshAxis {
  std::string name;
  int64_t size = 1;
};

/// A device mesh, outermost axis first: ranks map to mesh coordinates row-major, so the last
/// axis (conventionally `tp`) varies fastest and stays inside a node.
using MeshSpec = std::vector<MeshAxis>;

/// Parses `--mesh dp=2,tp=4`: unique identifiers, sizes >= 1.
llvm::Expected<MeshSpec> parseMeshSpec(llvm::StringRef spec);

/// Parses the main buffer of `sourceMgr` as a .dsg model and generates dsc IR. Returns null
/// after reporting every error it found; the module it returns has been verified. `mesh`, when
/// given, replaces the model's `mesh` declaration; with a mesh, the module holds a
/// `shard.grid @mesh` and every `@shard` hint is checked against it.
mlir::OwningOpRef<mlir::ModuleOp> parseDsg(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context,
                                           const DimOverrides &overrides = {},
                                           const std::optional<MeshSpec> &mesh = std::nullopt);

} // namespace dsc

#endif // DSC_FRONTEND_FRONTEND_H
