// dsc-lower-to-plan on SPMD IR (after shard-partition): shard-dialect collectives become
// plan.collective steps over the same grid axes, with a transpose launch where the gathered,
// scattered or split dimension is not outermost (NCCL moves rank-major blocks); the grid
// becomes the module's plan.mesh and a param's dsc.split_axes its plan.param's split_axes.

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan --dsc-plan-memory | FileCheck %s --check-prefix=PLACED

// A row-parallel matmul: each rank's partial product is summed over tp.
// CHECK:       module attributes {plan.mesh = {axes = ["axis0", "axis1"], shape = array<i64: 2, 4>}}
// CHECK-NOT:   shard.grid
// CHECK-LABEL: func.func @row_parallel()
// CHECK:         %[[Y:.+]] = plan.output "y" : memref<16x128xbf16>
// CHECK:         %[[W:.+]] = plan.param "w" {split_axes = [array<i32: 1>, array<i32>]} : memref<64x128xbf16>
// CHECK:         plan.gemm %[[W]], %{{[0-9]+}}, %[[PARTIAL:[0-9]+]] 
// CHECK-NEXT:    plan.collective all_reduce sum send %[[PARTIAL]] : memref<16x128xbf16> recv %[[Y]] : memref<16x128xbf16> {mesh_axes = array<i32: 1>}
// PLACED-LABEL: func.func @row_parallel()
// PLACED:         plan.collective all_reduce sum
shard.grid @grid(shape = 2x4)
func.func @row_parallel(%x: tensor<16x64xbf16> {dsc.name = "x"}) -> (tensor<16x128xbf16> {dsc.name = "y"}) {
  %w = dsc.param "w" {dsc.split_axes = [array<i32: 1>, array<i32>]} : tensor<64x128xbf16>
  %p = dsc.matmul %x, %w : (tensor<16x64xbf16>, tensor<64x128xbf16>) -> tensor<16x128xbf16>
  %y = shard.all_reduce %p on @grid grid_axes = [1] reduction = sum : tensor<16x128xbf16> -> tensor<16x128xbf16>
  return %y : tensor<16x128xbf16>
}

// -----

// Gathering the outermost dimension is NCCL's layout: no transpose.
// CHECK-LABEL: func.func @all_gather_outer()
// CHECK-NEXT:    %[[X:.+]] = plan.input "arg0" : memref<4x8xf32>
// CHECK-NEXT:    %[[Y:.+]] = plan.output "result0" : memref<8x8xf32>
// CHECK-NEXT:    plan.collective all_gather send %[[X]] : memref<4x8xf32> recv %[[Y]] : memref<8x8xf32> {mesh_axes = array<i32: 0>}
// CHECK-NEXT:    return
shard.grid @grid(shape = 2)
func.func @all_gather_outer(%x: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %y = shard.all_gather %x on @grid grid_axes = [0] gather_axis = 0 : tensor<4x8xf32> -> tensor<8x8xf32>
  return %y : tensor<8x8xf32>
}

// -----

// Column-parallel outputs gathered on the last dimension: NCCL gathers [G, 4, 8] into a
// workspace and a transpose puts G before the columns: [4, G, 8] is the [4, 16] result.
// CHECK-LABEL: func.func @all_gather_inner()
// CHECK:         %[[Y:.+]] = plan.output "result0" : memref<4x16xf32>
// CHECK:         %[[BLOCKS:.+]] = plan.alloc workspace : memref<2x4x8xf32>
// CHECK-NEXT:    plan.collective all_gather send %{{.+}} : memref<4x8xf32> recv %[[BLOCKS]] : memref<2x4x8xf32> {mesh_axes = array<i32: 0>}
// CHECK-NEXT:    %[[OUT:.+]] = plan.view %[[Y]] : memref<4x16xf32> to memref<4x2x8xf32>
// CHECK-NEXT:    plan.launch "transpose"(%[[BLOCKS]] : memref<2x4x8xf32>) -> (%[[OUT]] : memref<4x2x8xf32>) {op = "dsc.transpose", op_attrs = {permutation = array<i64: 1, 0, 2>}}
shard.grid @grid(shape = 2)
func.func @all_gather_inner(%x: tensor<4x8xf32>) -> tensor<4x16xf32> {
  %y = shard.all_gather %x on @grid grid_axes = [0] gather_axis = 1 : tensor<4x8xf32> -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A gather along dimension 1 after a size-1 dimension keeps the byte order: a copy, no kernel.
// CHECK-LABEL: func.func @all_gather_after_unit_dim()
// CHECK:         plan.collective all_gather send %{{.+}} : memref<1x4x8xf32> recv %{{.+}} : memref<1x8x8xf32> {mesh_axes = array<i32: 0>}
// CHECK-NOT:     plan.launch
shard.grid @grid(shape = 2)
func.func @all_gather_after_unit_dim(%x: tensor<1x4x8xf32>) -> tensor<1x8x8xf32> {
  %y = shard.all_gather %x on @grid grid_axes = [0] gather_axis = 1 : tensor<1x4x8xf32> -> tensor<1x8x8xf32>
  return %y : tensor<1x8x8xf32>
}

// -----

// Sequence parallelism's reduce_scatter over tokens (dimension 1 of [2, 8, 16]): the input is
// read as [2, G, 4, 16], G moves to the front, then NCCL scatters the blocks.
// CHECK-LABEL: func.func @reduce_scatter_inner()
// CHECK:         %[[X:.+]] = plan.input "arg0" : memref<2x8x16xbf16>
// CHECK:         %[[Y:.+]] = plan.output "result0" : memref<2x4x16xbf16>
// CHECK:         %[[BLOCKS:.+]] = plan.alloc workspace : memref<2x8x16xbf16>
// CHECK-NEXT:    %[[IN:.+]] = plan.view %[[X]] : memref<2x8x16xbf16> to memref<2x2x4x16xbf16>
// CHECK-NEXT:    %[[OUT:.+]] = plan.view %[[BLOCKS]] : memref<2x8x16xbf16> to memref<2x2x4x16xbf16>
// CHECK-NEXT:    plan.launch "transpose"(%[[IN]] : memref<2x2x4x16xbf16>) -> (%[[OUT]] : memref<2x2x4x16xbf16>) {op = "dsc.transpose", op_attrs = {permutation = array<i64: 1, 0, 2, 3>}}
// CHECK-NEXT:    plan.collective reduce_scatter sum send %[[BLOCKS]] : memref<2x8x16xbf16> recv %[[Y]] : memref<2x4x16xbf16> {mesh_axes = array<i32: 0>}
shard.grid @grid(shape = 2)
func.func @reduce_scatter_inner(%x: tensor<2x8x16xbf16>) -> tensor<2x4x16xbf16> {
  %y = shard.reduce_scatter %x on @grid grid_axes = [0] scatter_axis = 1 : tensor<2x8x16xbf16> -> tensor<2x4x16xbf16>
  return %y : tensor<2x4x16xbf16>
}

// -----

// Expert parallelism's dispatch: split experts (dimension 0, already outermost: sent as is),
// concatenate tokens (dimension 1): received [G, 2, 3, 8] becomes [2, G, 3, 8].
// CHECK-LABEL: func.func @all_to_all()
// CHECK-NEXT:    %[[X:.+]] = plan.input "arg0" : memref<4x3x8xf32>
// CHECK-NOT:     plan.copy
// CHECK:         %[[RECV:.+]] = plan.alloc workspace : memref<2x2x3x8xf32>
// CHECK-NEXT:    plan.collective all_to_all send %[[X]] : memref<4x3x8xf32> recv %[[RECV]] : memref<2x2x3x8xf32> {mesh_axes = array<i32: 0>}
// CHECK:         plan.launch "transpose"(%[[RECV]] : memref<2x2x3x8xf32>) -> (%{{.+}} : memref<2x2x3x8xf32>) {op = "dsc.transpose", op_attrs = {permutation = array<i64: 1, 0, 2, 3>}}
shard.grid @grid(shape = 2)
func.func @all_to_all(%x: tensor<4x3x8xf32>) -> tensor<2x6x8xf32> {
  %y = shard.all_to_all %x on @grid grid_axes = [0] split_axis = 0 concat_axis = 1 : tensor<4x3x8xf32> -> tensor<2x6x8xf32>
  return %y : tensor<2x6x8xf32>
}

// -----

// Over two axes of a 2x2x2 grid, max; and a broadcast from in-group rank 1.
// CHECK-LABEL: func.func @two_axes_and_broadcast()
// CHECK:         plan.collective all_reduce max send %{{.+}} : memref<8xf32> recv %{{.+}} : memref<8xf32> {mesh_axes = array<i32: 0, 2>}
// CHECK:         plan.collective broadcast send %{{.+}} : memref<8xf32> recv %{{.+}} : memref<8xf32> {mesh_axes = array<i32: 1>, peer = 1 : i32}
shard.grid @grid(shape = 2x2x2)
func.func @two_axes_and_broadcast(%x: tensor<8xf32>) -> tensor<8xf32> {
  %m = shard.all_reduce %x on @grid grid_axes = [0, 2] reduction = max : tensor<8xf32> -> tensor<8xf32>
  %b = shard.broadcast %m on @grid grid_axes = [1] root = [1] : (tensor<8xf32>) -> tensor<8xf32>
  return %b : tensor<8xf32>
}

// -----

// all_slice of a value every rank holds whole: a reduce_scatter with max (equal inputs, so
// each rank gets its slice bit for bit); slicing columns moves the blocks to the front first.
// CHECK-LABEL: func.func @all_slice_inner()
// CHECK:         %[[Y:.+]] = plan.output "result0" : memref<4x4xf32>
// CHECK:         %[[BLOCKS:.+]] = plan.alloc workspace : memref<4x8xf32>
// CHECK:         plan.launch "transpose"
// CHECK-NEXT:    plan.collective reduce_scatter max send %[[BLOCKS]] : memref<4x8xf32> recv %[[Y]] : memref<4x4xf32> {mesh_axes = array<i32: 0>}
shard.grid @grid(shape = 2)
func.func @all_slice_inner(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  %e = dsc.exp %x : tensor<4x8xf32>
  %y = shard.all_slice %e on @grid grid_axes = [0] slice_axis = 1 : tensor<4x8xf32> -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
