// dsc-fuse-split-rope: split -> reshape to heads -> rope becomes one dsc.split_rope (one kernel
// that reads the fused QKV buffer once); pieces without a rope (v) come out of it unrotated.
// dsc.split_rope's verifier errors are in test/ir/split_rope_invalid.mlir; the numerics
// (interpreter before and after) in fuse_split_rope_driver.test.

// RUN: dsc-opt %s --split-input-file --dsc-fuse-split-rope | FileCheck %s

// Llama's grouped-query attention: q and k rotated, v only split and reshaped.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME:    (%[[QKV:.+]]: tensor<2x16x256xbf16>, %[[POS:.+]]: tensor<16xi32>)
// CHECK-NEXT:    %[[Q:.+]]:3 = dsc.split_rope %[[QKV]], %[[POS]] {rotate = array<i1: true, true, false>}
// CHECK-SAME:      : (tensor<2x16x256xbf16>, tensor<16xi32>) -> (tensor<2x16x4x32xbf16>, tensor<2x16x2x32xbf16>, tensor<2x16x2x32xbf16>)
// CHECK-NEXT:    %[[O:.+]] = dsc.attention %[[Q]]#0, %[[Q]]#1, %[[Q]]#2 {causal = true}
// CHECK-NOT:     dsc.split
// CHECK-NOT:     dsc.reshape
// CHECK-NOT:     dsc.rope
func.func @qkv(%qkv: tensor<2x16x256xbf16>, %pos: tensor<16xi32>) -> tensor<2x16x4x32xbf16> {
  %q, %k, %v = dsc.split %qkv {axis = -1 : i64, sizes = array<i64: 128, 64, 64>}
      : tensor<2x16x256xbf16> -> tensor<2x16x128xbf16>, tensor<2x16x64xbf16>, tensor<2x16x64xbf16>
  %q4 = dsc.reshape %q : tensor<2x16x128xbf16> -> tensor<2x16x4x32xbf16>
  %k4 = dsc.reshape %k : tensor<2x16x64xbf16> -> tensor<2x16x2x32xbf16>
  %v4 = dsc.reshape %v : tensor<2x16x64xbf16> -> tensor<2x16x2x32xbf16>
  %qr = dsc.rope %q4, %pos {theta = 1.0e+04 : f64} : tensor<2x16x4x32xbf16>, tensor<16xi32>
  %kr = dsc.rope %k4, %pos {theta = 1.0e+04 : f64} : tensor<2x16x2x32xbf16>, tensor<16xi32>
  %o = dsc.attention %qr, %kr, %v4 {causal = true}
      : (tensor<2x16x4x32xbf16>, tensor<2x16x2x32xbf16>, tensor<2x16x2x32xbf16>) -> tensor<2x16x4x32xbf16>
  return %o : tensor<2x16x4x32xbf16>
}

// -----

// Interleaved pairs, per-batch positions [B, T], the split on a positive axis, both pieces
// rotated; theta and style carry over.
// CHECK-LABEL: func.func @interleaved_batch_positions
// CHECK-NEXT:    %[[R:.+]]:2 = dsc.split_rope %arg0, %arg1 {rotate = array<i1: true, true>, style = #dsc.rope_style<interleaved>, theta = 5.000000e+05 : f64}
// CHECK-SAME:      : (tensor<2x8x96xf32>, tensor<2x8xi32>) -> (tensor<2x8x2x16xf32>, tensor<2x8x4x16xf32>)
// CHECK-NEXT:    return %[[R]]#0, %[[R]]#1
func.func @interleaved_batch_positions(%x: tensor<2x8x96xf32>, %pos: tensor<2x8xi32>)
    -> (tensor<2x8x2x16xf32>, tensor<2x8x4x16xf32>) {
  %a, %b = dsc.split %x {axis = 2 : i64, sizes = array<i64: 32, 64>}
      : tensor<2x8x96xf32> -> tensor<2x8x32xf32>, tensor<2x8x64xf32>
  %a4 = dsc.reshape %a : tensor<2x8x32xf32> -> tensor<2x8x2x16xf32>
  %b4 = dsc.reshape %b : tensor<2x8x64xf32> -> tensor<2x8x4x16xf32>
  %ar = dsc.rope %a4, %pos {theta = 5.0e+05 : f64, style = #dsc.rope_style<interleaved>}
      : tensor<2x8x2x16xf32>, tensor<2x8xi32>
  %br = dsc.rope %b4, %pos {theta = 5.0e+05 : f64, style = #dsc.rope_style<interleaved>}
      : tensor<2x8x4x16xf32>, tensor<2x8xi32>
  return %ar, %br : tensor<2x8x2x16xf32>, tensor<2x8x4x16xf32>
}

// -----

// A reshaped piece that something besides its rope reads comes out unrotated; its rope stays a
// rope of that result (the unrotated value is needed anyway).
// CHECK-LABEL: func.func @reshape_other_consumer
// CHECK-NEXT:    %[[R:.+]]:2 = dsc.split_rope %arg0, %arg1 {rotate = array<i1: true, false>}
// CHECK-NEXT:    %[[K:.+]] = dsc.rope %[[R]]#1, %arg1
// CHECK-NEXT:    return %[[R]]#0, %[[K]], %[[R]]#1
func.func @reshape_other_consumer(%x: tensor<1x8x64xbf16>, %pos: tensor<8xi32>)
    -> (tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>) {
  %q, %k = dsc.split %x {axis = -1 : i64, sizes = array<i64: 32, 32>}
      : tensor<1x8x64xbf16> -> tensor<1x8x32xbf16>, tensor<1x8x32xbf16>
  %q4 = dsc.reshape %q : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %k4 = dsc.reshape %k : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %qr = dsc.rope %q4, %pos : tensor<1x8x2x16xbf16>, tensor<8xi32>
  %kr = dsc.rope %k4, %pos : tensor<1x8x2x16xbf16>, tensor<8xi32>
  return %qr, %kr, %k4 : tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>
}

// -----

// Rope of a value no split made: nothing to fold.
// CHECK-LABEL: func.func @rope_not_split
// CHECK-NEXT:    dsc.rope %arg0, %arg1
// CHECK-NOT:     dsc.split_rope
func.func @rope_not_split(%x: tensor<2x8x4x16xbf16>, %pos: tensor<8xi32>) -> tensor<2x8x4x16xbf16> {
  %y = dsc.rope %x, %pos : tensor<2x8x4x16xbf16>, tensor<8xi32>
  return %y : tensor<2x8x4x16xbf16>
}

// -----

// A split piece read by something other than its reshape (here, returned in [B, T, N]): the
// split stays, so folding would not save its pass over memory.
// CHECK-LABEL: func.func @split_other_consumer
// CHECK:         dsc.split %arg0
// CHECK:         dsc.rope
// CHECK:         dsc.rope
// CHECK-NOT:     dsc.split_rope
func.func @split_other_consumer(%x: tensor<1x8x64xbf16>, %pos: tensor<8xi32>)
    -> (tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x32xbf16>) {
  %q, %k = dsc.split %x {axis = -1 : i64, sizes = array<i64: 32, 32>}
      : tensor<1x8x64xbf16> -> tensor<1x8x32xbf16>, tensor<1x8x32xbf16>
  %q4 = dsc.reshape %q : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %k4 = dsc.reshape %k : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %qr = dsc.rope %q4, %pos : tensor<1x8x2x16xbf16>, tensor<8xi32>
  %kr = dsc.rope %k4, %pos : tensor<1x8x2x16xbf16>, tensor<8xi32>
  return %qr, %kr, %k : tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x32xbf16>
}

// -----

// The two ropes disagree (theta here; positions or style likewise): one kernel has one angle
// table, so nothing folds.
// CHECK-LABEL: func.func @ropes_disagree
// CHECK:         dsc.split %arg0
// CHECK-NOT:     dsc.split_rope
func.func @ropes_disagree(%x: tensor<1x8x64xbf16>, %pos: tensor<8xi32>)
    -> (tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>) {
  %q, %k = dsc.split %x {axis = -1 : i64, sizes = array<i64: 32, 32>}
      : tensor<1x8x64xbf16> -> tensor<1x8x32xbf16>, tensor<1x8x32xbf16>
  %q4 = dsc.reshape %q : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %k4 = dsc.reshape %k : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %qr = dsc.rope %q4, %pos {theta = 1.0e+04 : f64} : tensor<1x8x2x16xbf16>, tensor<8xi32>
  %kr = dsc.rope %k4, %pos {theta = 5.0e+05 : f64} : tensor<1x8x2x16xbf16>, tensor<8xi32>
  return %qr, %kr : tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>
}

// -----

// Splits that are not along the last axis, reshapes that do not split the last axis into
// [H, Dh] (here one that merges B and T, of the piece that is not rotated), and pieces whose
// head sizes differ: left alone.
// CHECK-LABEL: func.func @not_heads
// CHECK-NOT:     dsc.split_rope
func.func @not_heads(%x: tensor<2x8x64xbf16>, %pos: tensor<8xi32>, %y: tensor<2x8x64xbf16>,
                     %p4: tensor<4xi32>)
    -> (tensor<16x2x16xbf16>, tensor<2x8x2x16xbf16>, tensor<2x4x2x32xbf16>, tensor<2x4x2x32xbf16>,
        tensor<2x8x2x16xbf16>, tensor<2x8x1x32xbf16>) {
  %a, %b = dsc.split %x {axis = -1 : i64, sizes = array<i64: 32, 32>}
      : tensor<2x8x64xbf16> -> tensor<2x8x32xbf16>, tensor<2x8x32xbf16>
  %a3 = dsc.reshape %a : tensor<2x8x32xbf16> -> tensor<16x2x16xbf16>
  %b4 = dsc.reshape %b : tensor<2x8x32xbf16> -> tensor<2x8x2x16xbf16>
  %br = dsc.rope %b4, %pos : tensor<2x8x2x16xbf16>, tensor<8xi32>
  %c, %d = dsc.split %y {axis = 1 : i64, sizes = array<i64: 4, 4>}
      : tensor<2x8x64xbf16> -> tensor<2x4x64xbf16>, tensor<2x4x64xbf16>
  %c4 = dsc.reshape %c : tensor<2x4x64xbf16> -> tensor<2x4x2x32xbf16>
  %d4 = dsc.reshape %d : tensor<2x4x64xbf16> -> tensor<2x4x2x32xbf16>
  %cr = dsc.rope %c4, %p4 : tensor<2x4x2x32xbf16>, tensor<4xi32>
  %dr = dsc.rope %d4, %p4 : tensor<2x4x2x32xbf16>, tensor<4xi32>
  %e, %f = dsc.split %y {axis = -1 : i64, sizes = array<i64: 32, 32>}
      : tensor<2x8x64xbf16> -> tensor<2x8x32xbf16>, tensor<2x8x32xbf16>
  %e4 = dsc.reshape %e : tensor<2x8x32xbf16> -> tensor<2x8x2x16xbf16>
  %f4 = dsc.reshape %f : tensor<2x8x32xbf16> -> tensor<2x8x1x32xbf16>
  %er = dsc.rope %e4, %pos : tensor<2x8x2x16xbf16>, tensor<8xi32>
  %fr = dsc.rope %f4, %pos : tensor<2x8x1x32xbf16>, tensor<8xi32>
  return %a3, %br, %cr, %dr, %er, %fr : tensor<16x2x16xbf16>, tensor<2x8x2x16xbf16>,
      tensor<2x4x2x32xbf16>, tensor<2x4x2x32xbf16>, tensor<2x8x2x16xbf16>, tensor<2x8x1x32xbf16>
}

// -----

// Positions computed after the split would not dominate the fused op at the split: left alone.
// Without any rope there is nothing to fold either.
// CHECK-LABEL: func.func @positions_after_split_and_no_rope
// CHECK-NOT:     dsc.split_rope
func.func @positions_after_split_and_no_rope(%x: tensor<1x8x64xbf16>)
    -> (tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>) {
  %q, %k = dsc.split %x {axis = -1 : i64, sizes = array<i64: 32, 32>}
      : tensor<1x8x64xbf16> -> tensor<1x8x32xbf16>, tensor<1x8x32xbf16>
  %pos = dsc.iota {dimension = 0 : i64} : tensor<8xi32>
  %q4 = dsc.reshape %q : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %k4 = dsc.reshape %k : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %qr = dsc.rope %q4, %pos : tensor<1x8x2x16xbf16>, tensor<8xi32>
  %u, %w = dsc.split %x {axis = -1 : i64, sizes = array<i64: 32, 32>}
      : tensor<1x8x64xbf16> -> tensor<1x8x32xbf16>, tensor<1x8x32xbf16>
  %u4 = dsc.reshape %u : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  %w4 = dsc.reshape %w : tensor<1x8x32xbf16> -> tensor<1x8x2x16xbf16>
  return %qr, %k4, %u4, %w4 : tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>
}
