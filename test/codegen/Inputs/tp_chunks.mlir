// SPMD IR on a 2-rank grid: a row-parallel GEMM of 4096 tokens whose all_reduce the next op
// needs at once: unchunked, nothing runs under the transfer (test/codegen/explain_tp_chunks.test).
shard.grid @grid(shape = 2)
func.func @main(%x: tensor<4096x2048xbf16> {dsc.name = "x"}) -> (tensor<4096x4096xbf16> {dsc.name = "y"}) {
  %w = dsc.param "w" {dsc.split_axes = [array<i32: 0>, array<i32>]} : tensor<2048x4096xbf16>
  %p = dsc.matmul %x, %w : (tensor<4096x2048xbf16>, tensor<2048x4096xbf16>) -> tensor<4096x4096xbf16>
  %s = shard.all_reduce %p on @grid grid_axes = [0] reduction = sum : tensor<4096x4096xbf16> -> tensor<4096x4096xbf16>
  %y = dsc.silu %s : tensor<4096x4096xbf16>
  return %y : tensor<4096x4096xbf16>
}
