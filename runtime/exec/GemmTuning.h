//===- GemmTuning.h - Picks each GEMM's fastest cuBLASLt algorithm -*- C++ -*-===//
//
// cuBLASLt's heuristic ranks its algorithms by a model, not by running them, and its first
// pick is not always the fastest on the device at hand. At load, before the plan is captured,
// each distinct GEMM problem (GemmPlan::problemKey) runs every candidate the heuristic
// offered on the plan's own buffers and keeps the fastest: the tactic selection of TensorRT,
// or torch.compile's max-autotune for GEMMs, at the cost of a few milliseconds per problem.
// The buffers hold no data yet at load, so the runs write nothing anyone reads. TF32 GEMMs
// keep the heuristic's pick (Gemm.cpp says why).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_GEMMTUNING_H
#define DSC_RUNTIME_EXEC_GEMMTUNING_H

#include "runtime/exec/Device.h"
#include "runtime/exec/Gemm.h"

#include "absl/status/statusor.h"

#include <memory>
#include <vector>

namespace dsc {

struct GemmTuningReport {
  int problems = 0;       // distinct GEMM problems timed
  int changed = 0;        // of them, how many got another algorithm than the heuristic's first
  double heuristicMs = 0; // the heuristic's picks, summed over every GEMM step, one run each
  double tunedMs = 0;     // the chosen algorithms, the same way
};

/// Times each candidate of each distinct problem among `gemms` (null entries are skipped)
/// `iterations` times on `stream`, after one warm-up run, and selects the fastest by median.
/// A candidate that fails to run is skipped; if all fail, the error of the first is returned.
absl::StatusOr<GemmTuningReport> tuneGemms(const Device &device, CUstream stream,
                                           const std::vector<std::unique_ptr<GemmPlan>> &gemms,
                                           int iterations);

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_GEMMTUNING_H
