//===- Launcher.cpp - `dsrun -n N`: N local ranks, one per GPU ------------===//

#include "runtime/dist/Launcher.h"

#include "runtime/dist/Rendezvous.h"

#include "absl/strings/str_cat.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace dsc::dist {

namespace {

std::atomic<int> gStopSignal{0};
std::atomic<int> gFailedRank{-1};

void onStop(int signal, siginfo_t *info, void *) {
  int expected = 0;
  if (gStopSignal.compare_exchange_strong(expected, signal) && info && info->si_code == SI_QUEUE)
    gFailedRank.store(info->si_value.sival_int);
}

/// The child's environment: the parent's, minus the variables we set, plus ours.
std::vector<std::string> childEnv(const LaunchOptions &options, int rank, int port) {
  static const char *const kOwn[] = {
      "RANK=", "WORLD_SIZE=", "LOCAL_RANK=", "MASTER_ADDR=", "MASTER_PORT="};
  std::vector<std::string> env;
  for (char **e = environ; e && *e; ++e) {
    bool own = false;
    for (const char *prefix : kOwn)
      own |= std::strncmp(*e, prefix, std::strlen(prefix)) == 0;
    if (!own)
      env.emplace_back(*e);
  }
  env.push_back(absl::StrCat("RANK=", rank));
  env.push_back(absl::StrCat("WORLD_SIZE=", options.numProcesses));
  env.push_back(absl::StrCat("LOCAL_RANK=", rank));
  env.push_back("MASTER_ADDR=127.0.0.1");
  env.push_back(absl::StrCat("MASTER_PORT=", port));
  env.insert(env.end(), options.extraEnv.begin(), options.extraEnv.end());
  return env;
}

std::string describeStatus(int status) {
  if (WIFSIGNALED(status))
    return absl::StrCat("killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)),
                        ")");
  return absl::StrCat("exit code ", WEXITSTATUS(status));
}

int exitCodeOf(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

} // namespace

absl::StatusOr<int> launchLocal(const LaunchOptions &options) {
  if (options.numProcesses < 1)
    return absl::InvalidArgumentError(
        absl::StrCat("-n ", options.numProcesses, ": need at least one process"));
  absl::StatusOr<int> port = pickFreePort();
  if (!port.ok())
    return port.status();

  // Signals are taken synchronously (sigtimedwait) from here on; children unblock them.
  sigset_t watched, previous;
  sigemptyset(&watched);
  for (int s : {SIGINT, SIGTERM, SIGCHLD})
    sigaddset(&watched, s);
  sigprocmask(SIG_BLOCK, &watched, &previous);

  std::vector<pid_t> pids(options.numProcesses, -1);
  std::vector<int> statuses(options.numProcesses, 0);
  int running = 0;
  for (int rank = 0; rank < options.numProcesses; ++rank) {
    std::vector<std::string> env = childEnv(options, rank, *port);
    std::vector<std::string> argv = {options.program};
    argv.insert(argv.end(), options.args.begin(), options.args.end());
    std::vector<char *> cargv, cenv;
    for (std::string &a : argv)
      cargv.push_back(a.data());
    cargv.push_back(nullptr);
    for (std::string &e : env)
      cenv.push_back(e.data());
    cenv.push_back(nullptr);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      ::execve(options.program.c_str(), cargv.data(), cenv.data());
      std::fprintf(stderr, "dsrun: rank %d: cannot run %s: %s\n", rank, options.program.c_str(),
                   std::strerror(errno));
      ::_exit(127);
    }
    if (pid < 0) {
      std::string error = std::strerror(errno);
      for (pid_t p : pids)
        if (p > 0)
          ::kill(p, SIGKILL);
      while (::waitpid(-1, nullptr, 0) > 0) {
      }
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      return absl::InternalError(absl::StrCat("fork for rank ", rank, ": ", error));
    }
    pids[rank] = pid;
    ++running;
  }

  int failedRank = -1;
  std::optional<absl::Time> killAt;
  auto stopOthers = [&](int signal, int reportedRank) {
    for (int r = 0; r < options.numProcesses; ++r) {
      if (pids[r] <= 0)
        continue;
      sigval value{};
      value.sival_int = reportedRank;
      if (reportedRank >= 0)
        ::sigqueue(pids[r], signal, value);
      else
        ::kill(pids[r], signal);
    }
    if (!killAt)
      killAt = absl::Now() + options.grace;
  };

  while (running > 0) {
    // Reap whoever has ended.
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (int r = 0; r < options.numProcesses; ++r) {
        if (pids[r] != pid)
          continue;
        pids[r] = -1;
        statuses[r] = status;
        --running;
        bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        if (failed && failedRank < 0 && !killAt) {
          failedRank = r;
          std::fprintf(stderr, "dsrun: rank %d failed (%s); stopping the other ranks\n", r,
                       describeStatus(status).c_str());
          stopOthers(SIGTERM, r);
        }
      }
    }
    if (running == 0)
      break;
    if (killAt && absl::Now() >= *killAt) {
      for (int r = 0; r < options.numProcesses; ++r)
        if (pids[r] > 0) {
          std::fprintf(stderr, "dsrun: rank %d still running %s after the stop; killing it\n", r,
                       absl::FormatDuration(options.grace).c_str());
          ::kill(pids[r], SIGKILL);
        }
      killAt = absl::InfiniteFuture();
    }
    // 100 ms: how late a grace deadline may be noticed.
    timespec tick{0, 100 * 1000 * 1000};
    int signal = ::sigtimedwait(&watched, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) {
      std::fprintf(stderr, "dsrun: %s; forwarding it to every rank\n", strsignal(signal));
      stopOthers(signal, -1);
    }
  }
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  int worst = 0;
  for (int status : statuses)
    worst = std::max(worst, exitCodeOf(status));
  return worst;
}

void StopSignal::install() {
  static bool installed = false;
  if (installed)
    return;
  installed = true;
  struct sigaction action {};
  action.sa_sigaction = onStop;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

bool StopSignal::requested() { return gStopSignal.load() != 0; }

int StopSignal::failedRank() { return gFailedRank.load(); }

std::string StopSignal::reason() {
  int signal = gStopSignal.load();
  if (signal == 0)
    return "no stop requested";
  if (int rank = gFailedRank.load(); rank >= 0)
    return absl::StrCat("rank ", rank, " failed");
  return absl::StrCat("signal ", signal, " (", strsignal(signal), ")");
}

} // namespace dsc::dist
