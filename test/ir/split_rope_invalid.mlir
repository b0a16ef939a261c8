// dsc.split_rope's verifier: head-shaped pieces of x's last axis, positions as dsc.rope's.

// RUN: dsc-opt %s --split-input-file --verify-diagnostics

func.func @rotate_count(%x: tensor<2x8x64xbf16>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op rotate has 1 entries for 2 results}}
  %a, %b = dsc.split_rope %x, %p {rotate = array<i1: true>}
      : (tensor<2x8x64xbf16>, tensor<8xi32>) -> (tensor<2x8x2x16xbf16>, tensor<2x8x2x16xbf16>)
  return
}

// -----

func.func @columns(%x: tensor<2x8x64xbf16>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op results hold 48 columns, x has 64}}
  %a, %b = dsc.split_rope %x, %p {rotate = array<i1: true, false>}
      : (tensor<2x8x64xbf16>, tensor<8xi32>) -> (tensor<2x8x2x16xbf16>, tensor<2x8x1x16xbf16>)
  return
}

// -----

func.func @lead_dims(%x: tensor<2x8x64xbf16>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op result #1 must be [2, 8] followed by [H, Dh], got [16, 2, 16]}}
  %a, %b = dsc.split_rope %x, %p {rotate = array<i1: true, false>}
      : (tensor<2x8x64xbf16>, tensor<8xi32>) -> (tensor<2x8x2x16xbf16>, tensor<16x2x16xbf16>)
  return
}

// -----

func.func @head_sizes(%x: tensor<2x8x64xbf16>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op result #1 has head size 32, result #0 has 16}}
  %a, %b = dsc.split_rope %x, %p {rotate = array<i1: true, false>}
      : (tensor<2x8x64xbf16>, tensor<8xi32>) -> (tensor<2x8x2x16xbf16>, tensor<2x8x1x32xbf16>)
  return
}

// -----

func.func @element_type(%x: tensor<2x8x64xbf16>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op result #0 has element type 'f32', x has 'bf16'}}
  %a = dsc.split_rope %x, %p {rotate = array<i1: true>}
      : (tensor<2x8x64xbf16>, tensor<8xi32>) -> tensor<2x8x4x16xf32>
  return
}

// -----

func.func @odd_head(%x: tensor<2x8x6xbf16>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op head dimension 3 must be even}}
  %a = dsc.split_rope %x, %p {rotate = array<i1: true>}
      : (tensor<2x8x6xbf16>, tensor<8xi32>) -> tensor<2x8x2x3xbf16>
  return
}

// -----

func.func @positions(%x: tensor<2x8x64xbf16>, %p: tensor<2x4xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op positions must be [8] or [B, 8] for x [2, 8, 64], got [2, 4]}}
  %a = dsc.split_rope %x, %p {rotate = array<i1: true>}
      : (tensor<2x8x64xbf16>, tensor<2x4xi32>) -> tensor<2x8x4x16xbf16>
  return
}

// -----

func.func @theta(%x: tensor<2x8x64xbf16>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.split_rope' op theta must be > 0}}
  %a = dsc.split_rope %x, %p {rotate = array<i1: true>, theta = 0.0 : f64}
      : (tensor<2x8x64xbf16>, tensor<8xi32>) -> tensor<2x8x4x16xbf16>
  return
}
