//===- ReadOnlyFile.h - Positioned reads from a file ------------*- C++ -*-===//
//
// An open file descriptor with its size, read with pread: the safetensors
// reader fetches one tensor at a time from files of many gigabytes, so
// nothing here reads more than asked for.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_READONLYFILE_H
#define DSC_RUNTIME_SUPPORT_READONLYFILE_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace dsc {

class ReadOnlyFile {
public:
  static absl::StatusOr<ReadOnlyFile> open(const std::string &path);

  ReadOnlyFile(ReadOnlyFile &&other) noexcept;
  ReadOnlyFile &operator=(ReadOnlyFile &&other) noexcept;
  ReadOnlyFile(const ReadOnlyFile &) = delete;
  ReadOnlyFile &operator=(const ReadOnlyFile &) = delete;
  ~ReadOnlyFile();

  const std::string &path() const { return filePath; }
  uint64_t size() const { return fileSize; }

  /// Reads exactly `size` bytes at `offset`; a range past the end is an error.
  absl::Status readAt(uint64_t offset, void *dst, size_t size) const;

private:
  ReadOnlyFile(int openFd, std::string path, uint64_t size)
      : fd(openFd), filePath(std::move(path)), fileSize(size) {}

  int fd = -1;
  std::string filePath;
  uint64_t fileSize = 0;
};

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_READONLYFILE_H
