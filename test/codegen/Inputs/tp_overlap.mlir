// SPMD IR on a 2-rank grid: a row-parallel GEMM's partial sums are all-reduced while an
// independent GEMM runs (test/codegen/explain_plan.test).
shard.grid @grid(shape = 2)
func.func @main(%x: tensor<256x512xbf16> {dsc.name = "x"})
    -> (tensor<256x1024xbf16> {dsc.name = "y"}, tensor<256x1024xbf16> {dsc.name = "z"}) {
  %w = dsc.param "w" {dsc.split_axes = [array<i32: 0>, array<i32>]} : tensor<512x1024xbf16>
  %v = dsc.param "v" : tensor<512x1024xbf16>
  %p = dsc.matmul %x, %w : (tensor<256x512xbf16>, tensor<512x1024xbf16>) -> tensor<256x1024xbf16>
  %y = shard.all_reduce %p on @grid grid_axes = [0] reduction = sum : tensor<256x1024xbf16> -> tensor<256x1024xbf16>
  %z = dsc.matmul %x, %v : (tensor<256x512xbf16>, tensor<512x1024xbf16>) -> tensor<256x1024xbf16>
  return %y, %z : tensor<256x1024xbf16>, tensor<256x1024xbf16>
}
