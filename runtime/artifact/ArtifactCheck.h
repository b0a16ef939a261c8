//===- ArtifactCheck.h - Semantic checks of a verified artifact -*- C++ -*-===//
//
// The FlatBuffers verifier proves that every offset stays inside the payload;
// it knows nothing of what the fields mean. These checks make sure of the
// rest before anything executes: every index (buffer, module, kernel, stream,
// event) in range, every buffer inside its region, every extent a step reads
// or writes inside its buffer, every enum a known value, and the fields this
// format version reserves left empty. Messages name the step or tensor.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ARTIFACT_ARTIFACTCHECK_H
#define DSC_RUNTIME_ARTIFACT_ARTIFACTCHECK_H

#include "runtime/artifact/Artifact.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include <string_view>

namespace dsc {

/// Debian's Abseil is built with its own string_view class rather than
/// std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0); this bridges them.
inline absl::string_view toAbsl(std::string_view s) {
  return {s.data(), s.size()};
}

/// `artifact` has passed the FlatBuffers verifier.
absl::Status checkArtifactSemantics(const LoadedArtifact &artifact);

/// A CUDA architecture name: "sm_90a" is {false, 9, 0, 'a'}, "compute_80"
/// (PTX) {true, 8, 0, 0}.
struct CudaArch {
  bool ptx = false;
  int major = 0;
  int minor = 0;
  /// 0, 'a' (arch-specific) or 'f' (family-specific).
  char suffix = 0;
};

absl::StatusOr<CudaArch> parseCudaArch(std::string_view name);

} // namespace dsc

#endif // DSC_RUNTIME_ARTIFACT_ARTIFACTCHECK_H
