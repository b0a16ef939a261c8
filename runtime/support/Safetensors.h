//===- Safetensors.h - safetensors weight files -----------------*- C++ -*-===//
//
// The format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]},
//    "__metadata__": {"key": "value"}}
// and the data buffer, with offsets relative to its start.
//
// SafetensorsFile::open reads only the header and validates all of it
// (dtypes, shapes, offsets inside the buffer, byte sizes matching the shape,
// tensors tiling the buffer without holes or overlaps), so that later reads
// of a tensor's bytes cannot go wrong for a reason the file could have told
// us up front. Tensor bytes are then read one tensor at a time with pread,
// which keeps peak memory at the largest tensor for multi-gigabyte files.
//
// dtype strings: F32 F64 BF16 F16 F8_E4M3 F8_E5M2 BOOL I32 I64. Other dtypes
// the format knows (U8, I16, F8_E8M0, ...) have no dsc DType and are reported
// as unsupported, naming the tensor.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_SAFETENSORS_H
#define DSC_RUNTIME_SUPPORT_SAFETENSORS_H

#include "runtime/support/HostArray.h"
#include "runtime/support/ReadOnlyFile.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsc {

struct SafetensorsTensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// Absolute position of the tensor's bytes in the file.
  uint64_t fileOffset;
  uint64_t byteSize;
};

class SafetensorsFile {
public:
  /// Opens `path` and validates its header.
  static absl::StatusOr<SafetensorsFile> open(const std::string &path);

  const std::string &path() const { return file.path(); }

  /// All tensors, in the order of their data in the file.
  const std::vector<SafetensorsTensorInfo> &tensors() const { return infos; }

  /// The tensor called `name`, or null.
  const SafetensorsTensorInfo *find(std::string_view name) const;

  /// The "__metadata__" entries (empty when the file has none).
  const std::map<std::string, std::string> &metadata() const { return meta; }

  /// Copies tensor `name`'s bytes into `dst`, which holds `dstSize` bytes;
  /// `dstSize` must equal the tensor's byte size. Safe to call from several
  /// threads at once: pread keeps no shared file position.
  absl::Status readTensorData(std::string_view name, void *dst,
                              size_t dstSize) const;

  /// Tensor `name` as a HostArray.
  absl::StatusOr<HostArray> readTensor(std::string_view name) const;

  /// The box of tensor `name` at `start` of shape `shape` (inside the tensor),
  /// read as its contiguous runs: only the box's bytes come from the file (a
  /// rank's slice of a sharded weight).
  absl::StatusOr<HostArray> readTensorBox(std::string_view name, const std::vector<int64_t> &start,
                                          const std::vector<int64_t> &shape) const;

  /// Tensor bytes read from the file so far, all threads together (for tests
  /// and statistics).
  uint64_t tensorBytesRead() const { return *bytesRead; }

private:
  explicit SafetensorsFile(ReadOnlyFile opened) : file(std::move(opened)) {}

  ReadOnlyFile file;
  /// Boxed so that the file stays movable.
  std::unique_ptr<std::atomic<uint64_t>> bytesRead = std::make_unique<std::atomic<uint64_t>>(0);
  std::vector<SafetensorsTensorInfo> infos;
  std::map<std::string, size_t, std::less<>> indexByName;
  std::map<std::string, std::string> meta;
};

/// Writes `tensors` (laid out in name order) and `metadata` to `path`
/// atomically (see AtomicFile.h).
absl::Status
writeSafetensors(const std::string &path,
                 const std::map<std::string, HostArray> &tensors,
                 const std::map<std::string, std::string> &metadata = {});

/// "BF16" for bf16, and so on.
std::string_view safetensorsDTypeName(DType t);
std::optional<DType> parseSafetensorsDType(std::string_view name);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_SAFETENSORS_H
