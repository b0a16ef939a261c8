// Quantization fused into its producer (dsc-fuse-quantize), checked on the GPU against the same
// model built at -O1, where each quantize is a kernel of its own: values and scales must be
// equal bit for bit (test/gpu/prepare.sh, the fused_quantize case).
// - rms_norm + quantize at [8192, 4096] (llama_layer's attn_norm at B=4, T=2048): one row kernel
//   that reads 64 MiB and writes 32 MiB of e4m3 and the scales; dsrun --profile gives its GB/s.
// - silu(g) * u + quantize, the bf16 product also a result (multi-output grid-stride kernel).
// - f32 softmax + quantize, 70 rows (the scales' padding rows), 4 elements a lane: a 1 x 128
//   tile spans the whole warp; the softmax also a result.
// - rms_norm over rows of 384 (48 vectors on 64 threads: a half-warp with no tile of its own).
func.func @main(%x: tensor<8192x4096xbf16> {dsc.name = "x"}, %g: tensor<70x512xbf16> {dsc.name = "g"},
                %u: tensor<70x512xbf16> {dsc.name = "u"}, %p: tensor<70x256xf32> {dsc.name = "p"},
                %r: tensor<70x384xbf16> {dsc.name = "r"})
    -> (tensor<8192x4096xf8E4M3FN> {dsc.name = "norm_q"}, tensor<32x8192xf32> {dsc.name = "norm_s"},
        tensor<70x512xbf16> {dsc.name = "swiglu"}, tensor<70x512xf8E4M3FN> {dsc.name = "swiglu_q"},
        tensor<4x72xf32> {dsc.name = "swiglu_s"}, tensor<70x256xf32> {dsc.name = "softmax"},
        tensor<70x256xf8E4M3FN> {dsc.name = "softmax_q"}, tensor<2x72xf32> {dsc.name = "softmax_s"},
        tensor<70x384xf8E4M3FN> {dsc.name = "norm384_q"}, tensor<3x72xf32> {dsc.name = "norm384_s"}) {
  %w = dsc.param "norm" : tensor<4096xbf16>
  %h = dsc.rms_norm %x, %w {eps = 1.0e-5 : f32} : tensor<8192x4096xbf16>, tensor<4096xbf16>
  %hq, %hs = dsc.quantize %h {recipe = "blockwise"} : tensor<8192x4096xbf16> -> tensor<8192x4096xf8E4M3FN>, tensor<32x8192xf32>
  %sg = dsc.silu %g : tensor<70x512xbf16>
  %m = dsc.mul %sg, %u : tensor<70x512xbf16>
  %mq, %ms = dsc.quantize %m {recipe = "blockwise"} : tensor<70x512xbf16> -> tensor<70x512xf8E4M3FN>, tensor<4x72xf32>
  %sm = dsc.softmax %p {axis = -1 : i64} : tensor<70x256xf32>
  %sq, %ss = dsc.quantize %sm {recipe = "blockwise"} : tensor<70x256xf32> -> tensor<70x256xf8E4M3FN>, tensor<2x72xf32>
  %w2 = dsc.param "norm384" : tensor<384xbf16>
  %h2 = dsc.rms_norm %r, %w2 {eps = 1.0e-5 : f32} : tensor<70x384xbf16>, tensor<384xbf16>
  %h2q, %h2s = dsc.quantize %h2 {recipe = "blockwise"} : tensor<70x384xbf16> -> tensor<70x384xf8E4M3FN>, tensor<3x72xf32>
  return %hq, %hs, %m, %mq, %ms, %sm, %sq, %ss, %h2q, %h2s : tensor<8192x4096xf8E4M3FN>, tensor<32x8192xf32>, tensor<70x512xbf16>, tensor<70x512xf8E4M3FN>, tensor<4x72xf32>, tensor<70x256xf32>, tensor<70x256xf8E4M3FN>, tensor<2x72xf32>, tensor<70x384xf8E4M3FN>, tensor<3x72xf32>
}
