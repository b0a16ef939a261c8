//===- DsgFuzz.cpp - libFuzzer target for the .dsg frontend ---------------===//
//
// Feeds arbitrary bytes to dsc::parseDsg. Whatever the input, the frontend must either
// return a verified module with no error, or report at least one located error and return
// null; a crash, a hang, a sanitizer report or a silent failure is a bug. Diagnostics are
// printed to a null stream so that their rendering (source line, caret) runs too.
//
//===----------------------------------------------------------------------===//

#include "frontend/Frontend.h"
#include "ir/DscDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

// MLIR's uniquer allocators are shared by our instrumented code, which poisons the slabs it
// creates, and by libMLIR.so, which is not instrumented and so never unpoisons what it hands
// out from them. Manual poisoning would only yield false reports; real overflows of heap
// blocks are still caught.
extern "C" const char *__asan_default_options() { return "allow_user_poisoning=0"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::DialectRegistry registry;
  registry.insert<dsc::DscDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.dsg"),
      llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler printer(sourceMgr, &context, llvm::nulls());
  unsigned errors = 0;
  mlir::ScopedDiagnosticHandler counter(&context, [&](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Error)
      ++errors;
    return mlir::failure(); // Hand it on to the printer.
  });

  mlir::OwningOpRef<mlir::ModuleOp> module = dsc::parseDsg(sourceMgr, &context);
  if (!module && errors == 0) {
    std::fputs("dsg-fuzz: parseDsg failed without reporting an error\n", stderr);
    std::abort();
  }
  if (module && errors != 0) {
    std::fputs("dsg-fuzz: parseDsg reported an error but returned a module\n", stderr);
    std::abort();
  }
  return 0;
}
