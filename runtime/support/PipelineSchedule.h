//===- PipelineSchedule.h - pipeline schedules: format, check, cost -*- C++ -*-===//
//
// A pipeline schedule says, for every rank of the `pp` axis, which steps it runs in which
// order: compute a (virtual) stage on a micro-batch, or send / receive the tensors that cross
// from one stage to the next. The compiler writes it into the plan (`dsc.pipeline`), the
// runtime checks it before running it, and both predict its time from per-stage costs. It
// lives here, in the LLVM-free support library, because both sides need the same reader and
// checker. docs/pipeline.md describes the format, with fill-and-drain (the only one generated
// now), 1F1B, interleaved virtual stages and DualPipe written in it.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_PIPELINESCHEDULE_H
#define DSC_RUNTIME_SUPPORT_PIPELINESCHEDULE_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc {

enum class PipelineAction {
  Forward,      // F: the stage's forward computation on the micro-batch
  Backward,     // B: its backward computation (activation gradients)
  WeightGrad,   // W: its weight gradients, split from B (zero-bubble schedules, DualPipe)
  SendForward,  // SF: send the stage's outputs to the next stage of its chain
  RecvForward,  // RF: receive the stage's inputs from the previous stage of its chain
  SendBackward, // SB: send the gradients of the stage's inputs to the previous stage
  RecvBackward, // RB: receive the gradients of the stage's outputs from the next stage
};

struct PipelineStep {
  PipelineAction action;
  int64_t stage = 0; // virtual stage
  int64_t microbatch = 0;
  /// Runs together with the previous step (DualPipe overlaps a forward and a backward chunk);
  /// written `+` before the step.
  bool overlapsPrevious = false;

  bool operator==(const PipelineStep &o) const {
    return action == o.action && stage == o.stage && microbatch == o.microbatch &&
           overlapsPrevious == o.overlapsPrevious;
  }
};

struct PipelineSchedule {
  std::string kind; // "fill-drain", "1f1b", "interleaved-1f1b", "dualpipe", ...
  int64_t microbatches = 0;
  /// Rank (pp coordinate) of each virtual stage; its size is the number of virtual stages.
  std::vector<int64_t> placement;
  /// Virtual stages per chain: stage v's predecessor is v - 1 unless v is the first of its
  /// chain (v % chainLength == 0). One chain normally; DualPipe has two, one per direction.
  int64_t chainLength = 0;
  /// Ordered steps per rank (pp coordinate).
  std::vector<std::vector<PipelineStep>> steps;

  int64_t numRanks() const { return static_cast<int64_t>(steps.size()); }
  int64_t numStages() const { return static_cast<int64_t>(placement.size()); }
};

/// `F1.3` is (Forward, stage 1, micro-batch 3); `+B0.2` overlaps the previous step.
std::string formatStep(const PipelineStep &step);
absl::StatusOr<PipelineStep> parseStep(absl::string_view text);

/// GPipe's fill-and-drain for a forward-only model: rank s runs stage s; for every
/// micro-batch in order it receives (s > 0), computes, and sends (s < stages - 1).
PipelineSchedule fillDrainSchedule(int64_t stages, int64_t microbatches);

/// Checks that the schedule is well formed and runs to its end: stages and micro-batches in
/// range, each stage's steps on the rank that holds it, every micro-batch through every stage
/// of one chain exactly once, every send matched by the receive on the peer (same stage pair,
/// same micro-batch, same order), and no deadlock when sends and receives rendezvous (as
/// NCCL's do for sizes above its buffers). Errors name the rank, the step and its position.
absl::Status checkSchedule(const PipelineSchedule &schedule);

struct ScheduleTiming {
  double seconds = 0; // makespan
  /// Idle fraction of the ranks over the makespan: 1 - sum(busy) / (ranks * makespan).
  double bubble = 0;
};

/// Predicts the schedule's time: stage v's forward takes forwardSeconds[v] per micro-batch
/// (backward twice that, weight gradients once), a send-receive pair takes transferSeconds[v]
/// for the tensors leaving v, and a rank runs one step at a time (overlapped pairs together,
/// for the longer of the two). The schedule must pass checkSchedule.
ScheduleTiming simulateSchedule(const PipelineSchedule &schedule,
                                const std::vector<double> &forwardSeconds,
                                const std::vector<double> &transferSeconds);

/// (p - 1) / (m + p - 1): the idle fraction of fill-and-drain with equal stages and free
/// transfers.
double idealFillDrainBubble(int64_t stages, int64_t microbatches);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_PIPELINESCHEDULE_H
