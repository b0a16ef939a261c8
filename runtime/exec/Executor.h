//===- Executor.h - Runs a loaded artifact on one GPU -----------*- C++ -*-===//
//
// create() does everything that can fail before the first run: it picks the
// image for the device's arch, loads every module and kernel, checks free
// memory against the plan before allocating, allocates the arena and the
// parameter region (cuMemAlloc aligns to 256 bytes, which Buffer.alignment
// relies on), and builds the cuBLASLt descriptors, the cuDNN plans of
// attention steps (CudnnAttention.h; cuDNN is opened only for an artifact
// that has them) and kernel argument arrays. The whole plan is then
// captured once into a CUDA graph on one stream and replayed.
//
// Streams: one CUstream per plan stream, one CUevent per plan event. Each
// step waits for its wait_events on its own stream, runs, and records its
// record_event, so a collective on a communication stream runs beside the
// compute stream (dsc-schedule-collectives plans that). Each run forks every
// stream from stream 0 and joins them back, so that the CUDA graph captured
// from stream 0 holds them all and a run ends when stream 0 does. GEMMs and
// cuDNN attention share one workspace and one handle, so they must stay on
// stream 0 (checked at create). Plans with collectives are captured too
// (NCCL kernels are graph-capturable); `useGraph = false` runs any plan step
// by step instead.
//
// A pipelined plan (Artifact.pipeline): the rank runs only the steps of its pipeline stage
// (PipelinePlan.h's stepsOfRank), in plan order, which the loader checked is its schedule's;
// the sends and receives of one pipeline step are posted as one NCCL group in runs and in the
// graph (not in --profile and --trace, which time each step alone).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_EXECUTOR_H
#define DSC_RUNTIME_EXEC_EXECUTOR_H

#include "runtime/artifact/Artifact.h"
#include "runtime/artifact/PipelinePlan.h"
#include "runtime/exec/CudnnAttention.h"
#include "runtime/exec/Device.h"
#include "runtime/exec/Gemm.h"
#include "runtime/exec/GemmTuning.h"
#include "runtime/exec/Nccl.h"
#include "runtime/exec/Trace.h"
#include "runtime/support/HostArray.h"

#include "absl/status/statusor.h"

#include <memory>
#include <vector>

namespace dsc {

struct ExecutorOptions {
  /// Timed runs of each cuBLASLt candidate at load (GemmTuning.h); 0 keeps the heuristic's
  /// first pick.
  int gemmTuneIterations = 0;
  /// Capture the plan into a CUDA graph and replay it; false enqueues the steps one by one.
  bool useGraph = true;
};

struct BenchResult {
  double medianMs = 0, minMs = 0, maxMs = 0;
  int warmupReplays = 0;       ///< how many untimed replays ran first
  std::vector<double> timesMs; ///< every timed replay, in the order they ran
};

class Executor {
public:
  /// `artifact` and `device` must outlive the executor.
  /// A plan with collective steps needs `comms` (which must outlive the executor); every
  /// wait then polls the communicators (Nccl.h) so that a failed peer ends the run instead of
  /// hanging it. Without `options.useGraph`, runs enqueue the steps one by one (no CUDA graph).
  static absl::StatusOr<std::unique_ptr<Executor>> create(const Device &device,
                                                          const LoadedArtifact &artifact,
                                                          Communicators *comms = nullptr,
                                                          const ExecutorOptions &options = {});
  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  /// Copies params[index]'s bytes to the device.
  absl::Status uploadParam(size_t index, const HostArray &array);
  /// Copies inputs[index]'s bytes into the arena.
  absl::Status uploadInput(size_t index, const HostArray &array);
  /// One replay of the plan, waited for.
  absl::Status run();
  /// outputs[index], read back after run().
  absl::StatusOr<HostArray> downloadOutput(size_t index) const;
  /// Untimed replays until at least `minWarmup` ran and `warmupMs` of wall time passed (so the
  /// GPU's clocks have settled, as triton's do_bench warms up by time), then `iterations` timed
  /// one by one with events.
  absl::StatusOr<BenchResult> bench(int minWarmup, double warmupMs, int iterations);
  /// Each step's median time over `iterations` runs of the plan, step by step
  /// on its stream outside the graph, between CUDA events (after one warm-up
  /// run). Launch gaps are not in it; steps on other streams overlap, so the
  /// times of a multi-stream plan are upper bounds.
  absl::StatusOr<std::vector<double>> profile(int iterations);
  /// What tuning the GEMMs at load found (all zero without ExecutorOptions::gemmTuneIterations).
  const GemmTuningReport &gemmTuning() const { return tuning; }
  /// One traced run: after one warm-up run, the steps are enqueued one by one (not as the
  /// graph) with a timing event recorded on each step's own stream just before and just after
  /// it; slice times are in microseconds from the run's start. Costs one step-by-step run, and
  /// its slices include what the graph saves: launch gaps between short steps. `rank` is the
  /// slices' pid.
  absl::StatusOr<std::vector<TraceSlice>> trace(int rank);

private:
  Executor(const Device &device, const LoadedArtifact &artifact, Communicators *comms,
           bool useGraph)
      : device(device), loaded(artifact), plan(artifact.artifact()), comms(comms),
        useGraph(useGraph) {}

  struct Launch {
    CUfunction function = nullptr;
    /// One 8-byte slot per argument, and kernelParams pointing at them.
    std::vector<uint64_t> slots;
    std::vector<void *> params;
  };

  absl::Status loadModules();
  absl::Status prepareSteps();
  absl::Status prepareAttention(size_t index, const fb::Attention &attention);
  absl::Status bindAttention();
  absl::Status allocate();
  absl::Status capture();
  absl::Status createStreams();
  /// The step's operation alone, on its stream (no waits, no events).
  absl::Status enqueueOp(size_t index);
  /// Which steps post their NCCL calls as one group (groupRole).
  void planGroups();
  /// Its waits, the operation, its event.
  absl::Status enqueueStep(size_t index);
  absl::Status enqueueWaits(size_t index);
  absl::Status enqueueRecord(size_t index);
  /// Every other stream waits for stream 0 (fork) / stream 0 waits for every other (join).
  absl::Status forkStreams();
  absl::Status joinStreams();
  /// Every step between a fork and a join.
  absl::Status enqueuePlan();
  /// Waits for stream 0 (which the join makes wait for every stream).
  absl::Status finish(const std::string &what);
  CUstream streamOf(size_t index) const;
  CUdeviceptr address(const fb::BufferRef &ref) const;
  CUdeviceptr bufferAddress(uint32_t buffer) const;
  std::string where(size_t step) const { return describeStep(plan, step); }

  /// A step's place in an NCCL group of transfers (ncclGroupStart before the first,
  /// ncclGroupEnd after the last).
  enum class GroupRole : uint8_t { None, First, Middle, Last };
  absl::Status copyTensor(const fb::TensorInfo &info, const HostArray &array,
                          absl::string_view what);

  const Device &device;
  const LoadedArtifact &loaded;
  const fb::Artifact &plan;
  Communicators *comms;
  bool useGraph;
  std::vector<CUmodule> modules;
  /// functions[module][kernel].
  std::vector<std::vector<CUfunction>> functions;
  std::vector<Launch> launches;
  std::vector<std::unique_ptr<GemmPlan>> gemms;
  cublasLtHandle_t blas = nullptr;
  std::unique_ptr<CudnnContext> cudnn;
  /// By step index; null for other steps.
  std::vector<std::unique_ptr<CudnnAttention>> attentions;
  CUdeviceptr attentionWorkspace = 0;
  CUdeviceptr arena = 0, params = 0, workspace = 0;
  /// Stream 0 of the plan: compute, uploads, downloads and graph launches.
  CUstream stream = nullptr;
  /// streams[0] is `stream`.
  std::vector<CUstream> streams;
  /// The plan's events (no timing), then the fork and one join event per stream.
  std::vector<CUevent> events;
  CUevent forkEvent = nullptr;
  std::vector<CUevent> joinEvents;
  CUgraph graph = nullptr;
  CUgraphExec graphExec = nullptr;
  GemmTuningReport tuning;
  /// The indices of the steps this rank runs, in order: all of them but in a pipeline.
  std::vector<size_t> order;
  /// The bytes of this rank's arena and parameter region: in a pipeline, its stages' only.
  RegionBytes rankRegions;
  /// By step index.
  std::vector<GroupRole> groupRole;
  /// Set while enqueuePlan runs: only whole-plan runs group transfers.
  bool groupTransfers = false;
};

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_EXECUTOR_H
