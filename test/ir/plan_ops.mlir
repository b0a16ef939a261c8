// Round trip of every plan op, with its optional operands and attributes, through the custom form
// and through the generic form back to the custom form. Default-valued attributes (stream 0,
// batch 1, zero strides, memset value 0, view byte_offset 0) are elided when printed.

// RUN: dsc-opt %s --split-input-file | dsc-opt --split-input-file | FileCheck %s
// RUN: dsc-opt %s --split-input-file --mlir-print-op-generic | dsc-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @buffers()
// CHECK-NEXT:    %[[X:.+]] = plan.input "x" {offset = 0 : i64} : memref<4x8xbf16>
// CHECK-NEXT:    %[[Y:.+]] = plan.output "y" {offset = 256 : i64} : memref<32xbf16>
// CHECK-NEXT:    %[[W:.+]] = plan.param "layers.0.w" {offset = 512 : i64} : memref<8xbf16>
// CHECK-NEXT:    %[[C:.+]] = plan.constant dense<[1, 2]> : tensor<2xi32> -> memref<2xi32>
// CHECK-NEXT:    %[[ACT:.+]] = plan.alloc activation {offset = 512 : i64} : memref<4x8xbf16>
// CHECK-NEXT:    %[[WS:.+]] = plan.alloc workspace : memref<16xi32>
// CHECK-NEXT:    %[[FLAT:.+]] = plan.view %[[ACT]] : memref<4x8xbf16> to memref<32xbf16>
// CHECK-NEXT:    %[[ROW:.+]] = plan.view %[[ACT]] {byte_offset = 16 : i64} : memref<4x8xbf16> to memref<8xbf16>
// CHECK-NEXT:    plan.memset %[[WS]] : memref<16xi32>
// CHECK-NEXT:    plan.memset %[[WS]] {value = 255 : i32} : memref<16xi32>
// CHECK-NEXT:    plan.copy %[[FLAT]], %[[Y]] {record_event = 3 : i32, stream = 1 : i32, wait_events = array<i32: 0, 2>} : memref<32xbf16>, memref<32xbf16>
func.func @buffers() {
  %x = plan.input "x" {offset = 0 : i64} : memref<4x8xbf16>
  %y = plan.output "y" {offset = 256 : i64} : memref<32xbf16>
  %w = plan.param "layers.0.w" {offset = 512 : i64} : memref<8xbf16>
  %c = plan.constant dense<[1, 2]> : tensor<2xi32> -> memref<2xi32>
  %act = plan.alloc activation {offset = 512 : i64} : memref<4x8xbf16>
  %ws = plan.alloc workspace : memref<16xi32>
  %flat = plan.view %act : memref<4x8xbf16> to memref<32xbf16>
  %row = plan.view %act {byte_offset = 16 : i64} : memref<4x8xbf16> to memref<8xbf16>
  plan.memset %ws {value = 0 : i32} : memref<16xi32>
  plan.memset %ws {value = 255 : i32} : memref<16xi32>
  plan.copy %flat, %y {stream = 1 : i32, wait_events = array<i32: 0, 2>, record_event = 3 : i32} : memref<32xbf16>, memref<32xbf16>
  return
}

// -----

// CHECK-LABEL: func.func @launches(
// CHECK-SAME:      %[[X:.+]]: memref<4x8xbf16>, %[[W:.+]]: memref<8xbf16>, %[[Y:.+]]: memref<4x8xbf16>, %[[I:.+]]: memref<16xi32>)
// CHECK-NEXT:    plan.launch "unary"(%[[X]] : memref<4x8xbf16>) -> (%[[Y]] : memref<4x8xbf16>) {op = "dsc.silu"}
// CHECK-NEXT:    plan.launch "rms_norm"(%[[X]], %[[W]] : memref<4x8xbf16>, memref<8xbf16>) -> (%[[Y]] : memref<4x8xbf16>) {block = array<i32: 32, 1, 1>, grid = array<i32: 4, 1, 1>, op = "dsc.rms_norm", op_attrs = {eps = 9.99999974E-6 : f32}, record_event = 0 : i32, scalars = [4, 5.000000e-01 : f32], shared_bytes = 128 : i32, stream = 1 : i32}
// CHECK-NEXT:    plan.launch "iota"() -> (%[[I]] : memref<16xi32>) {op = "dsc.iota", op_attrs = {dimension = 0 : i64}}
func.func @launches(%x: memref<4x8xbf16>, %w: memref<8xbf16>, %y: memref<4x8xbf16>, %i: memref<16xi32>) {
  plan.launch "unary" (%x : memref<4x8xbf16>) -> (%y : memref<4x8xbf16>) {op = "dsc.silu"}
  plan.launch "rms_norm" (%x, %w : memref<4x8xbf16>, memref<8xbf16>) -> (%y : memref<4x8xbf16>) {op = "dsc.rms_norm", op_attrs = {eps = 1.0e-05 : f32}, grid = array<i32: 4, 1, 1>, block = array<i32: 32, 1, 1>, shared_bytes = 128 : i32, scalars = [4 : i64, 0.5 : f32], stream = 1 : i32, record_event = 0 : i32}
  plan.launch "iota" () -> (%i : memref<16xi32>) {op = "dsc.iota", op_attrs = {dimension = 0 : i64}}
  return
}

// -----

// CHECK-LABEL: func.func @library_calls(
// CHECK-SAME:      %[[W:.+]]: memref<256x768xbf16>, %[[X:.+]]: memref<2x16x256xbf16>, %[[Y:.+]]: memref<2x16x768xbf16>, %[[BIAS:.+]]: memref<768xbf16>,
// CHECK-NEXT:    plan.gemm %[[W]], %[[X]], %[[Y]] {k = 256 : i64, lda = 768 : i64, ldb = 256 : i64, ldc = 768 : i64, m = 768 : i64, n = 32 : i64} : memref<256x768xbf16>, memref<2x16x256xbf16>, memref<2x16x768xbf16>
// CHECK-NEXT:    plan.gemm %[[W]], %[[X]], %[[Y]] bias %[[BIAS]] {alpha = 5.000000e-01 : f64, batch = 2 : i64, beta = 1.000000e+00 : f64, epilogue = #plan.epilogue<bias_gelu>, k = 256 : i64, lda = 768 : i64, ldb = 256 : i64, ldc = 768 : i64, m = 768 : i64, n = 16 : i64, stride_b = 4096 : i64, stride_c = 12288 : i64, wait_events = array<i32: 1>} : memref<256x768xbf16>, memref<2x16x256xbf16>, memref<2x16x768xbf16>, memref<768xbf16>
// CHECK-NEXT:    plan.attention %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {batch = 2 : i64, causal = true, dh = 32 : i64, dv = 32 : i64, hkv = 2 : i64, hq = 8 : i64, scale = 1.250000e-01 : f64, tk = 16 : i64, tq = 16 : i64}
// CHECK-NEXT:    plan.attention %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {backend = "cudnn", batch = 2 : i64, causal = true, dh = 32 : i64, dv = 32 : i64, hkv = 2 : i64, hq = 8 : i64, scale = 1.250000e-01 : f64, tk = 16 : i64, tq = 16 : i64}
func.func @library_calls(%w: memref<256x768xbf16>, %x: memref<2x16x256xbf16>, %y: memref<2x16x768xbf16>, %bias: memref<768xbf16>,
                         %q: memref<2x16x8x32xbf16>, %k: memref<2x16x2x32xbf16>, %v: memref<2x16x2x32xbf16>, %o: memref<2x16x8x32xbf16>) {
  plan.gemm %w, %x, %y {m = 768 : i64, n = 32 : i64, k = 256 : i64, lda = 768 : i64, ldb = 256 : i64, ldc = 768 : i64} : memref<256x768xbf16>, memref<2x16x256xbf16>, memref<2x16x768xbf16>
  plan.gemm %w, %x, %y bias %bias {m = 768 : i64, n = 16 : i64, k = 256 : i64, batch = 2 : i64, lda = 768 : i64, ldb = 256 : i64, ldc = 768 : i64, stride_a = 0 : i64, stride_b = 4096 : i64, stride_c = 12288 : i64, alpha = 0.5 : f64, beta = 1.0 : f64, epilogue = #plan.epilogue<bias_gelu>, wait_events = array<i32: 1>} : memref<256x768xbf16>, memref<2x16x256xbf16>, memref<2x16x768xbf16>, memref<768xbf16>
  plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 16 : i64, hq = 8 : i64, hkv = 2 : i64, dh = 32 : i64, dv = 32 : i64, causal = true, scale = 0.125 : f64} : memref<2x16x8x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x8x32xbf16>
  plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 16 : i64, hq = 8 : i64, hkv = 2 : i64, dh = 32 : i64, dv = 32 : i64, causal = true, scale = 0.125 : f64, backend = "cudnn"} : memref<2x16x8x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x8x32xbf16>
  return
}
