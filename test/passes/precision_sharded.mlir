// dsc-precision on partitioned IR (docs/precision.md, "On a mesh"): a GEMM whose weight
// reaches it as a rank's slice (shard.all_slice chains, a piece of a fused weight, or a param
// that dsc-fold-param-slices folded) runs in fp8 on a dsc.quantized_param of the rank's
// part, marked with the split of the [K, N] source.
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8" | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8 fp8-recipe=tensor" | FileCheck %s --check-prefix=TENSOR
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8 fp8-recipe=delayed" | FileCheck %s --check-prefix=DELAYED

// Column-parallel: N split over tp; the whole weight and its slice are gone.
// CHECK-LABEL: func.func @column_parallel
// CHECK-NOT:   shard.all_slice
// CHECK:       %[[W:.*]], %[[WS:.*]] = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x512xbf16>, split_axes = [array<i32>, array<i32: 0>]} : tensor<256x256xf8E4M3FN>, tensor<2x4xf32>
// CHECK:       %[[Q:.*]], %[[S:.*]] = dsc.quantize %arg0 {recipe = "blockwise"}
// CHECK:       dsc.scaled_matmul %[[Q]], %[[S]], %[[W]], %[[WS]] {recipe = "blockwise"}
// CHECK-SAME:    -> tensor<8x256xbf16>
// TENSOR-LABEL: func.func @column_parallel
// TENSOR:       dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<256x512xbf16>, split_axes = [array<i32>, array<i32: 0>]} : tensor<256x256xf8E4M3FN>, tensor<1xf32>
// DELAYED-LABEL: func.func @column_parallel
// DELAYED:       dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<256x512xbf16>, split_axes = [array<i32>, array<i32: 0>]}
// DELAYED:       dsc.quantize %arg0 {amax_history = 16 : i64, recipe = "tensor"}
module {
  shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
  func.func @column_parallel(%x: tensor<8x256xbf16>) -> tensor<8x256xbf16> {
    %w = dsc.param "w" : tensor<256x512xbf16>
    %s = shard.all_slice %w on @mesh grid_axes = [0] slice_axis = 1 : tensor<256x512xbf16> -> tensor<256x256xbf16>
    %y = dsc.matmul %x, %s : (tensor<8x256xbf16>, tensor<256x256xbf16>) -> tensor<8x256xbf16>
    return %y : tensor<8x256xbf16>
  }
}

// -----

// Row-parallel on dp x tp: K split over tp (the activation is the rank's K columns); the
// all_reduce of the partial sums stays.
// CHECK-LABEL: func.func @row_parallel
// CHECK:       %[[W:.*]], %[[WS:.*]] = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<512x256xbf16>, split_axes = [array<i32: 1>, array<i32>]} : tensor<256x256xf8E4M3FN>, tensor<2x4xf32>
// CHECK:       %[[Y:.*]] = dsc.scaled_matmul {{.*}}, %[[W]], %[[WS]]
// CHECK:       shard.all_reduce %[[Y]]
module {
  shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
  func.func @row_parallel(%x: tensor<4x256xbf16>) -> tensor<4x256xbf16> {
    %w = dsc.param "w" : tensor<512x256xbf16>
    %s = shard.all_slice %w on @mesh grid_axes = [1] slice_axis = 0 : tensor<512x256xbf16> -> tensor<256x256xbf16>
    %y = dsc.matmul %x, %s : (tensor<4x256xbf16>, tensor<256x256xbf16>) -> tensor<4x256xbf16>
    %r = shard.all_reduce %y on @mesh grid_axes = [1] : tensor<4x256xbf16> -> tensor<4x256xbf16>
    return %r : tensor<4x256xbf16>
  }
}

// -----

// A piece of a fused weight (--parallel=auto cuts QKV into one matmul per piece): each
// piece quantizes its box of the file's weight (source_start) and the rank's slice of it.
// The param stays for the piece that is not a weight GEMM.
// CHECK-LABEL: func.func @fused_piece
// CHECK:       dsc.param "wqkv" : tensor<256x768xbf16>
// CHECK:       dsc.quantized_param "wqkv" {recipe = "blockwise", source_start = array<i64: 0, 256>, source_type = tensor<256x768xbf16>, split_axes = [array<i32>, array<i32: 0>]} : tensor<128x256xf8E4M3FN>, tensor<1x4xf32>
// CHECK:       dsc.scaled_matmul
// CHECK:       dsc.matmul %arg0, %{{.*}} {transpose_b = true}
module {
  shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
  func.func @fused_piece(%x: tensor<8x256xbf16>) -> (tensor<8x128xbf16>, tensor<8x256xbf16>) {
    %w = dsc.param "wqkv" : tensor<256x768xbf16>
    %k = dsc.slice %w {limit = array<i64: 256, 512>, start = array<i64: 0, 256>, stride = array<i64: 1, 1>} : tensor<256x768xbf16> -> tensor<256x256xbf16>
    %s = shard.all_slice %k on @mesh grid_axes = [0] slice_axis = 1 : tensor<256x256xbf16> -> tensor<256x128xbf16>
    %y = dsc.matmul %x, %s : (tensor<8x256xbf16>, tensor<256x128xbf16>) -> tensor<8x128xbf16>
    %t = dsc.slice %w {limit = array<i64: 256, 256>, start = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<256x768xbf16> -> tensor<256x256xbf16>
    %z = dsc.matmul %x, %t {transpose_b = true} : (tensor<8x256xbf16>, tensor<256x256xbf16>) -> tensor<8x256xbf16>
    return %y, %z : tensor<8x128xbf16>, tensor<8x256xbf16>
  }
}

// -----

// A param that dsc-fold-param-slices folded (the plan path): the local type and the split.
// CHECK-LABEL: func.func @folded_param
// CHECK-NOT:   dsc.param
// CHECK:       dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<1024x256xbf16>, split_axes = [array<i32: 0, 1>, array<i32>]} : tensor<256x256xf8E4M3FN>, tensor<2x4xf32>
module {
  shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
  func.func @folded_param(%x: tensor<4x256xbf16>) -> tensor<4x256xbf16> {
    %w = dsc.param "w" {dsc.split_axes = [array<i32: 0, 1>, array<i32>]} : tensor<256x256xbf16>
    %y = dsc.matmul %x, %w : (tensor<4x256xbf16>, tensor<256x256xbf16>) -> tensor<4x256xbf16>
    return %y : tensor<4x256xbf16>
  }
}
