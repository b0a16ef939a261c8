// dsc-lower-to-plan with attention=cudnn: an attention cuDNN cannot take is an error at the op
// (attention=auto would give it the generated kernel); an unknown option value is an error.

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan="attention=cudnn" --verify-diagnostics
// RUN: not dsc-opt %s --dsc-lower-to-plan="attention=flash" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: dsc-lower-to-plan: attention must be auto, cudnn or generated, got 'flash'

func.func @f32(%q: tensor<1x16x2x32xf32>, %k: tensor<1x16x2x32xf32>, %v: tensor<1x16x2x32xf32>) -> tensor<1x16x2x32xf32> {
  // expected-error @+1 {{'dsc.attention' op cannot run on cuDNN (--attention=cudnn): it computes in f32; cuDNN's fused attention takes bf16 or f16; use --attention=auto to fall back to the generated kernel}}
  %o = dsc.attention %q, %k, %v : (tensor<1x16x2x32xf32>, tensor<1x16x2x32xf32>, tensor<1x16x2x32xf32>) -> tensor<1x16x2x32xf32>
  return %o : tensor<1x16x2x32xf32>
}

// -----

func.func @causal_tq_gt_tk(%q: tensor<1x128x2x64xbf16>, %k: tensor<1x64x2x64xbf16>, %v: tensor<1x64x2x64xbf16>) -> tensor<1x128x2x64xbf16> {
  // expected-error @+1 {{'dsc.attention' op cannot run on cuDNN (--attention=cudnn): it is causal with more queries (128) than keys (64)}}
  %o = dsc.attention %q, %k, %v {causal = true} : (tensor<1x128x2x64xbf16>, tensor<1x64x2x64xbf16>, tensor<1x64x2x64xbf16>) -> tensor<1x128x2x64xbf16>
  return %o : tensor<1x128x2x64xbf16>
}
