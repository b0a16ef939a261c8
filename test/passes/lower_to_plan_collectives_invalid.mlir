// dsc-lower-to-plan: shard ops with no NCCL lowering are errors at the op.

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan --verify-diagnostics

shard.grid @grid(shape = 2)
func.func @widening_all_reduce(%x: tensor<8xbf16>) -> tensor<8xf32> {
  // expected-error @+1 {{reduces into another element type, which NCCL cannot; cast before or after it}}
  %y = shard.all_reduce %x on @grid grid_axes = [0] reduction = sum : tensor<8xbf16> -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

shard.grid @grid(shape = 2)
// expected-error @+1 {{is a second device grid; a plan runs on one mesh}}
shard.grid @other(shape = 4)
func.func @two_grids(%x: tensor<8xf32>) -> tensor<8xf32> {
  %y = shard.all_reduce %x on @grid grid_axes = [0] reduction = sum : tensor<8xf32> -> tensor<8xf32>
  return %y : tensor<8xf32>
}
