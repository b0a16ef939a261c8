// dsc-partition-pipeline's micro-batch errors: ops whose shape or semantics tie them to the
// whole batch, which slicing along dim 0 would change.

// RUN: dsc-opt %s --split-input-file --dsc-partition-pipeline=microbatches=2 -verify-diagnostics

// A constant of the batch's shape with different rows is not the same for every micro-batch.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @main(%x: tensor<2x2xf32> {dsc.name = "x"}) -> (tensor<2x2xf32> {dsc.name = "y"}) {
  // expected-error @+1 {{cannot be split into micro-batches: a constant of the batch's shape that is not a splat}}
  %c = dsc.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %a = dsc.add %x, %c : tensor<2x2xf32>
  %b = dsc.exp %a : tensor<2x2xf32>
  return %b : tensor<2x2xf32>
}

// -----

// An iota along the batch counts rows of the whole batch.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @main(%x: tensor<4x8xi32> {dsc.name = "x"}) -> (tensor<4x8xi32> {dsc.name = "y"}) {
  // expected-error @+1 {{cannot be split into micro-batches: it counts along the batch}}
  %i = dsc.iota {dimension = 0 : i64} : tensor<4x8xi32>
  %a = dsc.add %x, %i : tensor<4x8xi32>
  %b = dsc.abs %a : tensor<4x8xi32>
  return %b : tensor<4x8xi32>
}

// -----

// A softmax over dim 0 mixes the micro-batches' rows.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @main(%x: tensor<4x8xf32> {dsc.name = "x"}) -> (tensor<4x8xf32> {dsc.name = "y"}) {
  %a = dsc.exp %x : tensor<4x8xf32>
  // expected-error @+1 {{cannot be split into 2 micro-batches: it works along dim 0, the batch}}
  %s = dsc.softmax %a {axis = 0 : i64} : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// A transpose that moves the batch, though its result's dim 0 has the batch's size.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @main(%x: tensor<4x4xf32> {dsc.name = "x"}) -> (tensor<4x4xf32> {dsc.name = "y"}) {
  %a = dsc.exp %x : tensor<4x4xf32>
  // expected-error @+1 {{cannot be split into 2 micro-batches: it moves dim 0, the batch}}
  %t = dsc.transpose %a {permutation = array<i64: 1, 0>} : tensor<4x4xf32> -> tensor<4x4xf32>
  return %t : tensor<4x4xf32>
}

// -----

// A slice of some rows of the batch.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @main(%x: tensor<4x4xf32> {dsc.name = "x"}) -> (tensor<2x4xf32> {dsc.name = "y"}) {
  %a = dsc.exp %x : tensor<4x4xf32>
  // expected-error @+1 {{cannot be split into 2 micro-batches: it slices dim 0, the batch}}
  %s = dsc.slice %a {start = array<i64: 0, 0>, limit = array<i64: 2, 4>, stride = array<i64: 1, 1>}
      : tensor<4x4xf32> -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}
