//===- Dsc.cpp - the dsc compiler driver ----------------------------------===//
//
// `dsc model.dsg [-o FILE] [--emit=mlir|summary|plan|cuda|artifact] [--gpu-arch=sm_90a,...]
//      [-D NAME=VALUE]... [-O0|-O1|-O2]`
//
// Reads a .dsg model (or .mlir in the dsc dialect), runs the compilation pipeline and emits
// the requested form. `plan`, `cuda` and `artifact` also lower to the execution plan
// (dsc-lower-to-plan, dsc-plan-memory); `-o model.dsx` without --emit means `artifact`.
// MLIR's standard flags (--mlir-print-ir-after-all, --mlir-timing, ...) work here as in
// dsc-opt. Errors go to stderr as file:line:col diagnostics; the exit code is 1 and no output
// file is left behind.
//
//===----------------------------------------------------------------------===//

#include "frontend/Frontend.h"
#include "ir/DscDialect.h"
#include "ir/ModelSummary.h"
#include "ir/PlanDialect.h"
#include "ir/PlanExplain.h"
#include "passes/Passes.h"
#include "runtime/support/Fp8Layout.h"

#ifdef DSC_HAVE_CODEGEN
#include "codegen/ArtifactWriter.h"
#include "runtime/artifact/ArtifactCheck.h"
#endif

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
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
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class EmitKind { Mlir, Summary, Plan, Cuda, Artifact };
enum OptLevel { O0 = 0, O1 = 1, O2 = 2 };
enum class Precision { AsWritten, Fp32, Tf32, Bf16, Fp16, Fp8 };

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
                          "inputs, outputs, parameters, op counts and FLOPs"),
               clEnumValN(EmitKind::Plan, "plan", "the execution plan (plan dialect), placed"),
               clEnumValN(EmitKind::Cuda, "cuda",
                          "the generated CUDA source of the plan's kernels"),
               clEnumValN(EmitKind::Artifact, "artifact",
                          "a .dsx artifact for dsrun (the default for -o *.dsx)")),
    cl::cat(dscCategory));
cl::list<std::string> gpuArchs("gpu-arch",
                               cl::desc("Target GPU architectures of the artifact's kernels "
                                        "(default sm_90a)"),
                               cl::value_desc("sm_90a[,sm_100a]"), cl::CommaSeparated,
                               cl::cat(dscCategory));
cl::list<std::string> dimOverrides("D", cl::desc("Override a named dimension: -D B=8"),
                                   cl::value_desc("NAME=VALUE"), cl::Prefix,
                                   cl::cat(dscCategory));
cl::opt<Precision> precision(
    "precision", cl::desc("Arithmetic precision"), cl::init(Precision::AsWritten),
    cl::values(clEnumValN(Precision::AsWritten, "as-written",
                          "the types the model declares (default)"),
               clEnumValN(Precision::Fp32, "fp32",
                          "f32 arithmetic on the same weights and inputs, outputs in their "
                          "declared types (dsc-promote-to-f32): a reference build"),
               clEnumValN(Precision::Tf32, "tf32",
                          "f32 GEMMs on tensor cores in TF32 (10-bit mantissa inputs, f32 "
                          "accumulation)"),
               clEnumValN(Precision::Bf16, "bf16",
                          "f32 models: GEMMs and attention on bf16 copies, f32 accumulation; "
                          "norms, softmax, reductions, router in f32 (docs/precision.md)"),
               clEnumValN(Precision::Fp16, "fp16", "as bf16, with f16 copies"),
               clEnumValN(Precision::Fp8, "fp8",
                          "GEMMs on weights in fp8 e4m3 with f32 accumulation, weights "
                          "quantized when they load (--fp8-recipe; docs/precision.md)")),
    cl::cat(dscCategory));
cl::opt<std::string> fp8Recipe("fp8-recipe",
                               cl::desc("FP8 scaling: blockwise (DeepSeek-V3: 1x128 activation "
                                        "tiles, 128x128 weight blocks; the default), tensor "
                                        "(one scale per tensor from its current amax) or delayed "
                                        "(per-tensor; activation scales from the amaxes of "
                                        "previous runs, --fp8-amax-history)"),
                               cl::value_desc("blockwise|tensor|delayed"), cl::init("blockwise"),
                               cl::cat(dscCategory));
cl::opt<int64_t> fp8AmaxHistory("fp8-amax-history",
                                cl::desc("With --fp8-recipe=delayed: how many previous runs' "
                                         "amaxes an activation's scale is taken from (1 to "
                                         "1024; default 16)"),
                                cl::value_desc("N"), cl::init(dsc::kDefaultFp8AmaxHistory),
                                cl::cat(dscCategory));
cl::list<std::string> precisionOverrides(
    "precision-override",
    cl::desc("Per op kind, in place of --precision: matmul=bf16, attention=as-written, ... "
             "(an op's @precision still wins; docs/precision.md)"),
    cl::value_desc("KIND=PRECISION[,...]"), cl::CommaSeparated, cl::cat(dscCategory));
cl::opt<std::string> attentionBackend(
    "attention",
    cl::desc("What runs attention: auto (cuDNN's fused flash attention where it can take the "
             "op: bf16/f16, dh == dv, ...; the generated kernel elsewhere; the default), cudnn "
             "(an op cuDNN cannot take is an error), generated (always the generated kernel). "
             "--explain says which each attention got"),
    cl::value_desc("auto|cudnn|generated"), cl::init("auto"), cl::cat(dscCategory));
cl::opt<bool> explain("explain",
                      cl::desc("Print, for every op, the type it computes in and why (a "
                               "remark at its location); with a plan (--emit=plan, cuda or "
                               "an artifact), then a report per rank: fused kernels, GEMM "
                               "precisions, memory, collectives and the predicted time and "
                               "overlap"),
                      cl::init(false), cl::cat(dscCategory));
cl::opt<OptLevel> optLevel(cl::desc("Optimization level"), cl::init(O2),
                           cl::values(clEnumVal(O0, "no optimization"),
                                      clEnumVal(O1, "canonicalize and CSE"),
                                      clEnumVal(O2, "also fusion (default)")),
                           cl::cat(dscCategory));

cl::opt<std::string> meshSpec(
    "mesh",
    cl::desc("Device mesh: named axes, outermost first, product = world size; replaces the "
             "model's `mesh` declaration (ranks map row-major, the last axis innermost)"),
    cl::value_desc("dp=2,tp=4"), cl::cat(dscCategory));

enum class Parallel { Hints, Auto };
cl::opt<Parallel> parallel(
    "parallel", cl::desc("How a model with a mesh is sharded"), cl::init(Parallel::Hints),
    cl::values(clEnumValN(Parallel::Hints, "hints", "as its @shard hints say (the default)"),
               clEnumValN(Parallel::Auto, "auto",
                          "Megatron defaults (tp, dp) where the model gives no hint")),
    cl::cat(dscCategory));

cl::opt<bool> sequenceParallel(
    "sequence-parallel",
    cl::desc("With --parallel=auto and a tp axis: norms, residual adds and the residual stream "
             "split on tokens over tp; all_gather before column-parallel GEMMs and "
             "reduce_scatter after row-parallel ones instead of all_reduce (Megatron-LM's "
             "sequence parallelism, docs/sharding.md)"),
    cl::init(false), cl::cat(dscCategory));

cl::opt<int64_t> microbatches(
    "microbatches",
    cl::desc("With a pp axis in the mesh: split the batch (dim 0 of every input) into M "
             "micro-batches, run fill-and-drain over the stages (docs/pipeline.md)"),
    cl::value_desc("M"), cl::init(1), cl::cat(dscCategory));

cl::opt<int64_t> tpCommChunks(
    "tp-comm-chunks",
    cl::desc("Split each tensor-parallel GEMM + collective pair (matmul -> all_reduce / "
             "reduce_scatter, all_gather -> matmul) into N chunks along the token rows, so "
             "that chunks' transfers run under other chunks' GEMMs: 0 = N chosen per pair by "
             "the cost model (the default at -O2), 1 = off, 2 to 64 = fixed (at any -O)"),
    cl::value_desc("N"), cl::init(0), cl::cat(dscCategory));

OwningOpRef<ModuleOp> loadModel(llvm::SourceMgr &sourceMgr, MLIRContext &context) {
  std::string error;
  auto file = openInputFile(inputFilename, &error);
  if (!file) {
    llvm::errs() << "dsc: " << error << "\n";
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  if (llvm::StringRef(inputFilename).ends_with(".mlir")) {
    if (!dimOverrides.empty() || meshSpec.getNumOccurrences()) {
      llvm::errs() << "dsc: -D and --mesh apply to .dsg models only\n";
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  auto overrides = dsc::parseDimOverrides(dimOverrides);
  if (!overrides) {
    llvm::errs() << "dsc: " << llvm::toString(overrides.takeError()) << "\n";
    return nullptr;
  }
  std::optional<dsc::MeshSpec> mesh;
  if (meshSpec.getNumOccurrences()) {
    auto parsed = dsc::parseMeshSpec(meshSpec);
    if (!parsed) {
      llvm::errs() << "dsc: " << llvm::toString(parsed.takeError()) << "\n";
      return nullptr;
    }
    mesh = std::move(*parsed);
  }
  return dsc::parseDsg(sourceMgr, &context, *overrides, mesh);
}

/// The pipeline grows with the passes of later work (fusion, precision, sharding, ...).
LogicalResult runPipeline(ModuleOp module, MLIRContext &context) {
  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  applyDefaultTimingPassManagerCLOptions(pm);
  // Sharding first (DESIGN.md): the passes after it see one rank's shapes.
  bool lowersToPlan =
      emitKind == EmitKind::Plan || emitKind == EmitKind::Cuda || emitKind == EmitKind::Artifact;
  if (sequenceParallel && parallel != Parallel::Auto) {
    llvm::errs() << "dsc: --sequence-parallel needs --parallel=auto (it extends the Megatron "
                    "defaults)\n";
    return failure();
  }
  if (sequenceParallel && dsc::meshSize(module) <= 1) {
    llvm::errs() << "dsc: --sequence-parallel needs a mesh with a tp axis of several ranks "
                    "(--mesh tp=N)\n";
    return failure();
  }
  if (dsc::meshSize(module) > 1) {
    dsc::buildShardingPipeline(pm, parallel == Parallel::Auto, sequenceParallel);
    // Each rank loads its slices (--emit=mlir keeps the all_slices that dsc-interp runs).
    if (lowersToPlan)
      pm.addNestedPass<func::FuncOp>(dsc::createFoldParamSlicesPass());
  } else if (parallel == Parallel::Auto)
    llvm::errs() << "dsc: note: --parallel=auto has no effect without a mesh of several ranks\n";
  if (precision == Precision::Fp32) {
    if (!precisionOverrides.empty()) {
      llvm::errs() << "dsc: --precision-override does not apply to --precision=fp32 (the f32 "
                      "reference build computes every op in f32)\n";
      return failure();
    }
    pm.addPass(dsc::createPromoteToF32Pass());
  } else {
    dsc::PrecisionPassOptions options;
    options.precision = precision == Precision::Tf32   ? "tf32"
                        : precision == Precision::Bf16 ? "bf16"
                        : precision == Precision::Fp16 ? "fp16"
                        : precision == Precision::Fp8  ? "fp8"
                                                       : "as-written";
    options.fp8Recipe = fp8Recipe;
    options.fp8AmaxHistory = fp8AmaxHistory;
    options.explain = explain;
    options.opPrecision.assign(precisionOverrides.begin(), precisionOverrides.end());
    pm.addPass(dsc::createPrecisionPass(options));
  }
  if (optLevel >= 1) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  if (optLevel >= 2) {
    // Residual adds into GEMMs first; what is left of the elementwise ops fuses after.
    pm.addPass(dsc::createFuseGemmEpiloguePass());
    pm.addPass(dsc::createFuseElementwisePass());
    pm.addPass(dsc::createFuseSplitRopePass());
    // Then fp8 quantization into the fusions that produce its input (after the groups form).
    pm.addPass(dsc::createFuseQuantizePass());
  }
  // TP collectives chunked under their GEMMs, after the fusions so that a residual folded
  // into a GEMM is split with its rows (a no-op without shard collectives).
  if (optLevel >= 2 || tpCommChunks.getNumOccurrences()) {
    dsc::ChunkCollectiveMatmulPassOptions chunking;
    chunking.chunks = tpCommChunks;
    chunking.explain = explain;
    pm.addPass(dsc::createChunkCollectiveMatmulPass(chunking));
  }
  // Pipeline stages last: the cost model sees the fused kernels, and no later pass drops the
  // stage attributes (docs/pipeline.md).
  dsc::PartitionPipelinePassOptions pipelining;
  pipelining.microbatches = microbatches;
  pipelining.explain = explain;
  pm.addPass(dsc::createPartitionPipelinePass(pipelining));
  if (lowersToPlan) {
    dsc::LowerToPlanPassOptions lowering;
    lowering.attention = attentionBackend;
    lowering.explain = explain;
    pm.addPass(dsc::createLowerToPlanPass(lowering));
    if (optLevel >= 1)
      pm.addPass(dsc::createFoldContiguousCopiesPass());
    // Collectives behind independent compute, before memory planning sees their waits.
    if (optLevel >= 2)
      pm.addPass(dsc::createScheduleCollectivesPass());
    pm.addPass(dsc::createPlanMemoryPass());
  }
  return pm.run(module);
}

#ifdef DSC_HAVE_CODEGEN
std::vector<std::string> targetArchs() {
  if (gpuArchs.empty())
    return {"sm_90a"};
  return std::vector<std::string>(gpuArchs.begin(), gpuArchs.end());
}

/// Checked before compiling, so that a typo is not reported at the model.
bool checkTargetArchs() {
  std::vector<std::string> archs = targetArchs();
  for (const std::string &arch : archs) {
    if (llvm::count(archs, arch) > 1) {
      llvm::errs() << "dsc: --gpu-arch: " << arch << " is listed twice\n";
      return false;
    }
    absl::StatusOr<dsc::CudaArch> parsed = dsc::parseCudaArch(arch);
    if (!parsed.ok()) {
      llvm::errs() << "dsc: --gpu-arch: " << std::string(parsed.status().message()) << "\n";
      return false;
    }
    if (parsed->ptx) {
      llvm::errs() << "dsc: --gpu-arch=" << arch
                   << ": only cubin targets (sm_XY) are supported yet, not PTX\n";
      return false;
    }
  }
  return true;
}

LogicalResult printCuda(ModuleOp module, llvm::raw_ostream &os) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return module.emitError() << "no function @main";
  FailureOr<dsc::codegen::PlanKernels> kernels = dsc::codegen::emitPlanKernels(main);
  if (failed(kernels))
    return failure();
  os << kernels->module.source;
  return success();
}
#endif

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "dsc: compile a dataflow graph model\n");

  DialectRegistry registry;
  // shard: SPMD-partitioned .mlir input, whose collectives lower to the plan.
  registry
      .insert<dsc::DscDialect, dsc::plan::PlanDialect, func::FuncDialect, shard::ShardDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // --explain: each remark at its source line, without the op's IR.
  if (explain)
    context.printOpOnDiagnostic(false);

  if (emitKind.getNumOccurrences() == 0 && llvm::StringRef(outputFilename).ends_with(".dsx"))
    emitKind = EmitKind::Artifact;
#ifndef DSC_HAVE_CODEGEN
  if (emitKind == EmitKind::Cuda || emitKind == EmitKind::Artifact) {
    llvm::errs() << "dsc: this build has no kernel code generator (CUDA toolkit not found)\n";
    return 1;
  }
#endif
  if (!dsc::parseFp8RecipeOption(fp8Recipe)) {
    llvm::errs() << "dsc: --fp8-recipe=" << fp8Recipe
                 << ": expected blockwise, tensor or delayed\n";
    return 1;
  }
  if (fp8AmaxHistory < 1 || fp8AmaxHistory > dsc::kMaxFp8AmaxHistory) {
    llvm::errs() << "dsc: --fp8-amax-history=" << fp8AmaxHistory << ": expected 1 to "
                 << dsc::kMaxFp8AmaxHistory << "\n";
    return 1;
  }
  if (fp8AmaxHistory.getNumOccurrences() && fp8Recipe != "delayed") {
    llvm::errs() << "dsc: --fp8-amax-history applies to --fp8-recipe=delayed only\n";
    return 1;
  }
  if (attentionBackend != "auto" && attentionBackend != "cudnn" &&
      attentionBackend != "generated") {
    llvm::errs() << "dsc: --attention=" << attentionBackend
                 << ": expected auto, cudnn or generated\n";
    return 1;
  }
  if (tpCommChunks < 0 || tpCommChunks > 64) {
    llvm::errs() << "dsc: --tp-comm-chunks=" << tpCommChunks
                 << ": expected 0 (cost model), 1 (off) or 2 to 64\n";
    return 1;
  }
  if (emitKind == EmitKind::Artifact && outputFilename == "-") {
    llvm::errs() << "dsc: --emit=artifact needs -o FILE.dsx\n";
    return 1;
  }
#ifdef DSC_HAVE_CODEGEN
  if (emitKind == EmitKind::Artifact && !checkTargetArchs())
    return 1;
#endif

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(sourceMgr, context);
  if (!module || failed(verify(*module)) || failed(runPipeline(*module, context)))
    return 1;
  // --explain on a plan: per rank, what runs where and what the cost model predicts.
  if (explain && emitKind != EmitKind::Mlir && emitKind != EmitKind::Summary)
    dsc::explainPlan(*module, *dsc::deviceCeilings("h100"), llvm::errs());

#ifdef DSC_HAVE_CODEGEN
  if (emitKind == EmitKind::Artifact) {
    dsc::codegen::ArtifactOptions options;
    options.archs = targetArchs();
    options.source = llvm::sys::path::filename(inputFilename).str();
    return failed(dsc::codegen::writeArtifactFile(*module, outputFilename, options)) ? 1 : 0;
  }
#endif

  std::string error;
  auto output = openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "dsc: " << error << "\n";
    return 1;
  }
  if (emitKind == EmitKind::Summary) {
    dsc::printModelSummary(dsc::summarizeModel(*module), output->os());
  } else if (emitKind == EmitKind::Cuda) {
#ifdef DSC_HAVE_CODEGEN
    if (failed(printCuda(*module, output->os())))
      return 1;
#endif
  } else {
    module->print(output->os());
  }
  output->os().flush();
  if (output->os().has_error()) {
    llvm::errs() << "dsc: cannot write " << outputFilename << "\n";
    return 1;
  }
  output->keep();
  return 0;
}
