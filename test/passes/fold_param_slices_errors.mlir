// dsc-fold-param-slices: a weight a rank would have to load two ways (an input read two ways
// stays whole instead: fold_param_slices.mlir).
// RUN: dsc-opt %s --split-input-file --dsc-fold-param-slices -verify-diagnostics

shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @whole_and_sliced(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @+1 {{weight 'w' is read whole and split [[], [0]]; a rank loads one slice of it, so it must be read one way}}
  %w = dsc.param "w" : tensor<8x8xf32>
  // expected-note @+1 {{read split [[], [0]] here}}
  %s = shard.all_slice %w on @mesh grid_axes = [0] slice_axis = 1 : tensor<8x8xf32> -> tensor<8x4xf32>
  %g = shard.all_gather %s on @mesh grid_axes = [0] gather_axis = 1 : tensor<8x4xf32> -> tensor<8x8xf32>
  %y = dsc.add %w, %g : tensor<8x8xf32>
  return %y : tensor<8x8xf32>
}
