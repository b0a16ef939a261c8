//===- Dsc.cpp - the dsc compiler driver ----------------------------------===//
//
// `dsc model.dsg [-o FILE] [--emit=mlir|summary] [-D NAME=VALUE]... [-O0|-O1|-O2]`
//
// Reads a .dsg model (or .mlir in the dsc dialect), runs the compilation pipeline and emits
// the requested form. MLIR's standard flags (--mlir-print-ir-after-all, --mlir-timing, ...)
// work here as in dsc-opt. Errors go to stderr as file:line:col diagnostics; the exit code is 1
// and no output file is left behind.
//
//===----------------------------------------------------------------------===//

#include "frontend/Frontend.h"
#include "ir/DscDialect.h"
#include "ir/ModelSummary.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class EmitKind { Mlir, Summary };
enum OptLevel { O0 = 0, O1 = 1, O2 = 2 };

cl::OptionCategory dscCategory("dsc options");

cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<model.dsg | model.mlir>"),
                                   cl::Required, cl::cat(dscCategory));
cl::opt<std::string> outputFilename("o", cl::desc("Output file (default: stdout)"),
                                    cl::value_desc("file"), cl::init("-"),
                                    cl::cat(dscCategory));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to emit"), cl::init(EmitKind::Mlir),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir", "the dsc dialect IR after the pipeline"),
               clEnumValN(EmitKind::Summary, "summary",
                          "inputs, outputs, parameters, op counts and FLOPs")),
    cl::cat(dscCategory));
cl::list<std::string> dimOverrides("D", cl::desc("Override a named dimension: -D B=8"),
                                   cl::value_desc("NAME=VALUE"), cl::Prefix,
                                   cl::cat(dscCategory));
cl::opt<OptLevel> optLevel(cl::desc("Optimization level"), cl::init(O2),
                           cl::values(clEnumVal(O0, "no optimization"),
                                      clEnumVal(O1, "canonicalize and CSE"),
                                      clEnumVal(O2, "all optimizations (default)")),
                           cl::cat(dscCategory));

OwningOpRef<ModuleOp> loadModel(llvm::SourceMgr &sourceMgr, MLIRContext &context) {
  std::string error;
  auto file = openInputFile(inputFilename, &error);
  if (!file) {
    llvm::errs() << "dsc: " << error << "\n";
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  if (llvm::StringRef(inputFilename).ends_with(".mlir")) {
    if (!dimOverrides.empty()) {
      llvm::errs() << "dsc: -D applies to .dsg models only\n";
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  auto overrides = dsc::parseDimOverrides(dimOverrides);
  if (!overrides) {
    llvm::errs() << "dsc: " << llvm::toString(overrides.takeError()) << "\n";
    return nullptr;
  }
  return dsc::parseDsg(sourceMgr, &context, *overrides);
}

/// The pipeline grows with the passes of later work (fusion, precision, sharding, ...).
LogicalResult runPipeline(ModuleOp module, MLIRContext &context) {
  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  applyDefaultTimingPassManagerCLOptions(pm);
  if (optLevel >= 1) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  return pm.run(module);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "dsc: compile a dataflow graph model\n");

  DialectRegistry registry;
  registry.insert<dsc::DscDialect, func::FuncDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(sourceMgr, context);
  if (!module || failed(verify(*module)) || failed(runPipeline(*module, context)))
    return 1;

  std::string error;
  auto output = openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "dsc: " << error << "\n";
    return 1;
  }
  if (emitKind == EmitKind::Summary)
    dsc::printModelSummary(dsc::summarizeModel(*module), output->os());
  else
    module->print(output->os());
  output->os().flush();
  if (output->os().has_error()) {
    llvm::errs() << "dsc: cannot write " << outputFilename << "\n";
    return 1;
  }
  output->keep();
  return 0;
}
