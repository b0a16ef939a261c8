// dsc-plan-memory: offsets by liveness in one arena (256-byte aligned), inputs and outputs apart
// and never reused, weights and constants in the parameter region; the module attributes give the
// sizes. Diagnostics (the overlap check, the report) are in plan_memory_diagnostics.mlir.

// RUN: dsc-opt %s --split-input-file --dsc-plan-memory | FileCheck %s

// A chain: %a is dead once %b is written, so %c takes its bytes. Peak (2 KiB) < sum (3 KiB).
// Inputs and outputs come first and are never reused.
// CHECK-LABEL: module attributes {plan.arena_bytes = 4096 : i64, plan.param_bytes = 0 : i64, plan.peak_activation_bytes = 2048 : i64}
// CHECK-LABEL: func.func @reuse_must_happen()
// CHECK-NEXT:    plan.input "x" {offset = 0 : i64}
// CHECK-NEXT:    plan.output "y" {offset = 1024 : i64}
// CHECK-NEXT:    %[[A:.+]] = plan.alloc activation {offset = 2048 : i64}
// CHECK-NEXT:    plan.launch
// CHECK-NEXT:    %[[B:.+]] = plan.alloc activation {offset = 3072 : i64}
// CHECK-NEXT:    plan.launch
// CHECK-NEXT:    %[[C:.+]] = plan.alloc activation {offset = 2048 : i64}
func.func @reuse_must_happen() {
  %x = plan.input "x" : memref<256xf32>
  %y = plan.output "y" : memref<256xf32>
  %a = plan.alloc activation : memref<256xf32>
  plan.launch "unary" (%x : memref<256xf32>) -> (%a : memref<256xf32>) {op = "dsc.exp"}
  %b = plan.alloc activation : memref<256xf32>
  plan.launch "unary" (%a : memref<256xf32>) -> (%b : memref<256xf32>) {op = "dsc.exp"}
  %c = plan.alloc activation : memref<256xf32>
  plan.launch "unary" (%b : memref<256xf32>) -> (%c : memref<256xf32>) {op = "dsc.exp"}
  plan.launch "unary" (%c : memref<256xf32>) -> (%y : memref<256xf32>) {op = "dsc.exp"}
  return
}

// -----

// %a, %b, %c and %s are all live at the first add: four distinct places, peak = sum.
// CHECK-LABEL: module attributes {plan.arena_bytes = 6144 : i64, plan.param_bytes = 0 : i64, plan.peak_activation_bytes = 4096 : i64}
// CHECK-LABEL: func.func @no_reuse_when_live_together()
// CHECK:         plan.alloc activation {offset = 2048 : i64}
// CHECK:         plan.alloc activation {offset = 3072 : i64}
// CHECK:         plan.alloc activation {offset = 4096 : i64}
// CHECK:         plan.alloc activation {offset = 5120 : i64}
func.func @no_reuse_when_live_together() {
  %x = plan.input "x" : memref<256xf32>
  %y = plan.output "y" : memref<256xf32>
  %a = plan.alloc activation : memref<256xf32>
  plan.launch "unary" (%x : memref<256xf32>) -> (%a : memref<256xf32>) {op = "dsc.exp"}
  %b = plan.alloc activation : memref<256xf32>
  plan.launch "unary" (%x : memref<256xf32>) -> (%b : memref<256xf32>) {op = "dsc.neg"}
  %c = plan.alloc activation : memref<256xf32>
  plan.launch "unary" (%x : memref<256xf32>) -> (%c : memref<256xf32>) {op = "dsc.abs"}
  %s = plan.alloc activation : memref<256xf32>
  plan.launch "binary" (%a, %b : memref<256xf32>, memref<256xf32>) -> (%s : memref<256xf32>) {op = "dsc.add"}
  plan.launch "binary" (%s, %c : memref<256xf32>, memref<256xf32>) -> (%y : memref<256xf32>) {op = "dsc.add"}
  return
}

// -----

// %a is read only through its view at the last step: it stays live until then.
// CHECK-LABEL: module attributes {plan.arena_bytes = 4096 : i64, plan.param_bytes = 0 : i64, plan.peak_activation_bytes = 2048 : i64}
// CHECK-LABEL: func.func @view_keeps_root_alive()
// CHECK:         %[[A:.+]] = plan.alloc activation {offset = 2048 : i64} : memref<4x64xf32>
// CHECK-NEXT:    plan.launch
// CHECK-NEXT:    plan.view %[[A]] : memref<4x64xf32> to memref<256xf32>
// CHECK-NEXT:    %[[B:.+]] = plan.alloc activation {offset = 3072 : i64} : memref<4x64xf32>
func.func @view_keeps_root_alive() {
  %x = plan.input "x" : memref<4x64xf32>
  %y = plan.output "y" : memref<256xf32>
  %a = plan.alloc activation : memref<4x64xf32>
  plan.launch "unary" (%x : memref<4x64xf32>) -> (%a : memref<4x64xf32>) {op = "dsc.exp"}
  %flat = plan.view %a : memref<4x64xf32> to memref<256xf32>
  %b = plan.alloc activation : memref<4x64xf32>
  plan.launch "unary" (%x : memref<4x64xf32>) -> (%b : memref<4x64xf32>) {op = "dsc.neg"}
  %bflat = plan.view %b : memref<4x64xf32> to memref<256xf32>
  plan.launch "binary" (%flat, %bflat : memref<256xf32>, memref<256xf32>) -> (%y : memref<256xf32>) {op = "dsc.add"}
  return
}

// -----

// Placed buffers leave gaps of 1024 bytes at 256 and 512 bytes at 1536: the 512-byte buffer
// takes the smaller gap (first fit would take 256). Offsets already set are kept.
// CHECK-LABEL: module attributes {plan.arena_bytes = 2304 : i64
// CHECK-LABEL: func.func @best_fit_not_first_fit()
// CHECK-NEXT:    plan.input "x" {offset = 0 : i64}
// CHECK-NEXT:    plan.alloc activation {offset = 1280 : i64}
// CHECK-NEXT:    plan.alloc activation {offset = 2048 : i64}
// CHECK-NEXT:    plan.alloc activation {offset = 1536 : i64} : memref<128xf32>
func.func @best_fit_not_first_fit() {
  %x = plan.input "x" : memref<64xf32>
  %a = plan.alloc activation {offset = 1280 : i64} : memref<64xf32>
  %b = plan.alloc activation {offset = 2048 : i64} : memref<64xf32>
  %t = plan.alloc activation : memref<128xf32>
  plan.launch "unary" (%x : memref<64xf32>) -> (%a : memref<64xf32>) {op = "dsc.exp"}
  plan.launch "unary" (%x : memref<64xf32>) -> (%b : memref<64xf32>) {op = "dsc.exp"}
  plan.launch "concat" (%a, %b : memref<64xf32>, memref<64xf32>) -> (%t : memref<128xf32>) {op = "dsc.concat", op_attrs = {axis = 0 : i64}}
  return
}

// -----

// Weights and constants are packed, 256-aligned, in the parameter region (32 B, 8 B, 20000 B).
// CHECK-LABEL: module attributes {plan.arena_bytes = 256 : i64, plan.param_bytes = 20736 : i64, plan.peak_activation_bytes = 0 : i64}
// CHECK-LABEL: func.func @params_and_constants()
// CHECK-NEXT:    plan.param "w" {offset = 0 : i64}
// CHECK-NEXT:    plan.constant {{.*}} {offset = 256 : i64}
// CHECK-NEXT:    plan.param "v" {offset = 512 : i64}
// CHECK-NEXT:    plan.output "y" {offset = 0 : i64}
func.func @params_and_constants() {
  %w = plan.param "w" : memref<8xf32>
  %c = plan.constant dense<[1.0, 2.0]> : tensor<2xf32> -> memref<2xf32>
  %v = plan.param "v" : memref<100x100xbf16>
  %y = plan.output "y" : memref<8xf32>
  plan.launch "unary" (%w : memref<8xf32>) -> (%y : memref<8xf32>) {op = "dsc.exp"}
  return
}
