// dsc-schedule-collectives: each collective with compute it does not depend on becomes an async
// start on stream 1 (waiting for the compute stream's last step before it) and a plan.wait
// where its results are first needed, hoisted as early and waited for as late as the buffers
// allow, the wait no later than the cost model says the compute between covers the transfer.

// RUN: dsc-opt %s --split-input-file --dsc-schedule-collectives | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-schedule-collectives --dsc-plan-memory | FileCheck %s --check-prefix=PLACED

// A GEMM that does not read the all_reduce's result runs under it; the wait goes before the
// end, and the all_reduce waits for the GEMM that produced its input.
// CHECK-LABEL: func.func @independent_gemm_runs_under_all_reduce()
// CHECK:         %[[Y:.+]] = plan.output "y"
// CHECK:         %[[PARTIAL:.+]] = plan.alloc activation
// CHECK:         plan.gemm %{{.+}}, %{{.+}}, %[[PARTIAL]] {{{.*}}record_event = 0 : i32
// CHECK-NEXT:    plan.collective all_reduce sum send %[[PARTIAL]] : memref<16x128xbf16> recv %[[Y]] : memref<16x128xbf16> {mesh_axes = array<i32: 0>, record_event = 1 : i32, stream = 1 : i32, wait_events = array<i32: 0>}
// CHECK-NEXT:    plan.gemm
// CHECK-NEXT:    plan.launch
// CHECK-NEXT:    plan.wait 1(%[[PARTIAL]], %[[Y]] : memref<16x128xbf16>, memref<16x128xbf16>)
// CHECK-NEXT:    return
// The partial sum stays placed apart from the independent GEMM's output until the wait.
// PLACED-LABEL: func.func @independent_gemm_runs_under_all_reduce()
// PLACED:         plan.alloc activation {offset = [[PARTIAL_AT:[0-9]+]] : i64} : memref<16x128xbf16>
// PLACED-NOT:     offset = [[PARTIAL_AT]] :
// PLACED:         plan.wait 1
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @independent_gemm_runs_under_all_reduce() {
    %x = plan.input "x" : memref<16x64xbf16>
    %y = plan.output "y" : memref<16x128xbf16>
    %z = plan.output "z" : memref<16x128xbf16>
    %w = plan.param "w" : memref<64x128xbf16>
    %w2 = plan.param "w2" : memref<64x128xbf16>
    %p = plan.alloc activation : memref<16x128xbf16>
    %t = plan.alloc activation : memref<16x128xbf16>
    plan.gemm %w, %x, %p {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 16 : i64} : memref<64x128xbf16>, memref<16x64xbf16>, memref<16x128xbf16>
    plan.collective all_reduce sum send %p : memref<16x128xbf16> recv %y : memref<16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.gemm %w2, %x, %t {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 16 : i64} : memref<64x128xbf16>, memref<16x64xbf16>, memref<16x128xbf16>
    plan.launch "unary" (%t : memref<16x128xbf16>) -> (%z : memref<16x128xbf16>) {op = "dsc.silu"}
    return
  }
}

// -----

// The start moves above a GEMM that does not touch its buffers, and waits for the step that
// wrote its input (the input's own producer records event 0); the wait goes before the first
// reader of the result.
// CHECK-LABEL: func.func @start_hoisted_above_independent_gemm()
// CHECK:         plan.launch "unary"(%{{.+}}) -> (%[[A:.+]] : memref<16x128xbf16>) {op = "dsc.silu", record_event = 0 : i32}
// CHECK-NEXT:    plan.collective all_gather send %[[A]] : memref<16x128xbf16> recv %[[G:.+]] : memref<2x16x128xbf16> {mesh_axes = array<i32: 0>, record_event = 1 : i32, stream = 1 : i32, wait_events = array<i32: 0>}
// CHECK-NEXT:    plan.gemm
// CHECK-NEXT:    plan.wait 1(%[[A]], %[[G]] :
// CHECK-NEXT:    plan.launch "unary"(%[[G]]
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @start_hoisted_above_independent_gemm() {
    %x = plan.input "x" : memref<16x64xbf16>
    %y = plan.output "y" : memref<2x16x128xbf16>
    %z = plan.output "z" : memref<16x128xbf16>
    %w = plan.param "w" : memref<64x128xbf16>
    %a = plan.alloc activation : memref<16x128xbf16>
    %g = plan.alloc activation : memref<2x16x128xbf16>
    plan.launch "unary" (%z : memref<16x128xbf16>) -> (%a : memref<16x128xbf16>) {op = "dsc.silu"}
    plan.gemm %w, %x, %z {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 16 : i64} : memref<64x128xbf16>, memref<16x64xbf16>, memref<16x128xbf16>
    plan.collective all_gather send %a : memref<16x128xbf16> recv %g : memref<2x16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.launch "unary" (%g : memref<2x16x128xbf16>) -> (%y : memref<2x16x128xbf16>) {op = "dsc.silu"}
    return
  }
}

// -----

// Nothing to overlap: the consumer follows at once, so the collective stays on stream 0.
// CHECK-LABEL: func.func @dependent_chain_stays_synchronous()
// CHECK:         plan.gemm
// CHECK-NOT:     record_event
// CHECK-NEXT:    plan.collective all_reduce sum send %{{.+}} recv %{{.+}} {mesh_axes = array<i32: 0>}
// CHECK-NEXT:    plan.launch
// CHECK-NOT:     plan.wait
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @dependent_chain_stays_synchronous() {
    %x = plan.input "x" : memref<16x64xbf16>
    %z = plan.output "z" : memref<16x128xbf16>
    %w = plan.param "w" : memref<64x128xbf16>
    %p = plan.alloc activation : memref<16x128xbf16>
    %s = plan.alloc activation : memref<16x128xbf16>
    plan.gemm %w, %x, %p {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 16 : i64} : memref<64x128xbf16>, memref<16x64xbf16>, memref<16x128xbf16>
    plan.collective all_reduce sum send %p : memref<16x128xbf16> recv %s : memref<16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.launch "unary" (%s : memref<16x128xbf16>) -> (%z : memref<16x128xbf16>) {op = "dsc.silu"}
    return
  }
}

// -----

// A step that overwrites the send buffer ends the overlap: the wait goes before it (through a
// view of that buffer, too). The silu after it touches neither and is pulled up under the
// all_reduce.
// CHECK-LABEL: func.func @writer_of_send_buffer_waits()
// CHECK:         plan.collective all_reduce {{.*}}stream = 1
// CHECK-NEXT:    plan.launch "unary"(%{{.+}}) -> (%[[Z:.+]] : memref<16x128xbf16>)
// CHECK-NEXT:    %[[V:.+]] = plan.view
// CHECK-NEXT:    plan.launch "unary"(%{{.+}}) -> (%[[Z]] : memref<16x128xbf16>)
// CHECK-NEXT:    plan.wait 1(
// CHECK-NEXT:    plan.memset %[[V]]
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @writer_of_send_buffer_waits() {
    %x = plan.input "x" : memref<16x128xbf16>
    %y = plan.output "y" : memref<16x128xbf16>
    %z = plan.output "z" : memref<16x128xbf16>
    %p = plan.alloc activation : memref<16x128xbf16>
    plan.launch "unary" (%x : memref<16x128xbf16>) -> (%p : memref<16x128xbf16>) {op = "dsc.silu"}
    plan.collective all_reduce sum send %p : memref<16x128xbf16> recv %y : memref<16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.launch "unary" (%x : memref<16x128xbf16>) -> (%z : memref<16x128xbf16>) {op = "dsc.silu"}
    %v = plan.view %p : memref<16x128xbf16> to memref<2048xbf16>
    plan.memset %v : memref<2048xbf16>
    plan.launch "unary" (%x : memref<16x128xbf16>) -> (%z : memref<16x128xbf16>) {op = "dsc.silu"}
    return
  }
}

// -----

// The cost model bounds the wait: one 4096^3 GEMM (about 180 us on the H100's 765 TFLOP/s)
// covers a 4 KiB all_reduce (10 us of latency), so the wait goes right after it and the
// partial sum's bytes are free for the second GEMM.
// CHECK-LABEL: func.func @wait_once_transfer_is_covered()
// CHECK:         plan.collective all_reduce {{.*}}stream = 1
// CHECK-NEXT:    plan.gemm
// CHECK-NEXT:    plan.wait 1(
// CHECK-NEXT:    plan.gemm
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @wait_once_transfer_is_covered() {
    %x = plan.input "x" : memref<4096x4096xbf16>
    %y = plan.output "y" : memref<16x128xbf16>
    %z = plan.output "z" : memref<4096x4096xbf16>
    %z2 = plan.output "z2" : memref<4096x4096xbf16>
    %p = plan.alloc activation : memref<16x128xbf16>
    plan.launch "unary" (%y : memref<16x128xbf16>) -> (%p : memref<16x128xbf16>) {op = "dsc.silu"}
    plan.collective all_reduce sum send %p : memref<16x128xbf16> recv %y : memref<16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.gemm %x, %x, %z {k = 4096 : i64, lda = 4096 : i64, ldb = 4096 : i64, ldc = 4096 : i64, m = 4096 : i64, n = 4096 : i64} : memref<4096x4096xbf16>, memref<4096x4096xbf16>, memref<4096x4096xbf16>
    plan.gemm %x, %x, %z2 {k = 4096 : i64, lda = 4096 : i64, ldb = 4096 : i64, ldc = 4096 : i64, m = 4096 : i64, n = 4096 : i64} : memref<4096x4096xbf16>, memref<4096x4096xbf16>, memref<4096x4096xbf16>
    return
  }
}

// -----

// One NCCL call in flight: the first all_reduce's wait goes before the second all_reduce, which
// then overlaps the GEMM after it on its own.
// CHECK-LABEL: func.func @one_collective_in_flight()
// CHECK:         plan.collective all_reduce sum send %[[P:[0-9]+]] {{.*}}record_event = 1 : i32, stream = 1 : i32
// CHECK-NEXT:    plan.launch
// CHECK-NEXT:    plan.wait 1(%[[P]],
// CHECK-NEXT:    plan.collective all_reduce {{.*}}record_event = 3 : i32, stream = 1 : i32, wait_events = array<i32: 2>
// CHECK-NEXT:    plan.gemm
// CHECK-NEXT:    plan.wait 3(
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @one_collective_in_flight() {
    %x = plan.input "x" : memref<16x64xbf16>
    %y = plan.output "y" : memref<16x128xbf16>
    %y2 = plan.output "y2" : memref<16x128xbf16>
    %z = plan.output "z" : memref<16x128xbf16>
    %w = plan.param "w" : memref<64x128xbf16>
    %p = plan.alloc activation : memref<16x128xbf16>
    %q = plan.alloc activation : memref<16x128xbf16>
    plan.gemm %w, %x, %p {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 16 : i64} : memref<64x128xbf16>, memref<16x64xbf16>, memref<16x128xbf16>
    plan.collective all_reduce sum send %p : memref<16x128xbf16> recv %y : memref<16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.launch "unary" (%z : memref<16x128xbf16>) -> (%q : memref<16x128xbf16>) {op = "dsc.silu"}
    plan.collective all_reduce sum send %q : memref<16x128xbf16> recv %y2 : memref<16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.gemm %w, %x, %z {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 16 : i64} : memref<64x128xbf16>, memref<16x64xbf16>, memref<16x128xbf16>
    return
  }
}

// -----

// The first reader of the all_to_all's result comes right after it; an independent GEMM
// written after that reader (a shared expert after the routed experts' combine) is pulled up
// to run under the all_to_all with the buffer it writes (allocated below the reader), and so
// is the silu after it (the window is still short of the transfer); the wait goes after them.
// CHECK-LABEL: func.func @independent_gemm_pulled_under_all_to_all()
// CHECK:         plan.collective all_to_all send %[[PARTS:.+]] : memref<32x128xf32> recv %[[BACK:.+]] : memref<32x128xf32> {mesh_axes = array<i32: 0>, record_event = 1 : i32, stream = 1 : i32, wait_events = array<i32: 0>}
// CHECK-NEXT:    %[[SHARED:.+]] = plan.alloc activation : memref<32x128xbf16>
// CHECK-NEXT:    plan.gemm %{{.+}}, %{{.+}}, %[[SHARED]]
// CHECK-NEXT:    plan.launch "unary"(%[[SHARED]]
// CHECK-NEXT:    plan.wait 1(%[[PARTS]], %[[BACK]] :
// CHECK-NEXT:    plan.launch "reduce"(%[[BACK]]
// CHECK-NEXT:    return
module attributes {plan.mesh = {axes = ["ep"], shape = array<i64: 2>}} {
  func.func @independent_gemm_pulled_under_all_to_all() {
    %h = plan.input "h" : memref<32x64xbf16>
    %y = plan.output "y" : memref<32xf32>
    %z = plan.output "z" : memref<32x128xbf16>
    %w = plan.param "w" : memref<64x128xf32>
    %ws = plan.param "shared" : memref<64x128xbf16>
    %hf = plan.alloc activation : memref<32x64xf32>
    %parts = plan.alloc activation : memref<32x128xf32>
    %back = plan.alloc activation : memref<32x128xf32>
    plan.launch "cast" (%h : memref<32x64xbf16>) -> (%hf : memref<32x64xf32>) {op = "dsc.cast"}
    plan.gemm %w, %hf, %parts {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 32 : i64} : memref<64x128xf32>, memref<32x64xf32>, memref<32x128xf32>
    plan.collective all_to_all send %parts : memref<32x128xf32> recv %back : memref<32x128xf32> {mesh_axes = array<i32: 0>}
    plan.launch "reduce" (%back : memref<32x128xf32>) -> (%y : memref<32xf32>) {op = "dsc.reduce_sum", op_attrs = {axes = array<i64: 1>, keepdims = false}}
    %s = plan.alloc activation : memref<32x128xbf16>
    plan.gemm %ws, %h, %s {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 32 : i64} : memref<64x128xbf16>, memref<32x64xbf16>, memref<32x128xbf16>
    plan.launch "unary" (%s : memref<32x128xbf16>) -> (%z : memref<32x128xbf16>) {op = "dsc.silu"}
    return
  }
}

// -----

// Compute behind the next collective is that collective's to hide behind: the all_reduce
// stays synchronous, and the GEMM after the all_gather (which needs the silu) runs under the
// all_gather instead.
// CHECK-LABEL: func.func @pull_up_stops_at_the_next_collective()
// CHECK:         plan.collective all_reduce sum send %{{.+}} recv %{{.+}} {mesh_axes = array<i32: 0>}
// CHECK-NEXT:    plan.launch "unary"
// CHECK-NEXT:    plan.collective all_gather {{.*}}stream = 1 : i32
// CHECK-NEXT:    plan.gemm
module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @pull_up_stops_at_the_next_collective() {
    %x = plan.input "x" : memref<16x64xbf16>
    %y = plan.output "y" : memref<16x128xbf16>
    %g = plan.output "g" : memref<2x16x128xbf16>
    %z = plan.output "z" : memref<16x128xbf16>
    %w = plan.param "w" : memref<64x128xbf16>
    %p = plan.alloc activation : memref<16x128xbf16>
    %r = plan.alloc activation : memref<16x128xbf16>
    %t = plan.alloc activation : memref<16x128xbf16>
    plan.collective all_reduce sum send %y : memref<16x128xbf16> recv %r : memref<16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.launch "unary" (%r : memref<16x128xbf16>) -> (%p : memref<16x128xbf16>) {op = "dsc.silu"}
    plan.collective all_gather send %p : memref<16x128xbf16> recv %g : memref<2x16x128xbf16> {mesh_axes = array<i32: 0>}
    plan.gemm %w, %x, %t {k = 64 : i64, lda = 128 : i64, ldb = 64 : i64, ldc = 128 : i64, m = 128 : i64, n = 16 : i64} : memref<64x128xbf16>, memref<16x64xbf16>, memref<16x128xbf16>
    plan.launch "unary" (%t : memref<16x128xbf16>) -> (%z : memref<16x128xbf16>) {op = "dsc.silu"}
    return
  }
}
