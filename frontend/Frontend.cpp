//===- Frontend.cpp - the .dsg language frontend --------------------------===//

#include "frontend/Frontend.h"
#include "frontend/IRGen.h"
#include "frontend/Parser.h"

#include "ir/DscDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"

using namespace dsc;

llvm::Expected<DimOverrides> dsc::parseDimOverrides(llvm::ArrayRef<std::string> specs) {
  DimOverrides overrides;
  for (const std::string &spec : specs) {
    auto [name, text] = llvm::StringRef(spec).split('=');
    name = name.trim();
    text = text.trim();
    bool validName = !name.empty() && (llvm::isAlpha(name[0]) || name[0] == '_') &&
                     llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
    int64_t value = 0;
    if (!validName || text.getAsInteger(10, value))
      return llvm::createStringError("invalid -D '%s': expected NAME=INTEGER, e.g. -D B=8",
                                     spec.c_str());
    if (!overrides.emplace(name.str(), value).second)
      return llvm::createStringError("-D %s is given twice", name.str().c_str());
  }
  return overrides;
}

llvm::Expected<MeshSpec> dsc::parseMeshSpec(llvm::StringRef spec) {
  MeshSpec mesh;
  llvm::SmallVector<llvm::StringRef> items;
  spec.split(items, ',');
  for (llvm::StringRef item : items) {
    auto [name, text] = item.split('=');
    name = name.trim();
    text = text.trim();
    bool validName = !name.empty() && (llvm::isAlpha(name[0]) || name[0] == '_') &&
                     llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
    int64_t size = 0;
    if (!validName || text.getAsInteger(10, size) || size < 1)
      return llvm::createStringError(
          "invalid --mesh axis '%s': expected NAME=SIZE with SIZE >= 1, e.g. --mesh dp=2,tp=4",
          item.str().c_str());
    if (llvm::any_of(mesh, [&](const MeshAxis &axis) { return axis.name == name; }))
      return llvm::createStringError("--mesh names axis '%s' twice", name.str().c_str());
    mesh.push_back({name.str(), size});
  }
  return mesh;
}

mlir::OwningOpRef<mlir::ModuleOp> dsc::parseDsg(llvm::SourceMgr &sourceMgr,
                                                mlir::MLIRContext *context,
                                                const DimOverrides &overrides,
                                                const std::optional<MeshSpec> &mesh) {
  context->loadDialect<DscDialect, mlir::func::FuncDialect, mlir::shard::ShardDialect>();
  // A verifier error at a .dsg line is clearer without the generic form of the op under it.
  bool printOp = context->shouldPrintOpOnDiagnostic();
  context->printOpOnDiagnostic(false);
  llvm::scope_exit restore([&] { context->printOpOnDiagnostic(printOp); });
  unsigned bufferId = sourceMgr.getMainFileID();
  llvm::StringRef buffer = sourceMgr.getMemoryBuffer(bufferId)->getBuffer();
  Diagnoser diag(sourceMgr, bufferId, context);
  ast::Module module = parseModule(buffer, diag);
  Evaluator eval(diag, context);
  // What parsed is still checked after a syntax error or a bad dim, to report more in one
  // run; uses of a broken definition fail quietly.
  (void)eval.defineDims(module.dims, overrides);
  (void)eval.defineMesh(module, mesh);
  mlir::OwningOpRef<mlir::ModuleOp> result =
      generateIR(module, diag, eval, context, llvm::SMLoc::getFromPointer(buffer.begin()));
  if (diag.numErrors())
    return nullptr;
  return result;
}
