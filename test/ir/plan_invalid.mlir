// Every diagnostic of the plan dialect: ODS constraints and the hand-written verifiers. One error
// per case.

// RUN: dsc-opt %s --split-input-file --verify-diagnostics

func.func @param_without_name() {
  // expected-error @+1 {{'plan.param' op needs a non-empty name}}
  %w = plan.param "" : memref<8xf32>
  return
}

// -----

func.func @unaligned_offset() {
  // expected-error @+1 {{'plan.alloc' op offset 100 is not a non-negative multiple of 256}}
  %a = plan.alloc activation {offset = 100 : i64} : memref<8xf32>
  return
}

// -----

func.func @dynamic_buffer() {
  // expected-error @+1 {{'plan.alloc' op result #0 must be statically shaped, row-major memref of a dsc element type, but got 'memref<?xf32>'}}
  %a = plan.alloc activation : memref<?xf32>
  return
}

// -----

func.func @f64_buffer() {
  // expected-error @+1 {{'plan.alloc' op result #0 must be statically shaped, row-major memref of a dsc element type, but got 'memref<8xf64>'}}
  %a = plan.alloc activation : memref<8xf64>
  return
}

// -----

func.func @constant_type_mismatch() {
  // expected-error @+1 {{'plan.constant' op value of type 'tensor<4xf32>' does not match the buffer 'memref<8xf32>'}}
  %c = plan.constant dense<1.0> : tensor<4xf32> -> memref<8xf32>
  return
}

// -----

func.func @view_overruns(%x: memref<4x8xbf16>) {
  // expected-error @+1 {{'plan.view' op view of 64 bytes at byte_offset 16 overruns its source of 64 bytes}}
  %v = plan.view %x {byte_offset = 16 : i64} : memref<4x8xbf16> to memref<32xbf16>
  return
}

// -----

func.func @view_misaligned(%x: memref<4x8xf32>) {
  // expected-error @+1 {{'plan.view' op byte_offset 2 is not a non-negative multiple of the element size}}
  %v = plan.view %x {byte_offset = 2 : i64} : memref<4x8xf32> to memref<4xf32>
  return
}

// -----

func.func @unknown_kernel(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op unknown kernel 'matmul'}}
  plan.launch "matmul" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.matmul"}
  return
}

// -----

func.func @launch_op_not_dsc(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op op must name the dsc op the kernel implements, got 'arith.negf'}}
  plan.launch "unary" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "arith.negf"}
  return
}

// -----

func.func @launch_output_twice(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op output #0 is written twice}}
  plan.launch "router_topk" (%x : memref<8xf32>) -> (%y, %y : memref<8xf32>, memref<8xf32>) {op = "dsc.router_topk"}
  return
}

// -----

func.func @launch_bad_grid(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op grid must have 3 positive entries (x, y, z)}}
  plan.launch "unary" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.neg", grid = array<i32: 4, 1>, block = array<i32: 32, 1, 1>}
  return
}

// -----

func.func @launch_grid_without_block(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op grid and block are set together}}
  plan.launch "unary" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.neg", grid = array<i32: 4, 1, 1>}
  return
}

// -----

func.func @launch_string_scalar(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op scalars must be integer or float attributes, got "two"}}
  plan.launch "unary" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.neg", scalars = ["two"]}
  return
}

// -----

func.func @negative_event(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op wait_events must be non-negative event indices}}
  plan.launch "unary" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.neg", wait_events = array<i32: -1>}
  return
}

// -----

func.func @negative_stream(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.copy' op attribute 'stream' failed to satisfy constraint: 32-bit signless integer attribute whose value is non-negative}}
  plan.copy %x, %y {stream = -1 : i32} : memref<8xf32>, memref<8xf32>
  return
}

// -----

func.func @gemm_small_lda(%a: memref<256x768xbf16>, %b: memref<32x256xbf16>, %c: memref<32x768xbf16>) {
  // expected-error @+1 {{'plan.gemm' op lda = 256 is less than the 768 rows of the stored a (column-major)}}
  plan.gemm %a, %b, %c {m = 768 : i64, n = 32 : i64, k = 256 : i64, lda = 256 : i64, ldb = 256 : i64, ldc = 768 : i64} : memref<256x768xbf16>, memref<32x256xbf16>, memref<32x768xbf16>
  return
}

// -----

func.func @gemm_overruns(%a: memref<256x768xbf16>, %b: memref<32x256xbf16>, %c: memref<32x768xbf16>) {
  // expected-error @+1 {{'plan.gemm' op b reaches element 16384 but its buffer holds 8192}}
  plan.gemm %a, %b, %c {m = 768 : i64, n = 64 : i64, k = 256 : i64, lda = 768 : i64, ldb = 256 : i64, ldc = 768 : i64} : memref<256x768xbf16>, memref<32x256xbf16>, memref<32x768xbf16>
  return
}

// -----

func.func @gemm_batch_overruns(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %c: memref<2x8x8xf32>) {
  // expected-error @+1 {{'plan.gemm' op b reaches element 64 but its buffer holds 32}}
  plan.gemm %a, %b, %c {m = 8 : i64, n = 8 : i64, k = 4 : i64, batch = 2 : i64, lda = 8 : i64, ldb = 4 : i64, ldc = 8 : i64, stride_b = 32 : i64, stride_c = 64 : i64, transb = false} : memref<4x8xf32>, memref<4x8xf32>, memref<2x8x8xf32>
  return
}

// -----

func.func @gemm_batches_of_c_overlap(%a: memref<2x4x8xf32>, %b: memref<2x4x8xf32>, %c: memref<2x8x8xf32>) {
  // expected-error @+1 {{'plan.gemm' op stride_c 32 makes the batches of c overlap}}
  plan.gemm %a, %b, %c {m = 8 : i64, n = 8 : i64, k = 4 : i64, batch = 2 : i64, lda = 8 : i64, ldb = 4 : i64, ldc = 8 : i64, stride_a = 32 : i64, stride_b = 32 : i64, stride_c = 32 : i64} : memref<2x4x8xf32>, memref<2x4x8xf32>, memref<2x8x8xf32>
  return
}

// -----

func.func @gemm_integer(%a: memref<8x8xi32>, %b: memref<8x8xi32>, %c: memref<8x8xi32>) {
  // expected-error @+1 {{'plan.gemm' op cuBLASLt GEMMs here are floating point; got 'i32', 'i32' -> 'i32'}}
  plan.gemm %a, %b, %c {m = 8 : i64, n = 8 : i64, k = 8 : i64, lda = 8 : i64, ldb = 8 : i64, ldc = 8 : i64} : memref<8x8xi32>, memref<8x8xi32>, memref<8x8xi32>
  return
}

// -----

func.func @gemm_mixed(%a: memref<8x8xbf16>, %b: memref<8x8xf16>, %c: memref<8x8xf32>) {
  // expected-error @+1 {{'plan.gemm' op a and b have different element types 'bf16' and 'f16'}}
  plan.gemm %a, %b, %c {m = 8 : i64, n = 8 : i64, k = 8 : i64, lda = 8 : i64, ldb = 8 : i64, ldc = 8 : i64} : memref<8x8xbf16>, memref<8x8xf16>, memref<8x8xf32>
  return
}

// -----

func.func @gemm_bias_without_epilogue(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %c: memref<8x8xf32>, %bias: memref<8xf32>) {
  // expected-error @+1 {{'plan.gemm' op a bias operand goes with a bias epilogue, and only with one}}
  plan.gemm %a, %b, %c bias %bias {m = 8 : i64, n = 8 : i64, k = 8 : i64, lda = 8 : i64, ldb = 8 : i64, ldc = 8 : i64} : memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>, memref<8xf32>
  return
}

// -----

func.func @attention_heads(%q: memref<2x16x8x32xbf16>, %k: memref<2x16x3x32xbf16>, %v: memref<2x16x3x32xbf16>, %o: memref<2x16x8x32xbf16>) {
  // expected-error @+1 {{'plan.attention' op hq = 8 is not a multiple of hkv = 3}}
  plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 16 : i64, hq = 8 : i64, hkv = 3 : i64, dh = 32 : i64, dv = 32 : i64, scale = 0.125 : f64} : memref<2x16x8x32xbf16>, memref<2x16x3x32xbf16>, memref<2x16x3x32xbf16>, memref<2x16x8x32xbf16>
  return
}

// -----

func.func @attention_sizes(%q: memref<2x16x8x32xbf16>, %k: memref<2x16x2x32xbf16>, %v: memref<2x16x2x32xbf16>, %o: memref<2x16x8x32xbf16>) {
  // expected-error @+1 {{'plan.attention' op k holds 2048 elements, the sizes give 1024}}
  plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 8 : i64, hq = 8 : i64, hkv = 2 : i64, dh = 32 : i64, dv = 32 : i64, scale = 0.125 : f64} : memref<2x16x8x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x8x32xbf16>
  return
}

// -----

func.func @attention_dtypes(%q: memref<2x16x8x32xbf16>, %k: memref<2x16x2x32xf16>, %v: memref<2x16x2x32xbf16>, %o: memref<2x16x8x32xbf16>) {
  // expected-error @+1 {{'plan.attention' op k has element type 'f16', q has 'bf16'}}
  plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 16 : i64, hq = 8 : i64, hkv = 2 : i64, dh = 32 : i64, dv = 32 : i64, scale = 0.125 : f64} : memref<2x16x8x32xbf16>, memref<2x16x2x32xf16>, memref<2x16x2x32xbf16>, memref<2x16x8x32xbf16>
  return
}

// -----

func.func @attention_backend(%q: memref<2x16x8x32xbf16>, %k: memref<2x16x2x32xbf16>, %v: memref<2x16x2x32xbf16>, %o: memref<2x16x8x32xbf16>) {
  // expected-error @+1 {{'plan.attention' op backend must be "generated" or "cudnn", got "cublas"}}
  plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 16 : i64, hq = 8 : i64, hkv = 2 : i64, dh = 32 : i64, dv = 32 : i64, scale = 0.125 : f64, backend = "cublas"} : memref<2x16x8x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x8x32xbf16>
  return
}

// -----

func.func @attention_cudnn_f32(%q: memref<2x16x8x32xf32>, %k: memref<2x16x2x32xf32>, %v: memref<2x16x2x32xf32>, %o: memref<2x16x8x32xf32>) {
  // expected-error @+1 {{'plan.attention' op cannot run on cuDNN: it computes in f32; cuDNN's fused attention takes bf16 or f16}}
  plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 16 : i64, hq = 8 : i64, hkv = 2 : i64, dh = 32 : i64, dv = 32 : i64, scale = 0.125 : f64, backend = "cudnn"} : memref<2x16x8x32xf32>, memref<2x16x2x32xf32>, memref<2x16x2x32xf32>, memref<2x16x8x32xf32>
  return
}

// -----

func.func @attention_cudnn_causal_more_queries(%q: memref<1x128x2x64xbf16>, %k: memref<1x64x2x64xbf16>, %v: memref<1x64x2x64xbf16>, %o: memref<1x128x2x64xbf16>) {
  // expected-error @+1 {{'plan.attention' op cannot run on cuDNN: it is causal with more queries (128) than keys (64)}}
  plan.attention %q, %k, %v, %o {batch = 1 : i64, tq = 128 : i64, tk = 64 : i64, hq = 2 : i64, hkv = 2 : i64, dh = 64 : i64, dv = 64 : i64, causal = true, scale = 0.125 : f64, backend = "cudnn"} : memref<1x128x2x64xbf16>, memref<1x64x2x64xbf16>, memref<1x64x2x64xbf16>, memref<1x128x2x64xbf16>
  return
}

// -----

func.func @copy_sizes(%x: memref<8xf32>, %y: memref<8xbf16>) {
  // expected-error @+1 {{'plan.copy' op copies 32 bytes into a buffer of 16}}
  plan.copy %x, %y : memref<8xf32>, memref<8xbf16>
  return
}

// -----

func.func @copy_onto_itself(%x: memref<8xf32>) {
  // expected-error @+1 {{'plan.copy' op source and destination are the same buffer}}
  plan.copy %x, %x : memref<8xf32>, memref<8xf32>
  return
}

// -----

func.func @memset_value(%x: memref<8xf32>) {
  // expected-error @+1 {{'plan.memset' op attribute 'value' failed to satisfy constraint: 32-bit signless integer attribute whose minimum value is 0 whose maximum value is 255}}
  plan.memset %x {value = 256 : i32} : memref<8xf32>
  return
}

// -----

func.func @gemm_scales_without_recipe(%a: memref<128x128xf8E4M3FN>, %b: memref<128x128xf8E4M3FN>,
                                      %c: memref<128x128xbf16>, %s: memref<1xf32>) {
  // expected-error @+1 {{a_scale and b_scale go with fp8_recipe, and only with it}}
  plan.gemm %a, %b, %c scales(%s, %s) {m = 128 : i64, n = 128 : i64, k = 128 : i64, lda = 128 : i64, ldb = 128 : i64, ldc = 128 : i64, transa = true}
      : memref<128x128xf8E4M3FN>, memref<128x128xf8E4M3FN>, memref<128x128xbf16> scales(memref<1xf32>, memref<1xf32>)
  return
}

// -----

func.func @gemm_blockwise_scales_unpadded(%a: memref<128x256xf8E4M3FN>, %b: memref<8x256xf8E4M3FN>,
                                          %c: memref<8x128xbf16>, %sa: memref<1x2xf32>, %sb: memref<2x8xf32>) {
  // expected-error @+1 {{a_scale must hold 4 f32 scales, got 'memref<1x2xf32>'}}
  plan.gemm %a, %b, %c scales(%sa, %sb) {fp8_recipe = "blockwise", m = 128 : i64, n = 8 : i64, k = 256 : i64, lda = 256 : i64, ldb = 256 : i64, ldc = 128 : i64, transa = true}
      : memref<128x256xf8E4M3FN>, memref<8x256xf8E4M3FN>, memref<8x128xbf16> scales(memref<1x2xf32>, memref<2x8xf32>)
  return
}

// -----

func.func @fp8_param_without_source() {
  // expected-error @+1 {{source, source_type and fp8_recipe go together (fp8_scales with them)}}
  %w = plan.param "w.fp8" {fp8_recipe = "blockwise"} : memref<128x128xf8E4M3FN>
  return
}

// -----

func.func @fused_without_body(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op a fused kernel needs op_attrs.body (its steps) and op_attrs.results}}
  plan.launch "fused" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.fusion"}
  return
}

// -----

func.func @fused_reads_later_value(%x: memref<8xf32>, %y: memref<8xf32>) {
  // expected-error @+1 {{'plan.launch' op fused step #0 reads value 1, which is not defined before it}}
  plan.launch "fused" (%x : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.fusion", op_attrs = {results = array<i64: 1>, body = [
      {kernel = "unary", op = "dsc.exp", operands = array<i64: 1>, type = tensor<8xf32>, attrs = {}}]}}
  return
}

// -----

func.func @fused_result_type(%x: memref<8xf32>, %y: memref<8xbf16>) {
  // expected-error @+1 {{'plan.launch' op fused result #0 has type 'tensor<8xf32>', its output is 'memref<8xbf16>'}}
  plan.launch "fused" (%x : memref<8xf32>) -> (%y : memref<8xbf16>) {op = "dsc.fusion", op_attrs = {results = array<i64: 1>, body = [
      {kernel = "unary", op = "dsc.exp", operands = array<i64: 0>, type = tensor<8xf32>, attrs = {}}]}}
  return
}
