//===- EmitTest.cpp - Kernel emitter and NVRTC tests (no GPU needed) ------===//
//
// Every kernel kind, for each meaningful dtype combination, is emitted and
// compiled by NVRTC to an sm_90a cubin: that checks the generated CUDA's
// syntax and types on a CPU-only machine. Kernels are batched into one
// module per family, as the artifact writer will, to keep NVRTC time down.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelEmitter.h"
#include "codegen/Nvrtc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dsc::codegen {
namespace {

const std::vector<DType> kFloats = {DType::F32, DType::BF16, DType::F16,
                                    DType::F8E4M3FN, DType::F8E5M2};

TensorDesc t(DType dtype, std::vector<int64_t> shape) {
  return TensorDesc{dtype, std::move(shape)};
}

KernelSpec spec(KernelKind kind, std::vector<TensorDesc> ins,
                std::vector<TensorDesc> outs, KernelAttrs attrs = {}) {
  KernelSpec s;
  s.kind = kind;
  s.sourceOp = std::string("dsc.") + kernelKindName(kind);
  s.location = "test.dsg:1:1";
  s.inputs = std::move(ins);
  s.outputs = std::move(outs);
  s.attrs = std::move(attrs);
  return s;
}

NvrtcCompiler &compiler() {
  static NvrtcCompiler c(DSC_CUDA_INCLUDE_DIR);
  return c;
}

// Emits the specs as one module, checks each kernel names its op, and
// compiles the module for sm_90a.
void compileAll(const std::vector<KernelSpec> &specs) {
  absl::StatusOr<EmittedModule> module = emitModule(specs);
  ASSERT_TRUE(module.ok()) << module.status();
  ASSERT_EQ(module->kernels.size(), specs.size());
  std::string names;
  for (size_t i = 0; i < specs.size(); ++i) {
    const EmittedKernel &k = module->kernels[i];
    EXPECT_EQ(k.source.rfind("// " + specs[i].sourceOp + " at test.dsg:1:1", 0),
              0u)
        << k.source;
    EXPECT_NE(module->source.find(k.name), std::string::npos);
    EXPECT_GE(k.launch.grid, 1u);
    EXPECT_EQ(k.launch.block % 32, 0u);
    names += k.name + " ";
  }
  absl::StatusOr<std::string> cubin =
      compiler().compile(module->source, "sm_90a", names);
  ASSERT_TRUE(cubin.ok()) << cubin.status();
  EXPECT_GT(cubin->size(), 0u);
}

TEST(CodegenCompile, Elementwise) {
  std::vector<KernelSpec> specs;
  std::vector<int64_t> shape = {8, 64};
  for (DType f : kFloats) {
    for (int op = 0; op <= static_cast<int>(UnaryOp::Pow); ++op) {
      KernelAttrs a;
      a.unary = static_cast<UnaryOp>(op);
      specs.push_back(spec(KernelKind::Unary, {t(f, shape)}, {t(f, shape)}, a));
    }
  }
  for (DType f : {DType::F32, DType::BF16, DType::F16, DType::F8E4M3FN,
                  DType::F8E5M2, DType::I32, DType::I64}) {
    for (UnaryOp op : {UnaryOp::Neg, UnaryOp::Abs, UnaryOp::Relu}) {
      KernelAttrs a;
      a.unary = op;
      specs.push_back(spec(KernelKind::Unary, {t(f, {7})}, {t(f, {7})}, a));
    }
    for (int op = 0; op <= static_cast<int>(BinaryOp::Min); ++op) {
      KernelAttrs a;
      a.binary = static_cast<BinaryOp>(op);
      specs.push_back(spec(KernelKind::Binary, {t(f, shape), t(f, shape)},
                           {t(f, shape)}, a));
    }
    for (int p = 0; p <= static_cast<int>(ComparePredicate::Ge); ++p) {
      KernelAttrs a;
      a.predicate = static_cast<ComparePredicate>(p);
      specs.push_back(spec(KernelKind::Compare, {t(f, shape), t(f, shape)},
                           {t(DType::I1, shape)}, a));
    }
    specs.push_back(spec(KernelKind::Select,
                         {t(DType::I1, shape), t(f, shape), t(f, shape)},
                         {t(f, shape)}));
  }
  compileAll(specs);
}

TEST(CodegenCompile, CastsBetweenAllTypes) {
  std::vector<DType> all = kFloats;
  all.insert(all.end(), {DType::I1, DType::I32, DType::I64});
  std::vector<KernelSpec> specs;
  for (DType from : all)
    for (DType to : all)
      specs.push_back(
          spec(KernelKind::Cast, {t(from, {4, 48})}, {t(to, {4, 48})}));
  compileAll(specs);
}

TEST(CodegenCompile, Shape) {
  std::vector<KernelSpec> specs;
  for (DType f : kFloats) {
    KernelAttrs bc;
    bc.dims = {1};
    specs.push_back(
        spec(KernelKind::Broadcast, {t(f, {64})}, {t(f, {4, 64})}, bc));
    bc.dims = {0, 2};
    specs.push_back(
        spec(KernelKind::Broadcast, {t(f, {4, 1})}, {t(f, {4, 3, 5})}, bc));
    KernelAttrs tr;
    tr.dims = {0, 2, 1, 3};
    specs.push_back(spec(KernelKind::Transpose, {t(f, {2, 8, 4, 64})},
                         {t(f, {2, 4, 8, 64})}, tr));
    tr.dims = {1, 0};
    specs.push_back(
        spec(KernelKind::Transpose, {t(f, {6, 5})}, {t(f, {5, 6})}, tr));
    KernelAttrs sl;
    sl.dims = {1, 16};
    sl.limit = {3, 48};
    sl.stride = {1, 1};
    specs.push_back(
        spec(KernelKind::Slice, {t(f, {4, 64})}, {t(f, {2, 32})}, sl));
    sl.stride = {2, 3};
    specs.push_back(
        spec(KernelKind::Slice, {t(f, {4, 64})}, {t(f, {1, 11})}, sl));
    KernelAttrs cc;
    cc.axis = -1;
    specs.push_back(spec(KernelKind::Concat, {t(f, {4, 32}), t(f, {4, 16})},
                         {t(f, {4, 48})}, cc));
    cc.axis = 0;
    specs.push_back(spec(KernelKind::Concat,
                         {t(f, {1, 3}), t(f, {2, 3}), t(f, {3, 3})},
                         {t(f, {6, 3})}, cc));
    KernelAttrs g;
    g.axis = 0;
    specs.push_back(spec(KernelKind::Gather,
                         {t(f, {100, 64}), t(DType::I32, {2, 5})},
                         {t(f, {2, 5, 64})}, g));
    g.axis = 1;
    specs.push_back(spec(KernelKind::Gather,
                         {t(f, {3, 100, 7}), t(DType::I64, {5})},
                         {t(f, {3, 5, 7})}, g));
  }
  for (DType out : {DType::I32, DType::I64, DType::F32, DType::BF16}) {
    KernelAttrs io;
    io.axis = 1;
    specs.push_back(spec(KernelKind::Iota, {}, {t(out, {4, 16})}, io));
  }
  compileAll(specs);
}

TEST(CodegenCompile, Reductions) {
  std::vector<KernelSpec> specs;
  for (DType f : kFloats) {
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Mean}) {
      KernelAttrs a;
      a.reduce = op;
      a.dims = {-1}; // trailing: the fast path
      specs.push_back(
          spec(KernelKind::Reduce, {t(f, {4, 8, 256})}, {t(f, {4, 8})}, a));
      a.dims = {0}; // leading: general, coalesced
      specs.push_back(
          spec(KernelKind::Reduce, {t(f, {4, 8, 256})}, {t(f, {8, 256})}, a));
      a.dims = {0, 2}; // mixed
      specs.push_back(
          spec(KernelKind::Reduce, {t(f, {4, 8, 256})}, {t(f, {8})}, a));
      a.dims = {0, 1, 2}; // everything
      specs.push_back(spec(KernelKind::Reduce, {t(f, {4, 8, 256})},
                           {t(DType::F32, {})}, a));
    }
  }
  compileAll(specs);
}

TEST(CodegenCompile, NormsAndSoftmax) {
  std::vector<KernelSpec> specs;
  for (DType f : kFloats) {
    for (DType out : {f, DType::F8E4M3FN}) {
      KernelAttrs a;
      a.axis = -1;
      specs.push_back(
          spec(KernelKind::Softmax, {t(f, {4, 1000})}, {t(out, {4, 1000})}, a));
      specs.push_back(spec(KernelKind::RmsNorm,
                           {t(f, {4, 4096}), t(DType::BF16, {4096})},
                           {t(out, {4, 4096})}, a));
      specs.push_back(spec(KernelKind::LayerNorm,
                           {t(f, {4, 768}), t(f, {768}), t(DType::F32, {768})},
                           {t(out, {4, 768})}, a));
      specs.push_back(spec(KernelKind::LayerNorm, {t(f, {4, 33}), t(f, {33})},
                           {t(out, {4, 33})}, a));
    }
    KernelAttrs a;
    a.axis = 0; // strided rows
    specs.push_back(
        spec(KernelKind::Softmax, {t(f, {16, 3, 8})}, {t(f, {16, 3, 8})}, a));
  }
  compileAll(specs);
}

FusedStep step(KernelKind kind, std::vector<int> operands, TensorDesc result,
               KernelAttrs attrs = {}) {
  FusedStep s;
  s.kind = kind;
  s.operands = std::move(operands);
  s.result = std::move(result);
  s.attrs = std::move(attrs);
  s.sourceOp = std::string("dsc.") + kernelKindName(kind);
  return s;
}

FusedStep constant(double value, TensorDesc result) {
  FusedStep s;
  s.isConstant = true;
  s.constant = value;
  s.result = std::move(result);
  s.sourceOp = "dsc.constant";
  return s;
}

KernelSpec fused(std::vector<TensorDesc> ins, std::vector<TensorDesc> outs,
                 std::vector<FusedStep> steps, std::vector<int> results) {
  KernelSpec s = spec(KernelKind::Fused, std::move(ins), std::move(outs));
  s.fusedSteps = std::move(steps);
  s.fusedResults = std::move(results);
  return s;
}

KernelAttrs unaryAttrs(UnaryOp op) {
  KernelAttrs a;
  a.unary = op;
  return a;
}

KernelAttrs binaryAttrs(BinaryOp op) {
  KernelAttrs a;
  a.binary = op;
  return a;
}

// silu(gate) * up, as dsc-fuse-elementwise makes of SwiGLU.
KernelSpec swiglu(DType f, std::vector<int64_t> shape) {
  return fused(
      {t(f, shape), t(f, shape)}, {t(f, shape)},
      {step(KernelKind::Unary, {0}, t(f, shape), unaryAttrs(UnaryOp::Silu)),
       step(KernelKind::Binary, {2, 1}, t(f, shape),
            binaryAttrs(BinaryOp::Mul))},
      {3});
}

// x + a, then rms_norm of the sum: both written.
KernelSpec residualNorm(DType f, int64_t rows, int64_t d) {
  KernelAttrs eps;
  eps.eps = 1e-5;
  return fused({t(f, {rows, d}), t(f, {rows, d}), t(DType::BF16, {d})},
               {t(f, {rows, d}), t(f, {rows, d})},
               {step(KernelKind::Binary, {0, 1}, t(f, {rows, d}),
                     binaryAttrs(BinaryOp::Add)),
                step(KernelKind::RmsNorm, {3, 2}, t(f, {rows, d}), eps)},
               {3, 4});
}

TEST(CodegenCompile, Fused) {
  std::vector<KernelSpec> specs;
  for (DType f : kFloats) {
    specs.push_back(swiglu(f, {4, 64}));
    specs.push_back(swiglu(f, {3, 7})); // odd: scalar accesses
    specs.push_back(residualNorm(f, 4, 4096));
    specs.push_back(residualNorm(f, 3, 33));
    // x + a then layer_norm with and without bias; x * 0.125 then softmax.
    for (size_t params : {1, 2}) {
      KernelSpec ln = residualNorm(f, 4, 768);
      ln.fusedSteps[1].kind = KernelKind::LayerNorm;
      if (params == 2) {
        ln.inputs.push_back(t(DType::F32, {768})); // the bias: value 3
        ln.fusedSteps[1].operands = {4, 2, 3};
        ln.fusedResults = {4, 5};
      }
      specs.push_back(std::move(ln));
    }
    KernelAttrs lastAxis;
    lastAxis.axis = -1;
    specs.push_back(
        fused({t(f, {4, 1000})}, {t(f, {4, 1000})},
              {constant(0.125, t(f, {4, 1000})),
               step(KernelKind::Binary, {0, 1}, t(f, {4, 1000}),
                    binaryAttrs(BinaryOp::Mul)),
               step(KernelKind::Softmax, {2}, t(f, {4, 1000}), lastAxis)},
              {3}));
  }
  // gelu(x + broadcast(bias)) * 0.5 in f32, bias read through an index map.
  KernelAttrs dims;
  dims.dims = {1};
  std::vector<int64_t> shape = {8, 256};
  specs.push_back(fused(
      {t(DType::F32, shape), t(DType::F32, {256})}, {t(DType::F32, shape)},
      {step(KernelKind::Broadcast, {1}, t(DType::F32, shape), dims),
       step(KernelKind::Binary, {0, 2}, t(DType::F32, shape),
            binaryAttrs(BinaryOp::Add)),
       step(KernelKind::Unary, {3}, t(DType::F32, shape),
            unaryAttrs(UnaryOp::GeluTanh)),
       constant(0.5, t(DType::F32, shape)),
       step(KernelKind::Binary, {4, 5}, t(DType::F32, shape),
            binaryAttrs(BinaryOp::Mul))},
      {6}));
  // A broadcast along columns (one value per row) is read element by element.
  KernelAttrs column;
  column.dims = {0};
  specs.push_back(fused(
      {t(DType::BF16, shape), t(DType::F32, {8})}, {t(DType::BF16, shape)},
      {step(KernelKind::Broadcast, {1}, t(DType::F32, shape), column),
       step(KernelKind::Cast, {2}, t(DType::BF16, shape)),
       step(KernelKind::Binary, {0, 3}, t(DType::BF16, shape),
            binaryAttrs(BinaryOp::Sub))},
      {4}));
  // a < b ? a : -b on i32, the mask and a cast to bf16 also written.
  KernelAttrs lt;
  lt.predicate = ComparePredicate::Lt;
  specs.push_back(
      fused({t(DType::I32, {64}), t(DType::I32, {64})},
            {t(DType::I32, {64}), t(DType::I1, {64}), t(DType::BF16, {64})},
            {step(KernelKind::Compare, {0, 1}, t(DType::I1, {64}), lt),
             step(KernelKind::Unary, {1}, t(DType::I32, {64}),
                  unaryAttrs(UnaryOp::Neg)),
             step(KernelKind::Select, {2, 0, 3}, t(DType::I32, {64})),
             step(KernelKind::Cast, {4}, t(DType::BF16, {64}))},
            {4, 2, 5}));
  compileAll(specs);
}

TEST(CodegenEmit, FusedKernelsVectorizeAndWriteEachResultOnce) {
  absl::StatusOr<EmittedKernel> k = emitKernel(swiglu(DType::BF16, {4, 64}));
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->vectorWidth, 8); // 16 bytes of bf16
  EXPECT_NE(k->source.find("loadVec<8>(in1"), std::string::npos);
  // Each op rounds to its type as it would unfused, so fusing changes no value.
  EXPECT_NE(k->source.find("toF32(fromF32<bf16>("), std::string::npos);
  size_t store = k->source.find("storeVec");
  ASSERT_NE(store, std::string::npos);
  EXPECT_EQ(k->source.find("storeVec", store + 1), std::string::npos);

  absl::StatusOr<EmittedKernel> norm =
      emitKernel(residualNorm(DType::BF16, 4, 4096));
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->launch.grid, 4u); // one block per row
  EXPECT_NE(norm->source.find("storeVec<8>(out0"), std::string::npos);
  EXPECT_NE(norm->source.find("storeVec<kV>(out1"), std::string::npos);
}

TEST(CodegenEmit, FusedBroadcastsAlongRowsAreVectorLoads) {
  KernelAttrs rowDims, columnDims;
  rowDims.dims = {1};
  columnDims.dims = {0};
  std::vector<int64_t> shape = {8, 256};
  auto biasAdd = [&](std::vector<int64_t> biasShape, KernelAttrs dims) {
    return fused({t(DType::BF16, shape), t(DType::BF16, biasShape)},
                 {t(DType::BF16, shape)},
                 {step(KernelKind::Broadcast, {1}, t(DType::BF16, shape), dims),
                  step(KernelKind::Binary, {0, 2}, t(DType::BF16, shape),
                       binaryAttrs(BinaryOp::Add))},
                 {3});
  };
  absl::StatusOr<EmittedKernel> row = emitKernel(biasAdd({256}, rowDims));
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->vectorWidth, 8);
  EXPECT_NE(row->source.find("b0 = loadVec<8>(in1 + (i * 8 / 1LL % 256LL)"),
            std::string::npos)
      << row->source;
  absl::StatusOr<EmittedKernel> column = emitKernel(biasAdd({8}, columnDims));
  ASSERT_TRUE(column.ok()) << column.status();
  EXPECT_NE(column->source.find("in1[(e / 256LL % 8LL) * 1LL]"),
            std::string::npos)
      << column->source;
}

TEST(CodegenEmit, BadFusedSpecsAreErrors) {
  KernelSpec softmaxWithWeight = residualNorm(DType::F32, 2, 8);
  softmaxWithWeight.fusedSteps[1].kind = KernelKind::Softmax;
  EXPECT_FALSE(emitKernel(softmaxWithWeight).ok());

  KernelSpec missingOperand = swiglu(DType::F32, {8});
  missingOperand.fusedSteps[1].operands = {2};
  EXPECT_FALSE(emitKernel(missingOperand).ok());
  KernelSpec notElementwise = swiglu(DType::F32, {8});
  notElementwise.fusedSteps[0].kind = KernelKind::Gather;
  EXPECT_FALSE(emitKernel(notElementwise).ok());

  KernelSpec undefined = swiglu(DType::F32, {8});
  undefined.fusedSteps[0].operands = {3};
  EXPECT_FALSE(emitKernel(undefined).ok());

  KernelSpec readsNorm = residualNorm(DType::F32, 2, 8);
  readsNorm.fusedSteps.push_back(step(
      KernelKind::Unary, {4}, t(DType::F32, {2, 8}), unaryAttrs(UnaryOp::Exp)));
  absl::StatusOr<EmittedKernel> k = emitKernel(readsNorm);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(
      k.status().message().find("no step may read the row-wise op's result"),
      std::string::npos);

  KernelSpec wrongType = swiglu(DType::F32, {8});
  wrongType.outputs[0].dtype = DType::BF16;
  EXPECT_FALSE(emitKernel(wrongType).ok());

  KernelSpec offDomain = swiglu(DType::F32, {8});
  offDomain.inputs[1].shape = {4};
  EXPECT_FALSE(emitKernel(offDomain).ok());
}

// `spec` with a blockwise quantize of value `x` appended (dsc-fuse-quantize):
// its values and scales become two more outputs; `keepX` false drops the
// output written from `x`.
KernelSpec withQuantize(KernelSpec s, int x, bool keepX) {
  const std::vector<int64_t> shape = s.outputs[0].shape;
  int64_t k = shape.back(), rows = s.outputs[0].numElements() / k;
  int first = static_cast<int>(s.inputs.size() + s.fusedSteps.size());
  TensorDesc scales = t(DType::F32, {k / 128, (rows + 3) / 4 * 4});
  FusedStep q = step(KernelKind::QuantizeFp8, {x}, t(DType::F8E4M3FN, shape));
  q.extraResults = {scales};
  s.fusedSteps.push_back(std::move(q));
  if (!keepX)
    for (size_t o = 0; o < s.outputs.size(); ++o)
      if (s.fusedResults[o] == x) {
        s.outputs.erase(s.outputs.begin() + o);
        s.fusedResults.erase(s.fusedResults.begin() + o);
        break;
      }
  s.outputs.push_back(t(DType::F8E4M3FN, shape));
  s.outputs.push_back(scales);
  s.fusedResults.push_back(first);
  s.fusedResults.push_back(first + 1);
  return s;
}

TEST(CodegenCompile, FusedQuantize) {
  std::vector<KernelSpec> specs;
  for (DType f : {DType::BF16, DType::F32, DType::F16}) {
    specs.push_back(withQuantize(swiglu(f, {6, 256}), 3, false));
    specs.push_back(withQuantize(swiglu(f, {70, 512}), 3, true));
    specs.push_back(withQuantize(residualNorm(f, 70, 384), 4, false));
    specs.push_back(withQuantize(residualNorm(f, 4, 4096), 4, true));
  }
  compileAll(specs);
}

TEST(CodegenEmit, FusedQuantizeWritesTilesFromRegisters) {
  absl::StatusOr<EmittedKernel> norm =
      emitKernel(withQuantize(residualNorm(DType::BF16, 70, 384), 4, false));
  ASSERT_TRUE(norm.ok()) << norm.status();
  EXPECT_EQ(norm->vectorWidth, 8); // 16-byte loads of bf16; 16 lanes a tile
  EXPECT_NE(norm->source.find("__shfl_xor_sync(lanes, amax, o)"), std::string::npos);
  EXPECT_NE(norm->source.find("q.v[j] = fromF32<f8e4m3>(__fdiv_rn(qx[j], scale))"),
            std::string::npos);
  // The sum is written; the norm only as e4m3 (out1) and scales (out2).
  EXPECT_NE(norm->source.find("storeVec<8>(out0"), std::string::npos);
  EXPECT_EQ(norm->source.find("storeVec<kV>(out0 + (row"), std::string::npos);
  EXPECT_NE(norm->source.find("storeVec<kV>(out1 + (row * kVecs + c) * kV, q)"), std::string::npos);
  EXPECT_NE(norm->source.find("out2[qTile * kPitch + qRow] = scale"), std::string::npos);
  EXPECT_NE(norm->source.find("kRows = 70"), std::string::npos);

  absl::StatusOr<EmittedKernel> f32 =
      emitKernel(withQuantize(swiglu(DType::F32, {6, 256}), 3, false));
  ASSERT_TRUE(f32.ok()) << f32.status();
  EXPECT_EQ(f32->vectorWidth, 4); // a tile spans the warp
  EXPECT_NE(f32->source.find("qx[j] = x3;"), std::string::npos);
}

TEST(CodegenEmit, BadFusedQuantizeSpecsAreErrors) {
  // In a row kernel, only the row-wise op's result can be quantized.
  KernelSpec ofSum = withQuantize(residualNorm(DType::BF16, 4, 256), 3, true);
  absl::StatusOr<EmittedKernel> k = emitKernel(ofSum);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("a fused quantize is blockwise"), std::string::npos);

  KernelSpec notTiles = withQuantize(swiglu(DType::BF16, {4, 256}), 3, false);
  notTiles.fusedSteps.back().attrs.fp8Blockwise = false;
  EXPECT_FALSE(emitKernel(notTiles).ok());

  KernelSpec ragged = withQuantize(swiglu(DType::BF16, {4, 200}), 3, false);
  EXPECT_FALSE(emitKernel(ragged).ok());

  KernelSpec ofInput = withQuantize(swiglu(DType::BF16, {4, 256}), 0, true);
  EXPECT_FALSE(emitKernel(ofInput).ok());

  // An i64 input gives 2-element vectors: a tile would span 64 lanes.
  KernelSpec wide =
      withQuantize(fused({t(DType::I64, {4, 256})}, {t(DType::BF16, {4, 256})},
                         {step(KernelKind::Cast, {0}, t(DType::BF16, {4, 256}))}, {1}),
                   1, false);
  k = emitKernel(wide);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("16-byte accesses"), std::string::npos) << k.status();

  KernelSpec readsScales = withQuantize(swiglu(DType::BF16, {4, 256}), 3, true);
  readsScales.fusedSteps.push_back(
      step(KernelKind::Unary, {5}, t(DType::F32, {4, 256}), unaryAttrs(UnaryOp::Neg)));
  EXPECT_FALSE(emitKernel(readsScales).ok());
}

TEST(CodegenCompile, Rope) {
  std::vector<KernelSpec> specs;
  for (DType f : kFloats) {
    for (RopeStyle style : {RopeStyle::Half, RopeStyle::Interleaved}) {
      KernelAttrs a;
      a.ropeStyle = style;
      specs.push_back(spec(KernelKind::Rope,
                           {t(f, {16, 8, 128}), t(DType::I32, {16})},
                           {t(f, {16, 8, 128})}, a));
      specs.push_back(spec(KernelKind::Rope,
                           {t(f, {2, 16, 4, 64}), t(DType::I64, {2, 16})},
                           {t(f, {2, 16, 4, 64})}, a));
      // Head size 6: scalar accesses.
      specs.push_back(
          spec(KernelKind::Rope, {t(f, {16, 3, 6}), t(DType::I32, {16})}, {t(f, {16, 3, 6})}, a));
      // dsc.split_rope: q, k rotated, v copied; then a row of more units than threads.
      a.rotate = {true, true, false};
      specs.push_back(spec(KernelKind::Rope, {t(f, {2, 16, 512}), t(DType::I32, {2, 16})},
                           {t(f, {2, 16, 4, 64}), t(f, {2, 16, 2, 64}), t(f, {2, 16, 2, 64})}, a));
      a.rotate = {true, false};
      specs.push_back(spec(KernelKind::Rope, {t(f, {1, 2, 34816}), t(DType::I32, {2})},
                           {t(f, {1, 2, 128, 128}), t(f, {1, 2, 144, 128})}, a));
    }
  }
  compileAll(specs);
}

TEST(CodegenEmit, SplitRopeLayout) {
  KernelAttrs a;
  a.rotate = {true, true, false};
  absl::StatusOr<EmittedKernel> k =
      emitKernel(spec(KernelKind::Rope, {t(DType::BF16, {4, 32, 768}), t(DType::I32, {32})},
                      {t(DType::BF16, {4, 32, 8, 64}), t(DType::BF16, {4, 32, 2, 64}),
                       t(DType::BF16, {4, 32, 2, 64})},
                      a));
  ASSERT_TRUE(k.ok()) << k.status();
  // One kernel over the whole row: 16-byte vectors, pieces at their columns, v not rotated.
  EXPECT_EQ(k->vectorWidth, 8);
  EXPECT_NE(k->source.find("kCol[kPieces] = {0, 512, 640}"), std::string::npos);
  EXPECT_NE(k->source.find("kRotate[kPieces] = {true, true, false}"), std::string::npos);
  EXPECT_NE(k->source.find("in1[row % 32]"), std::string::npos);
  // The angles once per (row, pair), in shared memory, not per head.
  EXPECT_NE(k->source.find("__shared__ float cosT"), std::string::npos);

  a.rotate = {true, false};
  EXPECT_FALSE(
      emitKernel(spec(KernelKind::Rope, {t(DType::BF16, {4, 32, 768}), t(DType::I32, {32})},
                      {t(DType::BF16, {4, 32, 8, 64}), t(DType::BF16, {4, 32, 2, 64})}, a))
          .ok());
  a.rotate = {true, true, false};
  absl::StatusOr<EmittedKernel> wrongType =
      emitKernel(spec(KernelKind::Rope, {t(DType::BF16, {4, 32, 768}), t(DType::I32, {32})},
                      {t(DType::BF16, {4, 32, 8, 64}), t(DType::F32, {4, 32, 2, 64}),
                       t(DType::BF16, {4, 32, 2, 64})},
                      a));
  ASSERT_FALSE(wrongType.ok());
  EXPECT_NE(wrongType.status().message().find("of x's type"), std::string::npos);
}

TEST(CodegenCompile, MixtureOfExperts) {
  std::vector<KernelSpec> specs;
  const int64_t n = 32, e = 256, k = 8, d = 128, c = 4;
  for (DType f : {DType::F32, DType::BF16, DType::F16}) {
    for (RouterScore score : {RouterScore::Sigmoid, RouterScore::Softmax}) {
      KernelAttrs a; // DeepSeek-V3's router
      a.k = k;
      a.nGroups = 8;
      a.topkGroups = 4;
      a.score = score;
      a.normalize = true;
      a.scaling = 2.5;
      std::vector<TensorDesc> outs = {t(DType::F32, {n, k}),
                                      t(DType::I32, {n, k})};
      specs.push_back(spec(KernelKind::RouterTopK,
                           {t(f, {n, e}), t(DType::F32, {e})}, outs, a));
      a.nGroups = 1;
      a.topkGroups = 1;
      a.normalize = false;
      specs.push_back(spec(KernelKind::RouterTopK, {t(f, {n, 60})}, outs, a));
    }
  }
  KernelAttrs m;
  m.numExperts = e;
  m.capacity = c;
  for (DType idx : {DType::I32, DType::I64})
    specs.push_back(spec(KernelKind::MoeSlots, {t(idx, {n, k})},
                         {t(DType::I32, {n, k}), t(DType::I32, {e, c})}, m));
  for (DType f : kFloats) {
    specs.push_back(spec(KernelKind::MoeDispatch,
                         {t(f, {n, d}), t(DType::I32, {e, c})},
                         {t(f, {e, c, d})}, m));
    for (DType w : {DType::F32, DType::BF16})
      specs.push_back(spec(KernelKind::MoeCombine,
                           {t(f, {e, c, d}), t(DType::I32, {n, k}),
                            t(DType::I32, {n, k}), t(w, {n, k})},
                           {t(f, {n, d})}, m));
  }
  compileAll(specs);
}

KernelSpec attention(DType f, int64_t tq, int64_t tk, int64_t hq, int64_t hkv,
                     int64_t dh, int64_t dv, bool causal) {
  KernelAttrs a;
  a.causal = causal;
  a.scale = 0.125;
  return spec(KernelKind::Attention,
              {t(f, {2, tq, hq, dh}), t(f, {2, tk, hkv, dh}),
               t(f, {2, tk, hkv, dv})},
              {t(f, {2, tq, hq, dv})}, a);
}

TEST(CodegenCompile, Attention) {
  std::vector<KernelSpec> specs;
  for (DType f : {DType::BF16, DType::F16, DType::F32})
    for (bool causal : {false, true}) {
      specs.push_back(attention(f, 100, 130, 8, 2, 64, 64, causal));
      specs.push_back(attention(f, 256, 256, 4, 4, 128, 128, causal));
      specs.push_back(attention(f, 70, 50, 8, 2, 64, 32, causal));
    }
  specs.push_back(attention(DType::BF16, 16, 16, 2, 1, 48, 40, true));
  compileAll(specs);
}

TEST(CodegenEmit, AttentionPicksTensorCoresWhereTheyFit) {
  absl::StatusOr<EmittedKernel> tc =
      emitKernel(attention(DType::BF16, 2048, 2048, 32, 8, 128, 128, true));
  ASSERT_TRUE(tc.ok()) << tc.status();
  EXPECT_NE(tc->source.find("mmaBf16"), std::string::npos);
  EXPECT_EQ(tc->launch.block, 128u);
  EXPECT_EQ(tc->launch.grid, 16u * 2 * 32); // 128-query tiles x batch x heads
  // 128-row Q tile + double-buffered 64-row K and V tiles, rows padded by 8.
  EXPECT_EQ(tc->launch.sharedBytes, 2u * (128 + 4 * 64) * 136);
  EXPECT_NE(tc->source.find("kMT = 2"), std::string::npos);
  absl::StatusOr<EmittedKernel> f16 =
      emitKernel(attention(DType::F16, 64, 64, 4, 4, 64, 64, false));
  ASSERT_TRUE(f16.ok()) << f16.status();
  EXPECT_NE(f16->source.find("mmaF16"), std::string::npos);
  // Fewer than 128 queries: 64-query tiles, one m-tile per warp.
  EXPECT_NE(f16->source.find("kMT = 1"), std::string::npos);
  EXPECT_EQ(f16->launch.grid, 1u * 2 * 4); // one tile x batch x heads
  // f32, head sizes that are not multiples of 16 or above 128: a warp per row.
  for (KernelSpec s : {attention(DType::F32, 64, 64, 4, 4, 64, 64, true),
                       attention(DType::BF16, 64, 64, 4, 4, 48, 40, true),
                       attention(DType::BF16, 64, 64, 4, 4, 256, 256, true)}) {
    absl::StatusOr<EmittedKernel> k = emitKernel(s);
    ASSERT_TRUE(k.ok()) << k.status();
    EXPECT_EQ(k->source.find("mma"), std::string::npos);
    EXPECT_EQ(k->launch.grid, (2u * 64 * 4 + 3) / 4);
  }
}

TEST(CodegenEmit, BadAttentionSpecsAreErrors) {
  KernelSpec mixed = attention(DType::BF16, 16, 16, 4, 2, 64, 64, false);
  mixed.inputs[1].dtype = DType::F16;
  KernelSpec heads = attention(DType::BF16, 16, 16, 6, 4, 64, 64, false);
  KernelSpec shape = attention(DType::BF16, 16, 16, 4, 2, 64, 64, false);
  shape.outputs[0].shape[3] = 32;
  KernelSpec ints = attention(DType::I32, 16, 16, 4, 2, 64, 64, false);
  for (const KernelSpec &s : {mixed, heads, shape, ints}) {
    absl::StatusOr<EmittedKernel> k = emitKernel(s);
    ASSERT_FALSE(k.ok());
    EXPECT_NE(k.status().message().find("test.dsg:1:1: dsc.attention"),
              std::string::npos)
        << k.status();
  }
}

TEST(CodegenEmit, VectorWidthFollowsDtypeAndExtent) {
  KernelAttrs a;
  auto rms = [&](DType f, int64_t d) {
    return emitKernel(spec(KernelKind::RmsNorm, {t(f, {4096, d}), t(f, {d})},
                           {t(f, {4096, d})}, a));
  };
  absl::StatusOr<EmittedKernel> k = rms(DType::BF16, 4096);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->vectorWidth, 8); // 8 x 2 bytes = 16-byte accesses
  EXPECT_NE(k->source.find("loadVec<kV>"), std::string::npos);
  EXPECT_EQ(k->launch.grid, 4096u); // one block per row
  EXPECT_EQ(k->launch.block, 512u); // 512 threads x 8 elements = 4096
  EXPECT_EQ(rms(DType::F32, 4096)->vectorWidth, 4);
  EXPECT_EQ(rms(DType::F8E4M3FN, 4096)->vectorWidth, 16);
  EXPECT_EQ(rms(DType::BF16, 4097)->vectorWidth, 1); // odd: scalar
  EXPECT_EQ(rms(DType::BF16, 4100)->vectorWidth, 4); // 8-byte accesses

  auto unary = [&](DType f, int64_t n) {
    return emitKernel(spec(KernelKind::Unary, {t(f, {n})}, {t(f, {n})}));
  };
  EXPECT_EQ(unary(DType::BF16, 4096)->vectorWidth, 8);
  EXPECT_EQ(unary(DType::BF16, 4095)->vectorWidth, 1);
  // Grid-stride: capped at one wave, 132 SMs x 2048 threads / 256.
  EXPECT_EQ(unary(DType::F32, 1 << 24)->launch.grid, 132u * 8);
}

TEST(CodegenEmit, IdenticalSpecsShareOneKernel) {
  KernelSpec a =
      spec(KernelKind::Unary, {t(DType::BF16, {64})}, {t(DType::BF16, {64})});
  KernelSpec b = a;
  b.sourceOp = "dsc.neg";
  b.location = "test.dsg:9:9";
  absl::StatusOr<EmittedModule> m = emitModule({a, b});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kernels[0].name, m->kernels[1].name);
  EXPECT_NE(m->source.find("also used by dsc.neg at test.dsg:9:9"),
            std::string::npos);
  size_t first = m->source.find("__global__");
  EXPECT_EQ(m->source.find("__global__", first + 1), std::string::npos);
}

TEST(CodegenEmit, PreludeRoundsAsDocsOpsSays) {
  std::string p = emitPrelude();
  EXPECT_NE(p.find("__nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3)"),
            std::string::npos);
  EXPECT_NE(p.find("__nv_cvt_float_to_fp8(x, __NV_NOSAT, __NV_E5M2)"),
            std::string::npos);
  EXPECT_NE(p.find("__float2bfloat16_rn"), std::string::npos);
}

TEST(CodegenEmit, BadSpecsAreErrorsNotCrashes) {
  KernelAttrs a;
  absl::StatusOr<EmittedKernel> odd = emitKernel(
      spec(KernelKind::Rope, {t(DType::BF16, {4, 2, 7}), t(DType::I32, {4})},
           {t(DType::BF16, {4, 2, 7})}, a));
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("test.dsg:1:1: dsc.rope"),
            std::string::npos);
  a.dims = {5};
  EXPECT_FALSE(emitKernel(spec(KernelKind::Reduce, {t(DType::F32, {4})},
                               {t(DType::F32, {})}, a))
                   .ok());
  EXPECT_FALSE(emitKernel(spec(KernelKind::Unary, {t(DType::F64, {4})},
                               {t(DType::F64, {4})}))
                   .ok());
}

TEST(CodegenNvrtc, CacheCompilesIdenticalModulesOnce) {
  NvrtcCompiler c(DSC_CUDA_INCLUDE_DIR);
  absl::StatusOr<EmittedModule> m = emitModule(
      {spec(KernelKind::Unary, {t(DType::F32, {64})}, {t(DType::F32, {64})})});
  ASSERT_TRUE(m.ok());
  std::vector<std::string> archs = {"sm_90a", "sm_100a"};
  absl::StatusOr<std::vector<Cubin>> first =
      c.compileForArchs(m->source, archs, "unary");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[1].arch, "sm_100a");
  absl::StatusOr<std::vector<Cubin>> again =
      c.compileForArchs(m->source, archs, "unary");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(c.compilations(), 2); // once per arch
  EXPECT_EQ(c.cacheHits(), 2);
  EXPECT_EQ((*again)[0].image, (*first)[0].image);
}

TEST(CodegenNvrtc, ErrorsCarryTheLogAndKernelNames) {
  NvrtcCompiler c(DSC_CUDA_INCLUDE_DIR);
  absl::StatusOr<std::string> bad = c.compile(
      "extern \"C\" __global__ void broken() { undeclared_thing = 1; }",
      "sm_90a", "broken");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("broken"), std::string::npos);
  EXPECT_NE(bad.status().message().find("undeclared_thing"), std::string::npos);
  EXPECT_FALSE(c.compile("", "compute_90", "x").ok());
  EXPECT_FALSE(c.compile("", "sm_9x", "x").ok());
}

// FP8 activation quantization: both recipes and the amax kernel compile, the blockwise kernel
// gives one warp per 1 x 128 tile, and shapes the recipe cannot take are refused.
TEST(CodegenEmit, QuantizeFp8) {
  KernelAttrs blockwise, tensor;
  tensor.fp8Blockwise = false;
  KernelSpec tiles = spec(KernelKind::QuantizeFp8, {t(DType::BF16, {2, 40, 256})},
                          {t(DType::F8E4M3FN, {2, 40, 256}), t(DType::F32, {2, 80})}, blockwise);
  KernelSpec amax = spec(KernelKind::Amax, {t(DType::F16, {3, 100})}, {t(DType::F32, {1})});
  KernelSpec scaled =
      spec(KernelKind::QuantizeFp8, {t(DType::F16, {3, 100}), t(DType::F32, {1})},
           {t(DType::F8E4M3FN, {3, 100}), t(DType::F32, {1})}, tensor);
  compileAll({tiles, amax, scaled});
  absl::StatusOr<EmittedKernel> k = emitKernel(tiles);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->launch.grid, (80u * 2 + 15) / 16); // 16 half warps a block, a tile each
  EXPECT_NE(k->source.find("__fdiv_rn(v[j], scale)"), std::string::npos);
  KernelSpec ragged = spec(KernelKind::QuantizeFp8, {t(DType::BF16, {4, 100})},
                           {t(DType::F8E4M3FN, {4, 100}), t(DType::F32, {1, 4})}, blockwise);
  absl::StatusOr<EmittedKernel> bad = emitKernel(ragged);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("multiple of 128"), std::string::npos);
}

} // namespace
} // namespace dsc::codegen
