// The FP8 ops print and parse back; their shapes follow the cuBLASLt layouts.
// RUN: dsc-opt %s | dsc-opt | FileCheck %s

// CHECK-LABEL: func.func @blockwise
func.func @blockwise(%x: tensor<2x16x256xbf16>) -> tensor<2x16x384xbf16> {
  // CHECK: dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x384xbf16>} : tensor<384x256xf8E4M3FN>, tensor<3x4xf32>
  %w, %ws = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x384xbf16>}
      : tensor<384x256xf8E4M3FN>, tensor<3x4xf32>
  // CHECK: dsc.quantize %{{.*}} {recipe = "blockwise"} : tensor<2x16x256xbf16> -> tensor<2x16x256xf8E4M3FN>, tensor<2x32xf32>
  %q, %s = dsc.quantize %x {recipe = "blockwise"}
      : tensor<2x16x256xbf16> -> tensor<2x16x256xf8E4M3FN>, tensor<2x32xf32>
  // CHECK: dsc.scaled_matmul
  // CHECK-SAME: -> tensor<2x16x384xbf16>
  %y = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "blockwise"}
      : (tensor<2x16x256xf8E4M3FN>, tensor<2x32xf32>, tensor<384x256xf8E4M3FN>, tensor<3x4xf32>)
      -> tensor<2x16x384xbf16>
  return %y : tensor<2x16x384xbf16>
}

// CHECK-LABEL: func.func @tensor
func.func @tensor(%x: tensor<8x100xf16>) -> tensor<8x60xf32> {
  // CHECK: tensor<60x100xf8E4M3FN>, tensor<1xf32>
  %w, %ws = dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<100x60xf32>}
      : tensor<60x100xf8E4M3FN>, tensor<1xf32>
  %q, %s = dsc.quantize %x {recipe = "tensor"} : tensor<8x100xf16> -> tensor<8x100xf8E4M3FN>, tensor<1xf32>
  %y = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "tensor"}
      : (tensor<8x100xf8E4M3FN>, tensor<1xf32>, tensor<60x100xf8E4M3FN>, tensor<1xf32>) -> tensor<8x60xf32>
  return %y : tensor<8x60xf32>
}

// A rank's part of a weight on a mesh: the piece at column 256, split over tp.
module {
  shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
  // CHECK-LABEL: func.func @rank_part
  func.func @rank_part() -> (tensor<128x256xf8E4M3FN>, tensor<1x4xf32>) {
    // CHECK: dsc.quantized_param "wqkv" {recipe = "blockwise", source_start = array<i64: 0, 256>, source_type = tensor<256x768xbf16>, split_axes = [array<i32>, array<i32: 0>]} : tensor<128x256xf8E4M3FN>, tensor<1x4xf32>
    %w, %ws = dsc.quantized_param "wqkv" {recipe = "blockwise", source_type = tensor<256x768xbf16>, source_start = array<i64: 0, 256>, split_axes = [array<i32>, array<i32: 0>]} : tensor<128x256xf8E4M3FN>, tensor<1x4xf32>
    return %w, %ws : tensor<128x256xf8E4M3FN>, tensor<1x4xf32>
  }
}
