// SPMD IR on a grid of one rank with each TP pair dsc-chunk-collective-matmul splits: a
// row-parallel GEMM into an all_reduce (with a residual in the GEMM), a reduce_scatter of rows
// after a GEMM, and a gather of rows read by two GEMMs. test/gpu/tpchunk.sh compiles it with
// and without --tp-comm-chunks and runs both with `dsrun -n 1` against the interpreter.
shard.grid @grid(shape = 1)
func.func @main(%x: tensor<2x32x32xf32> {dsc.name = "x"}, %r: tensor<2x32x16xf32> {dsc.name = "r"})
    -> (tensor<2x32x16xf32> {dsc.name = "sum"}, tensor<2x32x16xf32> {dsc.name = "scattered"},
        tensor<2x32x16xf32> {dsc.name = "q"}, tensor<2x32x16xf32> {dsc.name = "k"}) {
  %w = dsc.param "w" {dsc.split_axes = [array<i32: 0>, array<i32>]} : tensor<32x16xf32>
  %p = dsc.matmul %x, %w, %r : (tensor<2x32x32xf32>, tensor<32x16xf32>, tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  %s = shard.all_reduce %p on @grid grid_axes = [0] reduction = sum : tensor<2x32x16xf32> -> tensor<2x32x16xf32>
  %p2 = dsc.matmul %x, %w : (tensor<2x32x32xf32>, tensor<32x16xf32>) -> tensor<2x32x16xf32>
  %rs = shard.reduce_scatter %p2 on @grid grid_axes = [0] scatter_axis = 1 : tensor<2x32x16xf32> -> tensor<2x32x16xf32>
  %g = shard.all_gather %x on @grid grid_axes = [0] gather_axis = 1 : tensor<2x32x32xf32> -> tensor<2x32x32xf32>
  %wq = dsc.param "wq" : tensor<32x16xf32>
  %q = dsc.matmul %g, %wq : (tensor<2x32x32xf32>, tensor<32x16xf32>) -> tensor<2x32x16xf32>
  %wk = dsc.param "wk" : tensor<32x16xf32>
  %k = dsc.matmul %g, %wk : (tensor<2x32x32xf32>, tensor<32x16xf32>) -> tensor<2x32x16xf32>
  return %s, %rs, %q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>, tensor<2x32x16xf32>, tensor<2x32x16xf32>
}
