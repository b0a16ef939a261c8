//===- npy_test.cpp - .npy reading and writing ----------------------------===//

#include "runtime/support/Npy.h"

#include "test_util.h"

#include <cstring>
#include <random>

namespace dsc {
namespace {

using test::readBytes;
using test::ScratchDir;
using test::randomArray;
using test::writeBytes;

const DType kAllDTypes[] = {DType::F32, DType::F64,      DType::BF16,
                            DType::F16, DType::F8E4M3FN, DType::F8E5M2,
                            DType::I1,  DType::I32,      DType::I64};

/// A .npy file with `header` as its dict text, padded as NumPy pads it.
std::string makeNpy(const std::string &header, const std::string &data,
                    int major = 1) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string text = header;
  while ((prefix + text.size() + 1) % 64 != 0)
    text.push_back(' ');
  text.push_back('\n');
  std::string file("\x93NUMPY", 6);
  file.push_back(static_cast<char>(major));
  file.push_back('\0');
  for (size_t i = 0; i < prefix - 8; ++i)
    file.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xFF));
  return file + text + data;
}

std::string floatBytes(std::initializer_list<float> values) {
  std::string bytes;
  for (float v : values)
    bytes.append(reinterpret_cast<const char *>(&v), 4);
  return bytes;
}

TEST(Npy, RoundTripsEveryDTypeAndShape) {
  ScratchDir dir;
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {0}, {5}, {2, 3}, {2, 0, 3}, {1, 2, 3, 4}};
  for (DType dtype : kAllDTypes) {
    for (const auto &shape : shapes) {
      HostArray array = randomArray(dtype, shape);
      const std::string path = dir.file("a.npy");
      ASSERT_TRUE(writeNpy(path, array).ok());
      absl::StatusOr<HostArray> back = readNpy(path);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(back->dtype, dtype) << dtypeName(dtype);
      EXPECT_EQ(back->shape, shape) << dtypeName(dtype);
      EXPECT_EQ(back->data, array.data) << dtypeName(dtype);
      EXPECT_EQ(dir.entries().size(), 1u);
    }
  }
}

TEST(Npy, WritesTheHeaderNumPyWrites) {
  ScratchDir dir;
  const std::string path = dir.file("a.npy");
  ASSERT_TRUE(writeNpy(path, randomArray(DType::F32, {2, 3})).ok());
  std::string bytes = readBytes(path);
  ASSERT_GE(bytes.size(), 64u + 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t headerLength =
      static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
  EXPECT_EQ((10 + headerLength) % 64, 0u);
  EXPECT_EQ(bytes.size(), 10 + headerLength + 24);
  const std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(bytes.substr(10, dict.size()), dict);
  EXPECT_EQ(bytes[10 + headerLength - 1], '\n');

  ASSERT_TRUE(writeNpy(path, randomArray(DType::I1, {5})).ok());
  EXPECT_NE(readBytes(path).find("'descr': '|b1'"), std::string::npos);
  EXPECT_NE(readBytes(path).find("'shape': (5,)"), std::string::npos);
  ASSERT_TRUE(writeNpy(path, randomArray(DType::BF16, {})).ok());
  EXPECT_NE(readBytes(path).find("'descr': 'bfloat16'"), std::string::npos);
  EXPECT_NE(readBytes(path).find("'shape': ()"), std::string::npos);
}

TEST(Npy, ReadsVersions2And3AndPythonVariants) {
  ScratchDir dir;
  const std::string path = dir.file("a.npy");
  for (int major : {2, 3}) {
    writeBytes(path, makeNpy("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (2,), }",
                             floatBytes({1.5f, -2.0f}), major));
    absl::StatusOr<HostArray> array = readNpy(path);
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_EQ(array->shape, std::vector<int64_t>{2});
    EXPECT_EQ(array->data.size(), 8u);
  }
  // Python 2 longs, double quotes, no trailing comma, reordered keys.
  writeBytes(path, makeNpy("{\"shape\": (1L, 2L), \"fortran_order\": False, "
                           "\"descr\": \"<f4\"}",
                           floatBytes({1.0f, 2.0f})));
  absl::StatusOr<HostArray> array = readNpy(path);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_EQ(array->shape, (std::vector<int64_t>{1, 2}));
}

TEST(Npy, ReadsMlDtypesDescriptors) {
  ScratchDir dir;
  const std::string path = dir.file("a.npy");
  auto header = [](const std::string &descr) {
    return "{'descr': '" + descr +
           "', 'fortran_order': False, 'shape': (2,), }";
  };
  struct Case {
    std::string descr;
    DType expected;
  };
  for (const Case &c :
       {Case{"<V2", DType::BF16}, Case{"|V2", DType::BF16},
        Case{"bfloat16", DType::BF16}, Case{"<f1", DType::F8E5M2},
        Case{"float8_e5m2", DType::F8E5M2},
        Case{"float8_e4m3fn", DType::F8E4M3FN}}) {
    writeBytes(path, makeNpy(header(c.descr),
                             std::string(2 * dtypeSize(c.expected), '\x01')));
    absl::StatusOr<HostArray> array = readNpy(path);
    ASSERT_TRUE(array.ok()) << c.descr << ": " << array.status();
    EXPECT_EQ(array->dtype, c.expected) << c.descr;
  }

  // Opaque bytes need the caller to say what they are.
  writeBytes(path, makeNpy(header("<V1"), "\x38\x7E"));
  absl::StatusOr<HostArray> opaque = readNpy(path);
  ASSERT_FALSE(opaque.ok());
  EXPECT_NE(opaque.status().message().find("opaqueByteDType"),
            std::string::npos)
      << opaque.status();
  opaque = readNpy(path, {DType::F8E4M3FN});
  ASSERT_TRUE(opaque.ok()) << opaque.status();
  EXPECT_EQ(opaque->dtype, DType::F8E4M3FN);
  EXPECT_EQ(opaque->data, (std::vector<uint8_t>{0x38, 0x7E}));
  EXPECT_FALSE(readNpy(path, {DType::F32}).ok());
}

TEST(Npy, WidensUint8ToI32) {
  ScratchDir dir;
  const std::string path = dir.file("a.npy");
  writeBytes(path, makeNpy("{'descr': '|u1', 'fortran_order': False, "
                           "'shape': (3,), }",
                           std::string("\x00\x7F\xFF", 3)));
  absl::StatusOr<HostArray> array = readNpy(path);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_EQ(array->dtype, DType::I32);
  ASSERT_EQ(array->data.size(), 12u);
  int32_t values[3];
  std::memcpy(values, array->data.data(), 12);
  EXPECT_EQ(values[0], 0);
  EXPECT_EQ(values[1], 127);
  EXPECT_EQ(values[2], 255);

  array = readNpy(path, {DType::F8E5M2});
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_EQ(array->dtype, DType::F8E5M2);
  EXPECT_EQ(array->data, (std::vector<uint8_t>{0x00, 0x7F, 0xFF}));
}

/// Writes `bytes`, reads it back and returns the error message.
std::string readError(const ScratchDir &dir, const std::string &bytes) {
  const std::string path = dir.file("bad.npy");
  writeBytes(path, bytes);
  absl::StatusOr<HostArray> array = readNpy(path);
  EXPECT_FALSE(array.ok());
  return array.ok() ? "" : std::string(array.status().message());
}

TEST(Npy, RejectsCorruptFiles) {
  ScratchDir dir;
  const std::string path = dir.file("bad.npy");
  const std::string f4x6 =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const std::string good = makeNpy(f4x6, std::string(24, '\0'));

  EXPECT_EQ(readError(dir, makeNpy(f4x6, std::string(20, '\0'))),
            path + ": header declares 6 elements of <f4 (24 bytes) but the "
                   "file has 20 data bytes");
  EXPECT_EQ(readError(dir, makeNpy(f4x6, std::string(28, '\0'))),
            path + ": header declares 6 elements of <f4 (24 bytes) but the "
                   "file has 28 data bytes");
  EXPECT_EQ(readError(dir, good.substr(0, 40)),
            path + ": the header is 118 bytes long but the file has only 30 "
                   "after it");
  EXPECT_EQ(readError(dir, ""),
            path + ": not a .npy file (no \\x93NUMPY magic)");
  EXPECT_EQ(readError(dir, "PK\x03\x04" + good.substr(4)),
            path + ": not a .npy file (no \\x93NUMPY magic)");
  std::string version4 = good;
  version4[6] = 4;
  EXPECT_EQ(readError(dir, version4),
            path + ": unsupported .npy format version 4.0");

  EXPECT_EQ(readError(dir, makeNpy("{'descr': '<f4', 'fortran_order': True, "
                                   "'shape': (2, 3), }",
                                   std::string(24, '\0'))),
            path + ": Fortran-order arrays are not supported; save a C-order "
                   "array (numpy.ascontiguousarray)");
  EXPECT_NE(readError(dir, makeNpy("{'descr': '>f4', 'fortran_order': False, "
                                   "'shape': (1,), }",
                                   std::string(4, '\0')))
                .find("'>f4' is big-endian"),
            std::string::npos);
  EXPECT_NE(readError(dir, makeNpy("{'descr': '<c8', 'fortran_order': False, "
                                   "'shape': (1,), }",
                                   std::string(8, '\0')))
                .find("unsupported descr '<c8'"),
            std::string::npos);
  EXPECT_EQ(readError(dir, makeNpy("{'descr': '<f4', 'shape': (1,), }",
                                   std::string(4, '\0'))),
            path + ": the header lacks 'fortran_order'");
  EXPECT_EQ(readError(dir, makeNpy("{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (1,), 'x': 1, }",
                                   std::string(4, '\0'))),
            path + ": unexpected key 'x' in the header");
  EXPECT_EQ(readError(dir, makeNpy("{'descr': [('a', '<f4')], "
                                   "'fortran_order': False, 'shape': (1,), }",
                                   std::string(4, '\0'))),
            path + ": structured (record) dtypes are not supported");
  EXPECT_EQ(readError(dir, makeNpy("{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (-1,), }",
                                   "")),
            path + ": 'shape' is not a tuple of non-negative integers");
  EXPECT_EQ(readError(dir, makeNpy("{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (99999999999999999999,), }",
                                   "")),
            path + ": 'shape' is not a tuple of non-negative integers");
  EXPECT_NE(readError(dir, makeNpy("{'descr': '<f8', 'fortran_order': False, "
                                   "'shape': (4294967296, 4294967296), }",
                                   ""))
                .find("too many elements"),
            std::string::npos);
  EXPECT_EQ(readError(dir, makeNpy("not a dict", "")),
            path + ": the header is not a Python dict");
}

TEST(Npy, MissingFileNamesThePath) {
  ScratchDir dir;
  absl::StatusOr<HostArray> array = readNpy(dir.file("none.npy"));
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(array.status().message().find("none.npy"), std::string::npos);
}

TEST(Npy, InconsistentArrayIsNotWritten) {
  ScratchDir dir;
  HostArray array = randomArray(DType::F32, {2, 3});
  array.data.pop_back();
  absl::Status status = writeNpy(dir.file("a.npy"), array);
  EXPECT_EQ(status.message(), dir.file("a.npy") +
                                  ": f32[2, 3] needs 24 bytes but the array "
                                  "holds 23");
  EXPECT_TRUE(dir.entries().empty());
}

// NumPy is optional on build machines (Debian python3-numpy); without it the
// test reports itself as skipped.
TEST(Npy, InteroperatesWithNumPy) {
  const std::string python = DSC_PYTHON;
  if (std::system((python + " -c 'import numpy' >/dev/null 2>&1").c_str()) != 0)
    GTEST_SKIP() << "python3 with numpy is not available";
  ScratchDir dir;
  const std::string script = dir.file("make.py");
  writeBytes(script, "import numpy as np, sys\n"
                     "d = sys.argv[1]\n"
                     "for name in ['f4', 'f8', 'f2', 'i4', 'i8']:\n"
                     "    np.save(f'{d}/{name}.npy', np.arange(6).reshape(2, 3)"
                     ".astype('<' + name))\n"
                     "np.save(f'{d}/b1.npy', np.array([True, False, True]))\n"
                     "np.save(f'{d}/scalar.npy', np.float32(2.5))\n"
                     "np.save(f'{d}/empty.npy', np.zeros((0, 4), np.int32))\n");
  ASSERT_EQ(std::system((python + " " + script + " " + dir.file("")).c_str()), 0);
  for (const char *name : {"f4", "f8", "f2", "i4", "i8"}) {
    absl::StatusOr<HostArray> array =
        readNpy(dir.file(std::string(name) + ".npy"));
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_EQ(array->shape, (std::vector<int64_t>{2, 3})) << name;
    std::vector<float> values(6);
    decodeToFloat(array->dtype, array->data.data(), values.data(), 6);
    for (int i = 0; i < 6; ++i)
      EXPECT_EQ(values[i], i) << name;
  }
  absl::StatusOr<HostArray> b1 = readNpy(dir.file("b1.npy"));
  ASSERT_TRUE(b1.ok()) << b1.status();
  EXPECT_EQ(b1->data, (std::vector<uint8_t>{1, 0, 1}));
  absl::StatusOr<HostArray> scalar = readNpy(dir.file("scalar.npy"));
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_TRUE(scalar->shape.empty());
  absl::StatusOr<HostArray> empty = readNpy(dir.file("empty.npy"));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 4}));

  // And NumPy reads what we write.
  const int64_t values[] = {1, -2, 3, -4};
  HostArray ours{DType::I64, {2, 2}, std::vector<uint8_t>(sizeof(values))};
  std::memcpy(ours.data.data(), values, sizeof(values));
  ASSERT_TRUE(writeNpy(dir.file("ours.npy"), ours).ok());
  EXPECT_EQ(std::system((python + " -c \"import numpy as np; "
                         "a = np.load('" +
                         dir.file("ours.npy") +
                         "'); assert a.dtype == np.int64 and a.tolist() == "
                         "[[1, -2], [3, -4]]\"")
                            .c_str()),
            0);
}

} // namespace
} // namespace dsc
