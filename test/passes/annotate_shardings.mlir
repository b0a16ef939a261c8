// dsc-annotate-shardings: dsc.shard hints become shard.shard annotations on the mesh grid.
// RUN: dsc-opt %s --split-input-file --dsc-annotate-shardings | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-annotate-shardings=auto-parallel=true \
// RUN:   | FileCheck %s --check-prefix=AUTO

// A param is produced whole and used as its hint says; an input is produced with its hint;
// an op result with a hint is produced with it; outputs are used replicated. The hints go.
// CHECK-LABEL: func.func @hints
// CHECK-SAME:    (%[[X:.*]]: tensor<8x16xf32> {dsc.name = "x"})
// CHECK:         %[[DP:.*]] = shard.sharding @mesh split_axes = {{\[\[}}0], []]
// CHECK:         %[[XS:.*]] = shard.shard %[[X]] to %[[DP]] : tensor<8x16xf32>
// CHECK:         %[[W:.*]] = dsc.param "w" : tensor<16x32xf32>
// CHECK:         %[[REP:.*]] = shard.sharding @mesh split_axes = {{\[\]}}
// CHECK:         %[[WHOLE:.*]] = shard.shard %[[W]] to %[[REP]]
// CHECK:         %[[COL:.*]] = shard.sharding @mesh split_axes = {{\[\[\], \[}}1]]
// CHECK:         %[[WS:.*]] = shard.shard %[[WHOLE]] to %[[COL]] annotate_for_users
// CHECK:         %[[H:.*]] = dsc.matmul %[[XS]], %[[WS]]
// CHECK:         %[[HS:.*]] = shard.shard %[[H]] to %{{.*}} : tensor<8x32xf32>
// CHECK:         %[[G:.*]] = dsc.gelu %[[HS]]
// CHECK:         %[[OUT:.*]] = shard.shard %[[G]] to %{{.*}} annotate_for_users
// CHECK:         return %[[OUT]]
// CHECK-NOT:     dsc.shard
shard.grid @mesh(shape = 2x4) {dsc.mesh_axes = ["dp", "tp"]}
func.func @hints(%x: tensor<8x16xf32> {dsc.name = "x", dsc.shard = {dims = [["dp"], []]}}) -> tensor<8x32xf32> {
  %w = dsc.param "w" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<16x32xf32>
  %h = dsc.matmul %x, %w {dsc.shard = {dims = [["dp"], ["tp"]]}} : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %g = dsc.gelu %h : tensor<8x32xf32>
  return %g : tensor<8x32xf32>
}

// -----

// auto-parallel: the fused QKV projection is split into per-piece column-parallel matmuls
// (slices of the weight), the output projection reading them becomes row-parallel, and the
// input's batch splits over dp.
// AUTO-LABEL: func.func @auto_qkv
// AUTO:         shard.sharding @mesh split_axes = {{\[\[}}0], []]
// AUTO:         %[[W:.*]] = dsc.param "wqkv"
// AUTO:         %[[WHOLE:.*]] = shard.shard %[[W]]
// AUTO:         dsc.param "wo"
// AUTO:         %[[ROW:.*]] = shard.sharding @mesh split_axes = {{\[\[}}1], []]
// AUTO:         %[[WO:.*]] = shard.shard %{{.*}} to %[[ROW]] annotate_for_users
// AUTO:         %[[Q:.*]] = dsc.slice %[[WHOLE]] {limit = array<i64: 16, 16>, start = array<i64: 0, 0>
// AUTO:         %[[COL:.*]] = shard.sharding @mesh split_axes = {{\[\[\], \[}}1]]
// AUTO:         %[[QS:.*]] = shard.shard %[[Q]] to %[[COL]]
// AUTO:         dsc.matmul %{{.*}}, %[[QS]]
// AUTO:         dsc.slice %[[WHOLE]] {limit = array<i64: 16, 32>, start = array<i64: 0, 16>
// AUTO:         dsc.matmul
// AUTO-NOT:     dsc.split
// AUTO:         dsc.matmul %{{.*}}, %[[WO]]
shard.grid @mesh(shape = 2x4) {dsc.mesh_axes = ["dp", "tp"]}
func.func @auto_qkv(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %w = dsc.param "wqkv" : tensor<16x32xf32>
  %wo = dsc.param "wo" : tensor<16x16xf32>
  %qk = dsc.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %q, %k = dsc.split %qk {axis = -1 : i64, sizes = array<i64: 16, 16>} : tensor<8x32xf32> -> tensor<8x16xf32>, tensor<8x16xf32>
  %p = dsc.mul %q, %k : tensor<8x16xf32>
  %y = dsc.matmul %p, %wo : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
