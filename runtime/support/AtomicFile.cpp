//===- AtomicFile.cpp - Write a file whole or not at all ------------------===//

#include "runtime/support/AtomicFile.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace dsc {

namespace {

absl::Status errnoError(const std::string &path, absl::string_view what,
                        int err) {
  return absl::InternalError(
      absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

/// Creates a new, uniquely named file beside `path`. O_EXCL with mode 0666
/// (rather than mkstemp's 0600) gives the file the permissions an ordinary
/// create would, under the user's umask.
int createTemporary(const std::string &path, std::string &tempPath) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0;; ++attempt) {
    tempPath = absl::StrCat(path, ".tmp.", getpid(), ".", counter++);
    int fd =
        ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    // Another writer's leftover can hold the name; try the next one, a few
    // times only so that an unrelated EEXIST cannot loop forever.
    if (fd >= 0 || errno != EEXIST || attempt >= 100)
      return fd;
  }
}

} // namespace

absl::Status AtomicFileWriter::write(const void *data, size_t size) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  while (size > 0) {
    // Linux transfers at most 0x7ffff000 bytes per call.
    ssize_t written = ::write(fd, bytes, std::min<size_t>(size, 1u << 30));
    if (written < 0) {
      if (errno == EINTR)
        continue;
      return errnoError(path, "cannot write", errno);
    }
    bytes += written;
    size -= static_cast<size_t>(written);
  }
  return absl::OkStatus();
}

absl::Status writeFileAtomically(
    const std::string &path,
    const std::function<absl::Status(AtomicFileWriter &)> &writeContents) {
  std::string tempPath;
  int fd = createTemporary(path, tempPath);
  if (fd < 0)
    return errnoError(path, "cannot create a temporary file to write", errno);

  AtomicFileWriter writer(fd, path);
  absl::Status status = writeContents(writer);
  // fsync before the rename: otherwise a crash can leave the new name
  // pointing at a file whose data never reached the disk.
  if (status.ok() && ::fsync(fd) != 0)
    status = errnoError(path, "cannot flush", errno);
  if (::close(fd) != 0 && status.ok())
    status = errnoError(path, "cannot close", errno);
  if (status.ok() && ::rename(tempPath.c_str(), path.c_str()) != 0)
    status =
        errnoError(path, "cannot rename the temporary file into place", errno);
  if (!status.ok())
    ::unlink(tempPath.c_str());
  return status;
}

} // namespace dsc
