//===- Interpreter.h - The reference interpreter of dsc IR ------*- C++ -*-===//
//
// Evaluates a dsc module's entry function (`func.func @main`) on the CPU, op
// by op in program order, with the kernels of Kernels.h. It is the oracle that
// passes and GPU kernels are checked against, so it implements docs/ops.md
// exactly and reports anything it cannot evaluate as a diagnostic at the
// op's location instead of guessing.
//
// State that outlives a run (the amax history of a delayed-scaling
// dsc.quantize) belongs to the Interpreter: running a function again, on any
// inputs, continues from it, as the GPU's state in the plan does across runs.
//
// One evaluation runs in a RankContext that owns its SSA values. Simulated
// ranks (SPMD programs after partitioning) are N RankContexts over the same
// function; collectives will meet in a shared object that the contexts point
// to.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_INTERPRETER_H
#define DSC_INTERP_INTERPRETER_H

#include "interp/Collectives.h"
#include "interp/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>

namespace dsc {
class SafetensorsFile;
} // namespace dsc

namespace dsc::interp {

/// Tensors by name: a graph's inputs and outputs, a model's weights.
using TensorMap = std::map<std::string, HostTensor>;

/// The dsc dtype of an MLIR element type, if it has one.
std::optional<DType> dtypeOf(mlir::Type elementType);

/// Shape and dtype of a ranked tensor type with a dsc element type.
std::optional<std::pair<DType, Shape>> tensorTypeOf(mlir::Type type);

/// The name an entry argument or result goes by: its `dsc.name`, else
/// "arg<i>" / "result<i>".
std::string inputName(mlir::func::FuncOp func, unsigned index);
std::string outputName(mlir::func::FuncOp func, unsigned index);

/// Supplies the tensor of each `dsc.param` name.
class WeightSource {
public:
  virtual ~WeightSource();
  /// The weight `name`, which the graph declares as `dtype[shape]`; an error
  /// (with the name and both types) when it is missing or has another type.
  virtual llvm::Expected<HostTensor> load(llvm::StringRef name, DType dtype,
                                          const Shape &shape) = 0;
};

/// Weights held in memory (tests, or weights computed by the caller).
class MapWeightSource : public WeightSource {
public:
  explicit MapWeightSource(TensorMap weights) : weights(std::move(weights)) {}
  llvm::Expected<HostTensor> load(llvm::StringRef name, DType dtype,
                                  const Shape &shape) override;

private:
  TensorMap weights;
};

/// Weights read from a safetensors file, one tensor at a time when a param
/// is evaluated.
class SafetensorsWeightSource : public WeightSource {
public:
  static llvm::Expected<std::unique_ptr<SafetensorsWeightSource>>
  open(const std::string &path);
  ~SafetensorsWeightSource() override;
  llvm::Expected<HostTensor> load(llvm::StringRef name, DType dtype,
                                  const Shape &shape) override;

private:
  explicit SafetensorsWeightSource(std::unique_ptr<SafetensorsFile> file);
  std::unique_ptr<SafetensorsFile> file;
};

/// Random weights that depend only on (seed, name, type), so every rank and
/// every run sees the same tensor for a name. Matrices are uniform in
/// +-sqrt(3 / fan-in), fan-in being the smaller of the last two dims, so that
/// x * W keeps unit variance; vectors (norm weights, biases) are 1 +- 0.1;
/// scalars uniform in [-1, 1); ints uniform in [0, 8) (i1 in [0, 2)).
class RandomWeightSource : public WeightSource {
public:
  explicit RandomWeightSource(uint64_t seed) : seed(seed) {}
  llvm::Expected<HostTensor> load(llvm::StringRef name, DType dtype,
                                  const Shape &shape) override;

private:
  uint64_t seed;
};

/// Random inputs for `func`, reproducible from `seed` and each input's name.
/// Floats are uniform in [-1, 1). Ints are drawn from the range their uses
/// accept: gather indices below the table's size, expert ids below the
/// expert count, rope positions 0, 1, ... along the sequence; i1 is 0 or 1;
/// any other int is uniform in [0, 16).
TensorMap randomInputs(mlir::func::FuncOp func, uint64_t seed);

/// The state of one (simulated) rank while it evaluates a function.
struct RankContext {
  int64_t rank = 0;
  int64_t numRanks = 1;
  /// The device grid the ranks run on (a weight quantized per rank reads its coordinates).
  DeviceGrid grid{{1}};
  /// Live SSA values; an evaluation frees each after its last use.
  llvm::DenseMap<mlir::Value, HostTensor> values;
};

/// The device grid that `func`'s shard-dialect collectives run on (a single rank when it has
/// none); an error when they name grids of different shapes or a missing grid.
mlir::FailureOr<DeviceGrid> deviceGridOf(mlir::func::FuncOp func);

class Interpreter {
public:
  Interpreter(WeightSource &weights, InterpOptions options = {})
      : weights(weights), options(options) {}

  /// Runs `func` on named `inputs` and returns its named outputs. Missing or
  /// mistyped inputs, weights and unsupported ops are reported as MLIR
  /// diagnostics (through the context's handler) and give failure.
  mlir::FailureOr<TensorMap> run(mlir::func::FuncOp func,
                                 const TensorMap &inputs);

  /// Runs `func` on every rank of `grid`, `inputs[r]` being rank r's named inputs, and
  /// returns each rank's named outputs. Shard-dialect collectives exchange values between
  /// the simulated ranks.
  mlir::FailureOr<std::vector<TensorMap>>
  runRanks(mlir::func::FuncOp func, const DeviceGrid &grid,
           const std::vector<TensorMap> &inputs);

  /// Evaluates the body of `func` in `context`, whose `values` already hold
  /// the function's arguments; on success it holds the returned values too,
  /// and `results` receives them in order.
  mlir::LogicalResult evaluate(mlir::func::FuncOp func, RankContext &context,
                               std::vector<HostTensor> &results);

  /// Evaluates `func` on every rank of `grid` in lockstep (Spmd.cpp). `ranks` holds one
  /// context per rank, with the function's arguments set; the result is each rank's returned
  /// values.
  mlir::FailureOr<std::vector<std::vector<HostTensor>>>
  evaluateSpmd(mlir::func::FuncOp func, const DeviceGrid &grid,
               std::vector<RankContext> &ranks);

private:
  mlir::LogicalResult evaluateOp(mlir::Operation *op, RankContext &context);
  /// The amax history (`length` slots) of the delayed-scaling quantize `op` on `rank`,
  /// zeroed on first use.
  Fp8AmaxHistory &amaxHistory(mlir::Operation *op, int64_t length, int64_t rank);

  WeightSource &weights;
  InterpOptions options;
  std::map<std::pair<mlir::Operation *, int64_t>, Fp8AmaxHistory> amaxHistories;
};

/// Sets `context`'s values of `func`'s arguments from named `inputs`, checking each one's
/// presence, dtype and shape.
mlir::LogicalResult bindInputs(mlir::func::FuncOp func, const TensorMap &inputs,
                               RankContext &context);

/// The function the interpreter runs: `main`, else the module's only function.
mlir::func::FuncOp findEntryFunction(mlir::ModuleOp module);

} // namespace dsc::interp

#endif // DSC_INTERP_INTERPRETER_H
