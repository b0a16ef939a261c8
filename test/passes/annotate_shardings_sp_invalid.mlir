// dsc-annotate-shardings with sequence-parallel: it extends the Megatron defaults and splits
// tokens over a `tp` axis; without auto-parallel, or on a mesh without `tp`, it is an error at
// the mesh.
// RUN: dsc-opt %s --split-input-file --verify-diagnostics --dsc-annotate-shardings="auto-parallel=true sequence-parallel=true"
// RUN: not dsc-opt %s --split-input-file --dsc-annotate-shardings="sequence-parallel=true" 2>&1 | FileCheck %s --check-prefix=NO-AUTO
// NO-AUTO: error: sequence parallelism needs auto-parallel (--parallel=auto): it extends the Megatron defaults

// expected-error @+1 {{sequence parallelism splits the tokens over a `tp` mesh axis; the mesh has dp, ep}}
shard.grid @mesh(shape = 2x2) {dsc.mesh_axes = ["dp", "ep"]}
func.func @no_tp(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  return %x : tensor<8x16xf32>
}
