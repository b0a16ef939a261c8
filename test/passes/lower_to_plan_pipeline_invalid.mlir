// dsc-lower-to-plan's errors on functions cut into pipeline stages (lower_to_plan_pipeline.mlir
// has the valid ones).

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan --verify-diagnostics

// An op the schedule does not run: micro-batch 1 of a one-micro-batch schedule.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @not_in_schedule(%x: tensor<2x8xf32> {dsc.name = "x"}) -> (tensor<2x8xf32> {dsc.name = "y"})
    attributes {dsc.pipeline = {axis = 0 : i64, chain_length = 2 : i64, microbatches = 1 : i64,
      placement = array<i64: 0, 1>, schedule = "fill-drain", stages = 2 : i64,
      steps = [["F0.0", "SF0.0"], ["RF1.0", "F1.0"]]}} {
  // expected-error @+1 {{belongs to pipeline step F0.1, which the schedule (dsc.pipeline) does not run}}
  %h = dsc.relu %x {dsc.microbatch = 1 : i64, dsc.stage = 0 : i64} : tensor<2x8xf32>
  return %h : tensor<2x8xf32>
}

// -----

// An op without a stage in a pipelined function.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @no_stage(%x: tensor<2x8xf32> {dsc.name = "x"}) -> (tensor<2x8xf32> {dsc.name = "y"})
    attributes {dsc.pipeline = {axis = 0 : i64, chain_length = 2 : i64, microbatches = 1 : i64,
      placement = array<i64: 0, 1>, schedule = "fill-drain", stages = 2 : i64,
      steps = [["F0.0", "SF0.0"], ["RF1.0", "F1.0"]]}} {
  // expected-error @+1 {{has no dsc.stage of the pipeline (0 to 1) in a function cut into pipeline stages}}
  %h = dsc.relu %x : tensor<2x8xf32>
  return %h : tensor<2x8xf32>
}

// -----

// A schedule that deadlocks is refused before anything is lowered.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
// expected-error @+1 {{has an invalid dsc.pipeline: pipeline schedule deadlocks}}
func.func @deadlock(%x: tensor<2x8xf32> {dsc.name = "x"}) -> (tensor<2x8xf32> {dsc.name = "y"})
    attributes {dsc.pipeline = {axis = 0 : i64, chain_length = 2 : i64, microbatches = 2 : i64,
      placement = array<i64: 0, 1>, schedule = "fill-drain", stages = 2 : i64,
      steps = [["F0.0", "SF0.0", "F0.1", "SF0.1"], ["RF1.1", "F1.1", "RF1.0", "F1.0"]]}} {
  %h = dsc.relu %x {dsc.stage = 0 : i64} : tensor<2x8xf32>
  return %h : tensor<2x8xf32>
}

// -----

// A recv without a source has no NCCL peer.
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @no_peer(%x: tensor<2x8xf32> {dsc.name = "x"}) -> (tensor<2x8xf32> {dsc.name = "y"}) {
  // expected-error @+1 {{needs a static peer on every grid axis to be lowered to NCCL}}
  %r = shard.recv %x on @mesh grid_axes = [0] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
