// dsc-promote-to-f32: what cannot be computed in f32 is an error at its op, reported before
// anything changes (never a partial promotion).

// RUN: dsc-opt %s --split-input-file --dsc-promote-to-f32 --verify-diagnostics

// A callee keeps its signature, so its call cannot take or give f32 in place of bf16.
func.func private @helper(tensor<4xbf16>) -> tensor<4xbf16>

func.func @call(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %e = dsc.exp %x : tensor<4xbf16>
  // expected-error @+1 {{'func.call' op has low-precision float operands or results; dsc-promote-to-f32 promotes dsc and shard ops only}}
  %y = func.call @helper(%e) : (tensor<4xbf16>) -> tensor<4xbf16>
  return %y : tensor<4xbf16>
}

// -----

// Ops of other dialects are not retyped blindly.
func.func @other_dialect(%x: tensor<4xf16>) -> tensor<4xf16> {
  // expected-error @+1 {{'arith.addf' op has low-precision float operands or results}}
  %y = arith.addf %x, %x : tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

// A constant whose elements live in a resource blob has no values to convert here.
func.func @resource_constant() -> tensor<2xbf16> {
  // expected-error @+1 {{'dsc.constant' op has a constant that is not dense elements; cannot promote it to f32}}
  %c = dsc.constant dense_resource<blob> : tensor<2xbf16>
  return %c : tensor<2xbf16>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x02000000803F0040"
    }
  }
#-}

// -----

// An attribute holding a low-precision type that the pass does not know how to rewrite.
func.func @unknown_typed_attribute(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  // expected-error @+1 {{'dsc.exp' op has attribute 'scale' of type 'bf16', which dsc-promote-to-f32 cannot promote}}
  %y = dsc.exp %x {scale = 2.0 : bf16} : tensor<4xbf16>
  return %y : tensor<4xbf16>
}
