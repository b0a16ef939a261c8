// dsc-precision: the precision policy (docs/precision.md). One case per rule.
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8" | FileCheck %s --check-prefix=FP8
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8 fp8-recipe=tensor" | FileCheck %s --check-prefix=TENSOR
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8 fp8-recipe=delayed fp8-amax-history=8" | FileCheck %s --check-prefix=DELAYED
// RUN: not dsc-opt %s --dsc-precision="precision=fp8 fp8-recipe=delayed fp8-amax-history=0" 2>&1 | FileCheck %s --check-prefix=BADHIST
// RUN: not dsc-opt %s --dsc-precision="precision=fp8 fp8-recipe=current" 2>&1 | FileCheck %s --check-prefix=BADRECIPE
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=bf16" | FileCheck %s --check-prefix=BF16
// RUN: dsc-opt %s --split-input-file --dsc-precision | FileCheck %s --check-prefix=ASWRITTEN
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=tf32" | FileCheck %s --check-prefix=TF32
// Per-op-kind overrides (dsc --precision-override=KIND=PRECISION):
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=bf16 op-precision=attention=as-written" | FileCheck %s --check-prefix=KEEPATTN
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8 op-precision=matmul=as-written" | FileCheck %s --check-prefix=NOFP8
// RUN: dsc-opt %s --split-input-file --dsc-precision="op-precision=matmul=fp8" | FileCheck %s --check-prefix=ONLYMM
// RUN: not dsc-opt %s --dsc-precision="op-precision=softmax=bf16" 2>&1 | FileCheck %s --check-prefix=BADKIND
// RUN: not dsc-opt %s --dsc-precision="op-precision=matmul=int4" 2>&1 | FileCheck %s --check-prefix=BADPREC
// RUN: not dsc-opt %s --dsc-precision="op-precision=matmul" 2>&1 | FileCheck %s --check-prefix=NOEQ
// RUN: not dsc-opt %s --dsc-precision="op-precision=matmul=bf16,matmul=fp8" 2>&1 | FileCheck %s --check-prefix=TWICE
// BADKIND: dsc-precision: op-precision 'softmax=bf16': 'softmax' is not an op kind the policy decides; expected matmul or attention
// BADPREC: dsc-precision: op-precision 'matmul=int4': unknown precision 'int4'; expected as-written, tf32, bf16, fp16 or fp8
// NOEQ: dsc-precision: op-precision 'matmul': expected KIND=PRECISION
// TWICE: dsc-precision: op-precision 'matmul=fp8': 'matmul' is given twice
// BADHIST: dsc-precision: fp8-amax-history must be in [1, 1024], got 0
// BADRECIPE: dsc-precision: unknown fp8-recipe 'current'; expected blockwise, tensor or delayed

// A GEMM on a weight: fp8 values and scales for both operands, the product in the
// activation's type.
// FP8-LABEL: func.func @gemm
// NOFP8-LABEL: func.func @gemm
// NOFP8-NOT:   dsc.quantize
// NOFP8:       dsc.matmul
// ONLYMM-LABEL: func.func @gemm
// ONLYMM:       dsc.scaled_matmul
// FP8:       %[[W:.*]], %[[WS:.*]] = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x384xbf16>} : tensor<384x256xf8E4M3FN>, tensor<3x4xf32>
// FP8:       %[[Q:.*]], %[[S:.*]] = dsc.quantize %arg0 {recipe = "blockwise"} : tensor<2x16x256xbf16> -> tensor<2x16x256xf8E4M3FN>, tensor<2x32xf32>
// FP8:       %[[Y:.*]] = dsc.scaled_matmul %[[Q]], %[[S]], %[[W]], %[[WS]] {recipe = "blockwise"}
// FP8-SAME:    -> tensor<2x16x384xbf16>
// FP8:       return %[[Y]]
// TENSOR-LABEL: func.func @gemm
// TENSOR:       dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<256x384xbf16>} : tensor<384x256xf8E4M3FN>, tensor<1xf32>
// TENSOR:       dsc.quantize %arg0 {recipe = "tensor"} : tensor<2x16x256xbf16> -> tensor<2x16x256xf8E4M3FN>, tensor<1xf32>
// Delayed: the weight and the product are per-tensor; the activation's quantize keeps an amax
// history of the last fp8-amax-history runs.
// DELAYED-LABEL: func.func @gemm
// DELAYED:       %[[W:.*]], %[[WS:.*]] = dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<256x384xbf16>} : tensor<384x256xf8E4M3FN>, tensor<1xf32>
// DELAYED:       %[[Q:.*]], %[[S:.*]] = dsc.quantize %arg0 {amax_history = 8 : i64, recipe = "tensor"} : tensor<2x16x256xbf16> -> tensor<2x16x256xf8E4M3FN>, tensor<1xf32>
// DELAYED:       dsc.scaled_matmul %[[Q]], %[[S]], %[[W]], %[[WS]] {recipe = "tensor"}
// ASWRITTEN-LABEL: func.func @gemm
// ASWRITTEN:       dsc.matmul
func.func @gemm(%x: tensor<2x16x256xbf16>) -> tensor<2x16x384xbf16> {
  %w = dsc.param "w" : tensor<256x384xbf16>
  %y = dsc.matmul %x, %w : (tensor<2x16x256xbf16>, tensor<256x384xbf16>) -> tensor<2x16x384xbf16>
  return %y : tensor<2x16x384xbf16>
}

// -----

// Blockwise needs K and N to be multiples of 128; the per-tensor recipe does not.
// FP8-LABEL: func.func @not_blocks
// FP8-NOT:   dsc.quantize
// FP8:       dsc.matmul
// TENSOR-LABEL: func.func @not_blocks
// TENSOR:       dsc.scaled_matmul
// DELAYED-LABEL: func.func @not_blocks
// DELAYED:       dsc.quantize %arg0 {amax_history = 8 : i64, recipe = "tensor"}
// DELAYED:       dsc.scaled_matmul
func.func @not_blocks(%x: tensor<4x256xbf16>) -> tensor<4x100xbf16> {
  %w = dsc.param "w" : tensor<256x100xbf16>
  %y = dsc.matmul %x, %w : (tensor<4x256xbf16>, tensor<256x100xbf16>) -> tensor<4x100xbf16>
  return %y : tensor<4x100xbf16>
}

// -----

// @precision on an op overrides the policy both ways.
// FP8-LABEL: func.func @overrides
// FP8:       dsc.matmul %arg0, %{{.*}} {dsc.precision = "bf16"}
// FP8:       dsc.scaled_matmul
// ONLYMM-LABEL: func.func @overrides
// ONLYMM:       dsc.matmul %arg0, %{{.*}} {dsc.precision = "bf16"}
// ONLYMM:       dsc.scaled_matmul
// ASWRITTEN-LABEL: func.func @overrides
// ASWRITTEN:       dsc.matmul %arg0, %{{.*}} {dsc.precision = "bf16"}
// ASWRITTEN:       dsc.scaled_matmul
// ASWRITTEN-NOT:   dsc.precision = "fp8"
func.func @overrides(%x: tensor<4x256xbf16>) -> (tensor<4x256xbf16>, tensor<4x256xbf16>) {
  %w = dsc.param "w" : tensor<256x256xbf16>
  %a = dsc.matmul %x, %w {dsc.precision = "bf16"} : (tensor<4x256xbf16>, tensor<256x256xbf16>) -> tensor<4x256xbf16>
  %b = dsc.matmul %x, %w {dsc.precision = "fp8"} : (tensor<4x256xbf16>, tensor<256x256xbf16>) -> tensor<4x256xbf16>
  return %a, %b : tensor<4x256xbf16>, tensor<4x256xbf16>
}

// -----

// Router logits stay as written (top-k picks on near ties); so do products of two
// activations and transposed operands.
// FP8-LABEL: func.func @stays
// FP8-NOT:   dsc.scaled_matmul
// FP8:       return
func.func @stays(%x: tensor<8x256xbf16>, %y: tensor<256x128xbf16>) -> (tensor<8x2xf32>, tensor<8x2xi32>, tensor<8x128xbf16>, tensor<8x128xbf16>) {
  %r = dsc.param "router" : tensor<256x128xbf16>
  %logits = dsc.matmul %x, %r : (tensor<8x256xbf16>, tensor<256x128xbf16>) -> tensor<8x128xbf16>
  %w, %i = dsc.router_topk %logits {k = 2 : i64} : (tensor<8x128xbf16>) -> (tensor<8x2xf32>, tensor<8x2xi32>)
  %p = dsc.matmul %x, %y : (tensor<8x256xbf16>, tensor<256x128xbf16>) -> tensor<8x128xbf16>
  %t = dsc.param "t" : tensor<128x256xbf16>
  %q = dsc.matmul %x, %t {transpose_b = true} : (tensor<8x256xbf16>, tensor<128x256xbf16>) -> tensor<8x128xbf16>
  return %w, %i, %p, %q : tensor<8x2xf32>, tensor<8x2xi32>, tensor<8x128xbf16>, tensor<8x128xbf16>
}

// -----

// bf16 for an f32 model: GEMMs and attention read bf16 copies and give f32 back (f32
// accumulation); norms and softmax stay f32.
// KEEPATTN-LABEL: func.func @autocast
// KEEPATTN:       dsc.matmul {{.*}} {out_type = f32} : (tensor<4x64xbf16>, tensor<64x64xbf16>) -> tensor<4x64xf32>
// KEEPATTN-NOT:   dsc.cast
// KEEPATTN:       dsc.attention {{.*}} -> tensor<1x4x2x32xf32>
// BF16-LABEL: func.func @autocast
// BF16:       %[[N:.*]] = dsc.rms_norm %arg0, %{{.*}} : tensor<4x64xf32>
// BF16:       %[[NC:.*]] = dsc.cast %[[N]] : tensor<4x64xf32> -> tensor<4x64xbf16>
// BF16:       %[[WC:.*]] = dsc.cast %{{.*}} : tensor<64x64xf32> -> tensor<64x64xbf16>
// BF16:       dsc.matmul %[[NC]], %[[WC]] {out_type = f32} : (tensor<4x64xbf16>, tensor<64x64xbf16>) -> tensor<4x64xf32>
// BF16:       dsc.softmax %{{.*}} : tensor<4x64xf32>
// BF16:       dsc.cast %{{.*}} : tensor<1x4x2x32xf32> -> tensor<1x4x2x32xbf16>
// BF16:       %[[A:.*]] = dsc.attention {{.*}} -> tensor<1x4x2x32xbf16>
// BF16:       dsc.cast %[[A]] : tensor<1x4x2x32xbf16> -> tensor<1x4x2x32xf32>
func.func @autocast(%x: tensor<4x64xf32>, %q: tensor<1x4x2x32xf32>) -> (tensor<4x64xf32>, tensor<1x4x2x32xf32>) {
  %g = dsc.param "g" : tensor<64xf32>
  %w = dsc.param "w" : tensor<64x64xf32>
  %n = dsc.rms_norm %x, %g : tensor<4x64xf32>, tensor<64xf32>
  %y = dsc.matmul %n, %w : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32>
  %s = dsc.softmax %y : tensor<4x64xf32>
  %a = dsc.attention %q, %q, %q {causal = true} : (tensor<1x4x2x32xf32>, tensor<1x4x2x32xf32>, tensor<1x4x2x32xf32>) -> tensor<1x4x2x32xf32>
  return %s, %a : tensor<4x64xf32>, tensor<1x4x2x32xf32>
}

// -----

// tf32: f32 GEMMs are marked for TF32 tensor cores; other types and attention stay.
// TF32-LABEL: func.func @tf32
// TF32:       dsc.matmul %arg0, %{{.*}} {dsc.precision = "tf32"} : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32>
// TF32:       dsc.matmul %arg1, %{{.*}} : (tensor<4x64xbf16>, tensor<64x64xbf16>) -> tensor<4x64xbf16>
func.func @tf32(%x: tensor<4x64xf32>, %y: tensor<4x64xbf16>) -> (tensor<4x64xf32>, tensor<4x64xbf16>) {
  %w = dsc.param "w" : tensor<64x64xf32>
  %v = dsc.param "v" : tensor<64x64xbf16>
  %a = dsc.matmul %x, %w : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32>
  %b = dsc.matmul %y, %v : (tensor<4x64xbf16>, tensor<64x64xbf16>) -> tensor<4x64xbf16>
  return %a, %b : tensor<4x64xf32>, tensor<4x64xbf16>
}
