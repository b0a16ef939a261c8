// dsc-lower-to-plan: each dsc op becomes its plan step(s), in graph order. Matmuls become cuBLASLt
// GEMMs in column-major terms (C^T = B^T A^T: cuBLAS A is the dsc rhs, cuBLAS B the dsc lhs);
// every case checks the exact m n k, leading dimensions and batch strides. Errors are in
// lower_to_plan_invalid.mlir.

// RUN: dsc-opt %s --split-input-file --dsc-lower-to-plan | FileCheck %s

// Row-major [32, 256] x [256, 768]: cuBLAS computes C^T = B^T A^T, so cuBLAS A is the dsc rhs.
// CHECK-LABEL: func.func @matmul_rank2()
// CHECK-NEXT:    %[[A:.+]] = plan.input "arg0" : memref<32x256xbf16>
// CHECK-NEXT:    %[[B:.+]] = plan.input "arg1" : memref<256x768xbf16>
// CHECK-NEXT:    %[[C:.+]] = plan.output "result0" : memref<32x768xbf16>
// CHECK-NEXT:    plan.gemm %[[B]], %[[A]], %[[C]] {k = 256 : i64, lda = 768 : i64, ldb = 256 : i64, ldc = 768 : i64, m = 768 : i64, n = 32 : i64}
// CHECK-NEXT:    return
func.func @matmul_rank2(%a: tensor<32x256xbf16>, %b: tensor<256x768xbf16>) -> tensor<32x768xbf16> {
  %c = dsc.matmul %a, %b : (tensor<32x256xbf16>, tensor<256x768xbf16>) -> tensor<32x768xbf16>
  return %c : tensor<32x768xbf16>
}

// -----

// A [N, K] weight (transpose_b) is column-major K x N: transa with lda = K.
// CHECK-LABEL: func.func @matmul_transpose_b()
// CHECK:         plan.gemm %[[B:.+]], %[[A:.+]], %[[C:.+]] {k = 256 : i64, lda = 256 : i64, ldb = 256 : i64, ldc = 768 : i64, m = 768 : i64, n = 32 : i64, transa = true}
func.func @matmul_transpose_b(%a: tensor<32x256xbf16>, %b: tensor<768x256xbf16>) -> tensor<32x768xbf16> {
  %c = dsc.matmul %a, %b {transpose_b = true} : (tensor<32x256xbf16>, tensor<768x256xbf16>) -> tensor<32x768xbf16>
  return %c : tensor<32x768xbf16>
}

// -----

// A [K, M] lhs (transpose_a) is column-major M x K: transb with ldb = M.
// CHECK-LABEL: func.func @matmul_transpose_a()
// CHECK:         plan.gemm {{.*}} {k = 256 : i64, lda = 768 : i64, ldb = 32 : i64, ldc = 768 : i64, m = 768 : i64, n = 32 : i64, transb = true}
func.func @matmul_transpose_a(%a: tensor<256x32xbf16>, %b: tensor<256x768xbf16>) -> tensor<32x768xbf16> {
  %c = dsc.matmul %a, %b {transpose_a = true} : (tensor<256x32xbf16>, tensor<256x768xbf16>) -> tensor<32x768xbf16>
  return %c : tensor<32x768xbf16>
}

// -----

// Batch strides are whole matrices: N*K for cuBLAS A, M*K for B, M*N for C.
// CHECK-LABEL: func.func @matmul_batched()
// CHECK:         plan.gemm {{.*}} {batch = 4 : i64, k = 64 : i64, lda = 32 : i64, ldb = 64 : i64, ldc = 32 : i64, m = 32 : i64, n = 16 : i64, stride_a = 2048 : i64, stride_b = 1024 : i64, stride_c = 512 : i64}
func.func @matmul_batched(%a: tensor<4x16x64xf32>, %b: tensor<4x64x32xf32>) -> tensor<4x16x32xf32> {
  %c = dsc.matmul %a, %b : (tensor<4x16x64xf32>, tensor<4x64x32xf32>) -> tensor<4x16x32xf32>
  return %c : tensor<4x16x32xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_batched_both_transposed()
// CHECK:         plan.gemm {{.*}} {batch = 3 : i64, k = 8 : i64, lda = 8 : i64, ldb = 4 : i64, ldc = 16 : i64, m = 16 : i64, n = 4 : i64, stride_a = 128 : i64, stride_b = 32 : i64, stride_c = 64 : i64, transa = true, transb = true}
func.func @matmul_batched_both_transposed(%a: tensor<3x8x4xf16>, %b: tensor<3x16x8xf16>) -> tensor<3x4x16xf16> {
  %c = dsc.matmul %a, %b {transpose_a = true, transpose_b = true} : (tensor<3x8x4xf16>, tensor<3x16x8xf16>) -> tensor<3x4x16xf16>
  return %c : tensor<3x4x16xf16>
}

// -----

// A shared rank-2 rhs with an untransposed lhs: the batch folds into cuBLAS n (2 x 16 = 32 rows).
// CHECK-LABEL: func.func @matmul_shared_rhs_folds_batch()
// CHECK:         plan.gemm {{.*}} {k = 256 : i64, lda = 768 : i64, ldb = 256 : i64, ldc = 768 : i64, m = 768 : i64, n = 32 : i64}
func.func @matmul_shared_rhs_folds_batch(%a: tensor<2x16x256xbf16>, %b: tensor<256x768xbf16>) -> tensor<2x16x768xbf16> {
  %c = dsc.matmul %a, %b : (tensor<2x16x256xbf16>, tensor<256x768xbf16>) -> tensor<2x16x768xbf16>
  return %c : tensor<2x16x768xbf16>
}

// -----

// A transposed lhs cannot fold: batched, with the shared rhs at stride_a = 0 (elided).
// CHECK-LABEL: func.func @matmul_shared_rhs_transposed_lhs()
// CHECK:         plan.gemm {{.*}} {batch = 2 : i64, k = 256 : i64, lda = 768 : i64, ldb = 16 : i64, ldc = 768 : i64, m = 768 : i64, n = 16 : i64, stride_b = 4096 : i64, stride_c = 12288 : i64, transb = true}
func.func @matmul_shared_rhs_transposed_lhs(%a: tensor<2x256x16xbf16>, %b: tensor<256x768xbf16>) -> tensor<2x16x768xbf16> {
  %c = dsc.matmul %a, %b {transpose_a = true} : (tensor<2x256x16xbf16>, tensor<256x768xbf16>) -> tensor<2x16x768xbf16>
  return %c : tensor<2x16x768xbf16>
}

// -----

// fp8 with transpose_b is cuBLASLt's TN layout; the bf16 out_type is c's element type.
// CHECK-LABEL: func.func @matmul_fp8_tn()
// CHECK:         plan.gemm {{.*}} {k = 64 : i64, lda = 64 : i64, ldb = 64 : i64, ldc = 32 : i64, m = 32 : i64, n = 16 : i64, transa = true} : memref<32x64xf8E4M3FN>, memref<16x64xf8E4M3FN>, memref<16x32xbf16>
func.func @matmul_fp8_tn(%a: tensor<16x64xf8E4M3FN>, %b: tensor<32x64xf8E4M3FN>) -> tensor<16x32xbf16> {
  %c = dsc.matmul %a, %b {transpose_b = true, out_type = bf16} : (tensor<16x64xf8E4M3FN>, tensor<32x64xf8E4M3FN>) -> tensor<16x32xbf16>
  return %c : tensor<16x32xbf16>
}

// -----

// The default scale is 1/sqrt(Dh) = 1/sqrt(32). bf16 goes to cuDNN (attention=auto; the choice
// is tested in lower_to_plan_attention.mlir).
// CHECK-LABEL: func.func @attention()
// CHECK-NEXT:    %[[Q:.+]] = plan.input "arg0"
// CHECK-NEXT:    %[[K:.+]] = plan.input "arg1"
// CHECK-NEXT:    %[[V:.+]] = plan.input "arg2"
// CHECK-NEXT:    %[[O:.+]] = plan.output "result0"
// CHECK-NEXT:    plan.attention %[[Q]], %[[K]], %[[V]], %[[O]] {backend = "cudnn", batch = 2 : i64, causal = true, dh = 32 : i64, dv = 32 : i64, hkv = 2 : i64, hq = 8 : i64, scale = 0.17677669529663687 : f64, tk = 16 : i64, tq = 16 : i64}
func.func @attention(%q: tensor<2x16x8x32xbf16>, %k: tensor<2x16x2x32xbf16>, %v: tensor<2x16x2x32xbf16>) -> tensor<2x16x8x32xbf16> {
  %o = dsc.attention %q, %k, %v {causal = true} : (tensor<2x16x8x32xbf16>, tensor<2x16x2x32xbf16>, tensor<2x16x2x32xbf16>) -> tensor<2x16x8x32xbf16>
  return %o : tensor<2x16x8x32xbf16>
}

// -----

// Named bindings; the last step writes the output directly; defaults (gelu none) are explicit.
// CHECK-LABEL: func.func @elementwise()
// CHECK-NEXT:    %[[X:.+]] = plan.input "x" : memref<4x8xbf16>
// CHECK-NEXT:    %[[Y:.+]] = plan.output "y" : memref<4x8xbf16>
// CHECK-NEXT:    %[[GAIN:.+]] = plan.param "gain" : memref<4x8xbf16>
// CHECK-NEXT:    %[[SILU:.+]] = plan.alloc activation : memref<4x8xbf16>
// CHECK-NEXT:    plan.launch "unary"(%[[X]] : memref<4x8xbf16>) -> (%[[SILU]] : memref<4x8xbf16>) {op = "dsc.silu"}
// CHECK-NEXT:    %[[GELU:.+]] = plan.alloc activation : memref<4x8xbf16>
// CHECK-NEXT:    plan.launch "unary"(%[[SILU]] : memref<4x8xbf16>) -> (%[[GELU]] : memref<4x8xbf16>) {op = "dsc.gelu", op_attrs = {approximate = #dsc.gelu<none>}}
// CHECK-NEXT:    plan.launch "binary"(%[[GELU]], %[[GAIN]] : memref<4x8xbf16>, memref<4x8xbf16>) -> (%[[Y]] : memref<4x8xbf16>) {op = "dsc.mul"}
// CHECK-NEXT:    return
func.func @elementwise(%x: tensor<4x8xbf16> {dsc.name = "x"}) -> (tensor<4x8xbf16> {dsc.name = "y"}) {
  %w = dsc.param "gain" : tensor<4x8xbf16>
  %s = dsc.silu %x : tensor<4x8xbf16>
  %g = dsc.gelu %s : tensor<4x8xbf16>
  %y = dsc.mul %g, %w : tensor<4x8xbf16>
  return %y : tensor<4x8xbf16>
}

// -----

// CHECK-LABEL: func.func @reshape_is_a_view()
// CHECK:         %[[EXP:.+]] = plan.alloc activation : memref<2x16x256xbf16>
// CHECK-NEXT:    plan.launch "unary"({{.*}}) -> (%[[EXP]] : memref<2x16x256xbf16>) {op = "dsc.exp"}
// CHECK-NEXT:    %[[HEADS:.+]] = plan.view %[[EXP]] : memref<2x16x256xbf16> to memref<2x16x8x32xbf16>
// CHECK-NEXT:    plan.launch "unary"(%[[HEADS]] : memref<2x16x8x32xbf16>) -> ({{.*}}) {op = "dsc.neg"}
// CHECK-NOT:     plan.copy
func.func @reshape_is_a_view(%x: tensor<2x16x256xbf16>) -> tensor<2x16x8x32xbf16> {
  %e = dsc.exp %x : tensor<2x16x256xbf16>
  %r = dsc.reshape %e : tensor<2x16x256xbf16> -> tensor<2x16x8x32xbf16>
  %y = dsc.neg %r : tensor<2x16x8x32xbf16>
  return %y : tensor<2x16x8x32xbf16>
}

// -----

// An argument, a view and a second return of one value are copied out after the last step.
// CHECK-LABEL: func.func @copies_to_outputs()
// CHECK-NEXT:    %[[X:.+]] = plan.input "arg0"
// CHECK-NEXT:    %[[OUT0:.+]] = plan.output "result0"
// CHECK-NEXT:    %[[OUT1:.+]] = plan.output "result1"
// CHECK-NEXT:    %[[OUT2:.+]] = plan.output "result2"
// CHECK-NEXT:    %[[OUT3:.+]] = plan.output "result3"
// CHECK-NEXT:    plan.launch "unary"(%[[X]] : memref<4x8xf32>) -> (%[[OUT2]] : memref<4x8xf32>) {op = "dsc.exp"}
// CHECK-NEXT:    %[[FLAT:.+]] = plan.view %[[OUT2]]
// CHECK-NEXT:    plan.copy %[[X]], %[[OUT0]]
// CHECK-NEXT:    plan.copy %[[FLAT]], %[[OUT1]]
// CHECK-NEXT:    plan.copy %[[OUT2]], %[[OUT3]]
// CHECK-NEXT:    return
func.func @copies_to_outputs(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<32xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = dsc.exp %x : tensor<4x8xf32>
  %r = dsc.reshape %e : tensor<4x8xf32> -> tensor<32xf32>
  return %x, %r, %e, %e : tensor<4x8xf32>, tensor<32xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A zero splat is a memset of an activation; other literals are initialized buffers.
// CHECK-LABEL: func.func @constants()
// CHECK:         %[[ZERO:.+]] = plan.alloc activation : memref<4xf32>
// CHECK-NEXT:    plan.memset %[[ZERO]] : memref<4xf32>
// CHECK-NEXT:    %[[LIT:.+]] = plan.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32> -> memref<4xf32>
// CHECK:         plan.launch "binary"(%{{.+}}, %[[ZERO]] :
// CHECK:         plan.launch "binary"(%{{.+}}, %[[LIT]] :
func.func @constants(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = dsc.constant dense<0.0> : tensor<4xf32>
  %c = dsc.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %a = dsc.add %x, %z : tensor<4xf32>
  %y = dsc.mul %a, %c : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Two dsc.param of one name are one binding.
// CHECK-LABEL: func.func @shared_param()
// CHECK:         %[[TIED:.+]] = plan.param "tied" : memref<8x8xf32>
// CHECK-NOT:     plan.param
// CHECK:         plan.gemm %[[TIED]],
// CHECK:         plan.gemm %[[TIED]],
func.func @shared_param(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w1 = dsc.param "tied" : tensor<8x8xf32>
  %h = dsc.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %w2 = dsc.param "tied" : tensor<8x8xf32>
  %y = dsc.matmul %h, %w2 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// One slice launch per piece, each writing its output.
// CHECK-LABEL: func.func @split()
// CHECK:         plan.launch "slice"(%[[X:.+]] : memref<4x12xf32>) -> (%{{.+}} : memref<4x8xf32>) {op = "dsc.split", op_attrs = {limit = array<i64: 4, 8>, start = array<i64: 0, 0>, stride = array<i64: 1, 1>}}
// CHECK-NEXT:    plan.launch "slice"(%[[X]] : memref<4x12xf32>) -> (%{{.+}} : memref<4x4xf32>) {op = "dsc.split", op_attrs = {limit = array<i64: 4, 12>, start = array<i64: 0, 8>, stride = array<i64: 1, 1>}}
func.func @split(%x: tensor<4x12xf32>) -> (tensor<4x8xf32>, tensor<4x4xf32>) {
  %a, %b = dsc.split %x {axis = -1 : i64, sizes = array<i64: 8, 4>} : tensor<4x12xf32> -> tensor<4x8xf32>, tensor<4x4xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x4xf32>
}

// -----

// Dispatch and combine each get a slot-assignment launch into two i32 workspaces.
// CHECK-LABEL: func.func @moe()
// CHECK:         %[[SLOT:.+]] = plan.alloc workspace : memref<32x2xi32>
// CHECK-NEXT:    %[[ROWS:.+]] = plan.alloc workspace : memref<8x32xi32>
// CHECK-NEXT:    plan.launch "moe_slots"(%[[IDX:.+]] : memref<32x2xi32>) -> (%[[SLOT]], %[[ROWS]] : {{.*}}) {op = "dsc.moe_dispatch", op_attrs = {capacity = 32 : i64, num_experts = 8 : i64}}
// CHECK-NEXT:    %[[BUF:.+]] = plan.alloc activation : memref<8x32x64xbf16>
// CHECK-NEXT:    plan.launch "moe_dispatch"(%{{.+}}, %[[ROWS]] : {{.*}}) -> (%[[BUF]] : memref<8x32x64xbf16>)
// CHECK-NEXT:    %[[SLOT2:.+]] = plan.alloc workspace : memref<32x2xi32>
// CHECK-NEXT:    %[[ROWS2:.+]] = plan.alloc workspace : memref<8x32xi32>
// CHECK-NEXT:    plan.launch "moe_slots"(%[[IDX]] : memref<32x2xi32>) -> (%[[SLOT2]], %[[ROWS2]] : {{.*}}) {op = "dsc.moe_combine", op_attrs = {capacity = 32 : i64, num_experts = 8 : i64}}
// CHECK-NEXT:    plan.launch "moe_combine"(%[[BUF]], %[[IDX]], %[[SLOT2]], %{{.+}} : {{.*}}) -> ({{.*}}) {op = "dsc.moe_combine"}
func.func @moe(%x: tensor<32x64xbf16>, %idx: tensor<32x2xi32>, %w: tensor<32x2xf32>) -> tensor<32x64xbf16> {
  %buf = dsc.moe_dispatch %x, %idx {num_experts = 8 : i64, capacity = 32 : i64} : (tensor<32x64xbf16>, tensor<32x2xi32>) -> tensor<8x32x64xbf16>
  %y = dsc.moe_combine %buf, %idx, %w : (tensor<8x32x64xbf16>, tensor<32x2xi32>, tensor<32x2xf32>) -> tensor<32x64xbf16>
  return %y : tensor<32x64xbf16>
}

// -----

// FP8: the weight becomes two load-time params (values [N, K], scales), the activation one
// quantize launch, the product a TN GEMM with both scale buffers (the weight's with cuBLAS A).
// CHECK-LABEL: func.func @fp8_blockwise()
// CHECK-DAG:   %[[W:.+]] = plan.param "w.fp8" {fp8_recipe = "blockwise", source = "w", source_type = tensor<256x384xbf16>} : memref<384x256xf8E4M3FN>
// CHECK-DAG:   %[[WS:.+]] = plan.param "w.fp8_scales" {fp8_recipe = "blockwise", fp8_scales = true, source = "w", source_type = tensor<256x384xbf16>} : memref<3x4xf32>
// CHECK:       plan.launch "quantize_fp8"(%{{.+}} : memref<32x256xbf16>) -> (%[[Q:.+]], %[[S:.+]] : memref<32x256xf8E4M3FN>, memref<2x32xf32>) {op = "dsc.quantize", op_attrs = {recipe = "blockwise"}}
// CHECK:       plan.gemm %[[W]], %[[Q]], %{{.+}} scales(%[[WS]], %[[S]]) {fp8_recipe = "blockwise", k = 256 : i64, lda = 256 : i64, ldb = 256 : i64, ldc = 384 : i64, m = 384 : i64, n = 32 : i64, transa = true}
func.func @fp8_blockwise(%x: tensor<32x256xbf16>) -> tensor<32x384xbf16> {
  %w, %ws = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x384xbf16>}
      : tensor<384x256xf8E4M3FN>, tensor<3x4xf32>
  %q, %s = dsc.quantize %x {recipe = "blockwise"} : tensor<32x256xbf16> -> tensor<32x256xf8E4M3FN>, tensor<2x32xf32>
  %y = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "blockwise"}
      : (tensor<32x256xf8E4M3FN>, tensor<2x32xf32>, tensor<384x256xf8E4M3FN>, tensor<3x4xf32>) -> tensor<32x384xbf16>
  return %y : tensor<32x384xbf16>
}

// -----

// Per-tensor scaling: the amax goes through a zeroed workspace first.
// CHECK-LABEL: func.func @fp8_tensor()
// CHECK:       %[[AMAX:.+]] = plan.alloc workspace : memref<1xf32>
// CHECK-NEXT:  plan.memset %[[AMAX]]
// CHECK-NEXT:  plan.launch "amax"(%{{.+}} : memref<8x100xf16>) -> (%[[AMAX]] : memref<1xf32>) {op = "dsc.quantize"}
// CHECK-NEXT:  plan.launch "quantize_fp8"(%{{.+}}, %[[AMAX]] : memref<8x100xf16>, memref<1xf32>)
// CHECK:       plan.gemm {{.*}} {fp8_recipe = "tensor"
func.func @fp8_tensor(%x: tensor<8x100xf16>) -> tensor<8x60xf32> {
  %w, %ws = dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<100x60xf32>}
      : tensor<60x100xf8E4M3FN>, tensor<1xf32>
  %q, %s = dsc.quantize %x {recipe = "tensor"} : tensor<8x100xf16> -> tensor<8x100xf8E4M3FN>, tensor<1xf32>
  %y = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "tensor"}
      : (tensor<8x100xf8E4M3FN>, tensor<1xf32>, tensor<60x100xf8E4M3FN>, tensor<1xf32>) -> tensor<8x60xf32>
  return %y : tensor<8x60xf32>
}

// -----

// Delayed scaling: as per-tensor, and both kernels also read the amax history, a state param
// (8 amaxes, the slot, the block counter and this run's amax) that outlives the run; the
// quantize updates it.
// CHECK-LABEL: func.func @fp8_delayed()
// CHECK:       %[[HIST:.+]] = plan.param "amax_history.0" {state = true} : memref<11xf32>
// CHECK:       %[[AMAX:.+]] = plan.alloc workspace : memref<1xf32>
// CHECK-NEXT:  plan.memset %[[AMAX]]
// CHECK-NEXT:  plan.launch "amax"(%{{.+}}, %[[HIST]] : memref<8x100xf16>, memref<11xf32>) -> (%[[AMAX]] : memref<1xf32>) {op = "dsc.quantize", op_attrs = {amax_history = 8 : i64, recipe = "tensor"}}
// CHECK-NEXT:  plan.launch "quantize_fp8"(%{{.+}}, %[[AMAX]] : memref<8x100xf16>, memref<1xf32>) -> (%{{.+}}, %{{.+}}, %[[HIST]] : memref<8x100xf8E4M3FN>, memref<1xf32>, memref<11xf32>) {op = "dsc.quantize", op_attrs = {amax_history = 8 : i64, recipe = "tensor"}}
// CHECK:       plan.param "amax_history.1" {state = true} : memref<11xf32>
// CHECK:       plan.gemm {{.*}} {fp8_recipe = "tensor"
func.func @fp8_delayed(%x: tensor<8x100xf16>) -> tensor<8x60xf32> {
  %w, %ws = dsc.quantized_param "w" {recipe = "tensor", source_type = tensor<100x60xf32>}
      : tensor<60x100xf8E4M3FN>, tensor<1xf32>
  %q, %s = dsc.quantize %x {recipe = "tensor", amax_history = 8} : tensor<8x100xf16> -> tensor<8x100xf8E4M3FN>, tensor<1xf32>
  %q2, %s2 = dsc.quantize %x {recipe = "tensor", amax_history = 8} : tensor<8x100xf16> -> tensor<8x100xf8E4M3FN>, tensor<1xf32>
  %y = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "tensor"}
      : (tensor<8x100xf8E4M3FN>, tensor<1xf32>, tensor<60x100xf8E4M3FN>, tensor<1xf32>) -> tensor<8x60xf32>
  %y2 = dsc.scaled_matmul %q2, %s2, %w, %ws, %y {recipe = "tensor"}
      : (tensor<8x100xf8E4M3FN>, tensor<1xf32>, tensor<60x100xf8E4M3FN>, tensor<1xf32>, tensor<8x60xf32>) -> tensor<8x60xf32>
  return %y2 : tensor<8x60xf32>
}

// -----

// A fusion is one "fused" launch; its body travels in op_attrs as numbered steps (operands 0-2,
// then one value per step) and each output names the value it is written from.
// CHECK-LABEL: func.func @fusion()
// CHECK:         %[[X:.+]] = plan.input "arg0" : memref<2x16xbf16>
// CHECK-NEXT:    %[[A:.+]] = plan.input "arg1" : memref<2x16xbf16>
// CHECK-NEXT:    %[[W:.+]] = plan.input "arg2" : memref<16xbf16>
// CHECK-NEXT:    %[[SUM:.+]] = plan.output "result0" : memref<2x16xbf16>
// CHECK-NEXT:    %[[NORM:.+]] = plan.output "result1" : memref<2x16xbf16>
// CHECK-NEXT:    plan.launch "fused"(%[[X]], %[[A]], %[[W]] : memref<2x16xbf16>, memref<2x16xbf16>, memref<16xbf16>) -> (%[[SUM]], %[[NORM]] : memref<2x16xbf16>, memref<2x16xbf16>)
// CHECK-SAME:      {op = "dsc.fusion", op_attrs = {body = [
// CHECK-SAME:        {attrs = {}, kernel = "binary", op = "dsc.add", operands = array<i64: 0, 1>, type = tensor<2x16xbf16>},
// CHECK-SAME:        {attrs = {eps = 9.99999974E-6 : f32}, kernel = "rms_norm", op = "dsc.rms_norm", operands = array<i64: 3, 2>, type = tensor<2x16xbf16>}],
// CHECK-SAME:        results = array<i64: 3, 4>}}
// CHECK-NEXT:    return
func.func @fusion(%x: tensor<2x16xbf16>, %a: tensor<2x16xbf16>, %w: tensor<16xbf16>) -> (tensor<2x16xbf16>, tensor<2x16xbf16>) {
  %y:2 = dsc.fusion(%x, %a, %w) : (tensor<2x16xbf16>, tensor<2x16xbf16>, tensor<16xbf16>) -> (tensor<2x16xbf16>, tensor<2x16xbf16>) {
  ^bb0(%x0: tensor<2x16xbf16>, %a0: tensor<2x16xbf16>, %w0: tensor<16xbf16>):
    %s = dsc.add %x0, %a0 : tensor<2x16xbf16>
    %n = dsc.rms_norm %s, %w0 {eps = 1.0e-05 : f32} : tensor<2x16xbf16>, tensor<16xbf16>
    dsc.yield %s, %n : tensor<2x16xbf16>, tensor<2x16xbf16>
  }
  return %y#0, %y#1 : tensor<2x16xbf16>, tensor<2x16xbf16>
}

// -----

// Broadcasts and constants keep their attributes; an intermediate used only inside gets no buffer.
// CHECK-LABEL: func.func @fusion_broadcast_constant()
// CHECK-NOT:     plan.alloc
// CHECK:         plan.launch "fused"(%{{.+}}, %{{.+}} : memref<4x8xf32>, memref<8xf32>) -> (%{{.+}} : memref<4x8xf32>)
// CHECK-SAME:      {attrs = {dims = array<i64: 1>}, kernel = "broadcast", op = "dsc.broadcast", operands = array<i64: 1>
// CHECK-SAME:      {attrs = {value = dense<5.000000e-01> : tensor<4x8xf32>}, kernel = "constant", op = "dsc.constant", operands = array<i64>
// CHECK-SAME:      results = array<i64: 5>
func.func @fusion_broadcast_constant(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = dsc.fusion(%x, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
  ^bb0(%x0: tensor<4x8xf32>, %b0: tensor<8xf32>):
    %bb = dsc.broadcast %b0 {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
    %s = dsc.add %x0, %bb : tensor<4x8xf32>
    %c = dsc.constant dense<0.5> : tensor<4x8xf32>
    %m = dsc.mul %s, %c : tensor<4x8xf32>
    dsc.yield %m : tensor<4x8xf32>
  }
  return %y : tensor<4x8xf32>
}

// -----

// A matmul marked "tf32" by dsc-precision runs on TF32 tensor cores.
// CHECK-LABEL: func.func @tf32()
// CHECK:       plan.gemm {{.*}}tf32 = true
func.func @tf32(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>) -> tensor<8x32xf32> {
  %c = dsc.matmul %a, %b {dsc.precision = "tf32"} : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
  return %c : tensor<8x32xf32>
}
