//===- GemmTuning.cpp - Picks each GEMM's fastest cuBLASLt algorithm ------===//

#include "runtime/exec/GemmTuning.h"

#include "absl/strings/match.h"

#include <algorithm>
#include <map>

namespace dsc {

namespace {

/// Two events and the driver: times `iterations` runs of one GEMM on a stream.
class GemmTimer {
public:
  GemmTimer(const Device &device, CUstream stream) : device(device), stream(stream) {}
  ~GemmTimer() {
    if (start)
      device.driver().cuEventDestroy(start);
    if (stop)
      device.driver().cuEventDestroy(stop);
  }

  bool deviceFailed() const { return failed; }

  absl::Status init() {
    const Driver &cu = device.driver();
    if (absl::Status s = device.check(cu.cuEventCreate(&start, CU_EVENT_DEFAULT), "cuEventCreate");
        !s.ok())
      return s;
    return device.check(cu.cuEventCreate(&stop, CU_EVENT_DEFAULT), "cuEventCreate");
  }

  /// Median milliseconds of one run over `iterations`, after a warm-up run.
  absl::StatusOr<double> time(const GemmPlan &gemm, int iterations) {
    const Driver &cu = device.driver();
    if (absl::Status s = gemm.run(stream); !s.ok())
      return s;
    std::vector<double> times;
    for (int i = 0; i < iterations; ++i) {
      absl::Status s = device.check(cu.cuEventRecord(start, stream), "cuEventRecord");
      if (s.ok())
        s = gemm.run(stream);
      if (s.ok())
        s = device.check(cu.cuEventRecord(stop, stream), "cuEventRecord");
      if (s.ok())
        s = device.check(cu.cuEventSynchronize(stop), "cuEventSynchronize");
      float ms = 0;
      if (s.ok())
        s = device.check(cu.cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime");
      if (!s.ok()) {
        failed = !absl::StrContains(s.message(), "cublasLtMatmul");
        return s;
      }
      times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
  }

private:
  const Device &device;
  CUstream stream;
  CUevent start = nullptr, stop = nullptr;
  bool failed = false;
};

struct Choice {
  size_t index = 0;
  double firstMs = 0, bestMs = 0;
};

} // namespace

absl::StatusOr<GemmTuningReport> tuneGemms(const Device &device, CUstream stream,
                                           const std::vector<std::unique_ptr<GemmPlan>> &gemms,
                                           int iterations) {
  GemmTuningReport report;
  if (iterations <= 0)
    return report;
  GemmTimer timer(device, stream);
  if (absl::Status s = timer.init(); !s.ok())
    return s;
  std::map<std::string, Choice> chosen;
  for (const std::unique_ptr<GemmPlan> &gemm : gemms) {
    if (!gemm)
      continue;
    auto found = chosen.find(gemm->problemKey());
    if (found == chosen.end()) {
      Choice choice;
      absl::Status firstError = absl::OkStatus();
      bool any = false;
      for (size_t c = 0; c < gemm->candidateCount(); ++c) {
        gemm->select(c);
        absl::StatusOr<double> ms = timer.time(*gemm, iterations);
        if (!ms.ok()) {
          // A CUDA error leaves the context unusable: stop there. cuBLASLt refusing one
          // candidate only drops that candidate.
          if (timer.deviceFailed())
            return ms.status();
          if (firstError.ok())
            firstError = ms.status();
          continue;
        }
        if (c == 0)
          choice.firstMs = *ms;
        if (!any || *ms < choice.bestMs) {
          choice.bestMs = *ms;
          choice.index = c;
        }
        any = true;
      }
      if (!any)
        return firstError;
      if (choice.firstMs == 0) // the heuristic's first pick failed to run
        choice.firstMs = choice.bestMs;
      ++report.problems;
      report.changed += choice.index != 0;
      found = chosen.emplace(gemm->problemKey(), choice).first;
    }
    gemm->select(found->second.index);
    report.heuristicMs += found->second.firstMs;
    report.tunedMs += found->second.bestMs;
  }
  return report;
}

} // namespace dsc
