// dsc-partition-pipeline on small functions: what the micro-batch split retypes besides the
// values computed from the inputs. Shapes carried by constants and attributes follow the
// batch: splat constants and broadcasts of the batch's shape in a fusion body (as -O2 fuses
// `gather`'s index clamp: min(tokens, 999)), a splat constant outside one, a slice's limit.
// An input of lower rank whose dim 0 is not the batch (positions[T]) is read whole by every
// micro-batch. The examples through dsc: partition_pipeline_driver.test; errors:
// partition_pipeline_invalid.mlir.

// RUN: dsc-opt %s --split-input-file --dsc-partition-pipeline=microbatches=2 | FileCheck %s

// The function must be @main (the pass cuts the entry graph).
// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[TOKENS:.+]]: tensor<4x8xi32> {dsc.name = "tokens"}, %[[POS:.+]]: tensor<8xi32> {dsc.name = "positions"})
// The top-level splat is copied into the stage that reads it, at the micro-batch's shape.
// CHECK-DAG:     dsc.constant {{.*}}dense<1.000000e+00> : tensor<2x8xf32>
// CHECK:         %[[MB0:.+]] = dsc.slice %[[TOKENS]] {{.*}}dsc.microbatch = 0
// CHECK-SAME:      -> tensor<2x8xi32>
// CHECK:         dsc.fusion(%[[MB0]], %[[POS]]) {{.*}}: (tensor<2x8xi32>, tensor<8xi32>) -> tensor<2x8xi32>
// CHECK-NEXT:    ^bb0(%{{.+}}: tensor<2x8xi32>, %{{.+}}: tensor<8xi32>):
// CHECK-NEXT:      dsc.constant dense<999> : tensor<2x8xi32>
// CHECK-NEXT:      dsc.broadcast %{{.+}} {dims = array<i64: 1>} : tensor<8xi32> -> tensor<2x8xi32>
// CHECK-NEXT:      dsc.min %{{.+}} : tensor<2x8xi32>
// CHECK-NEXT:      dsc.add %{{.+}} : tensor<2x8xi32>
// CHECK:         dsc.slice {{.*}}dsc.microbatch = 0 {{.*}}limit = array<i64: 2, 4>{{.*}} : tensor<2x8xf32> -> tensor<2x4xf32>
// CHECK:         dsc.slice %[[TOKENS]] {{.*}}dsc.microbatch = 1
// CHECK:         dsc.slice {{.*}}dsc.microbatch = 1 {{.*}}limit = array<i64: 2, 4>{{.*}} : tensor<2x8xf32> -> tensor<2x4xf32>
// CHECK:         dsc.concat {{.*}} -> tensor<4x4xf32>
shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["pp"]}
func.func @main(%tokens: tensor<4x8xi32> {dsc.name = "tokens"},
                %positions: tensor<8xi32> {dsc.name = "positions"})
    -> (tensor<4x4xf32> {dsc.name = "y"}) {
  %clamped = dsc.fusion(%tokens, %positions) : (tensor<4x8xi32>, tensor<8xi32>) -> tensor<4x8xi32> {
  ^bb0(%t: tensor<4x8xi32>, %p: tensor<8xi32>):
    %limit = dsc.constant dense<999> : tensor<4x8xi32>
    %pb = dsc.broadcast %p {dims = array<i64: 1>} : tensor<8xi32> -> tensor<4x8xi32>
    %m = dsc.min %t, %limit : tensor<4x8xi32>
    %s = dsc.add %m, %pb : tensor<4x8xi32>
    dsc.yield %s : tensor<4x8xi32>
  }
  %f = dsc.cast %clamped : tensor<4x8xi32> -> tensor<4x8xf32>
  %one = dsc.constant dense<1.0> : tensor<4x8xf32>
  %h = dsc.add %f, %one : tensor<4x8xf32>
  %w = dsc.param "w" : tensor<8x8xf32>
  %y = dsc.matmul %h, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %z = dsc.slice %y {start = array<i64: 0, 0>, limit = array<i64: 4, 4>, stride = array<i64: 1, 1>}
      : tensor<4x8xf32> -> tensor<4x4xf32>
  return %z : tensor<4x4xf32>
}
