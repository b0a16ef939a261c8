// Sequence-parallel shapes on 2 ranks: each rank holds 4 of the 8 tokens of both sequences
// ([2, 4, 32]); the gather along the tokens feeds two GEMMs, one with a residual addend. Run
// by chunk_collective_matmul.mlir through dsc-interp before and after chunking.
shard.grid @mesh(shape = 2)
func.func @main(%x: tensor<2x4x32xf32> {dsc.name = "x"}, %r: tensor<2x8x16xf32> {dsc.name = "r"})
    -> (tensor<2x8x16xf32> {dsc.name = "q"}, tensor<2x8x16xf32> {dsc.name = "k"}) {
  %g = shard.all_gather %x on @mesh grid_axes = [0] gather_axis = 1 : tensor<2x4x32xf32> -> tensor<2x8x32xf32>
  %wq = dsc.param "wq" : tensor<32x16xf32>
  %q = dsc.matmul %g, %wq, %r : (tensor<2x8x32xf32>, tensor<32x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %wk = dsc.param "wk" : tensor<32x16xf32>
  %k = dsc.matmul %g, %wk : (tensor<2x8x32xf32>, tensor<32x16xf32>) -> tensor<2x8x16xf32>
  return %q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>
}
