// SPMD IR as shard-partition leaves it, on a grid of one rank: every NCCL path dsrun has
// (all_reduce, all_gather, reduce_scatter, all_to_all, a split param) runs on one GPU through
// `dsrun -n 1` (test/gpu/dist.sh). The interpreter's rank-0 outputs are the reference.
shard.grid @grid(shape = 1)
func.func @main(%x: tensor<4x8xf32> {dsc.name = "x"})
    -> (tensor<4x8xf32> {dsc.name = "sum"}, tensor<4x8xf32> {dsc.name = "gathered"},
        tensor<4x8xf32> {dsc.name = "scattered"}, tensor<4x8xf32> {dsc.name = "exchanged"},
        tensor<4x8xf32> {dsc.name = "y"}) {
  %w = dsc.param "w" {dsc.split_axes = [array<i32: 0>, array<i32>]} : tensor<8x8xf32>
  %p = dsc.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %s = shard.all_reduce %p on @grid grid_axes = [0] reduction = sum : tensor<4x8xf32> -> tensor<4x8xf32>
  %g = shard.all_gather %x on @grid grid_axes = [0] gather_axis = 1 : tensor<4x8xf32> -> tensor<4x8xf32>
  %r = shard.reduce_scatter %x on @grid grid_axes = [0] scatter_axis = 1 : tensor<4x8xf32> -> tensor<4x8xf32>
  %e = shard.all_to_all %x on @grid grid_axes = [0] split_axis = 1 concat_axis = 0 : tensor<4x8xf32> -> tensor<4x8xf32>
  %y = dsc.add %s, %x : tensor<4x8xf32>
  return %s, %g, %r, %e, %y : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
