//===- DscInterp.cpp - Runs a dsc model on the reference interpreter ------===//
//
// `dsc-interp model.{dsg,mlir} [--weights W.safetensors | --random-weights
// SEED]
//             [--inputs DIR] [--seed N] [--out DIR] [-D NAME=VALUE]...
//             [--accumulate-f64] [--runs N]`
//
// Evaluates the model's `main` on the CPU. Inputs are DIR/<name>.npy for each
// named graph input, or random (from --seed) when no DIR is given; outputs go
// to DIR/<name>.npy with --out. Prints one summary line per output. Errors
// are diagnostics on stderr and exit code 1. `--runs N` evaluates it N times
// on the same inputs, carrying the state that outlives a run (the amax
// history of delayed fp8 scaling), and reports and writes the last run's
// outputs (what `dsrun --runs=N` gives). An input DIR/<name>.run<r>.npy, when
// there is one, replaces DIR/<name>.npy in run r (from 0), so that a test can
// give the history another amax than the last run's.
//
//===----------------------------------------------------------------------===//

#include "frontend/Frontend.h"
#include "interp/Compare.h"
#include "interp/Interpreter.h"
#include "ir/DscDialect.h"
#include "runtime/support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Shard/Transforms/Passes.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <chrono>
#include <cmath>

using namespace mlir;
using namespace dsc::interp;
using dsc::DType;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("dsc-interp options");

cl::opt<std::string> modelPath(cl::Positional,
                               cl::desc("<model.dsg | model.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> weightsPath("weights",
                                 cl::desc("Weights as a safetensors file"),
                                 cl::value_desc("file"), cl::cat(category));
cl::opt<uint64_t>
    randomWeightsSeed("random-weights",
                      cl::desc("Use random weights from this seed"),
                      cl::value_desc("seed"), cl::cat(category));
cl::opt<std::string> inputsDir("inputs",
                               cl::desc("Read each input from DIR/<name>.npy"),
                               cl::value_desc("dir"), cl::cat(category));
cl::opt<uint64_t>
    inputSeed("seed",
              cl::desc("Seed of the random inputs used without --inputs"),
              cl::init(0), cl::cat(category));
cl::opt<std::string> outDir("out",
                            cl::desc("Write each output to DIR/<name>.npy"),
                            cl::value_desc("dir"), cl::cat(category));
cl::opt<std::string> saveInputsDir(
    "save-inputs",
    cl::desc("Also write the inputs used (given or random) to DIR/<name>.npy, "
             "so another runner (dsrun --inputs) can be fed the same values"),
    cl::value_desc("dir"), cl::cat(category));
cl::list<std::string>
    dimOverrides("D", cl::desc("Override a named dimension: -D B=8"),
                 cl::value_desc("NAME=VALUE"), cl::Prefix, cl::cat(category));
cl::opt<std::string> comparePipeline(
    "compare-pipeline",
    cl::desc("Run the model before and after this pass pipeline (mlir-opt "
             "syntax, e.g. 'builtin.module(canonicalize,cse)') on the same "
             "inputs and weights; exit 1 if any output differs beyond its "
             "dtype's tolerance"),
    cl::value_desc("pipeline"), cl::cat(category));
cl::opt<double> tolerance(
    "tolerance",
    cl::desc("Relative Frobenius error allowed by --compare-pipeline "
             "(default: by dtype, see interp/Compare.h)"),
    cl::cat(category));
cl::opt<unsigned>
    runs("runs",
         cl::desc("Evaluate the model this many times on the same inputs, carrying state across "
                  "runs (delayed fp8 scaling's amax history); outputs and --compare-pipeline "
                  "errors are the last run's"),
         cl::init(1), cl::cat(category));
cl::opt<bool> accumulateF64(
    "accumulate-f64",
    cl::desc("Accumulate sums in f64 instead of f32 (to bound f32 error)"),
    cl::init(false), cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "dsc-interp: " << message << "\n";
  return 1;
}

OwningOpRef<ModuleOp> loadModel(llvm::SourceMgr &sourceMgr,
                                MLIRContext &context) {
  std::string error;
  auto file = openInputFile(modelPath, &error);
  if (!file) {
    fail(error);
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  if (llvm::StringRef(modelPath).ends_with(".mlir")) {
    if (!dimOverrides.empty()) {
      fail("-D applies to .dsg models only");
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  auto overrides = dsc::parseDimOverrides(dimOverrides);
  if (!overrides) {
    fail(llvm::toString(overrides.takeError()));
    return nullptr;
  }
  return dsc::parseDsg(sourceMgr, &context, *overrides);
}

llvm::Error inputError(const std::string &name, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "input '" + name + "': " + what);
}

/// Reads input `name` from DIR/<name>.npy as `dtype[shape]`. A file of
/// another dtype of the same family (i64 token ids for an i32 input, f32 for
/// bf16) is converted like dsc.cast, with a note, since NumPy's defaults
/// rarely match the model's types.
llvm::Expected<HostTensor> readInput(const std::string &name, DType dtype, const Shape &shape,
                                     std::optional<int64_t> rank, unsigned run) {
  // A simulated rank reads DIR/<name>.rank<r>.npy when it exists, else the
  // input shared by all ranks; run r reads DIR/<name>.run<r>.npy before either.
  llvm::SmallString<128> path(inputsDir);
  llvm::sys::path::append(path, name + ".npy");
  llvm::SmallString<128> runPath(inputsDir);
  llvm::sys::path::append(runPath, name + ".run" + std::to_string(run) + ".npy");
  if (llvm::sys::fs::exists(runPath)) {
    path = runPath;
  } else if (rank) {
    llvm::SmallString<128> rankPath(inputsDir);
    llvm::sys::path::append(rankPath,
                            name + ".rank" + std::to_string(*rank) + ".npy");
    if (llvm::sys::fs::exists(rankPath))
      path = rankPath;
  }
  dsc::NpyReadOptions options;
  if (dsc::dtypeSize(dtype) == 1 && dtype != DType::I1)
    options.opaqueByteDType = dtype;
  absl::StatusOr<dsc::HostArray> array =
      dsc::readNpy(path.str().str(), options);
  if (!array.ok())
    return inputError(name, std::string(array.status().message()));
  HostTensor tensor;
  if (!fromHostArray(*array, tensor))
    return inputError(name, path + ": data size does not match its shape");
  std::string expected = dsc::describeArray(dtype, shape);
  if (tensor.shape() != shape || tensor.isFloat() != !isIntDType(dtype))
    return inputError(name, "expected " + expected + ", " + path + " has " +
                                tensor.typeToString());
  if (tensor.dtype() != dtype) {
    llvm::errs() << "dsc-interp: note: input '" << name << "': converting "
                 << tensor.typeToString() << " to " << expected << "\n";
    tensor = dsc::interp::cast(tensor, dtype);
  }
  return tensor;
}

void printSummary(llvm::StringRef name, const HostTensor &t) {
  double sum = 0, maxAbs = 0;
  int64_t nans = 0;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    double v = t.elementAsDouble(i);
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    sum += v;
    maxAbs = std::max(maxAbs, std::fabs(v));
  }
  int64_t counted = t.numElements() - nans;
  llvm::outs() << name << "  " << t.typeToString() << "  mean="
               << llvm::format("%.6g", counted ? sum / counted : 0.0)
               << "  max|x|=" << llvm::format("%.6g", maxAbs);
  if (nans)
    llvm::outs() << "  nan=" << nans;
  llvm::outs() << "\n";
}

/// Each rank's inputs in run `run`: random from --seed, else read from --inputs.
FailureOr<std::vector<TensorMap>> readInputs(func::FuncOp entry, int64_t numRanks, unsigned run) {
  std::vector<TensorMap> inputs(numRanks);
  for (int64_t r = 0; r < numRanks; ++r) {
    if (inputsDir.empty()) {
      inputs[r] = randomInputs(entry, inputSeed);
      continue;
    }
    for (auto [index, arg] : llvm::enumerate(entry.getArguments())) {
      auto type = tensorTypeOf(arg.getType());
      std::string name = inputName(entry, index);
      if (!type) {
        fail("input '" + name + "' is not a static dsc tensor");
        return failure();
      }
      std::optional<int64_t> rank;
      if (numRanks > 1)
        rank = r;
      llvm::Expected<HostTensor> input = readInput(name, type->first, type->second, rank, run);
      if (!input) {
        fail(llvm::toString(input.takeError()));
        return failure();
      }
      inputs[r][name] = std::move(*input);
    }
  }
  return inputs;
}

/// `--runs` evaluations of `func`, run r on `inputsByRun[r]`; the last one's outputs.
FailureOr<std::vector<TensorMap>>
runRepeatedly(Interpreter &interpreter, func::FuncOp func, const DeviceGrid &grid,
              const std::vector<std::vector<TensorMap>> &inputsByRun) {
  FailureOr<std::vector<TensorMap>> outputs = failure();
  for (const std::vector<TensorMap> &inputs : inputsByRun)
    if (failed(outputs = interpreter.runRanks(func, grid, inputs)))
      return failure();
  return outputs;
}

/// Runs `module` after `--compare-pipeline` on the same inputs and weights and
/// reports, per output and rank, the error against `before`.
int compareAfterPipeline(ModuleOp module, Interpreter &interpreter,
                         const std::vector<std::vector<TensorMap>> &inputsByRun,
                         const std::vector<TensorMap> &before) {
  const std::vector<TensorMap> &inputs = inputsByRun.back();
  OwningOpRef<ModuleOp> after = module.clone();
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  // The pipeline names its own anchor ("builtin.module(...)"): it becomes the
  // pass manager itself, not a pipeline nested under another module anchor
  // (which would run on nested modules only, i.e. on nothing).
  FailureOr<OpPassManager> parsed = parsePassPipeline(comparePipeline, errorStream);
  if (failed(parsed))
    return fail("--compare-pipeline: " + errors);
  PassManager pm(module.getContext(), parsed->getOpAnchorName());
  static_cast<OpPassManager &>(pm) = *parsed;
  if (failed(pm.run(*after)))
    return fail("--compare-pipeline: the pipeline failed");
  func::FuncOp entry = findEntryFunction(*after);
  if (!entry)
    return fail("--compare-pipeline: the pipeline removed func.func @main");
  FailureOr<DeviceGrid> grid = deviceGridOf(entry);
  if (failed(grid))
    return 1;
  if (grid->size() != static_cast<int64_t>(inputs.size()))
    return fail("--compare-pipeline: the pipeline changed the number of ranks "
                "from " +
                std::to_string(inputs.size()) + " to " +
                std::to_string(grid->size()) +
                "; comparing across a partition is not supported yet");
  FailureOr<std::vector<TensorMap>> got = runRepeatedly(interpreter, entry, *grid, inputsByRun);
  if (failed(got))
    return 1;
  std::optional<double> tol;
  if (tolerance.getNumOccurrences())
    tol = tolerance;
  int failures = 0;
  for (size_t r = 0; r < before.size(); ++r) {
    for (const auto &[name, ref] : before[r]) {
      auto it = (*got)[r].find(name);
      OutputDiff diff;
      if (it == (*got)[r].end()) {
        diff.name = name;
        diff.type = ref.typeToString();
        diff.error = "missing after the pipeline";
      } else {
        diff = compareTensors(name, ref, it->second, tol);
      }
      std::string label =
          before.size() == 1 ? name : name + ".rank" + std::to_string(r);
      llvm::outs() << (diff.ok() ? "ok    " : "FAIL  ") << label << "  "
                   << diff.type;
      if (!diff.error.empty())
        llvm::outs() << "  " << diff.error;
      else
        llvm::outs() << "  max_abs=" << llvm::format("%.3g", diff.maxAbsError)
                     << "  rel_fro=" << llvm::format("%.3g", diff.relFrobenius)
                     << "  tol=" << llvm::format("%.3g", diff.tolerance);
      if (diff.mismatchedNaNs)
        llvm::outs() << "  mismatched_nans=" << diff.mismatchedNaNs;
      llvm::outs() << "\n";
      failures += !diff.ok();
    }
  }
  return failures ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::registerTransformsPasses();
  mlir::shard::registerShardPasses();
  dsc::registerDscPasses();
  dsc::registerShardingPipeline();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "dsc reference interpreter: runs a model on "
                              "the CPU with exact dtype rounding\n");

  MLIRContext context;
  context.loadDialect<dsc::DscDialect, func::FuncDialect, shard::ShardDialect>();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(sourceMgr, context);
  if (!module)
    return 1;
  func::FuncOp entry = findEntryFunction(*module);
  if (!entry)
    return fail(modelPath + ": no func.func @main");

  bool hasParams = false;
  entry.walk([&](dsc::ParamOp) { hasParams = true; });
  std::unique_ptr<WeightSource> weights;
  if (!weightsPath.empty() && randomWeightsSeed.getNumOccurrences())
    return fail("give either --weights or --random-weights, not both");
  if (!weightsPath.empty()) {
    auto file = SafetensorsWeightSource::open(weightsPath);
    if (!file)
      return fail(llvm::toString(file.takeError()));
    weights = std::move(*file);
  } else if (randomWeightsSeed.getNumOccurrences()) {
    weights = std::make_unique<RandomWeightSource>(randomWeightsSeed);
  } else if (hasParams) {
    return fail("the model has parameters: give --weights FILE or "
                "--random-weights SEED");
  } else {
    weights = std::make_unique<MapWeightSource>(TensorMap{});
  }

  FailureOr<DeviceGrid> grid = deviceGridOf(entry);
  if (failed(grid))
    return 1;
  int64_t numRanks = grid->size();
  if (runs < 1)
    return fail("--runs must be at least 1");
  std::vector<std::vector<TensorMap>> inputsByRun;
  for (unsigned run = 0; run < runs; ++run) {
    FailureOr<std::vector<TensorMap>> inputs = readInputs(entry, numRanks, run);
    if (failed(inputs))
      return 1;
    inputsByRun.push_back(std::move(*inputs));
  }
  // The inputs of the last run: the ones --save-inputs writes.
  const std::vector<TensorMap> &inputs = inputsByRun.back();

  if (!saveInputsDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(saveInputsDir))
      return fail("cannot create " + saveInputsDir + ": " + ec.message());
    for (int64_t r = 0; r < numRanks; ++r) {
      for (const auto &[name, tensor] : inputs[r]) {
        std::string fileName =
            numRanks == 1 ? name : name + ".rank" + std::to_string(r);
        llvm::SmallString<128> path(saveInputsDir);
        llvm::sys::path::append(path, fileName + ".npy");
        absl::Status status =
            dsc::writeNpy(path.str().str(), toHostArray(tensor));
        if (!status.ok())
          return fail("input '" + name + "': " + std::string(status.message()));
      }
    }
  }

  InterpOptions options;
  options.accumulateInF64 = accumulateF64;
  Interpreter interpreter(*weights, options);
  auto start = std::chrono::steady_clock::now();
  FailureOr<std::vector<TensorMap>> outputs = runRepeatedly(interpreter, entry, *grid, inputsByRun);
  if (failed(outputs))
    return 1;
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  llvm::errs() << "dsc-interp: evaluated " << numRanks
               << (numRanks == 1 ? " rank" : " simulated ranks");
  if (runs > 1)
    llvm::errs() << " " << runs << " times";
  llvm::errs() << " in " << llvm::format("%.1f", ms) << " ms\n";

  if (!comparePipeline.empty())
    return compareAfterPipeline(*module, interpreter, inputsByRun, *outputs);

  if (!outDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
      return fail("cannot create " + outDir + ": " + ec.message());
  for (int64_t r = 0; r < numRanks; ++r) {
    for (auto [index, result] : llvm::enumerate(entry.getResultTypes())) {
      std::string name = outputName(entry, index);
      std::string fileName =
          numRanks == 1 ? name : name + ".rank" + std::to_string(r);
      // A pipelined model's outputs are on its last stage's ranks only.
      auto found = (*outputs)[r].find(name);
      if (found == (*outputs)[r].end())
        continue;
      const HostTensor &tensor = found->second;
      printSummary(fileName, tensor);
      if (outDir.empty())
        continue;
      llvm::SmallString<128> path(outDir);
      llvm::sys::path::append(path, fileName + ".npy");
      absl::Status status =
          dsc::writeNpy(path.str().str(), toHostArray(tensor));
      if (!status.ok())
        return fail("output '" + name + "': " + std::string(status.message()));
    }
  }
  return 0;
}
