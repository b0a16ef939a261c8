// dsc-fold-contiguous-copies: a slice that is one contiguous run of its input becomes a view
// of it; a concat along a dim with only size-1 dims before it is written in place by the
// producers of its inputs (their buffers become views of the result). Others stay copies.

// RUN: dsc-opt %s --split-input-file --dsc-fold-contiguous-copies | FileCheck %s

// Rows 8..16 of a [16, 128] bf16 buffer start 2048 bytes in.
// CHECK-LABEL: func.func @row_slice_is_a_view()
// CHECK:         %[[X:.+]] = plan.input "x" : memref<16x128xbf16>
// CHECK:         %[[ROWS:.+]] = plan.view %[[X]] {byte_offset = 2048 : i64} : memref<16x128xbf16> to memref<8x128xbf16>
// CHECK-NEXT:    plan.launch "unary"(%[[ROWS]] : memref<8x128xbf16>)
// CHECK-NOT:     plan.launch "slice"
// CHECK-NOT:     plan.alloc
func.func @row_slice_is_a_view() {
  %x = plan.input "x" : memref<16x128xbf16>
  %y = plan.output "y" : memref<8x128xbf16>
  %s = plan.alloc activation : memref<8x128xbf16>
  plan.launch "slice"(%x : memref<16x128xbf16>) -> (%s : memref<8x128xbf16>) {op = "dsc.split", op_attrs = {limit = array<i64: 16, 128>, start = array<i64: 8, 0>, stride = array<i64: 1, 1>}}
  plan.launch "unary"(%s : memref<8x128xbf16>) -> (%y : memref<8x128xbf16>) {op = "dsc.silu"}
  return
}

// -----

// Columns, a stride, an offset off the 256-byte alignment (rows 3.. of 8 bf16 at 48 bytes),
// and a piece that is an output binding all stay copies.
// CHECK-LABEL: func.func @slices_that_stay()
// CHECK-COUNT-4: plan.launch "slice"
// CHECK-NOT:     plan.view
func.func @slices_that_stay() {
  %x = plan.input "x" : memref<16x128xbf16>
  %x8 = plan.input "x8" : memref<16x8xbf16>
  %y = plan.output "y" : memref<16x64xbf16>
  %z = plan.output "z" : memref<8x128xbf16>
  %u = plan.output "u" : memref<13x8xbf16>
  %c = plan.alloc activation : memref<16x64xbf16>
  plan.launch "slice"(%x : memref<16x128xbf16>) -> (%c : memref<16x64xbf16>) {op = "dsc.slice", op_attrs = {limit = array<i64: 16, 64>, start = array<i64: 0, 0>, stride = array<i64: 1, 1>}}
  %s = plan.alloc activation : memref<8x128xbf16>
  plan.launch "slice"(%x : memref<16x128xbf16>) -> (%s : memref<8x128xbf16>) {op = "dsc.slice", op_attrs = {limit = array<i64: 16, 128>, start = array<i64: 0, 0>, stride = array<i64: 2, 1>}}
  %m = plan.alloc activation : memref<13x8xbf16>
  plan.launch "slice"(%x8 : memref<16x8xbf16>) -> (%m : memref<13x8xbf16>) {op = "dsc.slice", op_attrs = {limit = array<i64: 16, 8>, start = array<i64: 3, 0>, stride = array<i64: 1, 1>}}
  plan.launch "slice"(%x : memref<16x128xbf16>) -> (%z : memref<8x128xbf16>) {op = "dsc.slice", op_attrs = {limit = array<i64: 8, 128>, start = array<i64: 0, 0>, stride = array<i64: 1, 1>}}
  plan.launch "binary"(%c, %c : memref<16x64xbf16>, memref<16x64xbf16>) -> (%y : memref<16x64xbf16>) {op = "dsc.add"}
  plan.launch "unary"(%s : memref<8x128xbf16>) -> (%z : memref<8x128xbf16>) {op = "dsc.silu"}
  plan.launch "unary"(%m : memref<13x8xbf16>) -> (%u : memref<13x8xbf16>) {op = "dsc.silu"}
  return
}

// -----

// Two chunks' all_reduces write the halves of the result in place; the concat is gone.
// CHECK-LABEL: func.func @row_concat_written_in_place()
// CHECK:         %[[Y:.+]] = plan.output "y" : memref<16x128xbf16>
// CHECK:         %[[TOP:.+]] = plan.view %[[Y]] : memref<16x128xbf16> to memref<8x128xbf16>
// CHECK-NEXT:    plan.collective all_reduce sum send %{{.+}} : memref<8x128xbf16> recv %[[TOP]]
// CHECK:         %[[BOTTOM:.+]] = plan.view %[[Y]] {byte_offset = 2048 : i64} : memref<16x128xbf16> to memref<8x128xbf16>
// CHECK-NEXT:    plan.collective all_reduce sum send %{{.+}} : memref<8x128xbf16> recv %[[BOTTOM]]
// CHECK-NOT:     plan.launch "concat"
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @row_concat_written_in_place() {
    %a = plan.input "a" : memref<8x128xbf16>
    %b = plan.input "b" : memref<8x128xbf16>
    %y = plan.output "y" : memref<16x128xbf16>
    %r0 = plan.alloc activation : memref<8x128xbf16>
    plan.collective all_reduce sum send %a : memref<8x128xbf16> recv %r0 : memref<8x128xbf16> {mesh_axes = array<i32: 0>}
    %r1 = plan.alloc activation : memref<8x128xbf16>
    plan.collective all_reduce sum send %b : memref<8x128xbf16> recv %r1 : memref<8x128xbf16> {mesh_axes = array<i32: 0>}
    plan.launch "concat"(%r0, %r1 : memref<8x128xbf16>, memref<8x128xbf16>) -> (%y : memref<16x128xbf16>) {op = "dsc.concat", op_attrs = {axis = 0 : i64}}
    return
  }
}

// -----

// The result's allocation moves above the pieces, which become its views.
// CHECK-LABEL: func.func @concat_result_declared_first()
// CHECK:         %[[OUT:.+]] = plan.alloc activation : memref<1x16x128xbf16>
// CHECK-NEXT:    %[[P0:.+]] = plan.view %[[OUT]] : memref<1x16x128xbf16> to memref<1x8x128xbf16>
// CHECK:         %[[P1:.+]] = plan.view %[[OUT]] {byte_offset = 2048 : i64}
// CHECK:         plan.launch "unary"(%[[OUT]]
func.func @concat_result_declared_first() {
  %a = plan.input "a" : memref<1x8x128xbf16>
  %y = plan.output "y" : memref<1x16x128xbf16>
  %p0 = plan.alloc activation : memref<1x8x128xbf16>
  plan.launch "unary"(%a : memref<1x8x128xbf16>) -> (%p0 : memref<1x8x128xbf16>) {op = "dsc.silu"}
  %p1 = plan.alloc activation : memref<1x8x128xbf16>
  plan.launch "unary"(%a : memref<1x8x128xbf16>) -> (%p1 : memref<1x8x128xbf16>) {op = "dsc.exp"}
  %c = plan.alloc activation : memref<1x16x128xbf16>
  plan.launch "concat"(%p0, %p1 : memref<1x8x128xbf16>, memref<1x8x128xbf16>) -> (%c : memref<1x16x128xbf16>) {op = "dsc.concat", op_attrs = {axis = 1 : i64}}
  plan.launch "unary"(%c : memref<1x16x128xbf16>) -> (%y : memref<1x16x128xbf16>) {op = "dsc.silu"}
  return
}

// -----

// Along dim 1 of [2, ...] the inputs interleave; a binding as input; one buffer twice.
// CHECK-LABEL: func.func @concats_that_stay()
// CHECK-COUNT-3: plan.launch "concat"
func.func @concats_that_stay() {
  %a = plan.input "a" : memref<2x8x128xbf16>
  %y = plan.output "y" : memref<2x16x128xbf16>
  %z = plan.output "z" : memref<16x128xbf16>
  %w = plan.output "w" : memref<16x128xbf16>
  %x = plan.input "x" : memref<8x128xbf16>
  %p0 = plan.alloc activation : memref<2x8x128xbf16>
  plan.launch "unary"(%a : memref<2x8x128xbf16>) -> (%p0 : memref<2x8x128xbf16>) {op = "dsc.silu"}
  plan.launch "concat"(%p0, %p0 : memref<2x8x128xbf16>, memref<2x8x128xbf16>) -> (%y : memref<2x16x128xbf16>) {op = "dsc.concat", op_attrs = {axis = 1 : i64}}
  %q = plan.alloc activation : memref<8x128xbf16>
  plan.launch "unary"(%x : memref<8x128xbf16>) -> (%q : memref<8x128xbf16>) {op = "dsc.silu"}
  plan.launch "concat"(%q, %x : memref<8x128xbf16>, memref<8x128xbf16>) -> (%z : memref<16x128xbf16>) {op = "dsc.concat", op_attrs = {axis = 0 : i64}}
  plan.launch "concat"(%q, %q : memref<8x128xbf16>, memref<8x128xbf16>) -> (%w : memref<16x128xbf16>) {op = "dsc.concat", op_attrs = {axis = 0 : i64}}
  return
}
