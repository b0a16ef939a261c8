// A two-rank all_reduce for the fault test of test/gpu/dist.sh: on a one-GPU machine,
// `dsrun -n 2` gives rank 1 a GPU that does not exist, and rank 0 must end, naming rank 1,
// instead of waiting for it.
shard.grid @grid(shape = 2)
func.func @main(%x: tensor<8xf32> {dsc.name = "x"}) -> (tensor<8xf32> {dsc.name = "y"}) {
  %y = shard.all_reduce %x on @grid grid_axes = [0] reduction = sum : tensor<8xf32> -> tensor<8xf32>
  return %y : tensor<8xf32>
}
