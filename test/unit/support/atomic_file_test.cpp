//===- atomic_file_test.cpp - Failed writes leave nothing behind ----------===//

#include "runtime/support/AtomicFile.h"
#include "runtime/support/Npy.h"

#include "test_util.h"

#include <csignal>
#include <sys/resource.h>

namespace dsc {
namespace {

using test::readBytes;
using test::ScratchDir;
using test::writeBytes;

TEST(AtomicFile, WritesAndReplaces) {
  ScratchDir dir;
  const std::string path = dir.file("f");
  writeBytes(path, "old contents");
  absl::Status status = writeFileAtomically(
      path, [](AtomicFileWriter &out) { return out.write("new", 3); });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(readBytes(path), "new");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"f"});
}

TEST(AtomicFile, FailedWriteLeavesNoFile) {
  ScratchDir dir;
  absl::Status status =
      writeFileAtomically(dir.file("f"), [](AtomicFileWriter &out) {
        EXPECT_TRUE(out.write("partial", 7).ok());
        return absl::InternalError("disk on fire");
      });
  EXPECT_EQ(status.message(), "disk on fire");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFile, FailedWriteKeepsThePreviousFile) {
  ScratchDir dir;
  const std::string path = dir.file("f");
  writeBytes(path, "old contents");
  absl::Status status = writeFileAtomically(path, [](AtomicFileWriter &out) {
    EXPECT_TRUE(out.write("partial", 7).ok());
    return absl::InternalError("disk on fire");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(readBytes(path), "old contents");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"f"});
}

TEST(AtomicFile, MissingDirectoryNamesThePath) {
  ScratchDir dir;
  const std::string path = dir.file("no/such/dir/f.npy");
  absl::Status status = writeNpy(path, HostArray{DType::F32, {}, {0, 0, 0, 0}});
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path), std::string::npos) << status;
}

// A real I/O error in the middle of writeNpy: the file size limit makes
// write() fail with EFBIG once the file would pass 4 KiB.
TEST(AtomicFile, IoErrorDuringWriteNpyLeavesNoFile) {
  ScratchDir dir;
  HostArray big{DType::F32, {16384}, std::vector<uint8_t>(65536, 0x3F)};
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = 4096;
  auto *savedHandler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  absl::Status status = writeNpy(dir.file("big.npy"), big);
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, savedHandler);

  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("big.npy: cannot write"), std::string::npos)
      << status;
  EXPECT_TRUE(dir.entries().empty());
}

} // namespace
} // namespace dsc
