//===- Trace.h - Chrome / Perfetto traces of a plan's steps -----*- C++ -*-===//
//
// `dsrun --trace FILE` times every step of one run between CUDA events recorded on the step's
// own stream (Executor::trace) and writes them in the Chrome trace-event JSON format, which
// Perfetto (ui.perfetto.dev) and chrome://tracing open: one process per rank (pid = rank), one
// thread per stream (tid = stream), one complete ("X") slice per step named for what it does
// (the kernel, the GEMM's shape, the collective's kind and bytes). This half needs no GPU: the
// slice names, the JSON writer and the summary (busy time per stream, communication time and
// how much of it ran while compute ran) are unit-tested without one.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_TRACE_H
#define DSC_RUNTIME_EXEC_TRACE_H

#include "runtime/artifact/Artifact.h"

#include "absl/status/status.h"
#include "absl/types/span.h"

#include <string>
#include <utility>
#include <vector>

namespace dsc {

struct TraceSlice {
  int rank = 0;
  uint32_t stream = 0;
  size_t step = 0;
  std::string name;
  /// Collectives and send/recv; everything else is compute.
  bool communication = false;
  double startUs = 0, durationUs = 0;
  /// Shown in the slice's details: shapes, dtypes, bytes, the dsc op and its source line.
  std::vector<std::pair<std::string, std::string>> args;
};

/// The slice of plan step `index` (untimed): its name and details, from the artifact alone.
TraceSlice describeTraceStep(const fb::Artifact &plan, size_t index, int rank);

/// The trace-event JSON of `slices`, with process and thread names ("rank 0", "stream 1").
std::string traceJson(absl::Span<const TraceSlice> slices);

/// Writes traceJson(slices) to `path` (atomically: no partial file on failure).
absl::Status writeTrace(const std::string &path, absl::Span<const TraceSlice> slices);

/// Where rank `rank` of `worldSize` writes its trace: `path` itself for one rank, else
/// `trace.rank1.json` for `trace.json` (one file per process; Perfetto opens them together).
std::string rankTracePath(const std::string &path, int rank, int worldSize);

struct StreamUsage {
  int rank = 0;
  uint32_t stream = 0;
  double busyUs = 0;          // union of the stream's slices
  double communicationUs = 0; // union of its communication slices
};

struct TraceSummary {
  std::vector<StreamUsage> streams;
  /// Per rank, summed over ranks: the union of compute slices, of communication slices, and
  /// the part of the communication union that lies inside the compute union (hidden).
  double computeUs = 0, communicationUs = 0, hiddenUs = 0;
  /// Time from the first slice's start to the last slice's end, the longest over ranks.
  double spanUs = 0;
  double hiddenFraction() const { return communicationUs > 0 ? hiddenUs / communicationUs : 0; }
};

TraceSummary summarizeTrace(absl::Span<const TraceSlice> slices);

/// The summary as printed by dsrun: one line per stream, then the totals.
std::string formatTraceSummary(const TraceSummary &summary);

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_TRACE_H
