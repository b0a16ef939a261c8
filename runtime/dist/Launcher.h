//===- Launcher.h - `dsrun -n N`: N local ranks, one per GPU ---*- C++ -*-===//
//
// The parent forks and execs `program` N times with the torchrun-style environment
// (RANK, WORLD_SIZE, LOCAL_RANK = rank, MASTER_ADDR = 127.0.0.1, a free MASTER_PORT), forwards
// SIGINT and SIGTERM to every child, and returns the worst exit code. When a child fails
// (non-zero exit or a signal), it names the rank on stderr and sends every other child SIGTERM
// through sigqueue with the failed rank as the signal's value, so they can say whose failure
// stopped them (StopSignal below) and abort their NCCL communicators; children still alive
// after `grace` get SIGKILL. So every rank ends within `grace` of the first failure, plus
// the time the kernel takes to reap it.
//
// The child side, StopSignal, records the first SIGTERM / SIGINT and who sent it; long waits
// (NCCL initialization, collectives) poll it.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_DIST_LAUNCHER_H
#define DSC_RUNTIME_DIST_LAUNCHER_H

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include <string>
#include <vector>

namespace dsc::dist {

struct LaunchOptions {
  int numProcesses = 1;
  /// Executed as is (an absolute path, or /proc/self/exe).
  std::string program;
  /// argv[1...] of every child.
  std::vector<std::string> args;
  /// From the first failure to SIGKILL for the ranks still running. 20 s leaves room inside
  /// the 60 s every rank must end in, for a rank that first aborts its communicators.
  absl::Duration grace = absl::Seconds(20);
  /// Extra variables for every child ("NAME=value").
  std::vector<std::string> extraEnv;
};

/// Runs the ranks to completion. The result is the worst exit code (a child killed by signal
/// S counts as 128 + S); an error only when the children could not be started.
absl::StatusOr<int> launchLocal(const LaunchOptions &options);

/// The child side: which stop request arrived, if any.
class StopSignal {
public:
  /// Installs the SIGTERM / SIGINT handler (once per process).
  static void install();
  /// A SIGTERM or SIGINT arrived.
  static bool requested();
  /// The rank whose failure the launcher reported with the signal; -1 when the signal came
  /// from elsewhere (a user's Ctrl-C, a scheduler) or none came.
  static int failedRank();
  /// "rank 2 failed" or "signal 15 (Terminated)" for messages.
  static std::string reason();
};

} // namespace dsc::dist

#endif // DSC_RUNTIME_DIST_LAUNCHER_H
