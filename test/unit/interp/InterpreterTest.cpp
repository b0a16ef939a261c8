//===- InterpreterTest.cpp - The MLIR walker over the kernels -------------===//

#include "interp/Interpreter.h"
#include "ir/DscDialect.h"
#include "runtime/support/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dsc::interp {
namespace {

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() {
    context.loadDialect<DscDialect, mlir::func::FuncDialect>();
  }

  mlir::OwningOpRef<mlir::ModuleOp> parse(llvm::StringRef source) {
    return mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  }

  /// Runs `main` of `source`, collecting diagnostics into `errors`.
  mlir::FailureOr<TensorMap>
  run(llvm::StringRef source, const TensorMap &inputs, WeightSource &weights) {
    module = parse(source);
    EXPECT_TRUE(module);
    if (!module)
      return mlir::failure();
    mlir::ScopedDiagnosticHandler handler(
        &context, [&](mlir::Diagnostic &d) { errors += d.str() + "\n"; });
    return Interpreter(weights).run(findEntryFunction(*module), inputs);
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string errors;
};

HostTensor f32(Shape shape, std::vector<float> values) {
  return HostTensor::fromFloats(DType::F32, std::move(shape),
                                std::move(values));
}

constexpr const char *kSmallMlp = R"mlir(
func.func @main(%x: tensor<2x4xf32> {dsc.name = "x"}) -> (tensor<2x3xf32> {dsc.name = "y"}) {
  %g = dsc.param "norm" : tensor<4xf32>
  %w = dsc.param "w" : tensor<4x3xf32>
  %h = dsc.rms_norm %x, %g {eps = 0.0 : f32} : tensor<2x4xf32>, tensor<4xf32>
  %y = dsc.matmul %h, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %r = dsc.relu %y : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
)mlir";

TEST_F(InterpreterTest, RunsAGraphLikeTheKernels) {
  HostTensor x = f32({2, 4}, {1, 2, 3, 4, -1, 0, 1, 2});
  HostTensor g = f32({4}, {1, 0.5f, 2, 1});
  HostTensor w = f32({4, 3}, {1, -1, 0, 2, 0, 1, 0, 1, -2, 1, 1, 1});
  MapWeightSource weights({{"norm", g}, {"w", w}});
  auto outputs = run(kSmallMlp, {{"x", x}}, weights);
  ASSERT_TRUE(mlir::succeeded(outputs)) << errors;
  HostTensor expected =
      unary(UnaryOp::Relu, matmul(rmsNorm(x, g, 0.0), w, MatmulAttrs{}));
  ASSERT_EQ(outputs->count("y"), 1u);
  EXPECT_EQ(outputs->at("y").floats(), expected.floats());
}

TEST_F(InterpreterTest, ReportsMissingInputsAndMistypedWeights) {
  MapWeightSource weights({{"norm", f32({4}, {1, 1, 1, 1})},
                           {"w", f32({3, 4}, std::vector<float>(12, 0))}});
  EXPECT_TRUE(mlir::failed(run(kSmallMlp, {}, weights)));
  EXPECT_NE(errors.find("input 'x' (f32[2, 4]) was not given"),
            std::string::npos)
      << errors;
  errors.clear();
  EXPECT_TRUE(mlir::failed(
      run(kSmallMlp, {{"x", f32({2, 4}, std::vector<float>(8, 1))}}, weights)));
  EXPECT_NE(errors.find("weight 'w': expected f32[4, 3], got f32[3, 4]"),
            std::string::npos)
      << errors;
}

TEST_F(InterpreterTest, UnsupportedOpIsADiagnosticNotACrash) {
  constexpr const char *source = R"mlir(
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "test.unknown"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
)mlir";
  context.allowUnregisteredDialects();
  MapWeightSource weights({});
  EXPECT_TRUE(mlir::failed(run(source, {{"arg0", f32({2}, {1, 2})}}, weights)));
  EXPECT_NE(errors.find("is not supported by the reference interpreter"),
            std::string::npos)
      << errors;
}

// The body runs as the ops would unfused; an operand passed twice, a yielded
// argument and a value yielded twice all come out whole, and the operands are
// still there for the ops after the fusion.
TEST_F(InterpreterTest, FusionRunsItsBody) {
  constexpr const char *kFusion = R"mlir(
func.func @main(%x: tensor<4xf32> {dsc.name = "x"}) -> (tensor<4xf32> {dsc.name = "a"},
    tensor<4xf32> {dsc.name = "b"}, tensor<4xf32> {dsc.name = "c"}, tensor<4xf32> {dsc.name = "d"}) {
  %r:3 = dsc.fusion(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%p: tensor<4xf32>, %q: tensor<4xf32>):
    %s = dsc.add %p, %q : tensor<4xf32>
    dsc.yield %s, %s, %q : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  }
  %n = dsc.neg %x : tensor<4xf32>
  return %r#0, %r#1, %r#2, %n : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
)mlir";
  MapWeightSource weights({});
  auto outputs = run(kFusion, {{"x", f32({4}, {1, 2, 3, 4})}}, weights);
  ASSERT_TRUE(mlir::succeeded(outputs)) << errors;
  EXPECT_EQ(outputs->at("a").floats(), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(outputs->at("b").floats(), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(outputs->at("c").floats(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(outputs->at("d").floats(), (std::vector<float>{-1, -2, -3, -4}));
}

TEST_F(InterpreterTest, ConstantsAndIota) {
  constexpr const char *source = R"mlir(
func.func @main() -> (tensor<2x2xi32> {dsc.name = "ints"}, tensor<3xi1> {dsc.name = "mask"},
                      tensor<2xbf16> {dsc.name = "bf"}, tensor<4xf32> {dsc.name = "splat"},
                      tensor<2x3xi64> {dsc.name = "iota"}) {
  %ints = dsc.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi32>
  %mask = dsc.constant dense<[true, false, true]> : tensor<3xi1>
  %bf = dsc.constant dense<[1.5, -2.0]> : tensor<2xbf16>
  %splat = dsc.constant dense<0.25> : tensor<4xf32>
  %iota = dsc.iota {dimension = 1 : i64} : tensor<2x3xi64>
  return %ints, %mask, %bf, %splat, %iota : tensor<2x2xi32>, tensor<3xi1>, tensor<2xbf16>, tensor<4xf32>, tensor<2x3xi64>
}
)mlir";
  MapWeightSource weights({});
  auto outputs = run(source, {}, weights);
  ASSERT_TRUE(mlir::succeeded(outputs)) << errors;
  EXPECT_EQ(outputs->at("ints").ints(), (std::vector<int64_t>{1, -2, 3, 4}));
  EXPECT_EQ(outputs->at("mask").ints(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(outputs->at("bf").floats(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(outputs->at("splat").floats(), std::vector<float>(4, 0.25f));
  EXPECT_EQ(outputs->at("iota").ints(),
            (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
}

TEST_F(InterpreterTest, RandomIntInputsRespectTheirUses) {
  constexpr const char *source = R"mlir(
func.func @main(%tok: tensor<2x64xi32> {dsc.name = "tokens"},
                %pos: tensor<64xi32> {dsc.name = "positions"},
                %x: tensor<2x64x1x2xf32> {dsc.name = "x"}) -> tensor<2x64x1x2xf32> {
  %table = dsc.param "embed" : tensor<10x2xf32>
  %e = dsc.gather %table, %tok : (tensor<10x2xf32>, tensor<2x64xi32>) -> tensor<2x64x2xf32>
  %r = dsc.reshape %e : tensor<2x64x2xf32> -> tensor<2x64x1x2xf32>
  %y = dsc.rope %r, %pos : tensor<2x64x1x2xf32>, tensor<64xi32>
  return %y : tensor<2x64x1x2xf32>
}
)mlir";
  module = parse(source);
  ASSERT_TRUE(module);
  TensorMap inputs = randomInputs(findEntryFunction(*module), 7);
  const HostTensor &tokens = inputs.at("tokens");
  EXPECT_EQ(tokens.dtype(), DType::I32);
  int64_t maxToken =
      *std::max_element(tokens.ints().begin(), tokens.ints().end());
  EXPECT_LT(maxToken, 10);
  EXPECT_GT(maxToken, 5); // 128 draws below 10 reach the top half
  for (int64_t i = 0; i < 64; ++i)
    EXPECT_EQ(inputs.at("positions").ints()[i], i);
  // Same seed, same inputs.
  EXPECT_EQ(randomInputs(findEntryFunction(*module), 7).at("x").floats(),
            inputs.at("x").floats());
}

TEST_F(InterpreterTest, RandomWeightsDependOnNameAndSeedOnly) {
  RandomWeightSource a(1), b(1), c(2);
  auto wa = a.load("w", DType::BF16, {4, 4});
  auto wb = b.load("w", DType::BF16, {4, 4});
  auto wc = c.load("w", DType::BF16, {4, 4});
  ASSERT_TRUE(wa && wb && wc);
  EXPECT_EQ(wa->floats(), wb->floats());
  EXPECT_NE(wa->floats(), wc->floats());
  for (float v : wa->floats())
    EXPECT_LE(std::fabs(v), std::sqrt(3.0f / 4.0f) + 0.01f);
}

TEST_F(InterpreterTest, ReadsWeightsFromSafetensors) {
  std::string path = ::testing::TempDir() + "interp_weights.safetensors";
  HostTensor g = HostTensor::fromFloats(DType::BF16, {4}, {1, 0.5f, 2, 1});
  ASSERT_TRUE(writeSafetensors(path, {{"norm", toHostArray(g)}}).ok());
  auto source = SafetensorsWeightSource::open(path);
  ASSERT_TRUE(bool(source)) << llvm::toString(source.takeError());
  auto loaded = (*source)->load("norm", DType::BF16, {4});
  ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
  EXPECT_EQ(loaded->floats(), g.floats());
  auto mistyped = (*source)->load("norm", DType::F32, {4});
  ASSERT_FALSE(bool(mistyped));
  EXPECT_EQ(llvm::toString(mistyped.takeError()),
            "weight 'norm': expected f32[4], file has bf16[4]");
  auto missing = (*source)->load("w", DType::F32, {4});
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("weight 'w': not in"),
            std::string::npos);
}

/// Every op the verifier accepts runs without crashing: each function of the
/// dialect's round-trip test (which covers every op and optional form) is
/// evaluated on random inputs and weights.
TEST_F(InterpreterTest, EvaluatesEveryOpOfTheRoundTripTest) {
  std::ifstream file(DSC_OPS_MLIR);
  ASSERT_TRUE(file) << DSC_OPS_MLIR;
  std::stringstream text;
  text << file.rdbuf();
  std::string all = text.str();
  RandomWeightSource weights(3);
  size_t begin = 0, functions = 0;
  while (begin < all.size()) {
    size_t end = all.find("// -----", begin);
    std::string chunk = all.substr(
        begin, end == std::string::npos ? std::string::npos : end - begin);
    begin = end == std::string::npos ? all.size() : end + 8;
    module = parse(chunk);
    ASSERT_TRUE(module) << chunk;
    for (auto func : module->getOps<mlir::func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      mlir::ScopedDiagnosticHandler handler(
          &context, [&](mlir::Diagnostic &d) { errors += d.str() + "\n"; });
      TensorMap inputs = randomInputs(func, 5);
      EXPECT_TRUE(mlir::succeeded(Interpreter(weights).run(func, inputs)))
          << func.getName().str() << ": " << errors;
      ++functions;
    }
  }
  EXPECT_GT(functions, 10u);
}

} // namespace
} // namespace dsc::interp
