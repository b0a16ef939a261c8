//===- Artifact.h - Read and write dsc artifacts (.dsx) ---------*- C++ -*-===//
//
// A .dsx file is a 32-byte little-endian header followed by a FlatBuffer
// (runtime/schema/Artifact.fbs):
//
//   offset size  field
//        0    4  magic "DSCX"
//        4    4  header version (kHeaderVersion)
//        8    4  flags (none defined yet; any set bit is rejected)
//       12    4  reserved, zero
//       16    8  payload size in bytes; the file is exactly header + payload
//       24    4  CRC-32 of the payload (zlib's crc32, the ISO-HDLC polynomial)
//       28    4  reserved, zero
//
// CRC-32 because it detects every single-bit error, every burst up to 32 bits
// and any odd number of flipped bits, which is what disk and transfer
// corruption looks like; the artifact is small (weights live in safetensors),
// so zlib's ~1 GB/s costs nothing, and zlib is already installed everywhere
// dsc builds. It does not defend against a deliberately crafted file: that is
// what the FlatBuffers verifier and the semantic checks below are for.
//
// The header keeps the payload 8-byte aligned (32 is a multiple of 8), as
// FlatBuffers' alignment rules need, and every header field is checked, so
// any single-bit flip anywhere in the file is rejected.
//
// loadArtifact checks, in order: the header, the payload size against the
// file size, the checksum, the format version, the FlatBuffers verifier, and
// then the plan's semantics: every buffer, module, kernel, stream and event
// index in range, every buffer inside its region, every GEMM / attention /
// copy extent inside its buffer, enums in range. An artifact that loads can
// be executed without further checks. The device arch is checked separately
// (checkDeviceArch) because dsrun knows it only once a GPU is open.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ARTIFACT_ARTIFACT_H
#define DSC_RUNTIME_ARTIFACT_ARTIFACT_H

#include "runtime/schema/Artifact_generated.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsc {

inline constexpr char kArtifactMagic[4] = {'D', 'S', 'C', 'X'};
inline constexpr size_t kArtifactHeaderSize = 32;
inline constexpr uint32_t kArtifactHeaderVersion = 1;
/// The Artifact.format_version this reader and writer speak. 2: pipelined artifacts (steps
/// of one stage per rank; a format-1 reader would run every step on every rank and hang), the
/// mesh.coords param, and the delayed-scaling history of N + 3 words. 3: fp8 weights split
/// over the mesh (Fp8Weight.split_axes, source_start: a format-2 reader would take the whole
/// tensor for a rank's slice and stop on the shapes).
inline constexpr uint32_t kArtifactFormatVersion = 3;
/// What this build of dsc / dsrun writes into Artifact.producer.
inline constexpr std::string_view kDscVersion = "0.1.0";

struct LoadOptions {
  /// When set ("sm_80"), loadArtifact also runs checkDeviceArch.
  std::optional<std::string> deviceArch;
};

/// A verified artifact. It owns the payload bytes; artifact() points into
/// them and stays valid across moves.
class LoadedArtifact {
public:
  LoadedArtifact(std::string name, std::vector<uint8_t> payload)
      : fileName(std::move(name)), bytes(std::move(payload)) {}

  /// The path it was loaded from, as messages name it.
  const std::string &name() const { return fileName; }
  const fb::Artifact &artifact() const {
    return *fb::GetArtifact(bytes.data());
  }
  size_t payloadSize() const { return bytes.size(); }

private:
  std::string fileName;
  std::vector<uint8_t> bytes;
};

/// Reads, verifies and checks `path`; errors start with `path`.
absl::StatusOr<LoadedArtifact> loadArtifact(const std::string &path,
                                            const LoadOptions &options = {});

/// The same checks on a whole file already in memory; `name` is used in
/// messages.
absl::StatusOr<LoadedArtifact> parseArtifact(std::string name,
                                             absl::Span<const uint8_t> file,
                                             const LoadOptions &options = {});

/// Header + payload: the bytes of a .dsx file holding `payload` (a finished
/// FlatBuffer with root Artifact).
std::vector<uint8_t> sealArtifact(absl::Span<const uint8_t> payload);

/// Writes sealArtifact(payload) to `path` atomically: a reader never sees a
/// partial file, and a failure leaves an existing file untouched.
absl::Status writeArtifact(const std::string &path,
                           absl::Span<const uint8_t> payload);

/// OK when code built for `targetArch` ("sm_90a", "sm_80", "compute_80") runs
/// on a device of `deviceArch` ("sm_90"): a cubin runs on the same major
/// version with an equal or newer minor, an arch-specific one ("a") on
/// exactly its arch, PTX on any equal or newer arch. Malformed names are an
/// error that says so.
absl::StatusOr<bool> archRunsOn(std::string_view targetArch,
                                std::string_view deviceArch);

/// Which of the artifact's target_archs to use on `deviceArch`: the index of
/// the best one (a cubin over PTX, the newest first), or an error such as
/// "model.dsx targets sm_90a; this GPU is sm_80".
absl::StatusOr<size_t> checkDeviceArch(const LoadedArtifact &artifact,
                                       std::string_view deviceArch);

/// "step 12 (dsc.matmul at llama.dsg:14:7)", for messages.
std::string describeStep(const fb::Artifact &artifact, size_t index);

} // namespace dsc

#endif // DSC_RUNTIME_ARTIFACT_ARTIFACT_H
