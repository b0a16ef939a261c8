// Row-parallel GEMM then a reduce_scatter of the tokens (dim 1 of [2, 8, 16]) on 4 ranks, and
// an all_reduce one on the same grid. Run by chunk_collective_matmul.mlir through dsc-interp
// before and after chunking.
shard.grid @mesh(shape = 4)
func.func @main(%x: tensor<2x8x32xf32> {dsc.name = "x"}) -> (tensor<2x2x16xf32> {dsc.name = "s"}, tensor<2x8x16xf32> {dsc.name = "y"}) {
  %w = dsc.param "w" : tensor<32x16xf32>
  %p = dsc.matmul %x, %w : (tensor<2x8x32xf32>, tensor<32x16xf32>) -> tensor<2x8x16xf32>
  %s = shard.reduce_scatter %p on @mesh grid_axes = [0] scatter_axis = 1 : tensor<2x8x16xf32> -> tensor<2x2x16xf32>
  %p2 = dsc.matmul %x, %w : (tensor<2x8x32xf32>, tensor<32x16xf32>) -> tensor<2x8x16xf32>
  %y = shard.all_reduce %p2 on @mesh grid_axes = [0] : tensor<2x8x16xf32> -> tensor<2x8x16xf32>
  return %s, %y : tensor<2x2x16xf32>, tensor<2x8x16xf32>
}
