// The dsc-shard pipeline with sequence parallelism (--parallel=auto --sequence-parallel): the
// collectives chosen between the tensor-parallel regions.
// RUN: dsc-opt %s --split-input-file --dsc-shard="auto-parallel=true sequence-parallel=true" | FileCheck %s

// Megatron sequence parallelism in one block: the entry input is sliced on its tokens
// (dim 1; local, the runtime cuts it), the norm runs on the rank's tokens, they are gathered
// before the column-parallel GEMM, the row-parallel GEMM's partial sums are reduce-scattered
// on tokens (no all_reduce), the residual add runs on the rank's tokens, and the output is
// gathered whole.
// CHECK-LABEL: func.func @block
// CHECK-SAME:    (%[[X:.*]]: tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
// CHECK-NOT:     shard.all_reduce
// CHECK:         %[[XS:.*]] = shard.all_slice %[[X]] on @mesh grid_axes = [0] slice_axis = 1 : tensor<2x8x16xf32> -> tensor<2x4x16xf32>
// CHECK:         %[[N:.*]] = dsc.rms_norm %[[XS]], %{{.*}} : tensor<2x4x16xf32>, tensor<16xf32>
// CHECK:         %[[NG:.*]] = shard.all_gather %[[N]] on @mesh grid_axes = [0] gather_axis = 1 : tensor<2x4x16xf32> -> tensor<2x8x16xf32>
// CHECK:         dsc.matmul %[[NG]], %{{.*}} : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
// CHECK:         %[[P:.*]] = dsc.matmul
// CHECK:         %[[RS:.*]] = shard.reduce_scatter %[[P]] on @mesh grid_axes = [0] scatter_axis = 1 : tensor<2x8x16xf32> -> tensor<2x4x16xf32>
// CHECK:         %[[R:.*]] = dsc.add %{{.*}}, %[[RS]] : tensor<2x4x16xf32>
// CHECK:         %[[Y:.*]] = shard.all_gather %[[R]] on @mesh grid_axes = [0] gather_axis = 1 : tensor<2x4x16xf32> -> tensor<2x8x16xf32>
// CHECK:         return %[[Y]]
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @block(%x: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %norm = dsc.param "norm" : tensor<16xf32>
  %w1 = dsc.param "w1" : tensor<16x32xf32>
  %w2 = dsc.param "w2" : tensor<32x16xf32>
  %n = dsc.rms_norm %x, %norm : tensor<2x8x16xf32>, tensor<16xf32>
  %h = dsc.matmul %n, %w1 : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  %g = dsc.gelu %h : tensor<2x8x32xf32>
  %y = dsc.matmul %g, %w2 : (tensor<2x8x32xf32>, tensor<32x16xf32>) -> tensor<2x8x16xf32>
  %r = dsc.add %x, %y : tensor<2x8x16xf32>
  return %r : tensor<2x8x16xf32>
}

// -----

// DP x TP: the batch stays split over dp (the input is the rank's rows), the tokens over tp;
// the collectives run over tp (mesh axis 1) and the output is gathered over tp, then dp.
// CHECK-LABEL: func.func @dp_block
// CHECK-SAME:    (%{{.*}}: tensor<1x8x16xf32> {dsc.split_axes = [array<i32: 0>, array<i32>, array<i32>]})
// CHECK-NOT:     shard.all_reduce
// CHECK:         dsc.rms_norm %{{.*}} : tensor<1x4x16xf32>, tensor<16xf32>
// CHECK:         shard.all_gather %{{.*}} on @mesh grid_axes = [1] gather_axis = 1 : tensor<1x4x16xf32> -> tensor<1x8x16xf32>
// CHECK:         shard.reduce_scatter %{{.*}} on @mesh grid_axes = [1] scatter_axis = 1 : tensor<1x8x16xf32> -> tensor<1x4x16xf32>
// CHECK:         %[[R:.*]] = dsc.add %{{.*}} : tensor<1x4x16xf32>
// CHECK:         %[[T:.*]] = shard.all_gather %[[R]] on @mesh grid_axes = [1] gather_axis = 1 : tensor<1x4x16xf32> -> tensor<1x8x16xf32>
// CHECK:         %[[D:.*]] = shard.all_gather %[[T]] on @mesh grid_axes = [0] gather_axis = 0 : tensor<1x8x16xf32> -> tensor<2x8x16xf32>
// CHECK:         return %[[D]]
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
func.func @dp_block(%x: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %norm = dsc.param "norm" : tensor<16xf32>
  %w1 = dsc.param "w1" : tensor<16x32xf32>
  %w2 = dsc.param "w2" : tensor<32x16xf32>
  %n = dsc.rms_norm %x, %norm : tensor<2x8x16xf32>, tensor<16xf32>
  %h = dsc.matmul %n, %w1 : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  %g = dsc.gelu %h : tensor<2x8x32xf32>
  %y = dsc.matmul %g, %w2 : (tensor<2x8x32xf32>, tensor<32x16xf32>) -> tensor<2x8x16xf32>
  %r = dsc.add %x, %y : tensor<2x8x16xf32>
  return %r : tensor<2x8x16xf32>
}

// -----

// Vocabulary-parallel embedding: the ranks' masked lookups are reduce-scattered on tokens
// instead of all-reduced; the final norm runs on the rank's tokens, which are gathered for the
// column-parallel LM head.
// CHECK-LABEL: func.func @embedding
// CHECK-NOT:     shard.all_reduce
// CHECK:         dsc.select
// CHECK:         %[[E:.*]] = dsc.select
// CHECK:         %[[RS:.*]] = shard.reduce_scatter %[[E]] on @mesh grid_axes = [0] scatter_axis = 1 : tensor<2x8x16xf32> -> tensor<2x4x16xf32>
// CHECK:         %[[N:.*]] = dsc.rms_norm %[[RS]], %{{.*}} : tensor<2x4x16xf32>, tensor<16xf32>
// CHECK:         %[[NG:.*]] = shard.all_gather %[[N]] on @mesh grid_axes = [0] gather_axis = 1
// CHECK:         dsc.matmul %[[NG]]
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @embedding(%tokens: tensor<2x8xi32>) -> tensor<2x8x64xf32> {
  %embed = dsc.param "embed" : tensor<64x16xf32>
  %norm = dsc.param "norm" : tensor<16xf32>
  %head = dsc.param "head" : tensor<16x64xf32>
  %e = dsc.gather %embed, %tokens {axis = 0} : (tensor<64x16xf32>, tensor<2x8xi32>) -> tensor<2x8x16xf32>
  %n = dsc.rms_norm %e, %norm : tensor<2x8x16xf32>, tensor<16xf32>
  %l = dsc.matmul %n, %head : (tensor<2x8x16xf32>, tensor<16x64xf32>) -> tensor<2x8x64xf32>
  return %l : tensor<2x8x64xf32>
}

// -----

// Three tokens do not split over two ranks: the residual stream stays whole, the partial sums
// are all-reduced as without sequence parallelism.
// CHECK-LABEL: func.func @tokens_do_not_divide
// CHECK-NOT:     shard.reduce_scatter
// CHECK:         %[[S:.*]] = shard.all_reduce %{{.*}} on @mesh grid_axes = [0] : tensor<2x3x16xf32> -> tensor<2x3x16xf32>
// CHECK:         dsc.add %{{.*}}, %[[S]] : tensor<2x3x16xf32>
// CHECK-NOT:     shard.all_gather
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
func.func @tokens_do_not_divide(%x: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %w1 = dsc.param "w1" : tensor<16x32xf32>
  %w2 = dsc.param "w2" : tensor<32x16xf32>
  %h = dsc.matmul %x, %w1 : (tensor<2x3x16xf32>, tensor<16x32xf32>) -> tensor<2x3x32xf32>
  %y = dsc.matmul %h, %w2 : (tensor<2x3x32xf32>, tensor<32x16xf32>) -> tensor<2x3x16xf32>
  %r = dsc.add %x, %y : tensor<2x3x16xf32>
  return %r : tensor<2x3x16xf32>
}
