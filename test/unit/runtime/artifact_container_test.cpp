//===- artifact_container_test.cpp - The .dsx header, checksum, verifier --===//
//
// Damaged files: every prefix, every single-bit flip, header fields one at a
// time. None may crash the loader and none may load.
//
//===----------------------------------------------------------------------===//

#include "artifact_builder.h"

#include "runtime/artifact/ArtifactInfo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace dsc {
namespace {

using test::makeValidArtifact;
using test::packFile;
using test::packPayload;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string messageOf(const absl::Status &status) {
  return std::string(status.message());
}

TEST(ArtifactContainer, ValidArtifactRoundTripsThroughAFile) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  ASSERT_TRUE(writeArtifact(path, packPayload(*makeValidArtifact())).ok());
  absl::StatusOr<LoadedArtifact> loaded = loadArtifact(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->name(), path);
  const fb::Artifact &a = loaded->artifact();
  EXPECT_EQ(a.format_version(), kArtifactFormatVersion);
  EXPECT_EQ(a.params()->Get(0)->name()->str(), "w");
  EXPECT_EQ(a.steps()->size(), 5u);
  EXPECT_EQ(a.steps()->Get(0)->op_type(), fb::StepOp::Gemm);
  EXPECT_EQ(describeStep(a, 0), "step 0 (dsc.matmul at tiny.dsg:2:7)");
  EXPECT_EQ(describeStep(a, 3), "step 3 (dsc.zeros)");
  EXPECT_EQ(describeStep(a, 4), "step 4");
}

TEST(ArtifactContainer, HeaderLayoutIsFixed) {
  std::vector<uint8_t> payload = packPayload(*makeValidArtifact());
  std::vector<uint8_t> file = sealArtifact(payload);
  ASSERT_EQ(file.size(), kArtifactHeaderSize + payload.size());
  EXPECT_EQ(std::string(file.begin(), file.begin() + 4), "DSCX");
  EXPECT_EQ(file[4], kArtifactHeaderVersion);
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i)
    size |= uint64_t{file[16 + i]} << (8 * i);
  EXPECT_EQ(size, payload.size());
  // The FlatBuffer's own identifier follows its root offset.
  EXPECT_EQ(std::string(file.begin() + 36, file.begin() + 40), "DSCX");
}

TEST(ArtifactContainer, MissingFileIsNamed) {
  absl::StatusOr<LoadedArtifact> loaded = loadArtifact("/nonexistent/m.dsx");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messageOf(loaded.status()), StartsWith("/nonexistent/m.dsx: "));
}

TEST(ArtifactContainer, EveryTruncationIsRejected) {
  std::vector<uint8_t> file = packFile(*makeValidArtifact());
  uint64_t payload = file.size() - kArtifactHeaderSize;
  for (size_t len = 0; len < file.size(); ++len) {
    absl::StatusOr<LoadedArtifact> loaded =
        parseArtifact("model.dsx", absl::MakeConstSpan(file.data(), len));
    ASSERT_FALSE(loaded.ok()) << "prefix of " << len << " bytes loaded";
    std::string message = messageOf(loaded.status());
    if (len < kArtifactHeaderSize)
      EXPECT_THAT(message, StartsWith("model.dsx: truncated: ")) << len;
    else
      EXPECT_EQ(message, absl::StrCat("model.dsx: truncated: header says ",
                                      payload, " payload bytes, file has ",
                                      len - kArtifactHeaderSize));
  }
}

TEST(ArtifactContainer, TruncatedFileOnDisk) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  std::vector<uint8_t> file = packFile(*makeValidArtifact());
  file.resize(file.size() - 7);
  test::writeBytes(path, file);
  absl::StatusOr<LoadedArtifact> loaded = loadArtifact(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messageOf(loaded.status()),
              StartsWith(path + ": truncated: header says "));
}

TEST(ArtifactContainer, TrailingBytesAreRejected) {
  std::vector<uint8_t> file = packFile(*makeValidArtifact());
  file.push_back(0);
  absl::StatusOr<LoadedArtifact> loaded = parseArtifact("model.dsx", file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messageOf(loaded.status()),
              HasSubstr("1 unexpected bytes after"));
}

TEST(ArtifactContainer, ChecksumMismatchSaysCorrupted) {
  std::vector<uint8_t> file = packFile(*makeValidArtifact());
  file[file.size() / 2] ^= 0x10;
  absl::StatusOr<LoadedArtifact> loaded = parseArtifact("model.dsx", file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(messageOf(loaded.status()),
            "model.dsx: checksum mismatch (file corrupted?)");
}

TEST(ArtifactContainer, HeaderFieldsAreChecked) {
  const std::vector<uint8_t> valid = packFile(*makeValidArtifact());
  struct Case {
    size_t byte;
    uint8_t value;
    const char *message;
  } cases[] = {
      {0, 'X', "not a dsc artifact (no DSCX magic)"},
      {4, 2, "header version 2, this dsrun reads header version 1"},
      {8, 1, "unknown header flags 0x1"},
      {12, 1, "reserved bytes are not zero"},
      {28, 1, "reserved bytes are not zero"},
  };
  for (const Case &c : cases) {
    std::vector<uint8_t> file = valid;
    file[c.byte] = c.value;
    absl::StatusOr<LoadedArtifact> loaded = parseArtifact("m.dsx", file);
    ASSERT_FALSE(loaded.ok()) << "byte " << c.byte;
    EXPECT_THAT(messageOf(loaded.status()), HasSubstr(c.message));
  }
}

// CRC-32 catches every single-bit error in the payload and every header
// field is checked, so no flip anywhere may load.
TEST(ArtifactContainer, EverySingleBitFlipIsRejected) {
  const std::vector<uint8_t> valid = packFile(*makeValidArtifact());
  std::vector<uint8_t> file = valid;
  for (size_t bit = 0; bit < file.size() * 8; ++bit) {
    file[bit / 8] ^= uint8_t(1u << (bit % 8));
    absl::StatusOr<LoadedArtifact> loaded = parseArtifact("m.dsx", file);
    ASSERT_FALSE(loaded.ok()) << "flipping bit " << bit << " went unnoticed";
    EXPECT_THAT(messageOf(loaded.status()), StartsWith("m.dsx: "));
    file[bit / 8] ^= uint8_t(1u << (bit % 8));
  }
  EXPECT_EQ(file, valid);
}

// The same flips with a recomputed checksum, as a crafted file would have:
// now the verifier and the semantic checks are all that stand in the way.
// They may accept a flip that yields another valid plan (a changed FLOP
// count), but must never crash; whatever loads must also summarize.
TEST(ArtifactContainer, ResealedBitFlipsNeverCrash) {
  const std::vector<uint8_t> valid = packPayload(*makeValidArtifact());
  std::vector<uint8_t> payload = valid;
  size_t accepted = 0;
  for (size_t bit = 0; bit < payload.size() * 8; ++bit) {
    payload[bit / 8] ^= uint8_t(1u << (bit % 8));
    absl::StatusOr<LoadedArtifact> loaded =
        parseArtifact("m.dsx", sealArtifact(payload));
    if (loaded.ok()) {
      ++accepted;
      EXPECT_FALSE(formatArtifactInfo(*loaded).empty());
    }
    payload[bit / 8] ^= uint8_t(1u << (bit % 8));
  }
  // Most bits are offsets, sizes and indices; a flip in them must be caught.
  EXPECT_LT(accepted, payload.size() * 8 / 2);
}

TEST(ArtifactContainer, ResealedRandomDamageNeverCrashes) {
  const std::vector<uint8_t> valid = packPayload(*makeValidArtifact());
  std::mt19937 rng(42);
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> payload = valid;
    int damage = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < damage; ++i)
      payload[rng() % payload.size()] = static_cast<uint8_t>(rng());
    absl::StatusOr<LoadedArtifact> loaded =
        parseArtifact("m.dsx", sealArtifact(payload));
    if (loaded.ok())
      EXPECT_FALSE(formatArtifactInfo(*loaded).empty());
  }
}

TEST(ArtifactContainer, GarbagePayloadIsNotAFlatBuffer) {
  std::vector<uint8_t> payload(64, 0xAB);
  absl::StatusOr<LoadedArtifact> loaded =
      parseArtifact("m.dsx", sealArtifact(payload));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(messageOf(loaded.status()),
            "m.dsx: payload is not a DSCX FlatBuffer");
}

TEST(ArtifactContainer, WriteReplacesAtomically) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  test::writeBytes(path, {1, 2, 3});
  ASSERT_TRUE(writeArtifact(path, packPayload(*makeValidArtifact())).ok());
  EXPECT_TRUE(loadArtifact(path).ok());
  EXPECT_FALSE(writeArtifact(dir.file("no/such/dir.dsx"), {}).ok());
}

} // namespace
} // namespace dsc
