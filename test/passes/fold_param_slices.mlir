// dsc-fold-param-slices: a param (or an entry input) followed by shard.all_slice becomes one
// value of this rank's type marked dsc.split_axes; the runtime loads only that slice.
// RUN: dsc-opt %s --split-input-file --dsc-fold-param-slices | FileCheck %s

// Column- then row-parallel weights: each slice folds into its param.
// CHECK-LABEL: func.func @column_then_row
// CHECK-DAG:     %[[W1:.*]] = dsc.param "w1" {dsc.split_axes = [array<i32>, array<i32: 0>]} : tensor<16x8xf32>
// CHECK-DAG:     %[[W2:.*]] = dsc.param "w2" {dsc.split_axes = [array<i32: 0>, array<i32>]} : tensor<8x16xf32>
// CHECK-NOT:     shard.all_slice
// CHECK:         dsc.matmul %{{.*}}, %[[W1]]
// CHECK:         dsc.matmul %{{.*}}, %[[W2]]
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @column_then_row(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w1 = dsc.param "w1" : tensor<16x16xf32>
  %s1 = shard.all_slice %w1 on @mesh grid_axes = [0] slice_axis = 1 : tensor<16x16xf32> -> tensor<16x8xf32>
  %w2 = dsc.param "w2" : tensor<16x16xf32>
  %s2 = shard.all_slice %w2 on @mesh grid_axes = [0] slice_axis = 0 : tensor<16x16xf32> -> tensor<8x16xf32>
  %h = dsc.matmul %x, %s1 : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %y = dsc.matmul %h, %s2 : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A chain of slices on one dim: the axes in the order the slices applied them (outermost
// first); another dim's slice adds its own entry.
// CHECK-LABEL: func.func @chain
// CHECK:         %[[W:.*]] = dsc.param "w" {dsc.split_axes = [array<i32: 0, 1>, array<i32: 2>]} : tensor<2x4xf32>
// CHECK-NEXT:    return %[[W]]
shard.grid @mesh(shape = 2x2x2) {dsc.mesh_axes = ["dp", "tp", "ep"]}
func.func @chain() -> tensor<2x4xf32> {
  %w = dsc.param "w" : tensor<8x8xf32>
  %a = shard.all_slice %w on @mesh grid_axes = [0] slice_axis = 0 : tensor<8x8xf32> -> tensor<4x8xf32>
  %b = shard.all_slice %a on @mesh grid_axes = [1] slice_axis = 0 : tensor<4x8xf32> -> tensor<2x8xf32>
  %c = shard.all_slice %b on @mesh grid_axes = [2] slice_axis = 1 : tensor<2x8xf32> -> tensor<2x4xf32>
  return %c : tensor<2x4xf32>
}

// -----

// Two params of one name sliced alike are one binding of the slice.
// CHECK-LABEL: func.func @one_name_twice
// CHECK:         %[[W:.*]] = dsc.param "w" {dsc.split_axes = [array<i32>, array<i32: 0>]} : tensor<8x4xf32>
// CHECK-NOT:     dsc.param
// CHECK:         dsc.add %[[W]], %[[W]]
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @one_name_twice() -> tensor<8x4xf32> {
  %w = dsc.param "w" : tensor<8x8xf32>
  %a = shard.all_slice %w on @mesh grid_axes = [0] slice_axis = 1 : tensor<8x8xf32> -> tensor<8x4xf32>
  %v = dsc.param "w" : tensor<8x8xf32>
  %b = shard.all_slice %v on @mesh grid_axes = [0] slice_axis = 1 : tensor<8x8xf32> -> tensor<8x4xf32>
  %y = dsc.add %a, %b : tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

// An entry input sliced right away takes the slice's type; one the partitioner already gave
// this rank's type (dsc-pin-entry-shardings marked it) adds the new axes to its mark. Whole
// params and slices of computed values are left alone.
// CHECK-LABEL: func.func @inputs
// CHECK-SAME:    (%[[X:.*]]: tensor<4x16xf32> {dsc.name = "x", dsc.split_axes = [array<i32: 0>, array<i32>]},
// CHECK-SAME:    %[[Y:.*]]: tensor<2x8xf32> {dsc.name = "y", dsc.split_axes = [array<i32: 0>, array<i32: 1>]})
// CHECK-SAME:    -> (tensor<4x8xf32>, tensor<2x8xf32>)
// CHECK:         %[[B:.*]] = dsc.param "b" : tensor<16xf32>
// CHECK:         %[[R:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [1] slice_axis = 1
// CHECK:         return %[[R]], %[[Y]]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @inputs(%x: tensor<8x16xf32> {dsc.name = "x"},
                  %y: tensor<2x16xf32> {dsc.name = "y", dsc.split_axes = [array<i32: 0>, array<i32>]})
    -> (tensor<4x8xf32>, tensor<2x8xf32>) {
  %xs = shard.all_slice %x on @mesh grid_axes = [0] slice_axis = 0 : tensor<8x16xf32> -> tensor<4x16xf32>
  %ys = shard.all_slice %y on @mesh grid_axes = [1] slice_axis = 1 : tensor<2x16xf32> -> tensor<2x8xf32>
  %b = dsc.param "b" : tensor<16xf32>
  %bb = dsc.broadcast %b {dims = array<i64: 1>} : tensor<16xf32> -> tensor<4x16xf32>
  %s = dsc.add %xs, %bb : tensor<4x16xf32>
  %r = shard.all_slice %s on @mesh grid_axes = [1] slice_axis = 1 : tensor<4x16xf32> -> tensor<4x8xf32>
  return %r, %ys : tensor<4x8xf32>, tensor<2x8xf32>
}

// -----

// Expert parallelism's ids: an iota sliced over the mesh is one iota of this rank's block
// (dsc-lower-to-plan starts it from the rank's mesh coordinates), with no all_slice left.
// Gathering it again over the innermost of its axes leaves the outer ones' split.
// CHECK-LABEL: func.func @rank_ids
// CHECK-DAG:     %[[EXPERTS:.*]] = dsc.iota {dimension = 0 : i64, dsc.split_axes = [array<i32: 1>]} : tensor<4xi32>
// CHECK-DAG:     %[[GROUP:.*]] = dsc.iota {dimension = 0 : i64, dsc.split_axes = [array<i32: 0>]} : tensor<32xi32>
// CHECK-NOT:     shard.all_slice
// CHECK-NOT:     shard.all_gather
// CHECK:         return %[[EXPERTS]], %[[GROUP]]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "ep"]}
func.func @rank_ids() -> (tensor<4xi32>, tensor<32xi32>) {
  %e = dsc.iota {dimension = 0 : i64} : tensor<8xi32>
  %mine = shard.all_slice %e on @mesh grid_axes = [1] slice_axis = 0 : tensor<8xi32> -> tensor<4xi32>
  %t = dsc.iota {dimension = 0 : i64} : tensor<64xi32>
  %tokens = shard.all_slice %t on @mesh grid_axes = [0, 1] slice_axis = 0 : tensor<64xi32> -> tensor<16xi32>
  %group = shard.all_gather %tokens on @mesh grid_axes = [1] gather_axis = 0 : tensor<16xi32> -> tensor<32xi32>
  return %mine, %group : tensor<4xi32>, tensor<32xi32>
}

// -----

// A gather over an outer axis would interleave the blocks: it stays a collective.
// CHECK-LABEL: func.func @outer_gather_stays
// CHECK:         %[[T:.*]] = dsc.iota {dimension = 0 : i64, dsc.split_axes = [array<i32: 0, 1>]} : tensor<16xi32>
// CHECK:         shard.all_gather %[[T]] on @mesh grid_axes = [0]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "ep"]}
func.func @outer_gather_stays() -> tensor<32xi32> {
  %t = dsc.iota {dimension = 0 : i64} : tensor<64xi32>
  %tokens = shard.all_slice %t on @mesh grid_axes = [0, 1] slice_axis = 0 : tensor<64xi32> -> tensor<16xi32>
  %g = shard.all_gather %tokens on @mesh grid_axes = [0] gather_axis = 0 : tensor<16xi32> -> tensor<32xi32>
  return %g : tensor<32xi32>
}

// -----

// An entry input read whole (a residual) and split (its norm) stays whole: its slice is cut on
// the device.
// CHECK-LABEL: func.func @input_read_two_ways
// CHECK-SAME:    (%[[X:.*]]: tensor<4x8xf32>)
// CHECK:         shard.all_slice %[[X]]
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["ep"]}
func.func @input_read_two_ways(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<2x8xf32>) {
  %s = shard.all_slice %x on @mesh grid_axes = [0] slice_axis = 0 : tensor<4x8xf32> -> tensor<2x8xf32>
  %n = dsc.neg %s : tensor<2x8xf32>
  return %x, %n : tensor<4x8xf32>, tensor<2x8xf32>
}

// -----

// Sliced two ways, likewise: both slices stay.
// CHECK-LABEL: func.func @input_sliced_two_ways
// CHECK-SAME:    (%[[X:.*]]: tensor<8x8xf32>
// CHECK:         shard.all_slice %[[X]] {{.*}} slice_axis = 0
// CHECK:         shard.all_slice %[[X]] {{.*}} slice_axis = 1
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @input_sliced_two_ways(%x: tensor<8x8xf32> {dsc.name = "x"}) -> (tensor<4x8xf32>, tensor<8x4xf32>) {
  %a = shard.all_slice %x on @mesh grid_axes = [0] slice_axis = 0 : tensor<8x8xf32> -> tensor<4x8xf32>
  %b = shard.all_slice %x on @mesh grid_axes = [0] slice_axis = 1 : tensor<8x8xf32> -> tensor<8x4xf32>
  return %a, %b : tensor<4x8xf32>, tensor<8x4xf32>
}
