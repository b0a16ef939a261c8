//===- ArtifactWriter.h - a plan module as a dsc artifact (.dsx) -*- C++
//-*-===//
//
// Turns a placed plan module (after dsc-plan-memory) and its compiled kernels
// into the FlatBuffer of runtime/schema/Artifact.fbs: buffers as the planner
// placed them, the parameter / input / output tables, one kernel module with
// an image per arch, and one step per plan step in block order, with its cost
// (FLOPs, bytes touched) and the dsc op and .dsg location it came from.
//
// plan.constant is rejected: the schema has no place for the bytes of a
// constant yet (splat zeros never reach the plan as constants).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_CODEGEN_ARTIFACTWRITER_H
#define DSC_CODEGEN_ARTIFACTWRITER_H

#include "codegen/PlanToKernels.h"
#include "runtime/schema/Artifact_generated.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::codegen {

struct ArtifactOptions {
  /// Target archs, one kernel image each ("sm_90a").
  std::vector<std::string> archs = {"sm_90a"};
  /// The model the artifact comes from, as Artifact.source names it.
  std::string source;
};

/// The artifact of `module`'s function `main`, with `cubins` (one per
/// options.archs, in order) as the images of `kernels`' module.
mlir::FailureOr<fb::ArtifactT> buildArtifact(mlir::ModuleOp module,
                                             const PlanKernels &kernels,
                                             const std::vector<Cubin> &cubins,
                                             const ArtifactOptions &options);

/// The finished FlatBuffer (the payload of a .dsx file).
std::vector<uint8_t> serializeArtifact(const fb::ArtifactT &artifact);

/// Emits and compiles the kernels of `module`, builds its artifact and writes
/// it to `path` atomically; errors are reported as diagnostics.
mlir::LogicalResult writeArtifactFile(mlir::ModuleOp module,
                                      const std::string &path,
                                      const ArtifactOptions &options);

} // namespace dsc::codegen

#endif // DSC_CODEGEN_ARTIFACTWRITER_H
