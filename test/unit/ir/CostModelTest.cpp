//===- CostModelTest.cpp - roofline estimates of ops and collectives ------===//

#include "ir/CostModel.h"
#include "ir/DscDialect.h"
#include "ir/PlanDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace dsc {
namespace {

constexpr const char *kModule = R"mlir(
shard.grid @mesh(shape = 2x4)
func.func @main(%x: tensor<4096x4096xbf16>, %w: tensor<4096x4096xbf16>, %s: tensor<1024x1024xf32>)
    -> tensor<4096x4096xbf16> {
  %y = dsc.matmul %x, %w : (tensor<4096x4096xbf16>, tensor<4096x4096xbf16>) -> tensor<4096x4096xbf16>
  %a = dsc.add %s, %s : tensor<1024x1024xf32>
  %r = dsc.reshape %a : tensor<1024x1024xf32> -> tensor<1048576xf32>
  %t = shard.all_reduce %y on @mesh grid_axes = [1] : tensor<4096x4096xbf16> -> tensor<4096x4096xbf16>
  %g = shard.all_gather %s on @mesh grid_axes = [0] gather_axis = 0 : tensor<1024x1024xf32> -> tensor<2048x1024xf32>
  return %t : tensor<4096x4096xbf16>
}
)mlir";

class CostModelTest : public ::testing::Test {
protected:
  CostModelTest() {
    context.loadDialect<DscDialect, mlir::func::FuncDialect, mlir::shard::ShardDialect>();
    module = mlir::parseSourceString<mlir::ModuleOp>(kModule, &context);
    device = *deviceCeilings("h100");
    module->walk([&](mlir::Operation *op) {
      costs[op->getName().getStringRef().str()] = estimateCost(op, device);
    });
  }
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  DeviceCeilings device;
  std::map<std::string, OpCost> costs;
};

TEST_F(CostModelTest, MatmulIsBoundByTheGemmCeiling) {
  ASSERT_TRUE(module);
  const OpCost &mm = costs.at("dsc.matmul");
  double n = 4096;
  EXPECT_DOUBLE_EQ(mm.flops, 2 * n * n * n);
  EXPECT_DOUBLE_EQ(mm.bytes, 3 * n * n * 2);
  EXPECT_NEAR(mm.seconds, 2 * n * n * n / 765e12 + device.kernelLaunch, 1e-12);
  EXPECT_FALSE(mm.communication);
}

TEST_F(CostModelTest, ElementwiseIsBoundByHbm) {
  ASSERT_TRUE(module);
  const OpCost &add = costs.at("dsc.add");
  double bytes = 3.0 * 1024 * 1024 * 4;
  EXPECT_DOUBLE_EQ(add.flops, 0);
  EXPECT_DOUBLE_EQ(add.bytes, bytes);
  EXPECT_NEAR(add.seconds, bytes / 3.0e12 + device.kernelLaunch, 1e-12);
  EXPECT_DOUBLE_EQ(costs.at("dsc.reshape").seconds, 0);
}

TEST_F(CostModelTest, CollectivesCostRingTrafficOverTheirGroup) {
  ASSERT_TRUE(module);
  // all_reduce over the size-4 axis: 2 * 3/4 of the buffer per rank.
  const OpCost &ar = costs.at("shard.all_reduce");
  double buffer = 4096.0 * 4096 * 2;
  EXPECT_TRUE(ar.communication);
  EXPECT_DOUBLE_EQ(ar.commBytes, 2 * 0.75 * buffer);
  EXPECT_NEAR(ar.seconds, device.collectiveLatency + 1.5 * buffer / device.linkBytesPerSecond,
              1e-12);
  // all_gather over the size-2 axis: half of the gathered result comes from the peer.
  const OpCost &ag = costs.at("shard.all_gather");
  EXPECT_DOUBLE_EQ(ag.commBytes, 0.5 * 2048 * 1024 * 4);
}

TEST(CostModel, PlanStepsCostLikeTheirOps) {
  mlir::MLIRContext context;
  context.loadDialect<plan::PlanDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
module attributes {plan.mesh = {axes = ["dp", "tp"], shape = array<i64: 2, 4>}} {
  func.func @main() {
    %x = plan.input "x" : memref<4096x4096xbf16>
    %y = plan.output "y" : memref<4096x4096xbf16>
    plan.gemm %x, %x, %y {k = 4096 : i64, lda = 4096 : i64, ldb = 4096 : i64, ldc = 4096 : i64,
        m = 4096 : i64, n = 4096 : i64} : memref<4096x4096xbf16>, memref<4096x4096xbf16>,
        memref<4096x4096xbf16>
    plan.collective all_reduce sum send %x : memref<4096x4096xbf16> recv %y
        : memref<4096x4096xbf16> {mesh_axes = array<i32: 1>}
    plan.wait 0(%x : memref<4096x4096xbf16>)
    return
  }
}
)mlir",
                                                                                     &context);
  ASSERT_TRUE(module);
  DeviceCeilings device = *deviceCeilings("h100");
  std::map<std::string, OpCost> costs;
  module->walk([&](mlir::Operation *op) {
    costs[op->getName().getStringRef().str()] = estimateStepCost(op, device);
  });
  double n = 4096, buffer = n * n * 2;
  EXPECT_NEAR(costs.at("plan.gemm").seconds, 2 * n * n * n / 765e12 + device.kernelLaunch, 1e-12);
  EXPECT_FALSE(costs.at("plan.gemm").communication);
  // Over tp (4 ranks), as the shard all_reduce above.
  EXPECT_TRUE(costs.at("plan.collective").communication);
  EXPECT_DOUBLE_EQ(costs.at("plan.collective").commBytes, 2 * 0.75 * buffer);
  EXPECT_DOUBLE_EQ(costs.at("plan.wait").seconds, 0);
  EXPECT_DOUBLE_EQ(costs.at("plan.input").seconds, 0);
}

TEST(CostModel, UnknownDevice) { EXPECT_FALSE(deviceCeilings("tpu").has_value()); }

} // namespace
} // namespace dsc
