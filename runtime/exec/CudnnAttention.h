//===- CudnnAttention.h - Attention steps through cuDNN's fused SDPA -------===//
//
// An `Attention` step of the artifact runs as cuDNN 9's fused flash-attention
// engine. cuDNN has no C entry point for "attention": its backend API takes an
// operation graph, and the engine that fuses attention is chosen by the
// heuristics when the graph has the shape cuDNN documents for it ("Fused Flash
// Attention fprop" of the cuDNN developer guide, the graph cudnn-frontend's
// SDPA node builds): matmul Q.K^T, a scale, the causal mask as index
// generators, a compare and a select, the softmax as max / sub / exp / sum /
// div (with its log-sum-exp statistics), and matmul P.V. This file builds that
// graph with the C backend API (the C++ frontend is a header library that the
// runtime does not depend on).
//
// libcudnn.so.9 is opened with dlopen, as the driver is (Driver.h): dsrun
// starts and runs every other artifact on a machine without cuDNN, and an
// artifact with attention steps fails at load with a message saying what to
// install or how to recompile. DSC_CUDNN_LIBRARY names another file to open.
//
// Everything is built when the plan loads (descriptors, heuristics, the
// execution plan and its variant pack); a run is one cudnnBackendExecute on
// the executor's stream, which is what lets the step be captured into the
// plan's CUDA graph.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_CUDNNATTENTION_H
#define DSC_RUNTIME_EXEC_CUDNNATTENTION_H

#include "runtime/schema/Artifact_generated.h"

#include "absl/status/statusor.h"

#include <cuda.h>
#include <cudnn_graph.h>

#include <memory>
#include <string>
#include <vector>

namespace dsc {

#define DSC_CUDNN_FUNCTIONS(X)                                                                     \
  X(cudnnGetVersion)                                                                               \
  X(cudnnGetErrorString)                                                                           \
  X(cudnnGetLastErrorString)                                                                       \
  X(cudnnCreate)                                                                                   \
  X(cudnnDestroy)                                                                                  \
  X(cudnnSetStream)                                                                                \
  X(cudnnBackendCreateDescriptor)                                                                  \
  X(cudnnBackendDestroyDescriptor)                                                                 \
  X(cudnnBackendSetAttribute)                                                                      \
  X(cudnnBackendGetAttribute)                                                                      \
  X(cudnnBackendFinalize)                                                                          \
  X(cudnnBackendExecute)

/// The entries of libcudnn.so.9 that dsrun uses, typed from cudnn_graph.h.
struct CudnnApi {
#define DSC_CUDNN_MEMBER(name) decltype(&::name) name = nullptr;
  DSC_CUDNN_FUNCTIONS(DSC_CUDNN_MEMBER)
#undef DSC_CUDNN_MEMBER
};

/// Opens cuDNN once per process (DSC_CUDNN_LIBRARY, else libcudnn.so.9) and
/// resolves every entry; a library older than 9.0 is refused.
absl::StatusOr<const CudnnApi *> openCudnn();

/// One cuDNN handle bound to the executor's stream.
class CudnnContext {
public:
  static absl::StatusOr<std::unique_ptr<CudnnContext>> create(CUstream stream);
  ~CudnnContext();
  CudnnContext(const CudnnContext &) = delete;
  CudnnContext &operator=(const CudnnContext &) = delete;

  const CudnnApi &api() const { return *dnn; }
  cudnnHandle_t handle() const { return cudnn; }
  /// OK for CUDNN_STATUS_SUCCESS, else "`what`: CUDNN_STATUS_X (cuDNN's last
  /// error message)".
  absl::Status check(cudnnStatus_t status, const std::string &what) const;

private:
  CudnnContext(const CudnnApi *api) : dnn(api) {}
  const CudnnApi *dnn;
  cudnnHandle_t cudnn = nullptr;
};

class CudnnAttention {
public:
  /// Builds the graph of `attention` with its operands at the given device
  /// addresses and finalizes the first execution plan the heuristics offer
  /// that cuDNN accepts. Errors start with `where` (the step).
  static absl::StatusOr<std::unique_ptr<CudnnAttention>>
  create(const CudnnContext &context, const fb::Attention &attention, CUdeviceptr q, CUdeviceptr k,
         CUdeviceptr v, CUdeviceptr out, const std::string &where);
  ~CudnnAttention();
  CudnnAttention(const CudnnAttention &) = delete;
  CudnnAttention &operator=(const CudnnAttention &) = delete;

  /// Scratch the plan needs while it runs.
  uint64_t workspaceBytes() const { return workspace; }
  /// Binds the operands and `scratch` (at least workspaceBytes(); 0 when that
  /// is 0) into the variant pack. Once, before the first run.
  absl::Status bind(CUdeviceptr scratch);
  /// Enqueues the step on the context's stream (capturable).
  absl::Status run() const;
  /// The engine the heuristics chose, for messages ("engine 8").
  int64_t engine() const { return engineId; }

private:
  CudnnAttention(const CudnnContext &context, std::string where)
      : context(context), where(std::move(where)) {}
  class GraphBuilder;
  /// The finalized operation graph of `attention`.
  absl::StatusOr<cudnnBackendDescriptor_t> buildGraph(const fb::Attention &attention);
  /// Sets `plan` (and `workspace`, `engineId`) from the first engine config
  /// that finalizes; returns what failed on the way.
  std::string choosePlan(cudnnBackendDescriptor_t graph);

  const CudnnContext &context;
  std::string where;
  /// Every descriptor made, destroyed last to first.
  std::vector<cudnnBackendDescriptor_t> owned;
  cudnnBackendDescriptor_t plan = nullptr, pack = nullptr;
  uint64_t workspace = 0;
  int64_t engineId = -1;
  CUdeviceptr q = 0, k = 0, v = 0, out = 0;
  /// The by-value scalars of the graph; the variant pack points at them, so
  /// they live as long as the plan.
  float scale = 1, maskValue = 0;
  int32_t tq = 0, tk = 0;
  /// Whether the graph has the causal mask, and its tq != tk offset.
  bool hasMask = false, hasOffset = false;
};

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_CUDNNATTENTION_H
