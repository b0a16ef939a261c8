//===- CostModel.cpp - predicted time of dsc ops and collectives ----------===//

#include "ir/CostModel.h"
#include "ir/DscDialect.h"
#include "ir/DscOps.h"
#include "ir/ModelSummary.h"

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

// FLOPs per second of a GEMM-like op, from its input element types.
static double gemmPeak(Operation *op, const DeviceCeilings &device) {
  if (llvm::isa<ScaledMatmulOp>(op))
    return device.fp8FlopsPerSecond;
  Type element = getElementTypeOrSelf(op->getOperand(0).getType());
  if (llvm::isa<Float8E4M3FNType, Float8E5M2Type>(element))
    return device.fp8FlopsPerSecond;
  if (element.isF32())
    return device.tf32FlopsPerSecond;
  return device.bf16FlopsPerSecond;
}

static double scaledMatmulFlops(ScaledMatmulOp op) {
  auto a = llvm::cast<RankedTensorType>(op.getA().getType());
  double k = static_cast<double>(a.getDimSize(a.getRank() - 1));
  return 2.0 * static_cast<double>(llvm::cast<RankedTensorType>(op.getType()).getNumElements()) * k;
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
    double ring = n > 1 ? (n - 1) / n : 0;
    if (llvm::isa<shard::AllReduceOp>(op))
      cost.commBytes = 2 * ring * in;
    else if (llvm::isa<shard::AllGatherOp>(op))
      cost.commBytes = ring * out;
    else if (llvm::isa<shard::SendOp, shard::RecvOp, shard::ShiftOp>(op))
      cost.commBytes = std::max(in, out);
    else
      cost.commBytes = ring * std::max(in, out);
    cost.communication = true;
    cost.seconds = cost.commBytes > 0
                       ? device.collectiveLatency + cost.commBytes / device.linkBytesPerSecond
                       : 0;
    return cost;
  }

  cost.bytes = valuesBytes(op->getOperands()) + valuesBytes(op->getResults());
  double peak = 0;
  if (auto sm = llvm::dyn_cast<ScaledMatmulOp>(op)) {
    cost.flops = scaledMatmulFlops(sm);
    peak = gemmPeak(op, device);
  } else if (llvm::isa<MatmulOp, AttentionOp>(op)) {
    cost.flops = opFlops(op);
    peak = gemmPeak(op, device);
  }
  double compute = peak > 0 ? cost.flops / peak : 0;
  double memory = cost.bytes / device.hbmBytesPerSecond;
  cost.seconds = std::max(compute, memory) + device.kernelLaunch;
  return cost;
}

} // namespace dsc
