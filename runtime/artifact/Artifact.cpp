//===- Artifact.cpp - Read and write dsc artifacts (.dsx) -----------------===//

#include "runtime/artifact/Artifact.h"

#include "runtime/artifact/ArtifactCheck.h"
#include "runtime/support/AtomicFile.h"
#include "runtime/support/DType.h"
#include "runtime/support/ReadOnlyFile.h"

#include "absl/strings/str_cat.h"

#include <cstring>
#include <zlib.h>

namespace dsc {
namespace {

// The schema's DType must stay the same enum as dsc::DType, value for value.
#define DSC_SAME_DTYPE(name)                                                   \
  static_assert(static_cast<int>(fb::DType::name) ==                           \
                static_cast<int>(DType::name))
DSC_SAME_DTYPE(F32);
DSC_SAME_DTYPE(F64);
DSC_SAME_DTYPE(BF16);
DSC_SAME_DTYPE(F16);
DSC_SAME_DTYPE(F8E4M3FN);
DSC_SAME_DTYPE(F8E5M2);
DSC_SAME_DTYPE(I1);
DSC_SAME_DTYPE(I32);
DSC_SAME_DTYPE(I64);
#undef DSC_SAME_DTYPE

uint32_t crc32Of(absl::Span<const uint8_t> bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes the length as uInt; feed it in chunks below 4 GiB.
  size_t done = 0;
  while (done < bytes.size()) {
    size_t chunk = std::min<size_t>(bytes.size() - done, 1u << 30);
    crc = crc32(crc, bytes.data() + done, static_cast<uInt>(chunk));
    done += chunk;
  }
  return static_cast<uint32_t>(crc);
}

void putLE(uint8_t *dst, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    dst[i] = static_cast<uint8_t>(value >> (8 * i));
}

uint64_t getLE(const uint8_t *src, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= static_cast<uint64_t>(src[i]) << (8 * i);
  return value;
}

struct Header {
  uint32_t version;
  uint32_t flags;
  uint64_t payloadSize;
  uint32_t crc;
};

/// Checks the fields that need nothing but the header itself.
absl::StatusOr<Header> parseHeader(const std::string &name,
                                   const uint8_t *bytes, uint64_t fileSize) {
  if (fileSize < kArtifactHeaderSize)
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": truncated: ", fileSize, " bytes, shorter than the ",
        kArtifactHeaderSize, "-byte .dsx header"));
  if (std::memcmp(bytes, kArtifactMagic, sizeof(kArtifactMagic)) != 0)
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not a dsc artifact (no DSCX magic)"));
  Header header;
  header.version = static_cast<uint32_t>(getLE(bytes + 4, 4));
  header.flags = static_cast<uint32_t>(getLE(bytes + 8, 4));
  header.payloadSize = getLE(bytes + 16, 8);
  header.crc = static_cast<uint32_t>(getLE(bytes + 24, 4));
  if (header.version != kArtifactHeaderVersion)
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": .dsx header version ", header.version,
        ", this dsrun reads header version ", kArtifactHeaderVersion));
  if (header.flags != 0)
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": unknown header flags 0x", absl::Hex(header.flags),
                     " (written by a newer dsc?)"));
  if (getLE(bytes + 12, 4) != 0 || getLE(bytes + 28, 4) != 0)
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": corrupted header (reserved bytes are not zero)"));
  return header;
}

absl::Status checkPayloadSize(const std::string &name, const Header &header,
                              uint64_t fileSize) {
  uint64_t have = fileSize - kArtifactHeaderSize;
  if (header.payloadSize > have)
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": truncated: header says ", header.payloadSize,
                     " payload bytes, file has ", have));
  if (header.payloadSize < have)
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": ", have - header.payloadSize, " unexpected bytes after the ",
        header.payloadSize, "-byte payload (corrupted or concatenated file?)"));
  // FlatBuffers addresses at most 2 GiB; the verifier asserts on more.
  if (header.payloadSize >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": payload of ", header.payloadSize,
                     " bytes exceeds the 2 GiB a FlatBuffer can hold"));
  return absl::OkStatus();
}

/// Reads format_version (and producer, for the message) after verifying just
/// those two fields, so that a file from a newer format is reported as such
/// even when the rest of it would not verify against this schema.
absl::Status checkFormatVersion(const std::string &name,
                                absl::Span<const uint8_t> payload) {
  // FLATBUFFERS_MIN_BUFFER_SIZE names these unqualified.
  using flatbuffers::soffset_t;
  using flatbuffers::uoffset_t;
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (payload.size() < FLATBUFFERS_MIN_BUFFER_SIZE ||
      !flatbuffers::BufferHasIdentifier(payload.data(),
                                        fb::ArtifactIdentifier()))
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": payload is not a DSCX FlatBuffer"));
  uoffset_t rootOffset = verifier.VerifyOffset(0);
  if (rootOffset == 0)
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": malformed payload (bad root offset)"));
  // The generated Artifact hides its Table base; go through Table directly.
  const auto *root =
      reinterpret_cast<const flatbuffers::Table *>(payload.data() + rootOffset);
  // Each field is read only after the verifier has vouched for it.
  const flatbuffers::String *producer = nullptr;
  if (!root->VerifyTableStart(verifier) ||
      !root->VerifyField<uint32_t>(verifier, fb::Artifact::VT_FORMAT_VERSION,
                                   4) ||
      !root->VerifyOffset(verifier, fb::Artifact::VT_PRODUCER) ||
      !verifier.VerifyString(producer =
                                 root->GetPointer<const flatbuffers::String *>(
                                     fb::Artifact::VT_PRODUCER)))
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": malformed payload (bad root table)"));
  uint32_t version =
      root->GetField<uint32_t>(fb::Artifact::VT_FORMAT_VERSION, 0);
  if (version == kArtifactFormatVersion)
    return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": format version ", version, " (built by ",
                   producer ? producer->str() : "an unknown producer",
                   "), this dsrun reads format ", kArtifactFormatVersion,
                   version > kArtifactFormatVersion ? "; update dsrun"
                                                    : "; recompile the model"));
}

absl::StatusOr<LoadedArtifact> checkPayload(std::string name,
                                            const Header &header,
                                            std::vector<uint8_t> payload,
                                            const LoadOptions &options) {
  if (crc32Of(payload) != header.crc)
    return absl::DataLossError(
        absl::StrCat(name, ": checksum mismatch (file corrupted?)"));
  if (absl::Status status = checkFormatVersion(name, payload); !status.ok())
    return status;
  flatbuffers::Verifier::Options verifierOptions;
  // Every table costs at least 4 bytes, so this bound admits any honest file
  // and still caps the work a file of shared subtables could ask for.
  verifierOptions.max_tables = std::max<flatbuffers::uoffset_t>(
      verifierOptions.max_tables,
      static_cast<flatbuffers::uoffset_t>(payload.size() / 4));
  flatbuffers::Verifier verifier(payload.data(), payload.size(),
                                 verifierOptions);
  if (!fb::VerifyArtifactBuffer(verifier))
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": malformed payload (FlatBuffers verification failed)"));
  LoadedArtifact loaded(std::move(name), std::move(payload));
  if (absl::Status status = checkArtifactSemantics(loaded); !status.ok())
    return status;
  if (options.deviceArch) {
    absl::StatusOr<size_t> arch = checkDeviceArch(loaded, *options.deviceArch);
    if (!arch.ok())
      return arch.status();
  }
  return loaded;
}

} // namespace

absl::StatusOr<LoadedArtifact> loadArtifact(const std::string &path,
                                            const LoadOptions &options) {
  absl::StatusOr<ReadOnlyFile> file = ReadOnlyFile::open(path);
  if (!file.ok())
    return file.status();
  uint8_t headerBytes[kArtifactHeaderSize] = {};
  uint64_t fileSize = file->size();
  if (fileSize >= kArtifactHeaderSize) {
    if (absl::Status status = file->readAt(0, headerBytes, kArtifactHeaderSize);
        !status.ok())
      return status;
  }
  absl::StatusOr<Header> header = parseHeader(path, headerBytes, fileSize);
  if (!header.ok())
    return header.status();
  if (absl::Status status = checkPayloadSize(path, *header, fileSize);
      !status.ok())
    return status;
  // Sized from the header only after it matched the file size, so a corrupt
  // size cannot make us allocate more than the file holds.
  std::vector<uint8_t> payload(header->payloadSize);
  if (absl::Status status =
          file->readAt(kArtifactHeaderSize, payload.data(), payload.size());
      !status.ok())
    return status;
  return checkPayload(path, *header, std::move(payload), options);
}

absl::StatusOr<LoadedArtifact> parseArtifact(std::string name,
                                             absl::Span<const uint8_t> file,
                                             const LoadOptions &options) {
  absl::StatusOr<Header> header = parseHeader(name, file.data(), file.size());
  if (!header.ok())
    return header.status();
  if (absl::Status status = checkPayloadSize(name, *header, file.size());
      !status.ok())
    return status;
  // A copy: FlatBuffers needs the payload 8-byte aligned, which a caller's
  // span need not be, and the result must own its bytes anyway.
  std::vector<uint8_t> payload(file.begin() + kArtifactHeaderSize, file.end());
  return checkPayload(std::move(name), *header, std::move(payload), options);
}

std::vector<uint8_t> sealArtifact(absl::Span<const uint8_t> payload) {
  std::vector<uint8_t> file(kArtifactHeaderSize + payload.size());
  std::memcpy(file.data(), kArtifactMagic, sizeof(kArtifactMagic));
  putLE(file.data() + 4, kArtifactHeaderVersion, 4);
  putLE(file.data() + 16, payload.size(), 8);
  putLE(file.data() + 24, crc32Of(payload), 4);
  std::copy(payload.begin(), payload.end(), file.begin() + kArtifactHeaderSize);
  return file;
}

absl::Status writeArtifact(const std::string &path,
                           absl::Span<const uint8_t> payload) {
  std::vector<uint8_t> file = sealArtifact(payload);
  return writeFileAtomically(path, [&](AtomicFileWriter &writer) {
    return writer.write(file.data(), file.size());
  });
}

std::string describeStep(const fb::Artifact &artifact, size_t index) {
  std::string text = absl::StrCat("step ", index);
  const auto *steps = artifact.steps();
  if (!steps || index >= steps->size())
    return text;
  const fb::Step *step = steps->Get(static_cast<flatbuffers::uoffset_t>(index));
  const auto *opName = step->op_name();
  const auto *loc = step->loc();
  if (opName && opName->size() && loc && loc->size())
    absl::StrAppend(&text, " (", opName->c_str(), " at ", loc->c_str(), ")");
  else if (opName && opName->size())
    absl::StrAppend(&text, " (", opName->c_str(), ")");
  return text;
}

} // namespace dsc
