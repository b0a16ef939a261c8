// dsc-promote-to-f32 (dsc --precision=fp32): bf16/f16/fp8 values computed in f32, with the
// arguments, weights and results keeping their declared types.

// RUN: dsc-opt %s --split-input-file --dsc-promote-to-f32 --verify-diagnostics | FileCheck %s

// Arguments and weights are cast once; every op computes in f32; the result is cast back.
// CHECK-LABEL: func.func @args_params_return
// CHECK-SAME:    (%[[X:.*]]: tensor<4x8xbf16>) -> tensor<4x8xbf16>
// CHECK-NEXT:    %[[XF:.*]] = dsc.cast %[[X]] : tensor<4x8xbf16> -> tensor<4x8xf32>
// CHECK-NEXT:    %[[W:.*]] = dsc.param "w" : tensor<8xbf16>
// CHECK-NEXT:    %[[WF:.*]] = dsc.cast %[[W]] : tensor<8xbf16> -> tensor<8xf32>
// CHECK-NEXT:    %[[N:.*]] = dsc.rms_norm %[[XF]], %[[WF]] {{.*}}: tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT:    %[[S:.*]] = dsc.silu %[[N]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[Y:.*]] = dsc.cast %[[S]] : tensor<4x8xf32> -> tensor<4x8xbf16>
// CHECK-NEXT:    return %[[Y]]
func.func @args_params_return(%x: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %w = dsc.param "w" : tensor<8xbf16>
  %n = dsc.rms_norm %x, %w {eps = 1.0e-5 : f32} : tensor<4x8xbf16>, tensor<8xbf16>
  %s = dsc.silu %n : tensor<4x8xbf16>
  return %s : tensor<4x8xbf16>
}

// -----

// A matmul's low-precision out_type becomes f32; an f32 out_type stays.
// CHECK-LABEL: func.func @matmul_out_type
// CHECK:         dsc.matmul %{{.*}}, %{{.*}} {out_type = f32} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK:         dsc.matmul %{{.*}}, %{{.*}} {out_type = f32} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
func.func @matmul_out_type(%a: tensor<2x4xf16>, %b: tensor<4x3xf16>) -> (tensor<2x3xbf16>, tensor<2x3xf32>) {
  %c = dsc.matmul %a, %b {out_type = bf16} : (tensor<2x4xf16>, tensor<4x3xf16>) -> tensor<2x3xbf16>
  %d = dsc.matmul %a, %b {out_type = f32} : (tensor<2x4xf16>, tensor<4x3xf16>) -> tensor<2x3xf32>
  return %c, %d : tensor<2x3xbf16>, tensor<2x3xf32>
}

// -----

// Casts between float types inside the graph vanish; casts to integers stay.
// CHECK-LABEL: func.func @casts
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[E:.*]] = dsc.exp %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[I:.*]] = dsc.cast %[[E]] : tensor<4xf32> -> tensor<4xi32>
// CHECK-NEXT:    %[[B:.*]] = dsc.cast %[[E]] : tensor<4xf32> -> tensor<4xf16>
// CHECK-NEXT:    return %[[I]], %[[B]]
func.func @casts(%x: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xf16>) {
  %a = dsc.cast %x : tensor<4xf32> -> tensor<4xbf16>
  %e = dsc.exp %a : tensor<4xbf16>
  %i = dsc.cast %e : tensor<4xbf16> -> tensor<4xi32>
  %h = dsc.cast %e : tensor<4xbf16> -> tensor<4xf16>
  return %i, %h : tensor<4xi32>, tensor<4xf16>
}

// -----

// Constants are converted exactly; integer tensors are untouched.
// CHECK-LABEL: func.func @constants_and_ints
// CHECK-DAG:     dsc.constant dense<[1.000000e+00, 1.250000e+00, -3.000000e+00]> : tensor<3xf32>
// CHECK-DAG:     dsc.constant dense<[1, 2, 3]> : tensor<3xi32>
func.func @constants_and_ints() -> (tensor<3xbf16>, tensor<3xi32>) {
  %c = dsc.constant dense<[1.0, 1.25, -3.0]> : tensor<3xbf16>
  %i = dsc.constant dense<[1, 2, 3]> : tensor<3xi32>
  return %c, %i : tensor<3xbf16>, tensor<3xi32>
}

// -----

// Several results: split, and attention over the pieces.
// CHECK-LABEL: func.func @split_attention
// CHECK:         dsc.split %{{.*}} {{.*}}: tensor<1x4x3x8xf32> -> tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32>
// CHECK:         dsc.attention {{.*}} -> tensor<1x4x1x8xf32>
// CHECK:         dsc.cast %{{.*}} : tensor<1x4x1x8xf32> -> tensor<1x4x1x8xbf16>
func.func @split_attention(%x: tensor<1x4x3x8xbf16>) -> tensor<1x4x1x8xbf16> {
  %q, %k, %v = dsc.split %x {axis = 2 : i64, sizes = array<i64: 1, 1, 1>} : tensor<1x4x3x8xbf16> -> tensor<1x4x1x8xbf16>, tensor<1x4x1x8xbf16>, tensor<1x4x1x8xbf16>
  %a = dsc.attention %q, %k, %v {causal = true} : (tensor<1x4x1x8xbf16>, tensor<1x4x1x8xbf16>, tensor<1x4x1x8xbf16>) -> tensor<1x4x1x8xbf16>
  return %a : tensor<1x4x1x8xbf16>
}

// -----

// An argument returned as is is cast there and back.
// CHECK-LABEL: func.func @passthrough
// CHECK-NEXT:    %[[F:.*]] = dsc.cast %{{.*}} : tensor<2xf16> -> tensor<2xf32>
// CHECK-NEXT:    %[[B:.*]] = dsc.cast %[[F]] : tensor<2xf32> -> tensor<2xf16>
// CHECK-NEXT:    return %[[B]]
func.func @passthrough(%x: tensor<2xf16>) -> tensor<2xf16> {
  return %x : tensor<2xf16>
}

// Differential: the examples through the interpreter, with the same weights and inputs, before
// and after the pass. The error is the bf16 model's own distance from f32 arithmetic (about 1%
// on llama's logits), so the tolerance is 5% relative Frobenius error, not f32's 1e-5.
// RUN: dsc-interp %dsc_src/examples/llama.dsg --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32)' | FileCheck %s --check-prefix=LLAMA
// LLAMA: ok    logits  f32[2, 64, 1000]  max_abs={{[0-9.e-]+}}  rel_fro=0.0{{[0-9]+}}
// RUN: dsc-interp %dsc_src/examples/moe_layer.dsg --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32)' | FileCheck %s --check-prefix=MOE
// MOE: ok    y  bf16[2, 32, 128]
// RUN: dsc-interp %dsc_src/examples/llama_layer.dsg -D B=1 -D T=40 -D D=128 -D H=4 -D HKV=2 -D F=256 --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32)' | FileCheck %s --check-prefix=LAYER
// LAYER: ok    y  bf16[1, 40, 128]
// RUN: dsc-interp %dsc_src/examples/moe_layer-v3.dsg -D B=2 -D T=32 -D D=128 -D FE=64 -D E=16 -D G=4 -D TG=2 -D K=4 --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32)' | FileCheck %s --check-prefix=V3
// V3: ok    y  bf16[2, 32, 128]
