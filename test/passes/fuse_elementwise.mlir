// dsc-fuse-elementwise: chains of elementwise ops of one shape (and an rms_norm ending them)
// become one dsc.fusion; broadcasts and splat constants are copied into the body; a value also
// used outside is an extra result; no group reaches around a matmul or reads its own norm.
// dsc.fusion's verifier errors are in test/ir/fusion_invalid.mlir.

// RUN: dsc-opt %s --split-input-file --dsc-fuse-elementwise | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-fuse-elementwise=rowwise=false | FileCheck %s --check-prefix=NOROW

// SwiGLU's silu(gate) * up: one kernel, the silu never leaves registers.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    (%[[GATE:.+]]: tensor<4x8xbf16>, %[[UP:.+]]: tensor<4x8xbf16>)
// CHECK-NEXT:    %[[Y:.+]] = dsc.fusion(%[[GATE]], %[[UP]]) : (tensor<4x8xbf16>, tensor<4x8xbf16>) -> tensor<4x8xbf16> {
// CHECK-NEXT:    ^bb0(%[[G:.+]]: tensor<4x8xbf16>, %[[U:.+]]: tensor<4x8xbf16>):
// CHECK-NEXT:      %[[S:.+]] = dsc.silu %[[G]] : tensor<4x8xbf16>
// CHECK-NEXT:      %[[M:.+]] = dsc.mul %[[S]], %[[U]] : tensor<4x8xbf16>
// CHECK-NEXT:      dsc.yield %[[M]] : tensor<4x8xbf16>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[Y]]
func.func @chain(%gate: tensor<4x8xbf16>, %up: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %s = dsc.silu %gate : tensor<4x8xbf16>
  %m = dsc.mul %s, %up : tensor<4x8xbf16>
  return %m : tensor<4x8xbf16>
}

// -----

// The bias broadcast moves into the body and is never materialized; its source is an operand.
// CHECK-LABEL: func.func @broadcast_operand
// CHECK-SAME:    (%[[X:.+]]: tensor<4x8xf32>, %[[BIAS:.+]]: tensor<8xf32>)
// CHECK-NOT:     dsc.broadcast
// CHECK:         dsc.fusion(%[[X]], %[[BIAS]])
// CHECK-NEXT:    ^bb0(%[[XA:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8xf32>):
// CHECK-NEXT:      %[[BB:.+]] = dsc.broadcast %[[B]] {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
// CHECK-NEXT:      %[[SUM:.+]] = dsc.add %[[XA]], %[[BB]]
// CHECK-NEXT:      %[[G:.+]] = dsc.gelu %[[SUM]]
// CHECK-NEXT:      dsc.yield %[[G]]
func.func @broadcast_operand(%x: tensor<4x8xf32>, %bias: tensor<8xf32>) -> tensor<4x8xf32> {
  %b = dsc.broadcast %bias {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
  %h = dsc.add %x, %b : tensor<4x8xf32>
  %g = dsc.gelu %h {approximate = #dsc.gelu<tanh>} : tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

// One op with a splat constant operand is worth a fusion: the constant becomes a literal.
// CHECK-LABEL: func.func @scalar_constant
// CHECK-NEXT:    dsc.fusion(%{{.+}}) : (tensor<16xf16>) -> tensor<16xf16> {
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<16xf16>):
// CHECK-NEXT:      %[[HALF:.+]] = dsc.constant dense<5.000000e-01> : tensor<16xf16>
// CHECK-NEXT:      dsc.mul %[[X]], %[[HALF]]
// CHECK-NOT:     dsc.constant
func.func @scalar_constant(%x: tensor<16xf16>) -> tensor<16xf16> {
  %c = dsc.constant dense<0.5> : tensor<16xf16>
  %y = dsc.mul %x, %c : tensor<16xf16>
  return %y : tensor<16xf16>
}

// -----

// A splat constant broadcast into the domain: both are copied into the body.
// CHECK-LABEL: func.func @broadcast_constant
// CHECK-NEXT:    dsc.fusion(%{{.+}}) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      dsc.constant dense<2.000000e+00> : tensor<8xf32>
// CHECK-NEXT:      dsc.broadcast
// CHECK-NEXT:      dsc.div
// CHECK-NEXT:      dsc.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    return
func.func @broadcast_constant(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = dsc.constant dense<2.0> : tensor<8xf32>
  %b = dsc.broadcast %c {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
  %y = dsc.div %x, %b : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// %sum is used by the group and returned: a second result, computed once.
// CHECK-LABEL: func.func @multi_output
// CHECK-NEXT:    %[[F:.+]]:2 = dsc.fusion(%{{.+}}, %{{.+}}) : (tensor<8xf32>, tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>)
// CHECK:           %[[SUM:.+]] = dsc.add
// CHECK-NEXT:      %[[E:.+]] = dsc.exp %[[SUM]]
// CHECK-NEXT:      dsc.yield %[[SUM]], %[[E]]
// CHECK:         return %[[F]]#0, %[[F]]#1
func.func @multi_output(%x: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %sum = dsc.add %x, %y : tensor<8xf32>
  %e = dsc.exp %sum : tensor<8xf32>
  return %sum, %e : tensor<8xf32>, tensor<8xf32>
}

// -----

// A use outside that sits between two members moves after the fusion, which serves it.
// CHECK-LABEL: func.func @outside_user_between_members
// CHECK-NEXT:    %[[F:.+]]:2 = dsc.fusion
// CHECK:         dsc.yield
// CHECK:         dsc.matmul %[[F]]#0
// CHECK-NEXT:    return
func.func @outside_user_between_members(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %a = dsc.exp %x : tensor<4x4xf32>
  %m = dsc.matmul %a, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = dsc.neg %a : tensor<4x4xf32>
  return %m, %b : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// exp -> matmul -> add and exp -> add: fusing exp with add would put the matmul inside a cycle
// (the fusion would need its own result), so each stays alone, and alone needs no fusion.
// CHECK-LABEL: func.func @no_fusion_across_matmul
// CHECK-NOT:     dsc.fusion
// CHECK:         dsc.exp
// CHECK-NEXT:    dsc.matmul
// CHECK-NEXT:    dsc.add
func.func @no_fusion_across_matmul(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %a = dsc.exp %x : tensor<4x4xf32>
  %m = dsc.matmul %a, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %s = dsc.add %a, %m : tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// The add after a matmul (no GEMM-epilogue pass took it) fuses with the elementwise op after it.
// CHECK-LABEL: func.func @after_matmul
// CHECK:         %[[M:.+]] = dsc.matmul
// CHECK-NEXT:    dsc.fusion(%{{.+}}, %[[M]])
// CHECK-NOT:       dsc.matmul
// CHECK:           dsc.add
// CHECK-NEXT:      dsc.relu
func.func @after_matmul(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %m = dsc.matmul %x, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %s = dsc.add %x, %m : tensor<4x4xf32>
  %r = dsc.relu %s : tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// One op reading only operands is what its own kernel does already.
// CHECK-LABEL: func.func @single_op
// CHECK-NOT:     dsc.fusion
func.func @single_op(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %s = dsc.add %x, %y : tensor<8xf32>
  return %s : tensor<8xf32>
}

// -----

// A reshape between two ops changes the iteration domain: two ops of different shapes.
// CHECK-LABEL: func.func @shape_change
// CHECK-NOT:     dsc.fusion
func.func @shape_change(%x: tensor<4x8xf32>) -> tensor<32xf32> {
  %e = dsc.exp %x : tensor<4x8xf32>
  %r = dsc.reshape %e : tensor<4x8xf32> -> tensor<32xf32>
  %n = dsc.neg %r : tensor<32xf32>
  return %n : tensor<32xf32>
}

// -----

// Integers and masks: compare and select fuse like float math.
// CHECK-LABEL: func.func @compare_select
// CHECK-NEXT:    dsc.fusion
// CHECK:           dsc.compare
// CHECK-NEXT:      dsc.select
// CHECK-NEXT:      dsc.yield
func.func @compare_select(%a: tensor<8xi32>, %b: tensor<8xi32>) -> tensor<8xi32> {
  %m = dsc.compare %a, %b {predicate = #dsc.predicate<lt>} : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi1>
  %s = dsc.select %m, %a, %b : tensor<8xi1>, tensor<8xi32>
  return %s : tensor<8xi32>
}

// -----

// Llama's residual add then rms_norm: one row kernel writes the new residual and the norm.
// CHECK-LABEL: func.func @residual_rms_norm
// CHECK-SAME:    (%[[X:.+]]: tensor<2x16xbf16>, %[[A:.+]]: tensor<2x16xbf16>, %[[W:.+]]: tensor<16xbf16>)
// CHECK-NEXT:    %[[F:.+]]:2 = dsc.fusion(%[[X]], %[[A]], %[[W]])
// CHECK-NEXT:    ^bb0(%[[X0:.+]]: tensor<2x16xbf16>, %[[A0:.+]]: tensor<2x16xbf16>, %[[W0:.+]]: tensor<16xbf16>):
// CHECK-NEXT:      %[[SUM:.+]] = dsc.add %[[X0]], %[[A0]]
// CHECK-NEXT:      %[[N:.+]] = dsc.rms_norm %[[SUM]], %[[W0]]
// CHECK-NEXT:      dsc.yield %[[SUM]], %[[N]]
// CHECK:         return %[[F]]#0, %[[F]]#1
// NOROW-LABEL: func.func @residual_rms_norm
// NOROW-NOT:     dsc.fusion
func.func @residual_rms_norm(%x: tensor<2x16xbf16>, %a: tensor<2x16xbf16>, %w: tensor<16xbf16>) -> (tensor<2x16xbf16>, tensor<2x16xbf16>) {
  %s = dsc.add %x, %a : tensor<2x16xbf16>
  %n = dsc.rms_norm %s, %w {eps = 1.0e-05 : f32} : tensor<2x16xbf16>, tensor<16xbf16>
  return %s, %n : tensor<2x16xbf16>, tensor<2x16xbf16>
}

// -----

// The norm is last in its kernel: the mul that reads it stays out (it has no other group).
// CHECK-LABEL: func.func @no_op_after_norm
// CHECK:         %[[F:.+]] = dsc.fusion
// CHECK:           dsc.rms_norm
// CHECK-NEXT:      dsc.yield
// CHECK:         dsc.mul %[[F]], %{{.+}} : tensor<2x16xf32>
func.func @no_op_after_norm(%x: tensor<2x16xf32>, %a: tensor<2x16xf32>, %w: tensor<16xf32>) -> tensor<2x16xf32> {
  %s = dsc.add %x, %a : tensor<2x16xf32>
  %n = dsc.rms_norm %s, %w : tensor<2x16xf32>, tensor<16xf32>
  %m = dsc.mul %n, %x : tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}

// -----

// layer_norm ends a group like rms_norm; its weight and bias are operands, never edges.
// CHECK-LABEL: func.func @residual_layer_norm
// CHECK-NEXT:    %[[F:.+]]:2 = dsc.fusion(%{{.+}}, %{{.+}}, %[[W:.+]], %[[B:.+]]) : (tensor<2x16xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16xf32>)
// CHECK:           dsc.add
// CHECK-NEXT:      dsc.layer_norm
// CHECK-NEXT:      dsc.yield
// NOROW-LABEL: func.func @residual_layer_norm
// NOROW-NOT:     dsc.fusion
func.func @residual_layer_norm(%x: tensor<2x16xf32>, %a: tensor<2x16xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
  %s = dsc.add %x, %a : tensor<2x16xf32>
  %n = dsc.layer_norm %s, %w, %b : tensor<2x16xf32>, tensor<16xf32>, tensor<16xf32>
  return %s, %n : tensor<2x16xf32>, tensor<2x16xf32>
}

// -----

// Scaled scores and their softmax over the last axis: one row kernel, the scale a literal.
// CHECK-LABEL: func.func @scaled_softmax
// CHECK-NEXT:    dsc.fusion(%{{.+}}) : (tensor<4x32xf32>) -> tensor<4x32xf32>
// CHECK:           dsc.constant dense<1.250000e-01>
// CHECK-NEXT:      dsc.mul
// CHECK-NEXT:      dsc.softmax
// CHECK-NEXT:      dsc.yield
// Without row-wise fusion the mul is fused alone, for its constant.
// NOROW-LABEL: func.func @scaled_softmax
// NOROW:         dsc.fusion
// NOROW-NOT:       dsc.softmax
// NOROW:         dsc.softmax
func.func @scaled_softmax(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %c = dsc.constant dense<0.125> : tensor<4x32xf32>
  %s = dsc.mul %x, %c : tensor<4x32xf32>
  %p = dsc.softmax %s : tensor<4x32xf32>
  return %p : tensor<4x32xf32>
}

// -----

// A softmax over another axis is not a row of the kernel: the mul is fused alone (it reads a
// constant), the softmax stays.
// CHECK-LABEL: func.func @softmax_first_axis
// CHECK:         %[[F:.+]] = dsc.fusion
// CHECK-NOT:       dsc.softmax
// CHECK:         dsc.softmax %[[F]] {axis = 0 : i64}
func.func @softmax_first_axis(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %c = dsc.constant dense<0.125> : tensor<4x32xf32>
  %s = dsc.mul %x, %c : tensor<4x32xf32>
  %p = dsc.softmax %s {axis = 0 : i64} : tensor<4x32xf32>
  return %p : tensor<4x32xf32>
}

// -----

// Dead ops are left for canonicalization: no fusion whose results nobody reads.
// CHECK-LABEL: func.func @dead_ops
// CHECK-NEXT:    dsc.exp
// CHECK-NEXT:    dsc.neg
// CHECK-NEXT:    dsc.rms_norm
// CHECK-NEXT:    return
func.func @dead_ops(%x: tensor<2x16xf32>, %w: tensor<16xf32>) {
  %e = dsc.exp %x : tensor<2x16xf32>
  %n = dsc.neg %e : tensor<2x16xf32>
  %r = dsc.rms_norm %e, %w : tensor<2x16xf32>, tensor<16xf32>
  return
}

// -----

// A norm alone is its own row kernel already.
// CHECK-LABEL: func.func @norm_alone
// CHECK-NOT:     dsc.fusion
func.func @norm_alone(%x: tensor<2x16xf32>, %w: tensor<16xf32>) -> tensor<2x16xf32> {
  %n = dsc.rms_norm %x, %w : tensor<2x16xf32>, tensor<16xf32>
  return %n : tensor<2x16xf32>
}

// Differential: the examples through the interpreter before and after the pass, on the same
// inputs and weights. Every fused op rounds as it did alone, so the outputs are identical.
// RUN: dsc-interp %dsc_src/examples/llama_layer.dsg -D B=1 -D T=40 -D D=128 -D H=4 -D HKV=2 -D F=256 --random-weights 1 --seed 3 --compare-pipeline='builtin.module(canonicalize,cse,dsc-fuse-elementwise)' | FileCheck %s --check-prefix=LAYER
// LAYER: ok    y  bf16[1, 40, 128]  max_abs=0  rel_fro=0
// RUN: dsc-interp %dsc_src/examples/mlp.dsg -D B=4 --random-weights 1 --seed 3 --compare-pipeline='builtin.module(canonicalize,cse,dsc-fuse-elementwise)' | FileCheck %s --check-prefix=MLP
// MLP: ok    logits  f32[4, 10]  max_abs=0  rel_fro=0
// RUN: dsc-interp %dsc_src/examples/llama.dsg --random-weights 1 --seed 3 --compare-pipeline='builtin.module(canonicalize,cse,dsc-fuse-elementwise)' | FileCheck %s --check-prefix=LLAMA
// LLAMA: ok    logits  f32[2, 64, 1000]  max_abs=0  rel_fro=0
// RUN: dsc-interp %S/Inputs/fusion_rowwise.mlir --random-weights 1 --seed 3 --compare-pipeline='builtin.module(canonicalize,cse,dsc-fuse-elementwise)' | FileCheck %s --check-prefix=ROWS
// ROWS: ok    act  bf16[6, 96]  max_abs=0  rel_fro=0
// ROWS: ok    normed  bf16[6, 96]  max_abs=0  rel_fro=0
// ROWS: ok    probs  f16[6, 40]  max_abs=0  rel_fro=0
// ROWS: ok    residual  bf16[6, 96]  max_abs=0  rel_fro=0
// The same fusions compile: kernels generated and built by NVRTC into an artifact.
// RUN: dsc %S/Inputs/fusion_rowwise.mlir -o %t.rows.dsx
// RUN: dsc-interp %dsc_src/examples/moe_layer-v3.dsg -D B=2 -D T=32 -D D=128 -D FE=64 -D E=16 -D G=4 -D TG=2 -D K=4 --random-weights 1 --seed 3 --compare-pipeline='builtin.module(canonicalize,cse,dsc-fuse-elementwise)' | FileCheck %s --check-prefix=MOEV3
// MOEV3: ok    y  bf16[2, 32, 128]  max_abs=0  rel_fro=0
// After the FP8 precision pass (quantize and scaled_matmul are opaque: fused around, never into).
// RUN: dsc %dsc_src/examples/llama_layer.dsg -D B=1 -D T=40 -D D=128 -D H=4 -D HKV=2 -D F=256 --precision=fp8 -O1 -o %t.fp8.mlir
// RUN: dsc-interp %t.fp8.mlir --random-weights 1 --seed 3 --compare-pipeline='builtin.module(dsc-fuse-elementwise)' | FileCheck %s --check-prefix=FP8
// FP8: ok    y  bf16[1, 40, 128]  max_abs=0  rel_fro=0

// The driver fuses at -O2 (the default) only, after the GEMM-epilogue pass.
// RUN: dsc %dsc_src/test/gpu/models/fusion.dsg | FileCheck %s --check-prefix=O2
// O2-COUNT-5: dsc.fusion(
// RUN: dsc %dsc_src/test/gpu/models/fusion.dsg -O1 | FileCheck %s --check-prefix=O1
// O1-NOT: dsc.fusion
// O1: dsc.gelu
// O1-NOT: dsc.fusion
