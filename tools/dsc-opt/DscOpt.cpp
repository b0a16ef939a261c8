//===- DscOpt.cpp - dsc's mlir-opt ----------------------------------------===//
//
// Runs any dsc or upstream pass on .mlir input: registration plus MlirOptMain, nothing else.
//
//===----------------------------------------------------------------------===//

#include "ir/DscDialect.h"
#include "ir/PlanDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<dsc::DscDialect, dsc::plan::PlanDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                  mlir::shard::ShardDialect>();
  mlir::registerTransformsPasses();
  mlir::shard::registerShardPasses();
  dsc::registerDscPasses();
  dsc::registerShardingPipeline();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "dsc optimizer driver\n", registry));
}
