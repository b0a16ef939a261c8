// dsc-weight-layout: weights read only by plain float matmuls are stored K-major.
// RUN: dsc-opt %s --split-input-file --dsc-weight-layout | FileCheck %s

// Two matmuls on one weight: one transposed param (its shard hint transposed too), both read
// it with transpose_b.
// CHECK-LABEL: func.func @shared
// CHECK:       %[[W:.*]] = dsc.transposed_param "w" {dsc.shard = {dims = {{\[\["tp"\], \[\]\]}}}} : tensor<384x256xbf16>
// CHECK:       dsc.matmul %arg0, %[[W]] {transpose_b = true} : (tensor<4x256xbf16>, tensor<384x256xbf16>) -> tensor<4x384xbf16>
// CHECK:       dsc.matmul %arg1, %[[W]] {transpose_b = true}
// CHECK-NOT:   dsc.param
func.func @shared(%x: tensor<4x256xbf16>, %y: tensor<2x8x256xbf16>) -> (tensor<4x384xbf16>, tensor<2x8x384xbf16>) {
  %w = dsc.param "w" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<256x384xbf16>
  %a = dsc.matmul %x, %w : (tensor<4x256xbf16>, tensor<256x384xbf16>) -> tensor<4x384xbf16>
  %b = dsc.matmul %y, %w : (tensor<2x8x256xbf16>, tensor<256x384xbf16>) -> tensor<2x8x384xbf16>
  return %a, %b : tensor<4x384xbf16>, tensor<2x8x384xbf16>
}

// -----

// Any other use keeps the weight as it is: a gather (tied embeddings), a left operand, an
// already transposed read, an integer product, a batched weight.
// CHECK-LABEL: func.func @stays
// CHECK-NOT:   dsc.transposed_param
// CHECK:       return
func.func @stays(%ids: tensor<4xi32>, %x: tensor<4x64xbf16>, %i: tensor<4x8xi32>, %h: tensor<2x4x64xbf16>)
    -> (tensor<4x64xbf16>, tensor<4x128xbf16>, tensor<64x64xbf16>, tensor<4x128xbf16>, tensor<4x8xi32>, tensor<2x4x64xbf16>) {
  %e = dsc.param "embed" : tensor<128x64xbf16>
  %g = dsc.gather %e, %ids {axis = 0 : i64} : (tensor<128x64xbf16>, tensor<4xi32>) -> tensor<4x64xbf16>
  %l = dsc.matmul %x, %e {transpose_b = true} : (tensor<4x64xbf16>, tensor<128x64xbf16>) -> tensor<4x128xbf16>
  %w = dsc.param "w" : tensor<64x64xbf16>
  %m = dsc.matmul %w, %w : (tensor<64x64xbf16>, tensor<64x64xbf16>) -> tensor<64x64xbf16>
  %t = dsc.param "t" : tensor<128x64xbf16>
  %n = dsc.matmul %x, %t {transpose_b = true} : (tensor<4x64xbf16>, tensor<128x64xbf16>) -> tensor<4x128xbf16>
  %k = dsc.param "k" : tensor<8x8xi32>
  %p = dsc.matmul %i, %k : (tensor<4x8xi32>, tensor<8x8xi32>) -> tensor<4x8xi32>
  %bw = dsc.param "bw" : tensor<2x64x64xbf16>
  %q = dsc.matmul %h, %bw : (tensor<2x4x64xbf16>, tensor<2x64x64xbf16>) -> tensor<2x4x64xbf16>
  return %g, %l, %m, %n, %p, %q : tensor<4x64xbf16>, tensor<4x128xbf16>, tensor<64x64xbf16>, tensor<4x128xbf16>, tensor<4x8xi32>, tensor<2x4x64xbf16>
}
