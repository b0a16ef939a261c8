// dsc-lower-to-plan: what has no plan lowering is an error at the op that cannot be lowered.

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan --verify-diagnostics

func.func @integer_matmul(%a: tensor<4x8xi32>, %b: tensor<8x4xi32>) -> tensor<4x4xi32> {
  // expected-error @+1 {{integer matmul has no lowering to the execution plan (cuBLASLt GEMMs are planned for floating-point types only)}}
  %c = dsc.matmul %a, %b : (tensor<4x8xi32>, tensor<8x4xi32>) -> tensor<4x4xi32>
  return %c : tensor<4x4xi32>
}

// -----

func.func @fp8_not_tn(%a: tensor<16x64xf8E4M3FN>, %b: tensor<64x32xf8E4M3FN>) -> tensor<16x32xbf16> {
  // expected-error @+1 {{fp8 matmul needs transpose_b = true and transpose_a = false: cuBLASLt runs fp8 GEMMs in the TN layout only}}
  %c = dsc.matmul %a, %b {out_type = bf16} : (tensor<16x64xf8E4M3FN>, tensor<64x32xf8E4M3FN>) -> tensor<16x32xbf16>
  return %c : tensor<16x32xbf16>
}

// -----

func.func @other_dialect(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = dsc.exp %x : tensor<4xf32>
  // expected-error @+1 {{'arith.addf' op has no lowering to the execution plan}}
  %y = arith.addf %e, %e : tensor<4xf32>
  return %y : tensor<4xf32>
}
