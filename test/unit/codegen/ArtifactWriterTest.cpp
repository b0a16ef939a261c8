//===- ArtifactWriterTest.cpp - plan module -> .dsx -> loadArtifact -------===//
//
// Writes small hand-placed plan modules as artifacts and loads them back with
// the runtime's loadArtifact, so the runtime's verifier and semantic checks
// accept what the compiler writes; launches that cannot be mapped to a kernel
// fail with a diagnostic at the launch.
//
//===----------------------------------------------------------------------===//

#include "codegen/ArtifactWriter.h"
#include "ir/DscDialect.h"
#include "runtime/artifact/Artifact.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace dsc::codegen {
namespace {

class ArtifactWriterTest : public ::testing::Test {
protected:
  ArtifactWriterTest() {
    context
        .loadDialect<DscDialect, plan::PlanDialect, mlir::func::FuncDialect>();
    handler.emplace(&context, [this](mlir::Diagnostic &d) {
      diagnostics += d.str() + "\n";
      return mlir::success();
    });
  }

  mlir::OwningOpRef<mlir::ModuleOp> parse(const std::string &text) {
    return mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  }

  std::string tempPath(const std::string &name) {
    return (std::filesystem::path(::testing::TempDir()) / name).string();
  }

  mlir::MLIRContext context;
  std::optional<mlir::ScopedDiagnosticHandler> handler;
  std::string diagnostics;
};

// A matmul, a view into the middle of a buffer, a launch, a memset and a copy.
constexpr const char *kPlan = R"mlir(
module attributes {plan.arena_bytes = 2048 : i64, plan.param_bytes = 256 : i64} {
  func.func @main() {
    %x = plan.input "x" {offset = 0 : i64} : memref<4x8xf32>
    %y = plan.output "y" {offset = 256 : i64} : memref<4x8xf32>
    %w = plan.param "w" {offset = 0 : i64} : memref<8x8xf32>
    %h = plan.alloc activation {offset = 512 : i64} : memref<8x8xf32>
    plan.gemm %w, %x, %h {m = 8 : i64, n = 4 : i64, k = 8 : i64, lda = 8 : i64,
        ldb = 8 : i64, ldc = 8 : i64} : memref<8x8xf32>, memref<4x8xf32>, memref<8x8xf32>
    %top = plan.view %h {byte_offset = 128 : i64} : memref<8x8xf32> to memref<4x8xf32>
    %t = plan.alloc workspace {offset = 1024 : i64} : memref<4x8xf32>
    plan.memset %t {value = 0 : i32} : memref<4x8xf32>
    plan.launch "unary"(%top : memref<4x8xf32>) -> (%t : memref<4x8xf32>) {op = "dsc.silu"}
    plan.copy %t, %y : memref<4x8xf32>, memref<4x8xf32>
    return
  }
}
)mlir";

TEST_F(ArtifactWriterTest, WrittenArtifactLoads) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(kPlan);
  ASSERT_TRUE(module) << diagnostics;
  std::string path = tempPath("plan.dsx");
  ArtifactOptions options;
  options.source = "test.dsg";
  ASSERT_TRUE(mlir::succeeded(writeArtifactFile(*module, path, options)))
      << diagnostics;

  absl::StatusOr<LoadedArtifact> loaded = loadArtifact(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const fb::Artifact &a = loaded->artifact();
  EXPECT_EQ(a.producer()->str(), "dsc " + std::string(kDscVersion));
  EXPECT_EQ(a.source()->str(), "test.dsg");
  EXPECT_EQ(a.arena_bytes(), 2048u);
  EXPECT_EQ(a.buffers()->size(), 5u);
  ASSERT_EQ(a.steps()->size(), 4u);

  const fb::Gemm *gemm = a.steps()->Get(0)->op_as_Gemm();
  ASSERT_NE(gemm, nullptr);
  EXPECT_EQ(gemm->m(), 8);
  EXPECT_EQ(gemm->n(), 4);
  EXPECT_EQ(a.steps()->Get(0)->flops(), 2u * 8 * 4 * 8);

  const fb::KernelLaunch *launch = a.steps()->Get(2)->op_as_KernelLaunch();
  ASSERT_NE(launch, nullptr);
  ASSERT_EQ(launch->args()->size(), 2u);
  // The view reads buffer 3 (%h) from byte 128.
  EXPECT_EQ(launch->args()->Get(0)->buffer(), 3u);
  EXPECT_EQ(launch->args()->Get(0)->offset(), 128u);
  EXPECT_EQ(a.steps()->Get(2)->op_name()->str(), "dsc.silu");
  ASSERT_EQ(a.modules()->size(), 1u);
  ASSERT_EQ(a.modules()->Get(0)->images()->size(), 1u);
  // Artifact.fbs asks writers to align cubins to 16 bytes (the payload itself
  // is heap-allocated, so addresses and offsets agree modulo 16).
  const auto *cubin = a.modules()->Get(0)->images()->Get(0)->cubin();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(cubin->data()) % 16, 0u);
  EXPECT_EQ(a.steps()->Get(3)->op_as_Copy()->bytes(), 128u);
}

TEST_F(ArtifactWriterTest, WaitBecomesTheNextStepsWaitEvent) {
  // An async all_reduce on stream 1 and its wait: the launch after the wait waits for event 1,
  // the one before it does not; the collective keeps its own stream and events.
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
module attributes {plan.arena_bytes = 1024 : i64, plan.param_bytes = 0 : i64,
                   plan.mesh = {axes = ["tp"], shape = array<i64: 1>}} {
  func.func @main() {
    %x = plan.input "x" {offset = 0 : i64} : memref<4x8xf32>
    %y = plan.output "y" {offset = 256 : i64} : memref<4x8xf32>
    %z = plan.output "z" {offset = 512 : i64} : memref<4x8xf32>
    %p = plan.alloc activation {offset = 768 : i64} : memref<4x8xf32>
    plan.launch "unary"(%x : memref<4x8xf32>) -> (%p : memref<4x8xf32>) {op = "dsc.silu",
        record_event = 0 : i32}
    plan.collective all_reduce sum send %p : memref<4x8xf32> recv %y : memref<4x8xf32>
        {mesh_axes = array<i32: 0>, stream = 1 : i32, wait_events = array<i32: 0>,
         record_event = 1 : i32}
    plan.launch "unary"(%x : memref<4x8xf32>) -> (%z : memref<4x8xf32>) {op = "dsc.silu"}
    plan.wait 1(%p, %y : memref<4x8xf32>, memref<4x8xf32>)
    plan.launch "unary"(%y : memref<4x8xf32>) -> (%z : memref<4x8xf32>) {op = "dsc.silu"}
    return
  }
}
)mlir");
  ASSERT_TRUE(module) << diagnostics;
  std::string path = tempPath("async.dsx");
  ASSERT_TRUE(mlir::succeeded(writeArtifactFile(*module, path, ArtifactOptions()))) << diagnostics;
  absl::StatusOr<LoadedArtifact> loaded = loadArtifact(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const fb::Artifact &a = loaded->artifact();
  ASSERT_EQ(a.steps()->size(), 4u);
  EXPECT_EQ(a.num_streams(), 2u);
  EXPECT_EQ(a.num_events(), 2u);
  const fb::Step &collective = *a.steps()->Get(1);
  EXPECT_EQ(collective.stream(), 1u);
  ASSERT_EQ(collective.wait_events()->size(), 1u);
  EXPECT_EQ(collective.wait_events()->Get(0), 0u);
  EXPECT_EQ(collective.record_event(), 1);
  const auto *none = a.steps()->Get(2)->wait_events();
  EXPECT_TRUE(!none || none->size() == 0);
  ASSERT_EQ(a.steps()->Get(3)->wait_events()->size(), 1u);
  EXPECT_EQ(a.steps()->Get(3)->wait_events()->Get(0), 1u);
}

TEST_F(ArtifactWriterTest, UnmappedLaunchIsAnError) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
module attributes {plan.arena_bytes = 512 : i64, plan.param_bytes = 0 : i64} {
  func.func @main() {
    %x = plan.input "x" {offset = 0 : i64} : memref<4x8xf32>
    %y = plan.output "y" {offset = 256 : i64} : memref<4x8xf32>
    plan.launch "unary"(%x : memref<4x8xf32>) -> (%y : memref<4x8xf32>) {op = "dsc.erf"}
    return
  }
}
)mlir");
  ASSERT_TRUE(module) << diagnostics;
  EXPECT_TRUE(mlir::failed(
      writeArtifactFile(*module, tempPath("bad.dsx"), ArtifactOptions())));
  EXPECT_NE(diagnostics.find("kernel 'unary' cannot implement 'dsc.erf' yet"),
            std::string::npos)
      << diagnostics;
  EXPECT_FALSE(std::filesystem::exists(tempPath("bad.dsx")));
}

TEST_F(ArtifactWriterTest, MissingOpAttrIsAnError) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(R"mlir(
module attributes {plan.arena_bytes = 512 : i64, plan.param_bytes = 256 : i64} {
  func.func @main() {
    %x = plan.input "x" {offset = 0 : i64} : memref<4x8xf32>
    %y = plan.output "y" {offset = 256 : i64} : memref<4x8xf32>
    %w = plan.param "w" {offset = 0 : i64} : memref<8xf32>
    plan.launch "rms_norm"(%x, %w : memref<4x8xf32>, memref<8xf32>) -> (%y : memref<4x8xf32>) {op = "dsc.rms_norm"}
    return
  }
}
)mlir");
  ASSERT_TRUE(module) << diagnostics;
  EXPECT_TRUE(mlir::failed(
      emitPlanKernels(module->lookupSymbol<mlir::func::FuncOp>("main"))));
  EXPECT_NE(diagnostics.find("kernel 'rms_norm' needs op_attrs.eps"),
            std::string::npos)
      << diagnostics;
}

} // namespace
} // namespace dsc::codegen
