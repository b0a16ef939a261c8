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
// One stream: steps run in plan order, which satisfies every wait_events
// edge (an event is recorded by an earlier step), so the plan's streams and
// events are not needed for correctness; running them concurrently is later
// work.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_EXECUTOR_H
#define DSC_RUNTIME_EXEC_EXECUTOR_H

#include "runtime/artifact/Artifact.h"
#include "runtime/exec/CudnnAttention.h"
#include "runtime/exec/Device.h"
#include "runtime/exec/Gemm.h"
#include "runtime/exec/GemmTuning.h"
#include "runtime/exec/Nccl.h"
#include "runtime/support/HostArray.h"

#include "absl/status/statusor.h"

#include <memory>
#include <vector>

namespace dsc {

struct ExecutorOptions {
  /// Timed runs of each cuBLASLt candidate at load (GemmTuning.h); 0 keeps the heuristic's
  /// first pick.
  int gemmTuneIterations = 0;
};

struct BenchResult {
  double medianMs = 0, minMs = 0, maxMs = 0;
};

class Executor {
public:
  /// `artifact` and `device` must outlive the executor.
  /// A plan with collective steps needs `comms` (which must outlive the executor); it then
  /// runs step by step on its stream rather than as a CUDA graph, and every wait polls the
  /// communicators (Nccl.h) so that a failed peer ends the run instead of hanging it.
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
  /// `warmup` replays, then `iterations` timed one by one with events.
  absl::StatusOr<BenchResult> bench(int warmup, int iterations);
  /// Each step's median time over `iterations` runs of the plan, step by step
  /// on its stream outside the graph, between CUDA events (after one warm-up
  /// run). Launch gaps are not in it; steps on other streams overlap, so the
  /// times of a multi-stream plan are upper bounds.
  absl::StatusOr<std::vector<double>> profile(int iterations);
  /// What tuning the GEMMs at load found (all zero without ExecutorOptions::gemmTuneIterations).
  const GemmTuningReport &gemmTuning() const { return tuning; }

private:
  Executor(const Device &device, const LoadedArtifact &artifact, Communicators *comms)
      : device(device), loaded(artifact), plan(artifact.artifact()), comms(comms) {}

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
  absl::Status enqueueStep(size_t index);
  CUdeviceptr address(const fb::BufferRef &ref) const;
  CUdeviceptr bufferAddress(uint32_t buffer) const;
  std::string where(size_t step) const { return describeStep(plan, step); }
  absl::Status copyTensor(const fb::TensorInfo &info, const HostArray &array,
                          absl::string_view what);

  const Device &device;
  const LoadedArtifact &loaded;
  const fb::Artifact &plan;
  Communicators *comms;
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
  CUstream stream = nullptr;
  CUgraph graph = nullptr;
  CUgraphExec graphExec = nullptr;
  GemmTuningReport tuning;
};

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_EXECUTOR_H
