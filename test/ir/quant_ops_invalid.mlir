// Verifier errors of the FP8 ops.
// RUN: dsc-opt %s --split-input-file --verify-diagnostics

func.func @unknown_recipe(%x: tensor<4x128xbf16>) {
  // expected-error @+1 {{unknown recipe 'delayed'; expected "blockwise" or "tensor"}}
  %q, %s = dsc.quantize %x {recipe = "delayed"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1xf32>
  return
}

// -----

func.func @history_needs_tensor_recipe(%x: tensor<4x128xbf16>) {
  // expected-error @+1 {{amax_history (delayed scaling) needs the tensor recipe}}
  %q, %s = dsc.quantize %x {recipe = "blockwise", amax_history = 4} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
  return
}

// -----

func.func @history_too_long(%x: tensor<4x128xbf16>) {
  // expected-error @+1 {{amax_history must be in [1, 1024], got 2000}}
  %q, %s = dsc.quantize %x {recipe = "tensor", amax_history = 2000} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1xf32>
  return
}

// -----

func.func @tile_not_128(%x: tensor<4x100xbf16>) {
  // expected-error @+1 {{the blockwise recipe needs the last dimension to be a multiple of 128, got 100}}
  %q, %s = dsc.quantize %x {recipe = "blockwise"} : tensor<4x100xbf16> -> tensor<4x100xf8E4M3FN>, tensor<1x4xf32>
  return
}

// -----

func.func @scales_not_transposed(%x: tensor<4x256xbf16>) {
  // expected-error @+1 {{scales must be [2, 4] of f32, got 'tensor<4x2xf32>'}}
  %q, %s = dsc.quantize %x {recipe = "blockwise"} : tensor<4x256xbf16> -> tensor<4x256xf8E4M3FN>, tensor<4x2xf32>
  return
}

// -----

func.func @weight_not_transposed() {
  // expected-error @+1 {{values must be [384, 256] of f8E4M3FN, got 'tensor<256x384xf8E4M3FN>'}}
  %w, %ws = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x384xbf16>}
      : tensor<256x384xf8E4M3FN>, tensor<3x4xf32>
  return
}

// -----

func.func @weight_blocks() {
  // expected-error @+1 {{the blockwise recipe needs K and N to be multiples of 128, got [256, 300]}}
  %w, %ws = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x300xbf16>}
      : tensor<300x256xf8E4M3FN>, tensor<2x2xf32>
  return
}

// -----

func.func @k_mismatch(%q: tensor<4x256xf8E4M3FN>, %s: tensor<2x4xf32>, %w: tensor<128x128xf8E4M3FN>,
                      %ws: tensor<1x1xf32>) {
  // expected-error @+1 {{b must be [N, K] with K = 256 (a's last dimension), got [128, 128]}}
  %y = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "blockwise"}
      : (tensor<4x256xf8E4M3FN>, tensor<2x4xf32>, tensor<128x128xf8E4M3FN>, tensor<1x1xf32>) -> tensor<4x128xbf16>
  return
}

// -----

func.func @fp8_result(%q: tensor<4x128xf8E4M3FN>, %s: tensor<1xf32>, %w: tensor<128x128xf8E4M3FN>) {
  // expected-error @+1 {{result must be [4, 128] of bf16, f16 or f32}}
  %y = dsc.scaled_matmul %q, %s, %w, %s {recipe = "tensor"}
      : (tensor<4x128xf8E4M3FN>, tensor<1xf32>, tensor<128x128xf8E4M3FN>, tensor<1xf32>) -> tensor<4x128xf8E4M3FN>
  return
}

// -----

func.func @split_without_mesh() {
  // expected-error @+1 {{split_axes needs the module's mesh (a shard.grid with dsc.mesh_axes)}}
  %w, %ws = dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<256x512xbf16>, split_axes = [array<i32>, array<i32: 0>]} : tensor<256x256xf8E4M3FN>, tensor<1xf32>
  return
}

// -----

module {
  shard.grid @mesh(shape = 2) {dsc.mesh_axes = ["tp"]}
  func.func @box_outside_source() {
    // expected-error @+1 {{quantizes [256, 512] at [0, 256], outside source_type [256, 512]}}
    %w, %ws = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x512xbf16>, source_start = array<i64: 0, 256>, split_axes = [array<i32>, array<i32: 0>]} : tensor<256x256xf8E4M3FN>, tensor<2x4xf32>
    return
  }
}

// -----

module {
  shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
  func.func @slice_not_128() {
    // expected-error @+1 {{the blockwise recipe needs K and N to be multiples of 128, got [256, 64]}}
    %w, %ws = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x256xbf16>, split_axes = [array<i32>, array<i32: 0>]} : tensor<64x256xf8E4M3FN>, tensor<1x4xf32>
    return
  }
}
