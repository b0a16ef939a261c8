// dsc-lower-to-plan on a function cut into pipeline stages (dsc-partition-pipeline): the ops
// are put stage by stage, each stage in its rank's schedule order; shard.send / shard.recv
// become plan.collective send / recv over the pp axis with the other stage's rank as peer;
// every step carries plan.stage (and plan.microbatch), every param the stages that read it.
// Then dsc-schedule-collectives keeps each collective among its own stage's steps, and
// dsc-plan-memory lets the two stages share the arena's bytes. Errors:
// lower_to_plan_pipeline_invalid.mlir.

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan --dsc-schedule-collectives | FileCheck %s --check-prefix=ASYNC
// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan --dsc-plan-memory | FileCheck %s --check-prefix=PLACED

// Two stages, two micro-batches, in graph order (micro-batch 0 through both stages, then 1),
// with stage 1's param first and the weight "w" read by both stages.
// CHECK:       module attributes {plan.mesh = {axes = ["pp"], shape = array<i64: 2>}}
// CHECK-LABEL: func.func @two_stages()
// CHECK:         %[[X:.+]] = plan.input "x"
// CHECK:         %[[W:.+]] = plan.param "w" {plan.stages = array<i64: 0, 1>} : memref<8x8xf32>
// CHECK:         plan.launch "slice"(%[[X]] {{.*}} {op = "dsc.slice", {{.*}}plan.microbatch = 0 : i64, plan.stage = 0 : i64}
// CHECK:         plan.gemm %[[W]], %{{.+}}, %[[H0:[0-9]+]] {{.*}}plan.microbatch = 0 : i64, plan.stage = 0 : i64
// CHECK:         plan.collective send send %[[H0]] : memref<2x8xf32> {mesh_axes = array<i32: 0>, peer = 1 : i32, plan.microbatch = 0 : i64, plan.stage = 0 : i64}
// CHECK:         plan.launch "slice"(%[[X]] {{.*}}plan.microbatch = 1 : i64, plan.stage = 0 : i64}
// CHECK:         plan.gemm %[[W]], %{{.+}}, %[[H1:[0-9]+]] {{.*}}plan.microbatch = 1 : i64, plan.stage = 0 : i64
// CHECK:         plan.collective send send %[[H1]] : memref<2x8xf32> {mesh_axes = array<i32: 0>, peer = 1 : i32, plan.microbatch = 1 : i64, plan.stage = 0 : i64}
// CHECK:         %[[B:.+]] = plan.param "b" {plan.stages = array<i64: 1>} : memref<2x8xf32>
// CHECK:         %[[R0:.+]] = plan.alloc activation {plan.microbatch = 0 : i64, plan.stage = 1 : i64} : memref<2x8xf32>
// CHECK-NEXT:    plan.collective recv recv %[[R0]] : memref<2x8xf32> {mesh_axes = array<i32: 0>, peer = 0 : i32, plan.microbatch = 0 : i64, plan.stage = 1 : i64}
// CHECK:         plan.gemm %[[W]], %[[R0]]
// CHECK:         plan.launch "binary"({{.*}}%[[B]] {{.*}}plan.microbatch = 0 : i64, plan.stage = 1 : i64}
// CHECK:         %[[R1:.+]] = plan.alloc activation {plan.microbatch = 1 : i64, plan.stage = 1 : i64} : memref<2x8xf32>
// CHECK-NEXT:    plan.collective recv recv %[[R1]] : memref<2x8xf32> {mesh_axes = array<i32: 0>, peer = 0 : i32, plan.microbatch = 1 : i64, plan.stage = 1 : i64}
// CHECK:         plan.launch "concat"({{.*}}plan.stage = 1 : i64}
// CHECK-NOT:     plan.microbatch
// CHECK:         return

// The next micro-batch's receive runs on the communication stream under this one's compute,
// waiting for nothing of stage 0; the sends wait for their own stage's GEMMs.
// ASYNC-LABEL: func.func @two_stages()
// ASYNC:         plan.gemm {{.*}}plan.stage = 0 : i64, record_event = [[E0:[0-9]+]] : i32}
// ASYNC:         plan.collective send {{.*}}plan.stage = 0 : i64, record_event = [[S0:[0-9]+]] : i32, stream = 1 : i32, wait_events = array<i32: [[E0]]>}
// ASYNC:         plan.wait [[S0]](%{{.*}}) {plan.stage = 0 : i64}
// ASYNC:         plan.collective recv recv %{{.+}} {{.*}}plan.microbatch = 0 : i64, plan.stage = 1 : i64, record_event = [[R0:[0-9]+]] : i32}
// ASYNC-NEXT:    plan.alloc
// ASYNC-NEXT:    plan.collective recv recv %{{.+}} {{.*}}plan.microbatch = 1 : i64, plan.stage = 1 : i64, record_event = [[R1:[0-9]+]] : i32, stream = 1 : i32, wait_events = array<i32: [[R0]]>}
// ASYNC:         plan.gemm {{.*}}plan.microbatch = 0 : i64, plan.stage = 1 : i64
// ASYNC:         plan.wait [[R1]](%{{.*}}) {plan.stage = 1 : i64}
// ASYNC:         plan.gemm {{.*}}plan.microbatch = 1 : i64, plan.stage = 1 : i64

// Stage 1's first buffer reuses the bytes stage 0 used (no buffer lives across stages).
// PLACED-LABEL: func.func @two_stages()
// PLACED:         plan.alloc activation {offset = [[OFF:[0-9]+]] : i64, plan.microbatch = 0 : i64, plan.stage = 0 : i64} : memref<2x8xf32>
// PLACED:         plan.alloc activation {offset = [[OFF]] : i64, plan.microbatch = 0 : i64, plan.stage = 1 : i64}
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @two_stages(%x: tensor<4x8xf32> {dsc.name = "x"}) -> (tensor<4x8xf32> {dsc.name = "y"})
    attributes {dsc.pipeline = {axis = 0 : i64, chain_length = 2 : i64, microbatches = 2 : i64,
      placement = array<i64: 0, 1>, schedule = "fill-drain", stages = 2 : i64,
      steps = [["F0.0", "SF0.0", "F0.1", "SF0.1"], ["RF1.0", "F1.0", "RF1.1", "F1.1"]]}} {
  %b = dsc.param "b" {dsc.stage = 1 : i64} : tensor<2x8xf32>
  %w0 = dsc.param "w" {dsc.stage = 0 : i64} : tensor<8x8xf32>
  %w1 = dsc.param "w" {dsc.stage = 1 : i64} : tensor<8x8xf32>
  %x0 = dsc.slice %x {dsc.microbatch = 0 : i64, dsc.stage = 0 : i64, limit = array<i64: 2, 8>, start = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<2x8xf32>
  %h0 = dsc.matmul %x0, %w0 {dsc.microbatch = 0 : i64, dsc.stage = 0 : i64} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %s0 = shard.send %h0 on @mesh grid_axes = [0] destination = [1] {dsc.microbatch = 0 : i64, dsc.stage = 0 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %r0 = shard.recv %s0 on @mesh grid_axes = [0] source = [0] {dsc.microbatch = 0 : i64, dsc.stage = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %g0 = dsc.matmul %r0, %w1 {dsc.microbatch = 0 : i64, dsc.stage = 1 : i64} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %y0 = dsc.add %g0, %b {dsc.microbatch = 0 : i64, dsc.stage = 1 : i64} : tensor<2x8xf32>
  %x1 = dsc.slice %x {dsc.microbatch = 1 : i64, dsc.stage = 0 : i64, limit = array<i64: 4, 8>, start = array<i64: 2, 0>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<2x8xf32>
  %h1 = dsc.matmul %x1, %w0 {dsc.microbatch = 1 : i64, dsc.stage = 0 : i64} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %s1 = shard.send %h1 on @mesh grid_axes = [0] destination = [1] {dsc.microbatch = 1 : i64, dsc.stage = 0 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %r1 = shard.recv %s1 on @mesh grid_axes = [0] source = [0] {dsc.microbatch = 1 : i64, dsc.stage = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %g1 = dsc.matmul %r1, %w1 {dsc.microbatch = 1 : i64, dsc.stage = 1 : i64} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %y1 = dsc.add %g1, %b {dsc.microbatch = 1 : i64, dsc.stage = 1 : i64} : tensor<2x8xf32>
  %y = dsc.concat %y0, %y1 {axis = 0 : i64, dsc.stage = 1 : i64} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Each rank's params stack above its own only: "a" (stage 0) and "b" (stage 1) share bytes,
// above "w" that both read; each rank's regions are its own params' and buffers' end.
// PLACED:       module attributes {{{.*}}plan.param_bytes = 512 : i64{{.*}}plan.rank_arena_bytes = array<i64: [[ARENA0:[0-9]+]], [[ARENA1:[0-9]+]]>, plan.rank_param_bytes = array<i64: 512, 512>}
// PLACED-LABEL: func.func @own_params()
// PLACED:         plan.param "w" {offset = 0 : i64, plan.stages = array<i64: 0, 1>}
// PLACED:         plan.param "a" {offset = 256 : i64, plan.stages = array<i64: 0>}
// PLACED:         plan.param "b" {offset = 256 : i64, plan.stages = array<i64: 1>}
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @own_params(%x: tensor<2x8xf32> {dsc.name = "x"}) -> (tensor<2x8xf32> {dsc.name = "y"})
    attributes {dsc.pipeline = {axis = 0 : i64, chain_length = 2 : i64, microbatches = 1 : i64,
      placement = array<i64: 0, 1>, schedule = "fill-drain", stages = 2 : i64,
      steps = [["F0.0", "SF0.0"], ["RF1.0", "F1.0"]]}} {
  %w0 = dsc.param "w" {dsc.stage = 0 : i64} : tensor<8x8xf32>
  %a = dsc.param "a" {dsc.stage = 0 : i64} : tensor<2x8xf32>
  %h = dsc.matmul %x, %w0 {dsc.microbatch = 0 : i64, dsc.stage = 0 : i64} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %ha = dsc.add %h, %a {dsc.microbatch = 0 : i64, dsc.stage = 0 : i64} : tensor<2x8xf32>
  %s = shard.send %ha on @mesh grid_axes = [0] destination = [1] {dsc.microbatch = 0 : i64, dsc.stage = 0 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %w1 = dsc.param "w" {dsc.stage = 1 : i64} : tensor<8x8xf32>
  %b = dsc.param "b" {dsc.stage = 1 : i64} : tensor<2x8xf32>
  %r = shard.recv %s on @mesh grid_axes = [0] source = [0] {dsc.microbatch = 0 : i64, dsc.stage = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %g = dsc.matmul %r, %w1 {dsc.microbatch = 0 : i64, dsc.stage = 1 : i64} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %y = dsc.add %g, %b {dsc.microbatch = 0 : i64, dsc.stage = 1 : i64} : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
