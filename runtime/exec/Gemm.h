//===- Gemm.h - Gemm steps through cuBLASLt ---------------------*- C++ -*-===//
//
// Every descriptor (matmul, four layouts, preference) and the algorithm are
// made once when the plan loads; a run only calls cublasLtMatmul, which is
// what makes the steps capturable into a CUDA graph.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_GEMM_H
#define DSC_RUNTIME_EXEC_GEMM_H

#include "runtime/schema/Artifact_generated.h"

#include "absl/status/statusor.h"

#include <cublasLt.h>
#include <cuda.h>

#include <memory>
#include <string>
#include <vector>

namespace dsc {

/// cuBLASLt's workspace for every Gemm step (they run one after another on
/// one stream, so one suffices). 32 MiB is what NVIDIA's cuBLAS
/// documentation recommends for Hopper (cublasSetWorkspace: "32 MiB for
/// Hopper, 4 MiB otherwise"); Hopper's fastest kernels (split-K, stream-K)
/// are only offered by the heuristic when it fits.
inline constexpr uint64_t kGemmWorkspaceBytes = 32ull << 20;

/// How many algorithms to ask cuBLASLt's heuristic for, to time at load.
inline constexpr int kGemmCandidates = 8;

class GemmPlan {
public:
  /// Builds the descriptors for `gemm` with its operands at the given device
  /// addresses (`d`: the output, `c` when 0; `aScale`, `bScale`: the fp8
  /// scales, 0 without a recipe) and
  /// asks the heuristic for an algorithm. Errors start with `where` (the
  /// step).
  static absl::StatusOr<std::unique_ptr<GemmPlan>>
  create(cublasLtHandle_t handle, const fb::Gemm &gemm, CUdeviceptr a,
         CUdeviceptr b, CUdeviceptr c, CUdeviceptr d, CUdeviceptr bias,
         CUdeviceptr aScale, CUdeviceptr bScale, CUdeviceptr workspace,
         const std::string &where);
  ~GemmPlan();
  GemmPlan(const GemmPlan &) = delete;
  GemmPlan &operator=(const GemmPlan &) = delete;

  /// Enqueues the product on `stream` (capturable).
  absl::Status run(CUstream stream) const;

  /// The algorithms cuBLASLt's heuristic offered (up to kGemmCandidates, best guess first);
  /// `select` makes one of them the one `run` uses (GemmTuning.h times them).
  size_t candidateCount() const { return candidates.size(); }
  size_t selected() const { return selectedIndex; }
  void select(size_t index) {
    selectedIndex = index;
    algo = candidates[index];
  }
  /// Identifies the problem (types, shapes, strides, epilogue, alignments): plans with equal
  /// keys get the same candidates and the same timings.
  const std::string &problemKey() const { return key; }

private:
  GemmPlan() = default;

  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t layoutA = nullptr, layoutB = nullptr,
                         layoutC = nullptr;
  cublasLtMatmulAlgo_t algo{};
  std::vector<cublasLtMatmulAlgo_t> candidates;
  size_t selectedIndex = 0;
  std::string key;
  CUdeviceptr a = 0, b = 0, c = 0, d = 0, workspace = 0;
  // The scalars in the scale type: float for 32F compute, double for 64F.
  float alpha32 = 1, beta32 = 0;
  double alpha64 = 1, beta64 = 0;
  bool scaleF64 = false;
  std::string where;
};

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_GEMM_H
