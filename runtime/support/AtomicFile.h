//===- AtomicFile.h - Write a file whole or not at all ----------*- C++ -*-===//
//
// Writers of weight and test-vector files go through writeFileAtomically: the
// contents go to a temporary file in the destination's directory (so the
// final rename stays within one file system) and replace the destination
// only once everything was written and flushed. A failure at any point
// removes the temporary file and leaves a previous file at `path` untouched,
// so a reader never sees a truncated file. Only a crash of the process itself
// can leave a "<path>.tmp.<pid>.<n>" file behind.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_ATOMICFILE_H
#define DSC_RUNTIME_SUPPORT_ATOMICFILE_H

#include "absl/status/status.h"

#include <cstddef>
#include <functional>
#include <string>
#include <utility>

namespace dsc {

/// Sequential output to the temporary file; errors name the destination.
class AtomicFileWriter {
public:
  AtomicFileWriter(int openFd, std::string destination)
      : fd(openFd), path(std::move(destination)) {}

  absl::Status write(const void *data, size_t size);

private:
  int fd;
  std::string path;
};

/// Creates or replaces `path` with what `writeContents` writes. When
/// `writeContents` returns an error, that error is returned and nothing at
/// `path` changes.
absl::Status writeFileAtomically(
    const std::string &path,
    const std::function<absl::Status(AtomicFileWriter &)> &writeContents);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_ATOMICFILE_H
