//===- HostArray.cpp - A dense array as files store it --------------------===//

#include "runtime/support/HostArray.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dsc {

absl::StatusOr<uint64_t> checkedNumElements(const std::vector<int64_t> &shape,
                                            DType dtype) {
  uint64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return absl::InvalidArgumentError(
          absl::StrCat("negative dimension ", dim, " in shape ",
                       describeArray(dtype, shape)));
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count))
      return absl::InvalidArgumentError(absl::StrCat(
          "shape ", describeArray(dtype, shape), " has too many elements"));
  }
  uint64_t bytes;
  if (__builtin_mul_overflow(count, static_cast<uint64_t>(dtypeSize(dtype)),
                             &bytes))
    return absl::InvalidArgumentError(absl::StrCat(
        "shape ", describeArray(dtype, shape), " has too many elements"));
  return count;
}

HostArray zeroedHostArray(DType dtype, std::vector<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  HostArray array{dtype, std::move(shape), {}};
  array.data.resize(static_cast<size_t>(count) * dtypeSize(dtype));
  return array;
}

absl::Status checkHostArray(const HostArray &array) {
  absl::StatusOr<uint64_t> count = checkedNumElements(array.shape, array.dtype);
  if (!count.ok())
    return count.status();
  const uint64_t expected = *count * dtypeSize(array.dtype);
  if (array.data.size() != expected)
    return absl::InvalidArgumentError(absl::StrCat(
        describeArray(array.dtype, array.shape), " needs ", expected,
        " bytes but the array holds ", array.data.size()));
  return absl::OkStatus();
}

std::string describeArray(DType dtype, const std::vector<int64_t> &shape) {
  return absl::StrCat(std::string(dtypeName(dtype)), "[",
                      absl::StrJoin(shape, ", "), "]");
}

} // namespace dsc
