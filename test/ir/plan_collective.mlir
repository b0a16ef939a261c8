// plan.collective and split params: round trip and verifier errors (PlanOps.td).

// RUN: dsc-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @round_trip
// CHECK:         plan.param "w" {split_axes = [array<i32: 1>, array<i32>]} : memref<4x8xf32>
// CHECK:         plan.collective all_reduce avg send %{{.+}} : memref<4x8xf32> recv %{{.+}} : memref<4x8xf32> {mesh_axes = array<i32: 0, 1>}
// CHECK:         plan.collective all_gather send %{{.+}} : memref<4x8xf32> recv %{{.+}} : memref<8x4x8xf32> {mesh_axes = array<i32: 0, 1>}
// CHECK:         plan.collective send send %{{.+}} : memref<4x8xf32> {mesh_axes = array<i32: 1>, peer = 3 : i32}
// CHECK:         plan.collective recv recv %{{.+}} : memref<4x8xf32> {mesh_axes = array<i32: 1>, peer = 0 : i32}
module attributes {plan.mesh = {axes = ["dp", "tp"], shape = array<i64: 2, 4>}} {
  func.func @round_trip() {
    %w = plan.param "w" {split_axes = [array<i32: 1>, array<i32>]} : memref<4x8xf32>
    %a = plan.alloc activation : memref<4x8xf32>
    %g = plan.alloc activation : memref<8x4x8xf32>
    plan.collective all_reduce avg send %w : memref<4x8xf32> recv %a : memref<4x8xf32> {mesh_axes = array<i32: 0, 1>}
    plan.collective all_gather send %a : memref<4x8xf32> recv %g : memref<8x4x8xf32> {mesh_axes = array<i32: 0, 1>}
    plan.collective send send %a : memref<4x8xf32> {mesh_axes = array<i32: 1>, peer = 3 : i32}
    plan.collective recv recv %a : memref<4x8xf32> {mesh_axes = array<i32: 1>, peer = 0 : i32}
    return
  }
}

// -----

func.func @no_mesh(%x: memref<8xf32>) {
  // expected-error @+1 {{needs the module attribute 'plan.mesh' (the device mesh)}}
  plan.collective all_reduce sum send %x : memref<8xf32> recv %x : memref<8xf32> {mesh_axes = array<i32: 0>}
  return
}

// -----

module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @gather_size(%x: memref<8xf32>) {
    // expected-error @+1 {{recv holds 8 elements; all_gather of 8 over 2 ranks makes 16}}
    plan.collective all_gather send %x : memref<8xf32> recv %x : memref<8xf32> {mesh_axes = array<i32: 0>}
    return
  }
}

// -----

module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @axis_out_of_range(%x: memref<8xf32>) {
    // expected-error @+1 {{mesh axis 1 is out of range or repeated (the mesh has 1 axes)}}
    plan.collective all_reduce sum send %x : memref<8xf32> recv %x : memref<8xf32> {mesh_axes = array<i32: 1>}
    return
  }
}

// -----

module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @reduction_missing(%x: memref<8xf32>) {
    // expected-error @+1 {{needs a reduction}}
    plan.collective reduce_scatter send %x : memref<8xf32> recv %x : memref<8xf32> {mesh_axes = array<i32: 0>}
    return
  }
}

// -----

module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @peer_outside(%x: memref<8xf32>) {
    // expected-error @+1 {{peer 2 is not in the group of 2 ranks}}
    plan.collective send send %x : memref<8xf32> {mesh_axes = array<i32: 0>, peer = 2 : i32}
    return
  }
}

// -----

module attributes {plan.mesh = {axes = ["tp"], shape = array<i64: 2>}} {
  func.func @split_twice() {
    // expected-error @+1 {{split_axes uses mesh axis 0 out of range or twice (the mesh has 1 axes)}}
    %w = plan.param "w" {split_axes = [array<i32: 0>, array<i32: 0>]} : memref<4x8xf32>
    return
  }
}

// -----

func.func @dsc_split_axes_rank() {
  // expected-error @+1 {{'dsc.split_axes' must list, per dimension of the value, an array<i32> of grid axes}}
  %w = dsc.param "w" {dsc.split_axes = [array<i32: 0>]} : tensor<4x8xf32>
  return
}
