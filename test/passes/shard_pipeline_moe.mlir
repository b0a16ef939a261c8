// Expert parallelism in the dsc-shard pipeline: the partition rules of moe_dispatch and
// moe_combine (ir/DscShardingModels.cpp). Every rank gathers the batch's indices so that each
// choice keeps the unsharded op's slot and drop; dispatch fills the rank's experts from its
// expert group's tokens; combine adds up each token's parts from every expert rank.
// RUN: dsc-opt %s --split-input-file --dsc-shard | FileCheck %s

// Tokens and experts both split over ep (4 ranks, 2 of 8 experts each): the router runs on
// the local tokens; the combined parts go back to the tokens' ranks with one all_to_all
// (split and concat along the tokens) and are summed there.
// CHECK-LABEL: func.func @tokens_and_experts_over_ep
// CHECK:         %[[W:.*]], %[[IDX:.*]] = dsc.router_topk %{{.*}} : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
// CHECK:         %[[ALL_IDX:.*]] = shard.all_gather %[[IDX]] on @mesh grid_axes = [0] gather_axis = 0 : tensor<4x2xi32> -> tensor<16x2xi32>
// CHECK:         %[[MINE:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [0] slice_axis = 0 : tensor<8xi32> -> tensor<2xi32>
// CHECK:         %[[TOKENS:.*]] = shard.all_gather %{{.*}} on @mesh grid_axes = [0] gather_axis = 0 : tensor<4x8xf32> -> tensor<16x8xf32>
// CHECK:         %[[BUF:.*]] = dsc.moe_dispatch_local %[[TOKENS]], %[[ALL_IDX]], %{{.*}}, %[[MINE]] {capacity = 6 : i64, num_experts = 8 : i64}
// CHECK-SAME:      -> tensor<2x6x8xf32>
// CHECK:         %[[OUT:.*]] = dsc.matmul %[[BUF]], %{{.*}} : (tensor<2x6x8xf32>, tensor<2x8x8xf32>) -> tensor<2x6x8xf32>
// CHECK:         %[[PARTS:.*]] = dsc.moe_combine_local %[[OUT]], %{{.*}} -> tensor<16x8xf32>
// CHECK:         %[[BACK:.*]] = shard.all_to_all %[[PARTS]] on @mesh grid_axes = [0] split_axis = 0 concat_axis = 0 : tensor<16x8xf32> -> tensor<16x8xf32>
// CHECK:         %[[BLOCKS:.*]] = dsc.reshape %[[BACK]] : tensor<16x8xf32> -> tensor<4x4x8xf32>
// CHECK:         %[[Y:.*]] = dsc.reduce_sum %[[BLOCKS]] {axes = array<i64: 0>} : tensor<4x4x8xf32> -> tensor<4x8xf32>
// CHECK:         shard.all_gather %[[Y]] on @mesh grid_axes = [0] gather_axis = 0 : tensor<4x8xf32> -> tensor<16x8xf32>
shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["ep"]}
func.func @tokens_and_experts_over_ep(%x: tensor<16x8xf32>, %router: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %wg = dsc.param "experts" : tensor<8x8x8xf32>
  %logits = dsc.matmul %x, %router : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %w, %idx = dsc.router_topk %logits {k = 2 : i64} : (tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>)
  %h = dsc.neg %x {dsc.shard = {dims = [["ep"], []]}} : tensor<16x8xf32>
  %buf = dsc.moe_dispatch %h, %idx {num_experts = 8 : i64, capacity = 6 : i64, dsc.shard = {dims = [["ep"], [], []]}} : (tensor<16x8xf32>, tensor<16x2xi32>) -> tensor<8x6x8xf32>
  %e = dsc.matmul %buf, %wg : (tensor<8x6x8xf32>, tensor<8x8x8xf32>) -> tensor<8x6x8xf32>
  %y = dsc.moe_combine %e, %idx, %w {dsc.shard = {dims = [["ep"], []]}} : (tensor<8x6x8xf32>, tensor<16x2xi32>, tensor<16x2xf32>) -> tensor<16x8xf32>
  return %y : tensor<16x8xf32>
}

// -----

// Only the experts split (the tokens are whole on every rank): dispatch is local, with no
// communication; combine sums the experts' parts with an all_reduce in f32 and rounds once.
// CHECK-LABEL: func.func @experts_only
// CHECK-NOT:     shard.all_gather
// CHECK-NOT:     shard.all_to_all
// CHECK:         dsc.moe_dispatch_local %{{.*}} -> tensor<2x6x8xbf16>
// CHECK:         %[[F32:.*]] = dsc.cast %{{.*}} : tensor<2x6x8xbf16> -> tensor<2x6x8xf32>
// CHECK:         %[[PARTS:.*]] = dsc.moe_combine_local %[[F32]], %{{.*}} -> tensor<16x8xf32>
// CHECK:         %[[SUM:.*]] = shard.all_reduce %[[PARTS]] on @mesh grid_axes = [0] : tensor<16x8xf32> -> tensor<16x8xf32>
// CHECK:         dsc.cast %[[SUM]] : tensor<16x8xf32> -> tensor<16x8xbf16>
shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["ep"]}
func.func @experts_only(%x: tensor<16x8xbf16>, %w: tensor<16x2xf32>, %idx: tensor<16x2xi32>) -> tensor<16x8xbf16> {
  %wg = dsc.param "experts" {dsc.shard = {dims = [["ep"], [], []]}} : tensor<8x8x8xbf16>
  %buf = dsc.moe_dispatch %x, %idx {num_experts = 8 : i64, capacity = 6 : i64, dsc.shard = {dims = [["ep"], [], []]}} : (tensor<16x8xbf16>, tensor<16x2xi32>) -> tensor<8x6x8xbf16>
  %e = dsc.matmul %buf, %wg : (tensor<8x6x8xbf16>, tensor<8x8x8xbf16>) -> tensor<8x6x8xbf16>
  %y = dsc.moe_combine %e, %idx, %w : (tensor<8x6x8xbf16>, tensor<16x2xi32>, tensor<16x2xf32>) -> tensor<16x8xbf16>
  return %y : tensor<16x8xbf16>
}
