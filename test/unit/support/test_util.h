//===- test_util.h - Helpers shared by the DscSupport tests -----*- C++ -*-===//

#ifndef DSC_TEST_UNIT_SUPPORT_TEST_UTIL_H
#define DSC_TEST_UNIT_SUPPORT_TEST_UTIL_H

#include "runtime/support/HostArray.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace dsc::test {

/// A fresh directory, removed with everything in it at the end of the test.
class ScratchDir {
public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "dsc-support-XXXXXX")
            .string();
    if (!mkdtemp(pattern.data()))
      ADD_FAILURE() << "mkdtemp failed";
    dir = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::string file(const std::string &name) const { return dir / name; }
  /// Names of everything in the directory, to check that nothing was left.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto &entry : std::filesystem::directory_iterator(dir))
      names.push_back(entry.path().filename().string());
    return names;
  }

private:
  std::filesystem::path dir;
};

inline void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Random storage bytes (any bit pattern, NaN payloads included, must survive a round trip);
/// i1 holds 0 or 1.
inline HostArray randomArray(DType dtype, std::vector<int64_t> shape, uint32_t seed = 1) {
  HostArray array{dtype, std::move(shape), {}};
  size_t count = 1;
  for (int64_t d : array.shape)
    count *= d;
  array.data.resize(count * dtypeSize(dtype));
  std::mt19937 rng(seed);
  for (uint8_t &b : array.data)
    b = dtype == DType::I1 ? rng() & 1 : static_cast<uint8_t>(rng());
  return array;
}

} // namespace dsc::test

#endif // DSC_TEST_UNIT_SUPPORT_TEST_UTIL_H
