//===- CostModel.h - predicted time of dsc ops and collectives --*- C++ -*-===//
//
// A roofline estimate per op: FLOPs against the device's measured GEMM ceiling for the op's
// precision, bytes moved against its measured HBM copy bandwidth, the larger of the two, plus a
// fixed cost per kernel. Collectives (upstream shard ops) cost their NCCL ring traffic against
// the link bandwidth, plus a fixed latency. The pipeline pass balances stages with it, the
// overlap pass schedules starts and waits with it, and `dsc --explain` prints its predictions.
//
// Every ceiling says where it comes from: measured on the device (bench/ceilings.py, dated in
// bench/RESULTS.md) or taken from a data sheet until it has been measured.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_COSTMODEL_H
#define DSC_IR_COSTMODEL_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace dsc {

struct DeviceCeilings {
  std::string name;
  double hbmBytesPerSecond = 0;  // device-to-device copy, read + write bytes
  double bf16FlopsPerSecond = 0; // dense GEMM, also used for fp16
  double tf32FlopsPerSecond = 0; // f32 GEMMs run as TF32
  double fp8FlopsPerSecond = 0;
  double linkBytesPerSecond = 0; // NCCL bus bandwidth between two GPUs of one host
  double collectiveLatency = 0;  // seconds per collective call, whatever its size
  double kernelLaunch = 0;       // seconds per kernel node of a CUDA graph replay
  std::string source;            // what was measured, and where it was not
};

/// Ceilings of a device by name: "h100" (NVIDIA H100 80GB HBM3, SXM). Nothing else yet.
std::optional<DeviceCeilings> deviceCeilings(llvm::StringRef name);

struct OpCost {
  double flops = 0;
  double bytes = 0;     // read from and written to device memory by the op's kernel
  double commBytes = 0; // sent over the links by one rank (collectives only)
  double seconds = 0;   // predicted time of the op on one rank
  bool communication = false;
};

/// Predicted cost of one op. Views (reshape, param, constant) and ops without tensor results
/// cost nothing. Collectives need their grid (`shard.grid`) to size the group.
OpCost estimateCost(mlir::Operation *op, const DeviceCeilings &device);

/// Predicted cost of one step of the execution plan (plan dialect, after dsc-lower-to-plan):
/// GEMM and attention FLOPs against the ceiling of their element type, every other step's
/// operand bytes against HBM, collectives' ring traffic over their group of the module's
/// `plan.mesh`. Buffers, views and `plan.wait` cost nothing.
OpCost estimateStepCost(mlir::Operation *step, const DeviceCeilings &device);

/// Number of ranks a shard-dialect collective spans (product of its grid axes' sizes), 1 for
/// other ops or a grid that cannot be found.
int64_t collectiveGroupSize(mlir::Operation *op);

} // namespace dsc

#endif // DSC_IR_COSTMODEL_H
