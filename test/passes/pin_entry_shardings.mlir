// dsc-pin-entry-shardings: split entry inputs are recorded as dsc.split_axes, split entry
// outputs are re-annotated replicated (partitioning then gathers them whole).
// RUN: dsc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dsc-pin-entry-shardings))' | FileCheck %s

// CHECK-LABEL: func.func @split_in_split_out
// CHECK-SAME:    (%[[X:.*]]: tensor<8x16xf32> {dsc.split_axes = [array<i32: 0, 1>, array<i32>]}, %[[W:.*]]: tensor<16xf32>)
// CHECK:         %[[N:.*]] = dsc.rms_norm
// CHECK:         %[[OUT:.*]] = shard.shard %[[N]] to %{{.*}} : tensor<8x16xf32>
// CHECK:         %[[WHOLE:.*]] = shard.sharding @mesh split_axes = [] : !shard.sharding
// CHECK-NEXT:    %[[R:.*]] = shard.shard %[[OUT]] to %[[WHOLE]] annotate_for_users : tensor<8x16xf32>
// CHECK-NEXT:    return %[[R]], %{{.*}}
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @split_in_split_out(%x: tensor<8x16xf32>, %w: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>) {
  %s0 = shard.sharding @mesh split_axes = [[0, 1], []] : !shard.sharding
  %x0 = shard.shard %x to %s0 : tensor<8x16xf32>
  %s1 = shard.sharding @mesh split_axes = [[]] : !shard.sharding
  %w0 = shard.shard %w to %s1 : tensor<16xf32>
  %x1 = shard.shard %x0 to %s0 annotate_for_users : tensor<8x16xf32>
  %w1 = shard.shard %w0 to %s1 annotate_for_users : tensor<16xf32>
  %n = dsc.rms_norm %x1, %w1 : tensor<8x16xf32>, tensor<16xf32>
  %n0 = shard.shard %n to %s0 : tensor<8x16xf32>
  %n1 = shard.shard %n0 to %s0 annotate_for_users : tensor<8x16xf32>
  return %n1, %w1 : tensor<8x16xf32>, tensor<16xf32>
}
