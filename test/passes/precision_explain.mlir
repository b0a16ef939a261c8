// dsc-precision explain=true: a remark for every op, with the dtype it computes in and why.
// RUN: dsc-opt %s --dsc-precision="precision=fp8 explain=true" --verify-diagnostics -o /dev/null

func.func @layer(%x: tensor<4x256xbf16>, %q: tensor<1x4x2x128xbf16>) -> (tensor<4x256xbf16>, tensor<4x100xbf16>, tensor<1x4x2x128xbf16>) {
  // expected-remark @+1 {{as written (bf16): a parameter}}
  %g = dsc.param "g" : tensor<256xbf16>
  // expected-remark @+1 {{as written (bf16): a parameter}}
  %w = dsc.param "w" : tensor<256x256xbf16>
  // expected-remark @+1 {{as written (bf16): a parameter}}
  %v = dsc.param "v" : tensor<256x100xbf16>
  // expected-remark @+1 {{computes in f32, output bf16: norms accumulate in f32}}
  %n = dsc.rms_norm %x, %g : tensor<4x256xbf16>, tensor<256xbf16>
  // expected-remark @+1 {{fp8 e4m3 with blockwise scales (1x128 activation tiles, 128x128 weight blocks), f32 accumulation, output bf16: a GEMM on a weight}}
  %y = dsc.matmul %n, %w : (tensor<4x256xbf16>, tensor<256x256xbf16>) -> tensor<4x256xbf16>
  // expected-remark @+1 {{as written (bf16)}}
  %z = dsc.silu %y : tensor<4x256xbf16>
  // expected-remark @+1 {{bf16, f32 accumulation: N = 100 is not a multiple of 128 (blockwise fp8 needs K and N to be)}}
  %u = dsc.matmul %z, %v : (tensor<4x256xbf16>, tensor<256x100xbf16>) -> tensor<4x100xbf16>
  // expected-remark @+1 {{bf16 with f32 softmax and accumulation: fp8 attention is not implemented}}
  %a = dsc.attention %q, %q, %q {causal = true} : (tensor<1x4x2x128xbf16>, tensor<1x4x2x128xbf16>, tensor<1x4x2x128xbf16>) -> tensor<1x4x2x128xbf16>
  return %z, %u, %a : tensor<4x256xbf16>, tensor<4x100xbf16>, tensor<1x4x2x128xbf16>
}
