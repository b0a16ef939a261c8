// RUN: dsc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dsc-form-reduce-scatters))' | FileCheck %s

// Sequence parallelism: partial sums reduced, then sliced on tokens (dim 1) over the same
// axis: one reduce_scatter along the slice's dim.
// CHECK-LABEL: func.func @sum_then_slice
// CHECK-SAME:    (%[[P:.*]]: tensor<2x8x16xbf16>)
// CHECK-NEXT:    %[[Y:.*]] = shard.reduce_scatter %[[P]] on @mesh grid_axes = [1] scatter_axis = 1 : tensor<2x8x16xbf16> -> tensor<2x4x16xbf16>
// CHECK-NEXT:    return %[[Y]]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @sum_then_slice(%p: tensor<2x8x16xbf16>) -> tensor<2x4x16xbf16> {
  %s = shard.all_reduce %p on @mesh grid_axes = [1] : tensor<2x8x16xbf16> -> tensor<2x8x16xbf16>
  %y = shard.all_slice %s on @mesh grid_axes = [1] slice_axis = 1 : tensor<2x8x16xbf16> -> tensor<2x4x16xbf16>
  return %y : tensor<2x4x16xbf16>
}

// -----

// The reduction kind is kept (max here).
// CHECK-LABEL: func.func @max_then_slice
// CHECK-NEXT:    shard.reduce_scatter %{{.*}} on @mesh grid_axes = [0] reduction = max scatter_axis = 0 : tensor<8x4xf32> -> tensor<4x4xf32>
// CHECK-NOT:     shard.all_reduce
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @max_then_slice(%p: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %s = shard.all_reduce %p on @mesh grid_axes = [0] reduction = max : tensor<8x4xf32> -> tensor<8x4xf32>
  %y = shard.all_slice %s on @mesh grid_axes = [0] slice_axis = 0 : tensor<8x4xf32> -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// Another user needs the whole sum: the all_reduce stays, and so does the slice.
// CHECK-LABEL: func.func @sum_used_whole
// CHECK:         %[[S:.*]] = shard.all_reduce
// CHECK:         shard.all_slice %[[S]]
// CHECK-NOT:     shard.reduce_scatter
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @sum_used_whole(%p: tensor<8x4xf32>) -> (tensor<4x4xf32>, tensor<8x4xf32>) {
  %s = shard.all_reduce %p on @mesh grid_axes = [0] : tensor<8x4xf32> -> tensor<8x4xf32>
  %y = shard.all_slice %s on @mesh grid_axes = [0] slice_axis = 0 : tensor<8x4xf32> -> tensor<4x4xf32>
  return %y, %s : tensor<4x4xf32>, tensor<8x4xf32>
}

// -----

// A slice over another mesh axis (dp) than the reduction's (tp) is not a reduce_scatter.
// CHECK-LABEL: func.func @slice_over_other_axis
// CHECK:         shard.all_reduce %{{.*}} on @mesh grid_axes = [1]
// CHECK:         shard.all_slice %{{.*}} on @mesh grid_axes = [0]
// CHECK-NOT:     shard.reduce_scatter
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @slice_over_other_axis(%p: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %s = shard.all_reduce %p on @mesh grid_axes = [1] : tensor<8x4xf32> -> tensor<8x4xf32>
  %y = shard.all_slice %s on @mesh grid_axes = [0] slice_axis = 0 : tensor<8x4xf32> -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
