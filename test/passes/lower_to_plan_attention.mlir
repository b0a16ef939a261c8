// dsc-lower-to-plan's attention backend (option `attention`): `auto`, the default, gives
// cuDNN's fused flash attention (`backend = "cudnn"`) where cuDNN can take the op and the
// generated kernel (no `backend`: the default) elsewhere; `explain` says which and why in a
// remark; `generated` never uses cuDNN; `cudnn` takes what cuDNN can take (its errors are in
// lower_to_plan_cudnn_invalid.mlir; the third RUN checks the
// cases it takes).

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan="explain=true" --verify-diagnostics | FileCheck %s --check-prefix=AUTO
// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan="attention=generated" | FileCheck %s --check-prefix=GEN
// RUN: not dsc-opt %s --split-input-file --dsc-lower-to-plan="attention=cudnn" 2>/dev/null | FileCheck %s --check-prefix=CUDNN

// Grouped-query causal bf16 with tq == tk: cuDNN.
// AUTO-LABEL: func.func @bf16_gqa_causal()
// AUTO:         plan.attention {{.*}}backend = "cudnn"{{.*}}hkv = 2 : i64, hq = 8 : i64
// GEN-LABEL:  func.func @bf16_gqa_causal()
// GEN-NOT:      backend
// CUDNN-LABEL: func.func @bf16_gqa_causal()
// CUDNN:        plan.attention {{.*}}backend = "cudnn"
func.func @bf16_gqa_causal(%q: tensor<2x64x8x64xbf16>, %k: tensor<2x64x2x64xbf16>, %v: tensor<2x64x2x64xbf16>) -> tensor<2x64x8x64xbf16> {
  // expected-remark @+1 {{dsc.attention: runs on cuDNN's fused flash attention (--attention=auto)}}
  %o = dsc.attention %q, %k, %v {causal = true} : (tensor<2x64x8x64xbf16>, tensor<2x64x2x64xbf16>, tensor<2x64x2x64xbf16>) -> tensor<2x64x8x64xbf16>
  return %o : tensor<2x64x8x64xbf16>
}

// -----

// f16, head size 128, causal with fewer queries than keys (bottom-right aligned), both
// multiples of 64: cuDNN.
// AUTO-LABEL: func.func @f16_d128_tq_lt_tk()
// AUTO:         plan.attention {{.*}}backend = "cudnn"{{.*}}dh = 128 : i64{{.*}}tk = 128 : i64, tq = 64 : i64
// CUDNN-LABEL: func.func @f16_d128_tq_lt_tk()
// CUDNN:        plan.attention {{.*}}backend = "cudnn"
func.func @f16_d128_tq_lt_tk(%q: tensor<1x64x4x128xf16>, %k: tensor<1x128x4x128xf16>, %v: tensor<1x128x4x128xf16>) -> tensor<1x64x4x128xf16> {
  // expected-remark @+1 {{dsc.attention: runs on cuDNN's fused flash attention}}
  %o = dsc.attention %q, %k, %v {causal = true} : (tensor<1x64x4x128xf16>, tensor<1x128x4x128xf16>, tensor<1x128x4x128xf16>) -> tensor<1x64x4x128xf16>
  return %o : tensor<1x64x4x128xf16>
}

// -----

// Not causal, more queries than keys, sizes that are not multiples of 64: cuDNN.
// AUTO-LABEL: func.func @bf16_tq_gt_tk()
// AUTO:         plan.attention {{.*}}backend = "cudnn"{{.*}}tk = 50 : i64, tq = 70 : i64
func.func @bf16_tq_gt_tk(%q: tensor<2x70x4x64xbf16>, %k: tensor<2x50x4x64xbf16>, %v: tensor<2x50x4x64xbf16>) -> tensor<2x70x4x64xbf16> {
  // expected-remark @+1 {{dsc.attention: runs on cuDNN's fused flash attention}}
  %o = dsc.attention %q, %k, %v : (tensor<2x70x4x64xbf16>, tensor<2x50x4x64xbf16>, tensor<2x50x4x64xbf16>) -> tensor<2x70x4x64xbf16>
  return %o : tensor<2x70x4x64xbf16>
}

// -----

// f32 falls back to the generated kernel.
// AUTO-LABEL: func.func @f32_falls_back()
// AUTO-NOT:     backend
// AUTO:         plan.attention
// AUTO-NOT:     backend
// AUTO:         return
func.func @f32_falls_back(%q: tensor<1x16x2x32xf32>, %k: tensor<1x16x2x32xf32>, %v: tensor<1x16x2x32xf32>) -> tensor<1x16x2x32xf32> {
  // expected-remark @+1 {{dsc.attention: runs on the generated flash-attention kernel: it computes in f32; cuDNN's fused attention takes bf16 or f16}}
  %o = dsc.attention %q, %k, %v : (tensor<1x16x2x32xf32>, tensor<1x16x2x32xf32>, tensor<1x16x2x32xf32>) -> tensor<1x16x2x32xf32>
  return %o : tensor<1x16x2x32xf32>
}

// -----

// Causal with more queries than keys (rows that see no key) stays generated.
// AUTO-LABEL: func.func @causal_tq_gt_tk()
// AUTO-NOT:     backend
// AUTO:         return
func.func @causal_tq_gt_tk(%q: tensor<1x128x2x64xbf16>, %k: tensor<1x64x2x64xbf16>, %v: tensor<1x64x2x64xbf16>) -> tensor<1x128x2x64xbf16> {
  // expected-remark @+1 {{dsc.attention: runs on the generated flash-attention kernel: it is causal with more queries (128) than keys (64)}}
  %o = dsc.attention %q, %k, %v {causal = true} : (tensor<1x128x2x64xbf16>, tensor<1x64x2x64xbf16>, tensor<1x64x2x64xbf16>) -> tensor<1x128x2x64xbf16>
  return %o : tensor<1x128x2x64xbf16>
}

// -----

// Causal with tq != tk not multiples of 64, dv != dh, and a head size over 128 stay generated.
// AUTO-LABEL: func.func @cudnn_limits()
// AUTO-NOT:     backend
// AUTO:         return
func.func @cudnn_limits(%q: tensor<1x100x2x64xbf16>, %k: tensor<1x130x2x64xbf16>, %v: tensor<1x130x2x64xbf16>, %v32: tensor<1x130x2x32xbf16>, %q256: tensor<1x16x2x256xbf16>, %k256: tensor<1x16x2x256xbf16>) -> (tensor<1x100x2x64xbf16>, tensor<1x100x2x32xbf16>, tensor<1x16x2x256xbf16>) {
  // expected-remark @+1 {{dsc.attention: runs on the generated flash-attention kernel: it is causal with tq = 100 != tk = 130, which cuDNN takes only as multiples of 64}}
  %a = dsc.attention %q, %k, %v {causal = true} : (tensor<1x100x2x64xbf16>, tensor<1x130x2x64xbf16>, tensor<1x130x2x64xbf16>) -> tensor<1x100x2x64xbf16>
  // expected-remark @+1 {{dsc.attention: runs on the generated flash-attention kernel: dh = 64 differs from dv = 32}}
  %b = dsc.attention %q, %k, %v32 : (tensor<1x100x2x64xbf16>, tensor<1x130x2x64xbf16>, tensor<1x130x2x32xbf16>) -> tensor<1x100x2x32xbf16>
  // expected-remark @+1 {{dsc.attention: runs on the generated flash-attention kernel: head size 256 is not a multiple of 8 up to 128}}
  %c = dsc.attention %q256, %k256, %k256 : (tensor<1x16x2x256xbf16>, tensor<1x16x2x256xbf16>, tensor<1x16x2x256xbf16>) -> tensor<1x16x2x256xbf16>
  return %a, %b, %c : tensor<1x100x2x64xbf16>, tensor<1x100x2x32xbf16>, tensor<1x16x2x256xbf16>
}
