//===- PlanExplain.cpp - what a placed plan does, for dsc --explain -------===//

#include "ir/PlanExplain.h"

#include "ir/PlanDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"

using namespace mlir;

namespace dsc {

static std::string where(Operation *op) {
  if (auto loc = op->getLoc()->findInstanceOf<FileLineColLoc>())
    return (loc.getFilename().getValue() + ":" + llvm::Twine(loc.getLine()) + ":" +
            llvm::Twine(loc.getColumn()))
        .str();
  return "";
}

static uint32_t streamOf(Operation *op) {
  auto stream = op->getAttrOfType<IntegerAttr>("stream");
  return stream ? static_cast<uint32_t>(stream.getInt()) : 0;
}

PlanPrediction predictPlan(func::FuncOp func, const DeviceCeilings &device) {
  PlanPrediction p;
  llvm::DenseMap<uint32_t, double> streamTime; // when each stream is next free
  llvm::DenseMap<int64_t, double> eventTime;
  llvm::DenseMap<uint32_t, double> heldBack; // plan.wait: the next step of the stream waits
  for (Operation &op : func.getBody().front()) {
    if (auto wait = dyn_cast<plan::WaitOp>(op)) {
      double &held = heldBack[wait.getStream()];
      held = std::max(held, eventTime.lookup(wait.getEvent()));
      continue;
    }
    OpCost cost = estimateStepCost(&op, device);
    if (cost.seconds == 0)
      continue;
    uint32_t stream = streamOf(&op);
    double start = std::max(streamTime[stream], heldBack[stream]);
    heldBack[stream] = 0;
    if (auto waits = op.getAttrOfType<DenseI32ArrayAttr>("wait_events"))
      for (int32_t e : waits.asArrayRef())
        start = std::max(start, eventTime.lookup(e));
    double end = start + cost.seconds;
    streamTime[stream] = end;
    if (auto record = op.getAttrOfType<IntegerAttr>("record_event"))
      eventTime[record.getInt()] = end;
    (cost.communication ? p.communicationSeconds : p.computeSeconds) += cost.seconds;
    p.seconds = std::max(p.seconds, end);
  }
  return p;
}

static void explainSteps(func::FuncOp func, const DeviceCeilings &device, llvm::raw_ostream &os) {
  for (Operation &op : func.getBody().front()) {
    if (auto launch = dyn_cast<plan::LaunchOp>(op); launch && launch.getKernel() == "fused") {
      os << "  fused kernel at " << where(launch) << ":";
      if (auto body = launch.getOpAttrs().getAs<ArrayAttr>("body"))
        for (Attribute step : body)
          if (auto name = cast<DictionaryAttr>(step).getAs<StringAttr>("op"))
            os << " " << name.getValue();
      os << "\n";
    } else if (auto gemm = dyn_cast<plan::GemmOp>(op)) {
      os << "  gemm " << (gemm.getBatch() > 1 ? llvm::Twine(gemm.getBatch()) + "*" : "")
         << gemm.getM() << "x" << gemm.getN() << "x" << gemm.getK() << " "
         << gemm.getA().getType().getElementType() << " x "
         << gemm.getB().getType().getElementType() << " -> "
         << gemm.getC().getType().getElementType();
      if (auto recipe = gemm.getFp8Recipe())
        os << " (fp8 " << *recipe << " scaling)";
      else if (gemm.getTf32())
        os << " (tf32)";
      os << " at " << where(gemm) << ": "
         << llvm::format("%.2f us", 1e6 * estimateStepCost(gemm, device).seconds) << "\n";
    } else if (auto c = dyn_cast<plan::CollectiveOp>(op)) {
      OpCost cost = estimateStepCost(c, device);
      Value buffer = c.getSend() ? c.getSend() : c.getRecv();
      FailureOr<int64_t> group = c.groupSize();
      os << "  collective " << plan::stringifyEnum(c.getKind()) << " of "
         << plan::bufferBytes(cast<MemRefType>(buffer.getType())) << " bytes over "
         << (failed(group) ? 0 : *group) << " ranks at " << where(c) << ": "
         << llvm::format("%.0f", cost.commBytes) << " bytes on the links, "
         << llvm::format("%.2f us", 1e6 * cost.seconds)
         << (streamOf(c) != 0 ? ", async on stream " + std::to_string(streamOf(c))
                              : std::string(", synchronous"))
         << "\n";
    }
  }
}

void explainPlan(ModuleOp module, const DeviceCeilings &device, llvm::raw_ostream &os) {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || !func.getBody().hasOneBlock())
      continue;
    int64_t ranks = 1;
    if (module->hasAttr(plan::PlanDialect::kMeshAttr))
      if (FailureOr<plan::Mesh> mesh = plan::getMesh(func); succeeded(mesh))
        for (int64_t s : mesh->shape)
          ranks *= s;
    os << "plan @" << func.getName() << ", per rank"
       << (ranks > 1 ? " (each of the " + std::to_string(ranks) + " ranks runs this plan)" : "")
       << ", predicted on " << device.name << ":\n";
    explainSteps(func, device, os);
    auto bytes = [&](llvm::StringRef name) {
      auto attr = module->getAttrOfType<IntegerAttr>(name);
      return attr ? attr.getInt() : 0;
    };
    os << "  memory: arena " << bytes(plan::PlanDialect::kArenaBytesAttr)
       << " bytes (peak activations " << bytes(plan::PlanDialect::kPeakActivationBytesAttr)
       << "), parameters " << bytes(plan::PlanDialect::kParamBytesAttr) << " bytes\n";
    // A pipelined plan's regions per pp rank (dsc-plan-memory's plan.rank_*_bytes): a rank
    // holds only its stages' params and buffers.
    auto rankArena = module->getAttrOfType<DenseI64ArrayAttr>("plan.rank_arena_bytes");
    auto rankParams = module->getAttrOfType<DenseI64ArrayAttr>("plan.rank_param_bytes");
    if (rankArena && rankParams && rankArena.size() == rankParams.size())
      for (auto [r, arena, params] :
           llvm::enumerate(rankArena.asArrayRef(), rankParams.asArrayRef()))
        os << "  memory on pp rank " << r << ": arena " << arena << " bytes, parameters " << params
           << " bytes\n";
    PlanPrediction p = predictPlan(func, device);
    double hidden = p.hiddenSeconds();
    os << "  predicted: "
       << llvm::format("%.2f us (compute %.2f us, communication %.2f us, of which %.2f us "
                       "hidden: %.0f%%)",
                       1e6 * p.seconds, 1e6 * p.computeSeconds, 1e6 * p.communicationSeconds,
                       1e6 * hidden,
                       p.communicationSeconds > 0 ? 100 * hidden / p.communicationSeconds : 0.0)
       << "\n";
  }
}

} // namespace dsc
