//===- rendezvous_test.cpp - The unique-id exchange between local processes ===//
//
// Real sockets between real processes (fork): rank 0 in the test process, the others in
// children that report the id they fetched through a pipe.
//
//===----------------------------------------------------------------------===//

#include "runtime/dist/Rendezvous.h"

#include "runtime/dist/Launcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dsc::dist {
namespace {

using ::testing::HasSubstr;

DistEnv envFor(int rank, int worldSize, int port) {
  DistEnv env;
  env.launcher = "torchrun";
  env.rank = rank;
  env.worldSize = worldSize;
  env.masterAddr = "127.0.0.1";
  env.masterPort = port;
  return env;
}

UniqueId testId() {
  UniqueId id;
  for (size_t i = 0; i < id.size(); ++i)
    id[i] = static_cast<char>(i * 7 + 3);
  return id;
}

/// Forks a rank that fetches the id and writes it (or a zero byte on failure) to a pipe.
struct Child {
  pid_t pid;
  int readFd;
};

Child forkRank(int rank, int worldSize, int port, absl::Duration startDelay = absl::ZeroDuration(),
               absl::Duration timeout = absl::Seconds(10)) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    absl::SleepFor(startDelay);
    absl::StatusOr<UniqueId> id =
        exchangeUniqueId(envFor(rank, worldSize, port), timeout, [] { return testId(); });
    char ok = id.ok() ? 1 : 0;
    ssize_t written = ::write(fds[1], &ok, 1);
    if (id.ok())
      written += ::write(fds[1], id->data(), id->size());
    ::_exit(written > 0 ? 0 : 1);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

bool readFetched(const Child &child, UniqueId &id) {
  char ok = 0;
  bool good = ::read(child.readFd, &ok, 1) == 1 && ok == 1 &&
              ::read(child.readFd, id.data(), id.size()) == static_cast<ssize_t>(id.size());
  ::close(child.readFd);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  return good;
}

TEST(Rendezvous, EveryRankGetsRankZerosId) {
  absl::StatusOr<int> port = pickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  constexpr int kWorld = 4;
  std::vector<Child> children;
  // Rank 3 starts late: the others' retries must not matter.
  for (int rank = 1; rank < kWorld; ++rank)
    children.push_back(
        forkRank(rank, kWorld, *port, rank == 3 ? absl::Milliseconds(300) : absl::ZeroDuration()));
  // Rank 0 starts after the others have begun connecting.
  absl::SleepFor(absl::Milliseconds(200));
  int made = 0;
  absl::StatusOr<UniqueId> served =
      exchangeUniqueId(envFor(0, kWorld, *port), absl::Seconds(10), [&] {
        ++made;
        return testId();
      });
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_EQ(made, 1);
  EXPECT_EQ(*served, testId());
  for (const Child &child : children) {
    UniqueId fetched{};
    EXPECT_TRUE(readFetched(child, fetched));
    EXPECT_EQ(fetched, testId());
  }
}

TEST(Rendezvous, WorldOfOneNeedsNoSocket) {
  DistEnv env; // single
  absl::StatusOr<UniqueId> id = exchangeUniqueId(env, absl::Seconds(1), [] { return testId(); });
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, testId());
}

TEST(Rendezvous, MissingRanksAreNamed) {
  absl::StatusOr<int> port = pickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  Child child = forkRank(2, 4, *port);
  absl::StatusOr<UniqueId> served =
      exchangeUniqueId(envFor(0, 4, *port), absl::Seconds(2), [] { return testId(); });
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(served.status().message()),
              HasSubstr("ranks 1, 3 did not connect in time"));
  UniqueId fetched{};
  EXPECT_TRUE(readFetched(child, fetched)); // rank 2 itself was served
}

TEST(Rendezvous, NoRankZeroTimesOut) {
  absl::StatusOr<int> port = pickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  absl::StatusOr<UniqueId> id =
      exchangeUniqueId(envFor(1, 2, *port), absl::Milliseconds(500), [] { return testId(); });
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("rank 1: rendezvous with 127.0.0.1:"));
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("rank 0 did not answer in time"));
}

TEST(Rendezvous, AnotherWorldSizeIsRefused) {
  absl::StatusOr<int> port = pickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  // Believes in a world of 3; refused, it retries until its own deadline.
  Child child = forkRank(1, 3, *port, absl::ZeroDuration(), absl::Seconds(2));
  absl::StatusOr<UniqueId> served =
      exchangeUniqueId(envFor(0, 2, *port), absl::Seconds(5), [] { return testId(); });
  ASSERT_FALSE(served.ok());
  EXPECT_THAT(std::string(served.status().message()),
              HasSubstr("a rank 1 connected with world size 3 (protocol 1); rank 0 has world "
                        "size 2"));
  UniqueId fetched{};
  EXPECT_FALSE(readFetched(child, fetched));
}

TEST(Rendezvous, TheLaunchersStopEndsTheWait) {
  absl::StatusOr<int> port = pickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    StopSignal::install();
    // Rank 1 never comes; only the stop can end this before its 30 s.
    absl::StatusOr<UniqueId> id =
        exchangeUniqueId(envFor(0, 2, *port), absl::Seconds(30), [] { return testId(); });
    std::string message(id.status().message());
    ssize_t written = ::write(fds[1], message.data(), message.size());
    ::_exit(written > 0 ? 0 : 1);
  }
  ::close(fds[1]);
  absl::SleepFor(absl::Milliseconds(300));
  sigval value{};
  value.sival_int = 1; // what the launcher sends: the failed rank
  ASSERT_EQ(::sigqueue(pid, SIGTERM, value), 0);
  std::string message;
  char buffer[512];
  ssize_t got;
  while ((got = ::read(fds[0], buffer, sizeof(buffer))) > 0)
    message.append(buffer, static_cast<size_t>(got));
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  EXPECT_THAT(message, HasSubstr("stopped: rank 1 failed"));
}

TEST(Rendezvous, UnresolvableAddressIsAnError) {
  DistEnv env = envFor(1, 2, 1234);
  env.masterAddr = "no-such-host.invalid";
  absl::StatusOr<UniqueId> id = exchangeUniqueId(env, absl::Seconds(1), [] { return testId(); });
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("cannot resolve MASTER_ADDR"));
}

} // namespace
} // namespace dsc::dist
