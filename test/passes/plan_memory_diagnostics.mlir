// dsc-plan-memory diagnostics: the report remark, and the overlap check that guards every
// placement (exercised here with offsets set by hand, since the planner itself never overlaps).

// RUN: dsc-opt %s --split-input-file --dsc-plan-memory=report --verify-diagnostics

// expected-remark @+1 {{arena 3072 bytes (inputs and outputs 2048), parameters 1024 bytes, peak activations 1024 bytes}}
func.func @report() {
  %x = plan.input "x" : memref<256xf32>
  %y = plan.output "y" : memref<256xf32>
  %w = plan.param "w" : memref<256xf32>
  %a = plan.alloc activation : memref<256xf32>
  plan.launch "binary" (%x, %w : memref<256xf32>, memref<256xf32>) -> (%a : memref<256xf32>) {op = "dsc.mul"}
  plan.launch "unary" (%a : memref<256xf32>) -> (%y : memref<256xf32>) {op = "dsc.exp"}
  return
}

// -----

func.func @preplaced_buffers_overlap() {
  %x = plan.input "x" : memref<256xf32>
  // expected-note @+1 {{the other buffer}}
  %a = plan.alloc activation {offset = 1024 : i64} : memref<256xf32>
  // expected-error @+1 {{'plan.alloc' op bytes [1536, 2560) overlap bytes [1024, 2048) of a buffer live at the same step}}
  %b = plan.alloc activation {offset = 1536 : i64} : memref<256xf32>
  plan.launch "unary" (%x : memref<256xf32>) -> (%a : memref<256xf32>) {op = "dsc.exp"}
  plan.launch "unary" (%a : memref<256xf32>) -> (%b : memref<256xf32>) {op = "dsc.exp"}
  return
}

// -----

func.func @preplaced_buffer_over_an_input() {
  // expected-note @+1 {{the other buffer}}
  %x = plan.input "x" : memref<256xf32>
  // expected-error @+1 {{'plan.alloc' op bytes [512, 1536) overlap bytes [0, 1024) of a buffer live at the same step}}
  %a = plan.alloc activation {offset = 512 : i64} : memref<256xf32>
  plan.launch "unary" (%x : memref<256xf32>) -> (%a : memref<256xf32>) {op = "dsc.exp"}
  return
}

// -----

func.func @copy_within_one_buffer() {
  %x = plan.input "x" : memref<512xf32>
  %lo = plan.view %x : memref<512xf32> to memref<256xf32>
  %mid = plan.view %x {byte_offset = 512 : i64} : memref<512xf32> to memref<256xf32>
  // expected-error @+1 {{'plan.copy' op source bytes [0, 1024) and destination bytes [512, 1536) overlap}}
  plan.copy %lo, %mid : memref<256xf32>, memref<256xf32>
  return
}
