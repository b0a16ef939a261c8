// The dsc-shard pipeline (dsc-annotate-shardings, sharding-propagation, shard-partition,
// canonicalize): per-rank shapes and the collectives chosen for each parallel pattern.
// RUN: dsc-opt %s --split-input-file --dsc-shard | FileCheck %s

// Megatron MLP: column-parallel w1 (each rank slices its columns locally: all_slice), gelu
// on the local columns, row-parallel w2 (its rows), then one all_reduce of the partial sums.
// CHECK-LABEL: func.func @column_then_row
// CHECK-SAME:    (%[[X:.*]]: tensor<8x16xf32>) -> tensor<8x16xf32>
// CHECK:         %[[W1:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [0] slice_axis = 1 : tensor<16x64xf32> -> tensor<16x16xf32>
// CHECK:         %[[W2:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [0] slice_axis = 0 : tensor<64x16xf32> -> tensor<16x16xf32>
// CHECK:         %[[H:.*]] = dsc.matmul %[[X]], %[[W1]] : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
// CHECK:         %[[G:.*]] = dsc.gelu %[[H]] : tensor<8x16xf32>
// CHECK:         %[[P:.*]] = dsc.matmul %[[G]], %[[W2]]
// CHECK:         %[[Y:.*]] = shard.all_reduce %[[P]] on @mesh grid_axes = [0] : tensor<8x16xf32> -> tensor<8x16xf32>
// CHECK:         return %[[Y]]
shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
func.func @column_then_row(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %w1 = dsc.param "w1" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<16x64xf32>
  %w2 = dsc.param "w2" {dsc.shard = {dims = [["tp"], []]}} : tensor<64x16xf32>
  %h = dsc.matmul %x, %w1 : (tensor<8x16xf32>, tensor<16x64xf32>) -> tensor<8x64xf32>
  %g = dsc.gelu %h : tensor<8x64xf32>
  %y = dsc.matmul %g, %w2 : (tensor<8x64xf32>, tensor<64x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Attention with heads split: q/k/v projections column-parallel, reshape to heads keeps the
// split on the head dim, rope and attention run on the local heads (2 of 8 query heads, 1 of
// 4 kv heads), the output projection is row-parallel: one all_reduce, no gather.
// CHECK-LABEL: func.func @heads_split
// CHECK-NOT:     shard.all_gather
// CHECK:         dsc.rope %{{.*}}, %{{.*}} : tensor<1x4x2x8xf32>, tensor<4xi32>
// CHECK:         dsc.attention %{{.*}} : (tensor<1x4x2x8xf32>, tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32>) -> tensor<1x4x2x8xf32>
// CHECK:         dsc.reshape %{{.*}} : tensor<1x4x2x8xf32> -> tensor<1x4x16xf32>
// CHECK:         %[[O:.*]] = dsc.matmul %{{.*}} : (tensor<1x4x16xf32>, tensor<16x64xf32>) -> tensor<1x4x64xf32>
// CHECK:         shard.all_reduce %[[O]] on @mesh grid_axes = [0]
// CHECK-NOT:     shard.all_gather
shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
func.func @heads_split(%x: tensor<1x4x64xf32>, %pos: tensor<4xi32>) -> tensor<1x4x64xf32> {
  %wq = dsc.param "wq" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<64x64xf32>
  %wk = dsc.param "wk" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<64x32xf32>
  %wv = dsc.param "wv" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<64x32xf32>
  %wo = dsc.param "wo" {dsc.shard = {dims = [["tp"], []]}} : tensor<64x64xf32>
  %q0 = dsc.matmul %x, %wq : (tensor<1x4x64xf32>, tensor<64x64xf32>) -> tensor<1x4x64xf32>
  %k0 = dsc.matmul %x, %wk : (tensor<1x4x64xf32>, tensor<64x32xf32>) -> tensor<1x4x32xf32>
  %v0 = dsc.matmul %x, %wv : (tensor<1x4x64xf32>, tensor<64x32xf32>) -> tensor<1x4x32xf32>
  %q1 = dsc.reshape %q0 : tensor<1x4x64xf32> -> tensor<1x4x8x8xf32>
  %k1 = dsc.reshape %k0 : tensor<1x4x32xf32> -> tensor<1x4x4x8xf32>
  %v1 = dsc.reshape %v0 : tensor<1x4x32xf32> -> tensor<1x4x4x8xf32>
  %q = dsc.rope %q1, %pos : tensor<1x4x8x8xf32>, tensor<4xi32>
  %k = dsc.rope %k1, %pos : tensor<1x4x4x8xf32>, tensor<4xi32>
  %a = dsc.attention %q, %k, %v1 {causal = true} : (tensor<1x4x8x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x8x8xf32>
  %a2 = dsc.reshape %a : tensor<1x4x8x8xf32> -> tensor<1x4x64xf32>
  %y = dsc.matmul %a2, %wo : (tensor<1x4x64xf32>, tensor<64x64xf32>) -> tensor<1x4x64xf32>
  return %y : tensor<1x4x64xf32>
}

// -----

// DP over the batch with TP inside: each rank gets its batch rows as input (the argument
// type is per rank, the split recorded for the runtime), the norm runs on them, and the output
// is gathered whole along the batch.
// CHECK-LABEL: func.func @dp_batch
// CHECK-SAME:    (%[[X:.*]]: tensor<4x16xf32> {dsc.split_axes = [array<i32: 0>, array<i32>]}, %{{.*}}: tensor<16xf32>) -> tensor<8x16xf32>
// CHECK:         %[[N:.*]] = dsc.rms_norm %[[X]], %{{.*}} : tensor<4x16xf32>, tensor<16xf32>
// CHECK:         %[[Y:.*]] = shard.all_gather %[[N]] on @mesh grid_axes = [0] gather_axis = 0 : tensor<4x16xf32> -> tensor<8x16xf32>
// CHECK:         return %[[Y]]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @dp_batch(%x: tensor<8x16xf32> {dsc.shard = {dims = [["dp"], []]}}, %w: tensor<16xf32>) -> tensor<8x16xf32> {
  %n = dsc.rms_norm %x, %w : tensor<8x16xf32>, tensor<16xf32>
  return %n : tensor<8x16xf32>
}

// -----

// A norm needs whole rows: an input split along its last dim is gathered first.
// CHECK-LABEL: func.func @norm_gathers_rows
// CHECK:         %[[ROWS:.*]] = shard.all_gather %{{.*}} on @mesh grid_axes = [0] gather_axis = 1 : tensor<8x4xf32> -> tensor<8x16xf32>
// CHECK:         dsc.rms_norm %[[ROWS]], %{{.*}} : tensor<8x16xf32>, tensor<16xf32>
shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
func.func @norm_gathers_rows(%x: tensor<8x16xf32> {dsc.shard = {dims = [[], ["tp"]]}}, %w: tensor<16xf32>) -> tensor<8x16xf32> {
  %n = dsc.rms_norm %x, %w : tensor<8x16xf32>, tensor<16xf32>
  return %n : tensor<8x16xf32>
}

// -----

// A change of two axes at once (dp and tp trade dims around a norm that needs its rows
// whole) goes through single steps: gather each axis, then slice each.
// CHECK-LABEL: func.func @two_axis_change
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4xf32>
// CHECK:         %[[G1:.*]] = shard.all_gather %[[X]] on @mesh grid_axes = [1] gather_axis = 1 : tensor<2x4xf32> -> tensor<2x8xf32>
// CHECK:         %[[G2:.*]] = shard.all_gather %[[G1]] on @mesh grid_axes = [0] gather_axis = 0 : tensor<2x8xf32> -> tensor<4x8xf32>
// CHECK:         %[[S:.*]] = shard.all_slice %[[G2]] on @mesh grid_axes = [1] slice_axis = 0 : tensor<4x8xf32> -> tensor<2x8xf32>
// CHECK:         dsc.rms_norm %[[S]]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @two_axis_change(%x: tensor<4x8xf32> {dsc.shard = {dims = [["dp"], ["tp"]]}}, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  %n = dsc.rms_norm %x, %w {dsc.shard = {dims = [["tp"], ["dp"]]}} : tensor<4x8xf32>, tensor<8xf32>
  %y = dsc.neg %n : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// An output hinted split is still returned whole (the runtime writes outputs once, whole):
// gathered over tp, then over dp (one axis per step).
// CHECK-LABEL: func.func @split_output_gathered
// CHECK-SAME:    (%{{.*}}: tensor<2x16xf32> {dsc.split_axes = [array<i32: 0, 1>, array<i32>]}, %{{.*}}: tensor<16xf32>) -> tensor<8x16xf32>
// CHECK:         %[[TP:.*]] = shard.all_gather %{{.*}} on @mesh grid_axes = [1] gather_axis = 0 : tensor<2x16xf32> -> tensor<4x16xf32>
// CHECK:         %[[DP:.*]] = shard.all_gather %[[TP]] on @mesh grid_axes = [0] gather_axis = 0 : tensor<4x16xf32> -> tensor<8x16xf32>
// CHECK:         return %[[DP]]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @split_output_gathered(%x: tensor<8x16xf32> {dsc.shard = {dims = [["dp", "tp"], []]}}, %w: tensor<16xf32>)
    -> (tensor<8x16xf32> {dsc.shard = {dims = [["dp", "tp"], []]}}) {
  %n = dsc.rms_norm %x, %w : tensor<8x16xf32>, tensor<16xf32>
  return %n : tensor<8x16xf32>
}

// -----

// Vocabulary-parallel embedding: the table's rows split over tp (64 of 128 on each of 2 ranks).
// Each rank clamps the token ids as the op does, shifts them by its first row, looks them up
// in its rows, zeroes the lookups outside them, and one all_reduce sums the ranks' lookups.
// CHECK-LABEL: func.func @vocab_parallel_embedding
// CHECK-SAME:    (%[[TOKENS:.*]]: tensor<2x8xi32>) -> tensor<2x8x16xbf16>
// CHECK:         %[[ROWS:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [0] slice_axis = 0 : tensor<128x16xbf16> -> tensor<64x16xbf16>
// CHECK:         %[[IDS:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [0] slice_axis = 0 : tensor<128xi32> -> tensor<64xi32>
// CHECK:         %[[FIRST:.*]] = dsc.slice %[[IDS]] {{.*}} : tensor<64xi32> -> tensor<1xi32>
// CHECK:         %[[OFFSET:.*]] = dsc.broadcast %[[FIRST]] {dims = array<i64: 1>} : tensor<1xi32> -> tensor<2x8xi32>
// CHECK:         %[[HIGH:.*]] = dsc.min %[[TOKENS]], %{{.*}} : tensor<2x8xi32>
// CHECK:         %[[CLAMPED:.*]] = dsc.max %[[HIGH]], %{{.*}} : tensor<2x8xi32>
// CHECK:         %[[LOCAL:.*]] = dsc.sub %[[CLAMPED]], %[[OFFSET]] : tensor<2x8xi32>
// CHECK:         %[[LOOKUP:.*]] = dsc.gather %[[ROWS]], %[[LOCAL]] : (tensor<64x16xbf16>, tensor<2x8xi32>) -> tensor<2x8x16xbf16>
// CHECK:         dsc.compare %[[LOCAL]], %{{.*}} {predicate = #dsc.predicate<ge>}
// CHECK:         %[[LOW_OK:.*]] = dsc.select %{{.*}}, %[[LOOKUP]], %{{.*}} : tensor<2x8x16xi1>, tensor<2x8x16xbf16>
// CHECK:         dsc.compare %[[LOCAL]], %{{.*}} {predicate = #dsc.predicate<lt>}
// CHECK:         %[[MINE:.*]] = dsc.select %{{.*}}, %[[LOW_OK]], %{{.*}} : tensor<2x8x16xi1>, tensor<2x8x16xbf16>
// CHECK:         %[[X:.*]] = shard.all_reduce %[[MINE]] on @mesh grid_axes = [0] : tensor<2x8x16xbf16> -> tensor<2x8x16xbf16>
// CHECK:         return %[[X]]
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @vocab_parallel_embedding(%tokens: tensor<2x8xi32>) -> tensor<2x8x16xbf16> {
  %embed = dsc.param "embed" {dsc.shard = {dims = [["tp"], []]}} : tensor<128x16xbf16>
  %x = dsc.gather %embed, %tokens : (tensor<128x16xbf16>, tensor<2x8xi32>) -> tensor<2x8x16xbf16>
  return %x : tensor<2x8x16xbf16>
}
