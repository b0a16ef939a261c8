//===- dist_test_rank.cpp - A stand-in rank for the launcher tests --------===//
//
//   dist_test_rank MODE [ARG]
// MODE ok: prints its rank and environment and exits 0. fail R CODE: rank R exits with CODE
// at once, the others wait to be stopped. crash R: rank R kills itself with SIGKILL, the
// others wait. wait: every rank waits to be stopped. stubborn R: rank R ignores SIGTERM,
// the others exit 0.
// A rank that waits exits 3 once stopped, printing whose failure StopSignal reported.
//
//===----------------------------------------------------------------------===//

#include "runtime/dist/DistEnv.h"
#include "runtime/dist/Launcher.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

int main(int argc, char **argv) {
  using namespace dsc::dist;
  StopSignal::install();
  absl::StatusOr<DistEnv> env = parseDistEnv([](const char *n) { return std::getenv(n); });
  if (!env.ok()) {
    std::fprintf(stderr, "%s\n", std::string(env.status().message()).c_str());
    return 1;
  }
  std::string mode = argc > 1 ? argv[1] : "ok";
  int target = argc > 2 ? std::atoi(argv[2]) : -1;
  if (mode == "ok") {
    std::printf("rank %d of %d local %d at %s:%d\n", env->rank, env->worldSize, env->localRank,
                env->masterAddr.c_str(), env->masterPort);
    return 0;
  }
  if (mode == "stubborn") {
    if (env->rank != target)
      return 0;
    std::signal(SIGTERM, SIG_IGN);
    std::printf("rank %d ignores SIGTERM\n", env->rank);
    std::fflush(stdout);
    while (true)
      ::pause();
  }
  if (env->rank == target) {
    ::usleep(200 * 1000); // let the others start waiting
    if (mode == "fail")
      return argc > 3 ? std::atoi(argv[3]) : 1;
    if (mode == "crash")
      ::raise(SIGKILL);
  }
  // 60 s: far beyond any test's deadline, so a rank that was not stopped shows as slow.
  for (int i = 0; i < 600 && !StopSignal::requested(); ++i)
    ::usleep(100 * 1000);
  std::printf("rank %d stopped: %s\n", env->rank, StopSignal::reason().c_str());
  return 3;
}
