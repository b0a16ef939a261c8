//===- PartitionPipeline.cpp - pipeline stages, send/recv, micro-batches --===//
//
// With a `pp` axis in the mesh, cuts @main into one stage per pp coordinate and unrolls it
// over micro-batches. Every op gets `dsc.stage` (and per micro-batch `dsc.microbatch`): only
// the ranks with that pp coordinate run it. A value that crosses from stage s to stage t goes
// through upstream `shard.send` (stage s) and `shard.recv` (stage t) over the pp axis; the
// recv reads the send's result, which ties the pair together. Params, constants and iotas
// are copied into each stage that uses them, so a stage loads only its own weights.
//
// Cuts: the cost model (ir/CostModel.h) predicts each op's time; a cut adds the transfer of
// the values alive across it. Where the params carry layer numbers (`layers.3.wq`, as the
// frontend's `repeat ... prefix` names them) and there are enough layer boundaries, only
// those are candidates. A first dynamic program finds the smallest slowest-stage time; a
// second, among the cuts within 2% of it (below the cost model's accuracy), takes the ones
// that send the fewest bytes.
//
// Micro-batches: every input is sliced along dim 0 (the batch) into M pieces, each stage is
// cloned per micro-batch with the batch dim of its values divided by M (values that depend on
// an input, and broadcasts that create a leading dim of the batch size), and the last stage
// concatenates the outputs. An output gathered over dp along dim 0 is gathered after the
// concatenation, so that its rows keep their order. The per-rank schedule (fill-and-drain)
// and the predicted bubble go into `dsc.pipeline` on the function (docs/pipeline.md).
//
// It runs after fusion, just before lowering: the cost model then sees the kernels that will
// run, and no later pass drops the stage attributes. Without a pp axis it does nothing.
//
//===----------------------------------------------------------------------===//

#include "ir/CostModel.h"
#include "ir/DscDialect.h"
#include "ir/DscOps.h"
#include "ir/ModelSummary.h"
#include "passes/Passes.h"
#include "passes/PipelineRewrite.h"
#include "runtime/support/PipelineSchedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>
#include <set>

namespace dsc {
#define GEN_PASS_DEF_PARTITIONPIPELINEPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using dsc::findPipelineGrid;
using dsc::PipelineGrid;

namespace {

constexpr double kBalanceSlack = 1.02;

std::string fixed2(double x) { return llvm::formatv("{0:F2}", x).str(); }
std::string fixed3(double x) { return llvm::formatv("{0:F3}", x).str(); }

/// "layers.3" for a param named "layers.3.wq": the name up to its first number component.
std::optional<std::string> layerOf(Operation *op) {
  auto name = op->getAttrOfType<StringAttr>("name");
  if (!name || !llvm::isa<dsc::ParamOp, dsc::QuantizedParamOp>(op))
    return std::nullopt;
  SmallVector<StringRef> parts;
  name.getValue().split(parts, '.');
  std::string prefix;
  for (StringRef part : llvm::ArrayRef(parts).drop_back()) {
    prefix += prefix.empty() ? part.str() : "." + part.str();
    if (!part.empty() && llvm::all_of(part, [](char c) { return llvm::isDigit(c); }))
      return prefix;
  }
  return std::nullopt;
}

/// The ops of @main in order, their costs, and the best cuts between them.
class CutPlanner {
public:
  CutPlanner(func::FuncOp func, const dsc::DeviceCeilings &device)
      : device(device), free(dsc::inputIndependentOps(func)) {
    for (Operation &op : func.getBody().front())
      if (!free.contains(&op) && !llvm::isa<func::ReturnOp>(op)) {
        index[&op] = static_cast<int64_t>(work.size());
        work.push_back(&op);
      }
    int64_t n = static_cast<int64_t>(work.size());
    prefix.assign(n + 1, 0);
    for (int64_t i = 0; i < n; ++i)
      prefix[i + 1] = prefix[i] + dsc::estimateCost(work[i], device).seconds;
    // Bytes alive across the cut after op k: results defined at or before k, used after it.
    bytes.assign(std::max<int64_t>(n, 1), 0);
    values.assign(std::max<int64_t>(n, 1), 0);
    for (int64_t i = 0; i < n; ++i)
      for (Value result : work[i]->getResults()) {
        int64_t last = i;
        for (Operation *user : result.getUsers())
          last = std::max(last, llvm::isa<func::ReturnOp>(user) ? n : indexOfUser(user));
        for (int64_t k = i; k < last && k < n - 1; ++k) {
          bytes[k] += valueBytes(result);
          values[k] += 1;
        }
      }
    findLayerBoundaries();
  }

  int64_t size() const { return static_cast<int64_t>(work.size()); }
  Operation *op(int64_t i) const { return work[i]; }
  int64_t indexOf(Operation *op) const { return index.lookup(op); }
  double cutBytes(int64_t k) const { return bytes[k]; }
  bool atLayerBoundary(int64_t k) const { return layerBoundary[k]; }
  /// One send per value alive across the cut, each with its latency.
  double transferSeconds(int64_t k) const {
    return values[k] * device.collectiveLatency + bytes[k] / device.linkBytesPerSecond;
  }
  int64_t cutValues(int64_t k) const { return values[k]; }
  /// Compute of ops [a, b] plus the transfer out of the cut after b (none after the last op).
  double stageSeconds(int64_t a, int64_t b) const {
    return prefix[b + 1] - prefix[a] + (b + 1 < size() ? transferSeconds(b) : 0);
  }
  double computeSeconds(int64_t a, int64_t b) const { return prefix[b + 1] - prefix[a]; }

  /// The last op of each stage but the last (cut after it); empty when nothing fits.
  std::optional<std::vector<int64_t>> chooseCuts(int64_t stages, bool &usedLayers) const {
    std::vector<int64_t> layerCuts, allCuts;
    for (int64_t k = 0; k + 1 < size(); ++k) {
      allCuts.push_back(k);
      if (layerBoundary[k])
        layerCuts.push_back(k);
    }
    usedLayers = static_cast<int64_t>(layerCuts.size()) >= stages - 1 && stages > 1;
    const std::vector<int64_t> &candidates = usedLayers ? layerCuts : allCuts;
    auto fastest = balance(candidates, stages, std::numeric_limits<double>::infinity());
    if (!fastest)
      return std::nullopt;
    double bound = 0;
    int64_t begin = 0;
    for (int64_t end : *fastest) {
      bound = std::max(bound, stageSeconds(begin, end));
      begin = end + 1;
    }
    bound = std::max(bound, stageSeconds(begin, size() - 1));
    return balance(candidates, stages, bound * kBalanceSlack);
  }

private:
  int64_t indexOfUser(Operation *user) const {
    while (user && !index.count(user))
      user = user->getParentOp();
    return user ? index.lookup(user) : size();
  }
  static double valueBytes(Value v) {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isIntOrFloat())
      return 0;
    return static_cast<double>(type.getNumElements()) *
           static_cast<double>(dsc::elementBytes(type.getElementType()));
  }

  /// The layers of the params a value is made from without the inputs (through slices).
  std::set<std::string> layersOf(Value v) const {
    std::set<std::string> layers;
    Operation *def = v.getDefiningOp();
    if (!def || !free.contains(def))
      return layers;
    if (auto layer = layerOf(def))
      layers.insert(*layer);
    for (Value operand : def->getOperands()) {
      std::set<std::string> more = layersOf(operand);
      layers.insert(more.begin(), more.end());
    }
    return layers;
  }

  void findLayerBoundaries() {
    int64_t n = size();
    layerBoundary.assign(std::max<int64_t>(n, 1), false);
    llvm::StringMap<std::pair<int64_t, int64_t>> span; // layer -> first and last op using it
    for (int64_t i = 0; i < n; ++i)
      for (Value operand : work[i]->getOperands())
        for (const std::string &layer : layersOf(operand)) {
          auto [it, fresh] = span.insert({layer, {i, i}});
          it->second.second = std::max(it->second.second, i);
        }
    for (int64_t k = 0; k + 1 < n; ++k) {
      bool before = false, after = false, straddles = false;
      for (auto &entry : span) {
        auto [first, last] = entry.second;
        before |= last <= k;
        after |= first > k;
        straddles |= first <= k && last > k;
      }
      layerBoundary[k] = before && after && !straddles;
    }
  }

  /// Cuts that minimise the slowest stage (bound = infinity), or else the bytes sent, with no
  /// stage slower than `bound`.
  std::optional<std::vector<int64_t>> balance(const std::vector<int64_t> &candidates,
                                              int64_t stages, double bound) const {
    bool minimizeBytes = bound != std::numeric_limits<double>::infinity();
    int64_t n = size();
    std::vector<int64_t> ends = candidates;
    ends.push_back(n - 1);
    size_t e = ends.size();
    const double inf = std::numeric_limits<double>::infinity();
    // best[j][i]: stages 0..j with stage j ending at ends[i]; from[j][i]: the previous end.
    std::vector<std::vector<double>> best(stages, std::vector<double>(e, inf));
    std::vector<std::vector<int64_t>> from(stages, std::vector<int64_t>(e, -1));
    for (size_t i = 0; i < e; ++i) {
      double t = stageSeconds(0, ends[i]);
      if (t <= bound)
        best[0][i] = minimizeBytes ? 0 : t;
    }
    for (int64_t j = 1; j < stages; ++j)
      for (size_t i = 0; i < e; ++i)
        for (size_t p = 0; p < i; ++p) {
          if (best[j - 1][p] == inf || ends[p] + 1 > ends[i] || ends[p] == n - 1)
            continue;
          double t = stageSeconds(ends[p] + 1, ends[i]);
          if (t > bound)
            continue;
          double value =
              minimizeBytes ? best[j - 1][p] + bytes[ends[p]] : std::max(best[j - 1][p], t);
          if (value < best[j][i])
            best[j][i] = value, from[j][i] = static_cast<int64_t>(p);
        }
    if (best[stages - 1][e - 1] == inf)
      return std::nullopt;
    std::vector<int64_t> cuts;
    for (int64_t j = stages - 1, i = static_cast<int64_t>(e) - 1; j > 0; --j) {
      i = from[j][i];
      cuts.insert(cuts.begin(), ends[i]);
    }
    return cuts;
  }

  const dsc::DeviceCeilings &device;
  SmallVector<Operation *> work;
  llvm::DenseMap<Operation *, int64_t> index;
  llvm::DenseSet<Operation *> free;
  std::vector<double> prefix, bytes;
  std::vector<int64_t> values;
  std::vector<bool> layerBoundary;
};

class PartitionPipelinePass : public dsc::impl::PartitionPipelinePassBase<PartitionPipelinePass> {
public:
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult partition(func::FuncOp func, const PipelineGrid &pp);
};

} // namespace

void PartitionPipelinePass::runOnOperation() {
  ModuleOp module = getOperation();
  std::optional<PipelineGrid> pp = findPipelineGrid(module);
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!pp) {
    if (microbatches != 1) {
      module.emitError() << "--microbatches needs a `pp` axis in the mesh (--mesh pp=N,...)";
      return signalPassFailure();
    }
    return;
  }
  if (!main || main.isExternal()) {
    module.emitError() << "pipeline partitioning needs a function @main with a body";
    return signalPassFailure();
  }
  if (failed(partition(main, *pp)))
    signalPassFailure();
}

LogicalResult PartitionPipelinePass::partition(func::FuncOp func, const PipelineGrid &pp) {
  if (microbatches < 1)
    return func.emitError() << "--microbatches=" << microbatches << ": expected >= 1";
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "pipeline partitioning needs a body of one block";
  dsc::DeviceCeilings device = *dsc::deviceCeilings("h100");
  CutPlanner planner(func, device);
  int64_t stages = pp.stages;
  if (planner.size() < stages)
    return func.emitError() << "cannot cut " << planner.size() << " ops into " << stages
                            << " pipeline stages (pp=" << stages << "): each stage needs one";
  bool usedLayers = false;
  std::optional<std::vector<int64_t>> cuts = planner.chooseCuts(stages, usedLayers);
  if (!cuts)
    return func.emitError() << "no cut of @main into " << stages << " pipeline stages";

  dsc::PipelineRewriter rewriter(func, pp.grid, pp.axis, stages, microbatches);
  std::vector<double> stageCompute, stageTransfer;
  for (int64_t s = 0, begin = 0; s < stages; ++s) {
    int64_t end = s + 1 < stages ? (*cuts)[s] : planner.size() - 1;
    for (int64_t i = begin; i <= end; ++i)
      rewriter.assign(planner.op(i), s);
    stageCompute.push_back(planner.computeSeconds(begin, end) / microbatches);
    double bytes = s + 1 < stages ? planner.cutBytes(end) / microbatches : 0;
    int64_t sends = s + 1 < stages ? planner.cutValues(end) : 0;
    stageTransfer.push_back(sends * device.collectiveLatency + bytes / device.linkBytesPerSecond);
    if (explain) {
      InFlightDiagnostic remark = planner.op(begin)->emitRemark()
                                  << "pipeline stage " << s << ": " << end - begin + 1
                                  << " ops, predicted " << fixed2(stageCompute.back() * 1e6)
                                  << " us per micro-batch";
      if (s + 1 < stages)
        remark << "; cut after this stage's last op"
               << (usedLayers ? " (a layer boundary)" : " (cost-balanced)") << " sends " << sends
               << " value(s), " << static_cast<int64_t>(bytes) << " bytes per micro-batch";
    }
    begin = end + 1;
  }
  if (failed(rewriter.run()))
    return failure();

  dsc::PipelineSchedule schedule = dsc::fillDrainSchedule(stages, microbatches);
  if (absl::Status st = dsc::checkSchedule(schedule); !st.ok())
    return func.emitError() << "internal: generated schedule is invalid: " << st.message();
  dsc::ScheduleTiming timing = dsc::simulateSchedule(schedule, stageCompute, stageTransfer);
  Builder b(func.getContext());
  SmallVector<Attribute> ranks;
  for (const auto &steps : schedule.steps) {
    SmallVector<Attribute> text;
    for (const dsc::PipelineStep &step : steps)
      text.push_back(b.getStringAttr(dsc::formatStep(step)));
    ranks.push_back(b.getArrayAttr(text));
  }
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("schedule", b.getStringAttr(schedule.kind)),
      b.getNamedAttr("axis", b.getI64IntegerAttr(pp.axis)),
      b.getNamedAttr("stages", b.getI64IntegerAttr(stages)),
      b.getNamedAttr("microbatches", b.getI64IntegerAttr(microbatches)),
      b.getNamedAttr("placement", b.getDenseI64ArrayAttr(schedule.placement)),
      b.getNamedAttr("chain_length", b.getI64IntegerAttr(schedule.chainLength)),
      b.getNamedAttr("steps", b.getArrayAttr(ranks)),
      b.getNamedAttr("cuts", b.getStringAttr(usedLayers ? "layers" : "cost")),
      b.getNamedAttr("stage_seconds", b.getF64ArrayAttr(stageCompute)),
      b.getNamedAttr("transfer_seconds", b.getF64ArrayAttr(stageTransfer)),
      b.getNamedAttr("predicted_seconds", b.getF64FloatAttr(timing.seconds)),
      b.getNamedAttr("predicted_bubble", b.getF64FloatAttr(timing.bubble)),
      b.getNamedAttr("ideal_bubble",
                     b.getF64FloatAttr(dsc::idealFillDrainBubble(stages, microbatches))),
  };
  func->setAttr(dsc::DscDialect::kPipelineAttr, b.getDictionaryAttr(fields));
  if (explain)
    func.emitRemark() << "pipeline: " << stages << " stages x "
                      << static_cast<int64_t>(microbatches)
                      << " micro-batches, fill-and-drain; bubble " << fixed3(timing.bubble)
                      << " predicted by the cost model ("
                      << fixed3(dsc::idealFillDrainBubble(stages, microbatches))
                      << " = (p-1)/(m+p-1) with equal stages and free transfers), "
                      << fixed2(timing.seconds * 1e6) << " us per run";
  return success();
}
