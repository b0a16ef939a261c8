//===- CostModel.cpp - predicted time of dsc ops and collectives ----------===//

#include "ir/CostModel.h"
#include "ir/DscDialect.h"
#include "ir/DscOps.h"
#include "ir/ModelSummary.h"
#include "ir/PlanDialect.h"

#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"

#include <algorithm>

using namespace mlir;

namespace dsc {

std::optional<DeviceCeilings> deviceCeilings(llvm::StringRef name) {
  if (name == "h100") {
    DeviceCeilings d;
    d.name = "h100";
    // bench/ceilings.py on nvidia-h100-x1 (bench/RESULTS.md, "Ceilings").
    d.hbmBytesPerSecond = 3.0e12;
    d.bf16FlopsPerSecond = 765e12;
    d.tf32FlopsPerSecond = 372e12;
    // cuBLASLt fp8 with 128-element scales on the QKV shape (bench/RESULTS.md, 1357-1471).
    d.fp8FlopsPerSecond = 1400e12;
    // Not measured yet (no two-GPU machine lent): NVLink 4 is 450 GB/s each way, and NCCL's bus
    // bandwidth on H100 SXM is commonly ~80% of that.
    d.linkBytesPerSecond = 360e9;
    d.collectiveLatency = 10e-6;
    // About 2-3 us per kernel node of a replayed graph (suite medians against kernel sums).
    d.kernelLaunch = 2.5e-6;
    d.source = "HBM copy and GEMM ceilings measured on nvidia-h100-x1; link bandwidth and "
               "collective latency from the NVLink 4 data sheet, not measured";
    return d;
  }
  return std::nullopt;
}

static double tensorBytes(Type type) {
  if (auto shaped = llvm::dyn_cast<ShapedType>(type))
    if (shaped.hasStaticShape() && shaped.getElementType().isIntOrFloat())
      return static_cast<double>(shaped.getNumElements()) *
             static_cast<double>(elementBytes(shaped.getElementType()));
  return 0;
}

static double valuesBytes(ValueRange values) {
  double bytes = 0;
  for (Value v : values)
    bytes += tensorBytes(v.getType());
  return bytes;
}

int64_t collectiveGroupSize(Operation *op) {
  auto gridAttr = op->getAttrOfType<FlatSymbolRefAttr>("grid");
  auto axes = op->getAttrOfType<DenseI16ArrayAttr>("grid_axes");
  if (!gridAttr)
    return 1;
  auto grid = SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(op, gridAttr);
  if (!grid)
    return 1;
  ArrayRef<int64_t> shape = grid.getShape();
  int64_t n = 1;
  if (!axes) {
    for (int64_t s : shape)
      n *= s;
    return n;
  }
  for (int16_t axis : axes.asArrayRef())
    if (axis >= 0 && static_cast<size_t>(axis) < shape.size())
      n *= shape[axis];
  return n;
}

static double scaledMatmulFlops(ScaledMatmulOp op) {
  auto a = llvm::cast<RankedTensorType>(op.getA().getType());
  double k = static_cast<double>(a.getDimSize(a.getRank() - 1));
  return 2.0 * static_cast<double>(llvm::cast<RankedTensorType>(op.getType()).getNumElements()) * k;
}

namespace {
/// How a collective's bytes cross the links, per rank, on NCCL's ring algorithms.
enum class Traffic { AllReduce, Gather, PointToPoint, Exchange };
} // namespace

/// `in` and `out`: the bytes of one rank's send and recv buffers; `n`: the group's size.
static OpCost communicationCost(Traffic traffic, double n, double in, double out,
                                const DeviceCeilings &device) {
  OpCost cost;
  double ring = n > 1 ? (n - 1) / n : 0;
  switch (traffic) {
  case Traffic::AllReduce: // reduce-scatter then all-gather
    cost.commBytes = 2 * ring * in;
    break;
  case Traffic::Gather:
    cost.commBytes = ring * out;
    break;
  case Traffic::PointToPoint:
    cost.commBytes = std::max(in, out);
    break;
  case Traffic::Exchange:
    cost.commBytes = ring * std::max(in, out);
    break;
  }
  cost.communication = true;
  // A group of one still makes an NCCL call: a kernel launch and a local copy.
  cost.seconds = device.collectiveLatency + cost.commBytes / device.linkBytesPerSecond;
  return cost;
}

static double peakFor(Type element, bool tf32, const DeviceCeilings &device) {
  if (llvm::isa<Float8E4M3FNType, Float8E5M2Type>(element))
    return device.fp8FlopsPerSecond;
  // Plain f32 runs on CUDA cores: 67 against 495 TFLOP/s of dense TF32 on the H100 SXM data
  // sheet, about a seventh; not measured.
  if (element.isF32())
    return tf32 ? device.tf32FlopsPerSecond : device.tf32FlopsPerSecond / 7;
  return device.bf16FlopsPerSecond;
}

/// The roofline: the slower of compute and memory traffic, plus one kernel launch.
static double rooflineSeconds(double flops, double peak, double bytes,
                              const DeviceCeilings &device) {
  double compute = peak > 0 ? flops / peak : 0;
  return std::max(compute, bytes / device.hbmBytesPerSecond) + device.kernelLaunch;
}

OpCost estimateStepCost(Operation *step, const DeviceCeilings &device) {
  using plan::CollectiveKind;
  OpCost cost;
  if (!llvm::isa<plan::LaunchOp, plan::GemmOp, plan::AttentionOp, plan::MemsetOp, plan::CopyOp,
                 plan::CollectiveOp>(step))
    return cost;
  for (Value v : step->getOperands())
    cost.bytes += tensorBytes(v.getType());
  if (auto c = llvm::dyn_cast<plan::CollectiveOp>(step)) {
    double in = c.getSend() ? tensorBytes(c.getSend().getType()) : 0;
    double out = c.getRecv() ? tensorBytes(c.getRecv().getType()) : 0;
    FailureOr<int64_t> group = c.groupSize();
    Traffic traffic = Traffic::Exchange;
    switch (c.getKind()) {
    case CollectiveKind::all_reduce:
      traffic = Traffic::AllReduce;
      break;
    case CollectiveKind::all_gather:
      traffic = Traffic::Gather;
      break;
    case CollectiveKind::send:
    case CollectiveKind::recv:
      traffic = Traffic::PointToPoint;
      break;
    default:
      break;
    }
    OpCost comm = communicationCost(traffic, failed(group) ? 1.0 : static_cast<double>(*group), in,
                                    out, device);
    comm.bytes = cost.bytes;
    return comm;
  }
  double peak = 0;
  if (auto g = llvm::dyn_cast<plan::GemmOp>(step)) {
    cost.flops = 2.0 * static_cast<double>(g.getBatch()) * static_cast<double>(g.getM()) *
                 static_cast<double>(g.getN()) * static_cast<double>(g.getK());
    peak = peakFor(g.getA().getType().getElementType(), g.getTf32(), device);
  } else if (auto a = llvm::dyn_cast<plan::AttentionOp>(step)) {
    // QK^T and PV over the whole square, as ModelSummary counts dsc.attention.
    cost.flops = 2.0 * static_cast<double>(a.getBatch() * a.getHq() * a.getTq() * a.getTk()) *
                 static_cast<double>(a.getDh() + a.getDv());
    peak = peakFor(a.getQ().getType().getElementType(), false, device);
  }
  cost.seconds = rooflineSeconds(cost.flops, peak, cost.bytes, device);
  return cost;
}

OpCost estimateCost(Operation *op, const DeviceCeilings &device) {
  OpCost cost;
  if (op->getNumResults() == 0 ||
      llvm::isa<ParamOp, ConstantOp, QuantizedParamOp, ReshapeOp, shard::GridOp, shard::ShardingOp,
                shard::ShardOp, shard::GetShardingOp>(op))
    return cost;

  if (op->getDialect() && op->getDialect()->getNamespace() == "shard") {
    if (llvm::isa<shard::AllSliceOp>(op)) { // local: each rank keeps its part
      cost.bytes = 2 * valuesBytes(op->getResults());
      cost.seconds = cost.bytes / device.hbmBytesPerSecond + device.kernelLaunch;
      return cost;
    }
    double n = static_cast<double>(collectiveGroupSize(op));
    double in = valuesBytes(op->getOperands()), out = valuesBytes(op->getResults());
    Traffic traffic = llvm::isa<shard::AllReduceOp>(op)   ? Traffic::AllReduce
                      : llvm::isa<shard::AllGatherOp>(op) ? Traffic::Gather
                      : llvm::isa<shard::SendOp, shard::RecvOp, shard::ShiftOp>(op)
                          ? Traffic::PointToPoint
                          : Traffic::Exchange;
    return communicationCost(traffic, n, in, out, device);
  }

  cost.bytes = valuesBytes(op->getOperands()) + valuesBytes(op->getResults());
  double peak = 0;
  if (llvm::isa<ScaledMatmulOp, MatmulOp, AttentionOp>(op)) {
    auto sm = llvm::dyn_cast<ScaledMatmulOp>(op);
    cost.flops = sm ? scaledMatmulFlops(sm) : opFlops(op);
    // By the first input's type (a scaled matmul's is fp8); f32 GEMMs as TF32.
    peak = peakFor(getElementTypeOrSelf(op->getOperand(0).getType()), /*tf32=*/true, device);
  }
  cost.seconds = rooflineSeconds(cost.flops, peak, cost.bytes, device);
  return cost;
}

} // namespace dsc
