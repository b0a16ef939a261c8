//===- artifact_builder.h - Small artifacts for the runtime tests -*- C++
//-*-===//
//
// Builds artifacts through the schema's object API, so a test can take the
// valid one, change one field and pack it again: the result is correctly
// checksummed and verifies, and only the semantic checks stand between it
// and the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TEST_UNIT_RUNTIME_ARTIFACT_BUILDER_H
#define DSC_TEST_UNIT_RUNTIME_ARTIFACT_BUILDER_H

#include "runtime/artifact/Artifact.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace dsc::test {

/// A tiny plan, y = softmax(x @ w) in spirit, touching every kind of step the
/// loader accepts:
///   buffers 0 param w (64 B), 1 input x, 2 output y, 3 activation,
///   4 workspace (32 B each, arena 128 B);
///   step 0 Gemm "dsc.matmul at tiny.dsg:2:7" (stream 0, records event 0),
///   step 1 KernelLaunch (stream 1, waits on event 0),
///   step 2 Attention, step 3 Memset, step 4 Copy.
/// Targets sm_90a and sm_80; one module with one kernel and an image per arch.
std::unique_ptr<fb::ArtifactT> makeValidArtifact();

/// The FlatBuffer payload of `artifact`.
std::vector<uint8_t> packPayload(const fb::ArtifactT &artifact);

/// A whole .dsx file: sealArtifact(packPayload(artifact)).
std::vector<uint8_t> packFile(const fb::ArtifactT &artifact);

/// A fresh directory, removed with everything in it at the end of the test.
class ScratchDir {
public:
  ScratchDir();
  ~ScratchDir();
  std::string file(const std::string &name) const { return dir / name; }

private:
  std::filesystem::path dir;
};

void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes);

} // namespace dsc::test

#endif // DSC_TEST_UNIT_RUNTIME_ARTIFACT_BUILDER_H
