//===- ReadOnlyFile.cpp - Positioned reads from a file --------------------===//

#include "runtime/support/ReadOnlyFile.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dsc {

absl::StatusOr<ReadOnlyFile> ReadOnlyFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message =
        absl::StrCat(path, ": cannot open: ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message)
                         : absl::InvalidArgumentError(message);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file"));
  }
  return ReadOnlyFile(fd, path, static_cast<uint64_t>(st.st_size));
}

ReadOnlyFile::ReadOnlyFile(ReadOnlyFile &&other) noexcept
    : fd(other.fd), filePath(std::move(other.filePath)),
      fileSize(other.fileSize) {
  other.fd = -1;
}

ReadOnlyFile &ReadOnlyFile::operator=(ReadOnlyFile &&other) noexcept {
  if (this != &other) {
    if (fd >= 0)
      ::close(fd);
    fd = other.fd;
    filePath = std::move(other.filePath);
    fileSize = other.fileSize;
    other.fd = -1;
  }
  return *this;
}

ReadOnlyFile::~ReadOnlyFile() {
  if (fd >= 0)
    ::close(fd);
}

absl::Status ReadOnlyFile::readAt(uint64_t offset, void *dst,
                                  size_t size) const {
  if (offset > fileSize || size > fileSize - offset)
    return absl::OutOfRangeError(
        absl::StrCat(filePath, ": reading ", size, " bytes at offset ", offset,
                     " passes the end of the ", fileSize, "-byte file"));
  auto *bytes = static_cast<uint8_t *>(dst);
  while (size > 0) {
    // Linux transfers at most 0x7ffff000 bytes per call.
    ssize_t got = ::pread(fd, bytes, std::min<size_t>(size, 1u << 30),
                          static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return absl::DataLossError(
          absl::StrCat(filePath, ": cannot read: ", std::strerror(errno)));
    if (got == 0)
      return absl::DataLossError(absl::StrCat(
          filePath, ": the file ended at byte ", offset, " while reading"));
    bytes += got;
    offset += static_cast<uint64_t>(got);
    size -= static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

} // namespace dsc
