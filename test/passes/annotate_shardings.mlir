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

// -----

// Hints only: the input's batch split over dp carries through the block. The values whole
// over every other axis (the row-parallel sum and the residual add) are produced and used
// split over dp on dim 0; the column-parallel output between them is left to propagation;
// the output is used replicated (gathered once).
// CHECK-LABEL: func.func @hints_dp_batch
// CHECK:         %[[DP:.*]] = shard.sharding @mesh split_axes = {{\[\[}}0], []]
// CHECK:         %[[XS:.*]] = shard.shard %{{.*}} to %[[DP]] : tensor<8x16xf32>
// CHECK:         %[[H:.*]] = dsc.matmul %[[XS]]
// CHECK-NEXT:    %[[G:.*]] = dsc.gelu %[[H]]
// CHECK-NEXT:    %[[Y:.*]] = dsc.matmul %[[G]]
// CHECK-NEXT:    %[[YDP:.*]] = shard.sharding @mesh split_axes = {{\[\[}}0], []]
// CHECK-NEXT:    %[[YP:.*]] = shard.shard %[[Y]] to %[[YDP]] : tensor<8x16xf32>
// CHECK-NEXT:    %[[YDPU:.*]] = shard.sharding @mesh split_axes = {{\[\[}}0], []]
// CHECK-NEXT:    %[[YU:.*]] = shard.shard %[[YP]] to %[[YDPU]] annotate_for_users
// CHECK-NEXT:    %[[Z:.*]] = dsc.add %[[YU]], %[[XS]]
// CHECK-NEXT:    %[[ZDP:.*]] = shard.sharding @mesh split_axes = {{\[\[}}0], []]
// CHECK-NEXT:    %[[ZP:.*]] = shard.shard %[[Z]] to %[[ZDP]] : tensor<8x16xf32>
// CHECK-NEXT:    %[[ZDPU:.*]] = shard.sharding @mesh split_axes = {{\[\[}}0], []]
// CHECK-NEXT:    %[[ZU:.*]] = shard.shard %[[ZP]] to %[[ZDPU]] annotate_for_users
// CHECK-NEXT:    %[[REP:.*]] = shard.sharding @mesh split_axes = []
// CHECK-NEXT:    %[[OUT:.*]] = shard.shard %[[ZU]] to %[[REP]] annotate_for_users
// CHECK-NEXT:    return %[[OUT]]
shard.grid @mesh(shape = 2x4) {dsc.mesh_axes = ["dp", "tp"]}
func.func @hints_dp_batch(%x: tensor<8x16xf32> {dsc.name = "x", dsc.shard = {dims = [["dp"], []]}}) -> tensor<8x16xf32> {
  %w1 = dsc.param "w1" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<16x32xf32>
  %w2 = dsc.param "w2" {dsc.shard = {dims = [["tp"], []]}} : tensor<32x16xf32>
  %h = dsc.matmul %x, %w1 : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %g = dsc.gelu %h : tensor<8x32xf32>
  %y = dsc.matmul %g, %w2 : (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>
  %z = dsc.add %y, %x : tensor<8x16xf32>
  return %z : tensor<8x16xf32>
}

// -----

// Hints only: a value that an op reads beside one the model hints whole on dim 0 (%t, split
// over tp instead) is not named: no one sharding of the mul would satisfy both operands.
// Propagation places it; the row-parallel sum before it is named as above.
// CHECK-LABEL: func.func @hints_dp_beside_whole_batch
// CHECK:         dsc.matmul {{.*}} -> tensor<8x32xf32>
// CHECK-NEXT:    %[[Y:.*]] = dsc.matmul
// CHECK-NEXT:    shard.sharding @mesh split_axes = {{\[\[}}0], []]
// CHECK:         %[[Z:.*]] = dsc.add
// CHECK-NEXT:    %[[T:.*]] = dsc.tanh %[[Z]]
// CHECK-NEXT:    %[[TP:.*]] = shard.sharding @mesh split_axes = {{\[\[\], \[}}1]]
// CHECK-NEXT:    %[[TS:.*]] = shard.shard %[[T]] to %[[TP]] annotate_for_users
// CHECK-NEXT:    dsc.mul %[[TS]], %[[Z]]
shard.grid @mesh(shape = 2x4) {dsc.mesh_axes = ["dp", "tp"]}
func.func @hints_dp_beside_whole_batch(%x: tensor<8x16xf32> {dsc.name = "x", dsc.shard = {dims = [["dp"], []]}}) -> tensor<8x16xf32> {
  %w1 = dsc.param "w1" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<16x32xf32>
  %w2 = dsc.param "w2" {dsc.shard = {dims = [["tp"], []]}} : tensor<32x16xf32>
  %h = dsc.matmul %x, %w1 : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %y = dsc.matmul %h, %w2 : (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>
  %z = dsc.add %y, %x : tensor<8x16xf32>
  %t = dsc.tanh %z {dsc.shard = {dims = [[], ["tp"]]}} : tensor<8x16xf32>
  %u = dsc.mul %t, %z : tensor<8x16xf32>
  return %u : tensor<8x16xf32>
}
