// dsc-annotate-shardings: hints that do not fit the mesh, and a model without a mesh.
// RUN: dsc-opt %s --split-input-file --dsc-annotate-shardings -verify-diagnostics

shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
func.func @unknown_axis(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{unknown mesh axis 'dp'; the mesh has tp}}
  %y = dsc.neg %x {dsc.shard = {dims = [["dp"], []]}} : tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
func.func @uneven(%x: tensor<8x6xf32>) -> tensor<8x6xf32> {
  // expected-error @+1 {{dimension 1 of 'tensor<8x6xf32>' does not split evenly over 4 ranks}}
  %w = dsc.param "w" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<8x6xf32>
  return %w : tensor<8x6xf32>
}

// -----

shard.grid @mesh(shape = 4) {dsc.mesh_axes = ["tp"]}
func.func @unknown_partial(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{unknown mesh axis 'ep'; the mesh has tp}}
  %y = dsc.neg %x {dsc.shard = {dims = [[], []], partial = ["ep"]}} : tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// expected-error @+1 {{no mesh: declare `mesh dp=..., tp=...` in the model or pass --mesh}}
module {
  func.func @no_mesh(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
    return %x : tensor<8x16xf32>
  }
}
