//===- PlanExplain.h - what a placed plan does, for dsc --explain -*- C++ -*-===//
//
// `dsc --explain` on a plan (--emit=plan, cuda or an artifact) ends with this report, for one
// rank (an SPMD plan is the same on every rank of its mesh): the fused kernels and what each
// fuses, every GEMM's shape and precision, the memory the plan takes (dsc-plan-memory's
// module attributes), every collective's bytes and predicted time, and the whole plan's
// predicted time and overlap, from CostModel.h's estimateStepCost over the scheduled streams.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_PLANEXPLAIN_H
#define DSC_IR_PLANEXPLAIN_H

#include "ir/CostModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace dsc {

/// The plan's predicted run on its streams: steps run in block order on their stream after
/// the events they wait for (a plan.wait holds back the next step of its stream).
struct PlanPrediction {
  double seconds = 0;              // until every stream is done
  double computeSeconds = 0;       // sum over compute steps
  double communicationSeconds = 0; // sum over collectives
  /// Communication that ran while the compute stream was busy.
  double hiddenSeconds() const {
    return std::max(0.0, communicationSeconds - (seconds - computeSeconds));
  }
};

PlanPrediction predictPlan(mlir::func::FuncOp func, const DeviceCeilings &device);

/// Prints the report of every function of a plan module.
void explainPlan(mlir::ModuleOp module, const DeviceCeilings &device, llvm::raw_ostream &os);

} // namespace dsc

#endif // DSC_IR_PLANEXPLAIN_H
