//===- launcher_test.cpp - `dsrun -n`'s local launcher --------------------===//
//
// Runs the launcher in a forked child (it blocks signals and reaps children, which gtest's
// process should not see) with dist_test_rank as the program, and reads what it printed.
//
//===----------------------------------------------------------------------===//

#include "runtime/dist/Launcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dsc::dist {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Launched {
  int exitCode = -1;
  std::string output;
  absl::Duration took;
};

/// Runs launchLocal(n, dist_test_rank args...) in a child process; `whileRunning` gets the
/// launcher's pid after `delay`.
Launched launch(int n, std::vector<std::string> args, absl::Duration grace = absl::Seconds(20),
                std::function<void(pid_t)> whileRunning = nullptr,
                absl::Duration delay = absl::ZeroDuration()) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  absl::Time start = absl::Now();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    LaunchOptions options;
    options.numProcesses = n;
    options.program = DSC_TEST_RANK;
    options.args = std::move(args);
    options.grace = grace;
    absl::StatusOr<int> code = launchLocal(options);
    if (!code.ok()) {
      std::fprintf(stderr, "launch: %s\n", std::string(code.status().message()).c_str());
      ::_exit(100);
    }
    std::fflush(nullptr);
    ::_exit(*code);
  }
  ::close(fds[1]);
  if (whileRunning) {
    absl::SleepFor(delay);
    whileRunning(pid);
  }
  Launched result;
  char buffer[4096];
  ssize_t got;
  while ((got = ::read(fds[0], buffer, sizeof(buffer))) > 0)
    result.output.append(buffer, static_cast<size_t>(got));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.took = absl::Now() - start;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(Launcher, StartsEveryRankWithItsEnvironment) {
  Launched run = launch(3, {"ok"});
  EXPECT_EQ(run.exitCode, 0) << run.output;
  for (int r = 0; r < 3; ++r)
    EXPECT_THAT(run.output, HasSubstr("rank " + std::to_string(r) + " of 3 local " +
                                      std::to_string(r) + " at 127.0.0.1:"));
}

TEST(Launcher, AFailedRankStopsTheOthersAndIsNamed) {
  Launched run = launch(4, {"fail", "2", "7"});
  EXPECT_EQ(run.exitCode, 7) << run.output; // the worst exit code
  EXPECT_THAT(run.output, HasSubstr("dsrun: rank 2 failed (exit code 7); stopping the other"));
  for (int r : {0, 1, 3})
    EXPECT_THAT(run.output, HasSubstr("rank " + std::to_string(r) + " stopped: rank 2 failed"));
  EXPECT_LT(run.took, absl::Seconds(10));
}

TEST(Launcher, ADeadRankStopsTheOthers) {
  Launched run = launch(2, {"crash", "1"});
  EXPECT_EQ(run.exitCode, 128 + SIGKILL) << run.output;
  EXPECT_THAT(run.output, HasSubstr("dsrun: rank 1 failed (killed by signal 9"));
  EXPECT_THAT(run.output, HasSubstr("rank 0 stopped: rank 1 failed"));
  EXPECT_LT(run.took, absl::Seconds(10));
}

TEST(Launcher, ForwardsSigterm) {
  Launched run = launch(
      3, {"wait"}, absl::Seconds(20), [](pid_t launcher) { ::kill(launcher, SIGTERM); },
      absl::Milliseconds(500));
  EXPECT_EQ(run.exitCode, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("forwarding it to every rank"));
  for (int r = 0; r < 3; ++r)
    EXPECT_THAT(run.output, HasSubstr("rank " + std::to_string(r) + " stopped: signal 15"));
  EXPECT_LT(run.took, absl::Seconds(10));
}

TEST(Launcher, ForwardsSigint) {
  Launched run = launch(
      2, {"wait"}, absl::Seconds(20), [](pid_t launcher) { ::kill(launcher, SIGINT); },
      absl::Milliseconds(500));
  EXPECT_EQ(run.exitCode, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("rank 1 stopped: signal 2"));
}

TEST(Launcher, KillsARankThatIgnoresTheStopAfterTheGrace) {
  Launched run = launch(
      3, {"stubborn", "1"}, absl::Seconds(1), [](pid_t launcher) { ::kill(launcher, SIGTERM); },
      absl::Milliseconds(500));
  EXPECT_EQ(run.exitCode, 128 + SIGKILL) << run.output;
  EXPECT_THAT(run.output, HasSubstr("dsrun: rank 1 still running"));
  EXPECT_LT(run.took, absl::Seconds(10));
}

TEST(Launcher, ZeroProcessesIsAnError) {
  LaunchOptions options;
  options.numProcesses = 0;
  EXPECT_FALSE(launchLocal(options).ok());
}

} // namespace
} // namespace dsc::dist
