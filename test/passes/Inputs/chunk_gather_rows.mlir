// A gather of rows with only a size-1 dim before them ([1, 8, 32] per rank on 4 ranks), read
// by two GEMMs, one with a residual addend: the chunks run one GEMM per rank block, writing
// the result's rows in place. Run by chunk_collective_matmul.mlir through dsc-interp before
// and after chunking.
shard.grid @mesh(shape = 4)
func.func @main(%x: tensor<1x8x32xf32> {dsc.name = "x"}, %r: tensor<1x32x16xf32> {dsc.name = "r"})
    -> (tensor<1x32x16xf32> {dsc.name = "q"}, tensor<1x32x16xf32> {dsc.name = "k"}) {
  %g = shard.all_gather %x on @mesh grid_axes = [0] gather_axis = 1 : tensor<1x8x32xf32> -> tensor<1x32x32xf32>
  %wq = dsc.param "wq" : tensor<32x16xf32>
  %q = dsc.matmul %g, %wq, %r : (tensor<1x32x32xf32>, tensor<32x16xf32>, tensor<1x32x16xf32>) -> tensor<1x32x16xf32>
  %wk = dsc.param "wk" : tensor<32x16xf32>
  %k = dsc.matmul %g, %wk : (tensor<1x32x32xf32>, tensor<32x16xf32>) -> tensor<1x32x16xf32>
  return %q, %k : tensor<1x32x16xf32>, tensor<1x32x16xf32>
}
