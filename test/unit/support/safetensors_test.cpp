//===- safetensors_test.cpp - safetensors reading and writing -------------===//

#include "runtime/support/Safetensors.h"

#include "test_util.h"

#include <random>

namespace dsc {
namespace {

using test::readBytes;
using test::ScratchDir;
using test::randomArray;
using test::writeBytes;

/// A file with `header` as its JSON text and `dataSize` data bytes;
/// `declaredLength` overrides the header length field.
std::string makeFile(const std::string &header, size_t dataSize,
                     std::optional<uint64_t> declaredLength = std::nullopt) {
  uint64_t length = declaredLength.value_or(header.size());
  std::string file;
  for (int i = 0; i < 8; ++i)
    file.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
  return file + header + std::string(dataSize, '\x11');
}

TEST(Safetensors, RoundTripsAllDTypesAndMetadata) {
  ScratchDir dir;
  const std::string path = dir.file("w.safetensors");
  std::map<std::string, HostArray> tensors;
  uint32_t seed = 0;
  for (DType t :
       {DType::F32, DType::F64, DType::BF16, DType::F16, DType::F8E4M3FN,
        DType::F8E5M2, DType::I1, DType::I32, DType::I64})
    tensors["t." + std::string(dtypeName(t))] =
        randomArray(t, {3, static_cast<int64_t>(1 + seed % 4)}, ++seed);
  tensors["scalar"] = randomArray(DType::F32, {}, 99);
  tensors["empty"] = randomArray(DType::BF16, {0, 7}, 98);
  const std::map<std::string, std::string> metadata = {{"format", "pt"},
                                                       {"note", "ünïcode"}};
  ASSERT_TRUE(writeSafetensors(path, tensors, metadata).ok());

  const std::string bytes = readBytes(path);
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i)
    headerSize |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i]))
                  << (8 * i);
  EXPECT_EQ(headerSize % 8, 0u) << "data must start 8-byte aligned";
  EXPECT_EQ(bytes.substr(8, 16), "{\"__metadata__\":");

  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->metadata(), metadata);
  ASSERT_EQ(file->tensors().size(), tensors.size());
  uint64_t previousEnd = 8 + headerSize;
  for (const SafetensorsTensorInfo &info : file->tensors()) {
    EXPECT_EQ(info.fileOffset, previousEnd) << info.name;
    previousEnd = info.fileOffset + info.byteSize;
  }
  EXPECT_EQ(previousEnd, bytes.size());
  for (const auto &[name, array] : tensors) {
    const SafetensorsTensorInfo *info = file->find(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->dtype, array.dtype) << name;
    EXPECT_EQ(info->shape, array.shape) << name;
    absl::StatusOr<HostArray> back = file->readTensor(name);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->data, array.data) << name;
    EXPECT_EQ(back->shape, array.shape) << name;
  }
  EXPECT_EQ(file->find("missing"), nullptr);
  absl::StatusOr<HostArray> missing = file->readTensor("missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), path + ": no tensor named 'missing'");
  std::vector<uint8_t> small(3);
  absl::Status wrongSize =
      file->readTensorData("t.f32", small.data(), small.size());
  EXPECT_EQ(wrongSize.message(),
            path + ": tensor 't.f32': f32[3, 2] has 24 bytes but the "
                   "destination holds 3");
}

TEST(Safetensors, RoundTripsAnEmptyFile) {
  ScratchDir dir;
  const std::string path = dir.file("empty.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {}).ok());
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->tensors().empty());
  EXPECT_TRUE(file->metadata().empty());
}

TEST(Safetensors, ReadsFilesWithUnsortedEntriesAndPadding) {
  ScratchDir dir;
  const std::string path = dir.file("w.safetensors");
  writeBytes(
      path,
      makeFile(R"({"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},)"
               R"("a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}})"
               "    ",
               12));
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->tensors()[0].name, "a");
  EXPECT_EQ(file->tensors()[1].name, "b");
}

/// Opens `bytes` as a file and returns the error message.
std::string openError(const ScratchDir &dir, const std::string &bytes) {
  const std::string path = dir.file("bad.safetensors");
  writeBytes(path, bytes);
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(path);
  EXPECT_FALSE(file.ok());
  return file.ok() ? "" : std::string(file.status().message());
}

TEST(Safetensors, RejectsMalformedFilesNamingTheTensor) {
  ScratchDir dir;
  const std::string p = dir.file("bad.safetensors") + ": ";
  const std::string w =
      R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";

  EXPECT_EQ(openError(dir, "abc"),
            p + "the file has 3 bytes, too few for the 8-byte header length");
  EXPECT_EQ(openError(dir, makeFile(w, 16, 1000)),
            p + "header length 1000 is beyond the file size " +
                std::to_string(8 + w.size() + 16));
  EXPECT_EQ(openError(dir, makeFile(w, 16, ~uint64_t{0})),
            p + "header length 18446744073709551615 is beyond the file size " +
                std::to_string(8 + w.size() + 16));
  EXPECT_NE(openError(dir, makeFile(R"({"w":{"dtype":)", 0))
                .find("invalid JSON header"),
            std::string::npos);
  EXPECT_EQ(openError(dir, makeFile("[1, 2]", 0)),
            p + "the header is not a JSON object");
  EXPECT_EQ(openError(dir, makeFile(R"({"w":[1]})", 0)),
            p + "tensor 'w': entry is not a JSON object");
  EXPECT_EQ(
      openError(dir,
                makeFile(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4)),
      p + "tensor 'w': missing 'dtype'");
  EXPECT_EQ(
      openError(dir,
                makeFile(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4)),
      p + "tensor 'w': missing 'shape'");
  EXPECT_EQ(openError(dir, makeFile(R"({"w":{"dtype":"F32","shape":[1]}})", 4)),
            p + "tensor 'w': missing 'data_offsets'");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
                   4)),
      p + "tensor 'w': unsupported dtype 'U8' (dsc supports F32 F64 "
          "BF16 F16 F8_E4M3 F8_E5M2 BOOL I32 I64)");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"w":{"dtype":7,"shape":[4],"data_offsets":[0,4]}})", 4)),
      p + "tensor 'w': 'dtype' is not a string");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                   4)),
      p + "tensor 'w': 'shape' has -1, not a non-negative integer");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(
              R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})",
              4)),
      p + "tensor 'w': 'shape' has 1.5, not a non-negative integer");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(
              R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})",
              8)),
      p + "tensor 'w': 'data_offsets' is [0,4,8], not [begin, end]");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(
              R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,100]}})",
              16)),
      p + "tensor 'w': data_offsets [0, 100] are out of range for the "
          "16-byte data buffer");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"w":{"dtype":"F32","shape":[],"data_offsets":[8,4]}})",
                   16)),
      p + "tensor 'w': data_offsets [8, 4] are out of range for the "
          "16-byte data buffer");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(
              R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})",
              12)),
      p + "tensor 'w': f32[2, 2] needs 16 bytes but data_offsets "
          "[0, 12] hold 12");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                   12)),
      p + "tensor 'b': its data [4, 12) overlaps tensor 'a' ending at 8");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                   16)),
      p + "tensor 'b': its data starts at 12 but the previous tensor "
          "'a' ends at 8: bytes in between belong to no tensor");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                   8)),
      p + "tensor 'a': its data starts at 4 but the data buffer "
          "starts at 0: bytes in between belong to no tensor");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                   16)),
      p + "the data buffer has 16 bytes but the last tensor 'a' ends "
          "at 8");
  EXPECT_EQ(
      openError(
          dir,
          makeFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                   R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                   8)),
      p + "tensor 'a': appears twice in the header");
  EXPECT_EQ(openError(dir, makeFile(R"({"__metadata__":{"k":1}})", 0)),
            p + "__metadata__ entry 'k' is not a string");
  EXPECT_EQ(openError(dir, makeFile(R"({"__metadata__":"x"})", 0)),
            p + "__metadata__ is not a JSON object");
}

TEST(Safetensors, WriterRejectsBadInputAndLeavesNoFile) {
  ScratchDir dir;
  const std::string path = dir.file("w.safetensors");
  HostArray bad = randomArray(DType::BF16, {4});
  bad.data.resize(7);
  absl::Status status = writeSafetensors(
      path, {{"ok", randomArray(DType::F32, {2})}, {"wrong", bad}});
  EXPECT_EQ(status.message(),
            path + ": tensor 'wrong': bf16[4] needs 8 bytes but the array "
                   "holds 7");
  status =
      writeSafetensors(path, {{"__metadata__", randomArray(DType::F32, {2})}});
  EXPECT_EQ(status.message(),
            path + ": cannot write a tensor named '__metadata__'");
  status = writeSafetensors(path, {{"bad\xff", randomArray(DType::F32, {2})}});
  EXPECT_NE(status.message().find("cannot encode the header"),
            std::string::npos)
      << status;
  EXPECT_TRUE(dir.entries().empty());
}

TEST(Safetensors, FailedWriteKeepsThePreviousFile) {
  ScratchDir dir;
  const std::string path = dir.file("w.safetensors");
  ASSERT_TRUE(
      writeSafetensors(path, {{"x", randomArray(DType::F32, {2})}}).ok());
  const std::string before = readBytes(path);
  HostArray bad = randomArray(DType::F32, {2});
  bad.data.pop_back();
  EXPECT_FALSE(writeSafetensors(path, {{"x", bad}}).ok());
  EXPECT_EQ(readBytes(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"w.safetensors"});
}

} // namespace
} // namespace dsc
