// dsc-fuse-gemm-epilogue: a residual add folds into the GEMM before it.
// RUN: dsc-opt %s --split-input-file --dsc-fuse-gemm-epilogue | FileCheck %s

// x + matmul(h, w): the GEMM reads x as C.
// CHECK-LABEL: func.func @residual
// CHECK:       %[[Y:.*]] = dsc.matmul %arg1, %arg2, %arg0 {dsc.precision = "bf16"} : (tensor<4x64xbf16>, tensor<64x64xbf16>, tensor<4x64xbf16>) -> tensor<4x64xbf16>
// CHECK-NOT:   dsc.add
// CHECK:       return %[[Y]]
func.func @residual(%x: tensor<4x64xbf16>, %h: tensor<4x64xbf16>, %w: tensor<64x64xbf16>) -> tensor<4x64xbf16> {
  %p = dsc.matmul %h, %w {dsc.precision = "bf16"} : (tensor<4x64xbf16>, tensor<64x64xbf16>) -> tensor<4x64xbf16>
  %y = dsc.add %x, %p : tensor<4x64xbf16>
  return %y : tensor<4x64xbf16>
}

// -----

// Product on the left, and a scaled (fp8) GEMM.
// CHECK-LABEL: func.func @scaled_left
// CHECK:       %[[Y:.*]] = dsc.scaled_matmul %arg0, %arg1, %arg2, %arg3, %arg4 {recipe = "blockwise"}
// CHECK-NOT:   dsc.add
func.func @scaled_left(%q: tensor<4x128xf8E4M3FN>, %s: tensor<1x4xf32>, %w: tensor<128x128xf8E4M3FN>,
                       %ws: tensor<1x4xf32>, %x: tensor<4x128xbf16>) -> tensor<4x128xbf16> {
  %p = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "blockwise"}
      : (tensor<4x128xf8E4M3FN>, tensor<1x4xf32>, tensor<128x128xf8E4M3FN>, tensor<1x4xf32>) -> tensor<4x128xbf16>
  %y = dsc.add %p, %x : tensor<4x128xbf16>
  return %y : tensor<4x128xbf16>
}

// -----

// The product has another use: folding would compute it twice. Nothing changes.
// CHECK-LABEL: func.func @product_used_twice
// CHECK:       dsc.matmul %arg1, %arg2 :
// CHECK:       dsc.add
func.func @product_used_twice(%x: tensor<4x64xbf16>, %h: tensor<4x64xbf16>, %w: tensor<64x64xbf16>)
    -> (tensor<4x64xbf16>, tensor<4x64xbf16>) {
  %p = dsc.matmul %h, %w : (tensor<4x64xbf16>, tensor<64x64xbf16>) -> tensor<4x64xbf16>
  %y = dsc.add %x, %p : tensor<4x64xbf16>
  return %y, %p : tensor<4x64xbf16>, tensor<4x64xbf16>
}

// -----

// Integer products have no epilogue; two adds in a row fold only the first.
// CHECK-LABEL: func.func @int_and_chain
// CHECK:       dsc.matmul %arg0, %arg1 : (tensor<4x8xi32>, tensor<8x8xi32>) -> tensor<4x8xi32>
// CHECK:       dsc.add
// CHECK:       %[[F:.*]] = dsc.matmul %arg2, %arg3, %arg4 :
// CHECK:       dsc.add %[[F]], %arg4
func.func @int_and_chain(%a: tensor<4x8xi32>, %b: tensor<8x8xi32>, %h: tensor<4x64xf32>,
                         %w: tensor<64x64xf32>, %x: tensor<4x64xf32>) -> (tensor<4x8xi32>, tensor<4x64xf32>) {
  %p = dsc.matmul %a, %b : (tensor<4x8xi32>, tensor<8x8xi32>) -> tensor<4x8xi32>
  %s = dsc.add %p, %p : tensor<4x8xi32>
  %q = dsc.matmul %h, %w : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32>
  %t = dsc.add %x, %q : tensor<4x64xf32>
  %u = dsc.add %t, %x : tensor<4x64xf32>
  return %s, %u : tensor<4x8xi32>, tensor<4x64xf32>
}
