// dsc-fuse-quantize: a blockwise dsc.quantize moves into the dsc.fusion that computes its input
// (or into a new fusion with a lone elementwise or row-wise producer); the quantized tensor stays
// a result only while another op reads it. Per-tensor quantizes, other producers, a second
// quantize and a row-wise fusion's other values stay as they are. The verifier's errors are in
// test/ir/fusion_invalid.mlir.

// RUN: dsc-opt %s --split-input-file --dsc-fuse-quantize | FileCheck %s

// attn_norm: a lone rms_norm and its quantize become one row kernel writing only fp8 and scales.
// CHECK-LABEL: func.func @norm_alone
// CHECK-SAME:    (%[[X:.+]]: tensor<4x256xbf16>, %[[W:.+]]: tensor<256xbf16>)
// CHECK-NEXT:    %[[F:.+]]:2 = dsc.fusion(%[[X]], %[[W]]) : (tensor<4x256xbf16>, tensor<256xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<2x4xf32>) {
// CHECK-NEXT:    ^bb0(%[[XA:.+]]: tensor<4x256xbf16>, %[[WA:.+]]: tensor<256xbf16>):
// CHECK-NEXT:      %[[H:.+]] = dsc.rms_norm %[[XA]], %[[WA]]
// CHECK-NEXT:      %[[FP8:.+]], %[[FP8_SCALE:.+]] = dsc.quantize %[[H]] {recipe = "blockwise"}
// CHECK-NEXT:      dsc.yield %[[FP8]], %[[FP8_SCALE]] : tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F]]#0, %[[F]]#1
func.func @norm_alone(%x: tensor<4x256xbf16>, %w: tensor<256xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<2x4xf32>) {
  %h = dsc.rms_norm %x, %w {eps = 1.0e-5 : f32} : tensor<4x256xbf16>, tensor<256xbf16>
  %q, %s = dsc.quantize %h {recipe = "blockwise"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
  return %q, %s : tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
}

// -----

// silu(g) * u: the quantize joins the elementwise fusion; the bf16 product never reaches memory.
// CHECK-LABEL: func.func @swiglu
// CHECK:         %[[F:.+]]:2 = dsc.fusion(%{{.+}}, %{{.+}}) : (tensor<4x256xbf16>, tensor<4x256xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<2x4xf32>)
// CHECK:           %[[S:.+]] = dsc.silu
// CHECK-NEXT:      %[[M:.+]] = dsc.mul %[[S]]
// CHECK-NEXT:      %[[FP8:.+]], %[[FP8_SCALE:.+]] = dsc.quantize %[[M]]
// CHECK-NEXT:      dsc.yield %[[FP8]], %[[FP8_SCALE]]
// CHECK:         return %[[F]]#0, %[[F]]#1
func.func @swiglu(%g: tensor<4x256xbf16>, %u: tensor<4x256xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<2x4xf32>) {
  %0 = dsc.fusion(%g, %u) : (tensor<4x256xbf16>, tensor<4x256xbf16>) -> tensor<4x256xbf16> {
  ^bb0(%a: tensor<4x256xbf16>, %b: tensor<4x256xbf16>):
    %s = dsc.silu %a : tensor<4x256xbf16>
    %m = dsc.mul %s, %b : tensor<4x256xbf16>
    dsc.yield %m : tensor<4x256xbf16>
  }
  %q, %s = dsc.quantize %0 {recipe = "blockwise"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
  return %q, %s : tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
}

// -----

// The residual sum and the norm of a row fusion: the quantize of the norm joins; the sum stays a
// result, and so does the norm, which another op still reads (multi-output).
// CHECK-LABEL: func.func @residual_norm_kept
// CHECK:         %[[F:.+]]:4 = dsc.fusion(%{{.+}}, %{{.+}}, %{{.+}}) : (tensor<6x128xbf16>, tensor<6x128xbf16>, tensor<128xbf16>) -> (tensor<6x128xbf16>, tensor<6x128xbf16>, tensor<6x128xf8E4M3FN>, tensor<1x8xf32>)
// CHECK:           %[[SUM:.+]] = dsc.add
// CHECK-NEXT:      %[[H:.+]] = dsc.rms_norm %[[SUM]]
// CHECK-NEXT:      %[[FP8:.+]], %[[FP8_SCALE:.+]] = dsc.quantize %[[H]]
// CHECK-NEXT:      dsc.yield %[[SUM]], %[[H]], %[[FP8]], %[[FP8_SCALE]]
// CHECK:         %[[E:.+]] = dsc.exp %[[F]]#1
// CHECK-NEXT:    return %[[F]]#0, %[[E]], %[[F]]#2, %[[F]]#3
func.func @residual_norm_kept(%x: tensor<6x128xbf16>, %a: tensor<6x128xbf16>, %w: tensor<128xbf16>) -> (tensor<6x128xbf16>, tensor<6x128xbf16>, tensor<6x128xf8E4M3FN>, tensor<1x8xf32>) {
  %0:2 = dsc.fusion(%x, %a, %w) : (tensor<6x128xbf16>, tensor<6x128xbf16>, tensor<128xbf16>) -> (tensor<6x128xbf16>, tensor<6x128xbf16>) {
  ^bb0(%x0: tensor<6x128xbf16>, %a0: tensor<6x128xbf16>, %w0: tensor<128xbf16>):
    %s = dsc.add %x0, %a0 : tensor<6x128xbf16>
    %n = dsc.rms_norm %s, %w0 : tensor<6x128xbf16>, tensor<128xbf16>
    dsc.yield %s, %n : tensor<6x128xbf16>, tensor<6x128xbf16>
  }
  %q, %qs = dsc.quantize %0#1 {recipe = "blockwise"} : tensor<6x128xbf16> -> tensor<6x128xf8E4M3FN>, tensor<1x8xf32>
  %e = dsc.exp %0#1 : tensor<6x128xbf16>
  return %0#0, %e, %q, %qs : tensor<6x128xbf16>, tensor<6x128xbf16>, tensor<6x128xf8E4M3FN>, tensor<1x8xf32>
}

// -----

// A lone elementwise op in f32 (one 1 x 128 tile spans a whole warp at 4 elements a lane).
// CHECK-LABEL: func.func @lone_f32_elementwise
// CHECK:         dsc.fusion
// CHECK:           %[[T:.+]] = dsc.tanh
// CHECK-NEXT:      dsc.quantize %[[T]]
// CHECK-NOT:     dsc.quantize
func.func @lone_f32_elementwise(%x: tensor<2x128xf32>) -> (tensor<2x128xf8E4M3FN>, tensor<1x4xf32>) {
  %t = dsc.tanh %x : tensor<2x128xf32>
  %q, %s = dsc.quantize %t {recipe = "blockwise"} : tensor<2x128xf32> -> tensor<2x128xf8E4M3FN>, tensor<1x4xf32>
  return %q, %s : tensor<2x128xf8E4M3FN>, tensor<1x4xf32>
}

// -----

// The per-tensor recipe needs the whole tensor's amax before any value: not fused.
// CHECK-LABEL: func.func @tensor_recipe
// CHECK-NEXT:    dsc.rms_norm
// CHECK-NEXT:    dsc.quantize %{{.+}} {recipe = "tensor"}
// CHECK-NOT:     dsc.fusion
func.func @tensor_recipe(%x: tensor<4x256xbf16>, %w: tensor<256xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<1xf32>) {
  %h = dsc.rms_norm %x, %w {eps = 1.0e-5 : f32} : tensor<4x256xbf16>, tensor<256xbf16>
  %q, %s = dsc.quantize %h {recipe = "tensor"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<1xf32>
  return %q, %s : tensor<4x256xf8E4M3FN>, tensor<1xf32>
}

// -----

// An argument, and the result of an op that no fused kernel runs (a transpose here, attention in
// llama_layer): the quantize stays a kernel of its own.
// CHECK-LABEL: func.func @other_producers
// CHECK-NOT:     dsc.fusion
// CHECK:         dsc.quantize %arg0
// CHECK:         dsc.transpose
// CHECK-NEXT:    dsc.quantize
func.func @other_producers(%x: tensor<4x256xbf16>, %y: tensor<256x4xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<2x4xf32>, tensor<4x256xf8E4M3FN>, tensor<2x4xf32>) {
  %q, %s = dsc.quantize %x {recipe = "blockwise"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
  %t = dsc.transpose %y {permutation = array<i64: 1, 0>} : tensor<256x4xbf16> -> tensor<4x256xbf16>
  %q2, %s2 = dsc.quantize %t {recipe = "blockwise"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
  return %q, %s, %q2, %s2 : tensor<4x256xf8E4M3FN>, tensor<2x4xf32>, tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
}

// -----

// A row fusion's residual sum is not what its kernel writes last: its quantize stays outside.
// CHECK-LABEL: func.func @row_fusion_other_value
// CHECK:         %[[F:.+]]:2 = dsc.fusion
// CHECK-NOT:       dsc.quantize
// CHECK:         dsc.yield
// CHECK:         dsc.quantize %[[F]]#0
func.func @row_fusion_other_value(%x: tensor<4x128xbf16>, %a: tensor<4x128xbf16>, %w: tensor<128xbf16>) -> (tensor<4x128xbf16>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>) {
  %0:2 = dsc.fusion(%x, %a, %w) : (tensor<4x128xbf16>, tensor<4x128xbf16>, tensor<128xbf16>) -> (tensor<4x128xbf16>, tensor<4x128xbf16>) {
  ^bb0(%x0: tensor<4x128xbf16>, %a0: tensor<4x128xbf16>, %w0: tensor<128xbf16>):
    %s = dsc.add %x0, %a0 : tensor<4x128xbf16>
    %n = dsc.rms_norm %s, %w0 : tensor<4x128xbf16>, tensor<128xbf16>
    dsc.yield %s, %n : tensor<4x128xbf16>, tensor<4x128xbf16>
  }
  %q, %qs = dsc.quantize %0#0 {recipe = "blockwise"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
  return %0#1, %q, %qs : tensor<4x128xbf16>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
}

// -----

// Two quantizes of one value (CSE merges them at -O1; dsc-opt alone may not): the first joins,
// the second finds a fusion that holds one already and stays.
// CHECK-LABEL: func.func @second_quantize
// CHECK:         %[[F:.+]]:3 = dsc.fusion
// CHECK:           dsc.quantize
// CHECK:         dsc.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    dsc.quantize %[[F]]#0
func.func @second_quantize(%g: tensor<4x256xbf16>) -> (tensor<4x256xf8E4M3FN>, tensor<2x4xf32>, tensor<4x256xf8E4M3FN>, tensor<2x4xf32>) {
  %m = dsc.silu %g : tensor<4x256xbf16>
  %q, %s = dsc.quantize %m {recipe = "blockwise"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
  %q2, %s2 = dsc.quantize %m {recipe = "blockwise"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
  return %q, %s, %q2, %s2 : tensor<4x256xf8E4M3FN>, tensor<2x4xf32>, tensor<4x256xf8E4M3FN>, tensor<2x4xf32>
}
