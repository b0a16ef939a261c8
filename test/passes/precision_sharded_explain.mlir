// dsc-precision on partitioned IR, what --explain says: a rank's slice that does not cut on
// 128 boundaries stays as written under the blockwise recipe, and the remark names the
// slice's size, the whole size and the mesh axes.
// RUN: dsc-opt %s --split-input-file --dsc-precision="precision=fp8 explain=true" --verify-diagnostics -o /dev/null

module {
  shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
  func.func @column_slice_of_64(%x: tensor<8x256xbf16>) -> tensor<8x64xbf16> {
    // expected-remark @+1 {{dsc.param: as written (bf16): a parameter}}
    %w = dsc.param "w" : tensor<256x256xbf16>
    %s = shard.all_slice %w on @mesh grid_axes = [0] slice_axis = 1 : tensor<256x256xbf16> -> tensor<256x64xbf16>
    // expected-remark @+1 {{dsc.matmul: bf16, f32 accumulation: N = 64 (this rank's slice of 256 over tp) is not a multiple of 128 (blockwise fp8 needs K and N to be)}}
    %y = dsc.matmul %x, %s : (tensor<8x256xbf16>, tensor<256x64xbf16>) -> tensor<8x64xbf16>
    return %y : tensor<8x64xbf16>
  }
}

// -----

module {
  shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "tp"]}
  func.func @row_slice_of_192(%x: tensor<4x192xbf16>) -> tensor<4x256xbf16> {
    // expected-remark @+1 {{dsc.param: as written (bf16): a parameter}}
    %w = dsc.param "w" {dsc.split_axes = [array<i32: 1>, array<i32>]} : tensor<192x256xbf16>
    // expected-remark @+1 {{dsc.matmul: bf16, f32 accumulation: K = 192 (this rank's slice of 384 over tp) is not a multiple of 128 (blockwise fp8 needs K and N to be)}}
    %y = dsc.matmul %x, %w : (tensor<4x192xbf16>, tensor<192x256xbf16>) -> tensor<4x256xbf16>
    return %y : tensor<4x256xbf16>
  }
}

// -----

module {
  shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
  func.func @column_parallel(%x: tensor<8x256xbf16>) -> tensor<8x128xbf16> {
    // expected-remark @+1 {{dsc.param: as written (bf16): a parameter}}
    %w = dsc.param "w" : tensor<256x256xbf16>
    %s = shard.all_slice %w on @mesh grid_axes = [0] slice_axis = 1 : tensor<256x256xbf16> -> tensor<256x128xbf16>
    // expected-remark @+1 {{dsc.matmul: fp8 e4m3 with blockwise scales (1x128 activation tiles, 128x128 weight blocks), f32 accumulation, output bf16: a GEMM on a weight}}
    %y = dsc.matmul %x, %s : (tensor<8x256xbf16>, tensor<256x128xbf16>) -> tensor<8x128xbf16>
    return %y : tensor<8x128xbf16>
  }
}
