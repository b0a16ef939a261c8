//===- PipelinePlan.h - a pipelined artifact, rank by rank ------*- C++ -*-===//
//
// A pipelined artifact (Artifact.pipeline) is one plan for every rank; the rank whose
// coordinate along the pipeline's mesh axis is r runs the steps of the stages placed on r,
// in plan order, loads only the params those stages read, and the last stage's first rank
// holds the outputs. This is that selection, and the check that the plan's order is the
// schedule's (runtime/support/PipelineSchedule.h), kept free of CUDA so that it is tested
// without a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ARTIFACT_PIPELINEPLAN_H
#define DSC_RUNTIME_ARTIFACT_PIPELINEPLAN_H

#include "runtime/artifact/Artifact.h"
#include "runtime/support/PipelineSchedule.h"

#include "absl/status/statusor.h"

#include <optional>
#include <vector>

namespace dsc {

/// The artifact's schedule; std::nullopt when it has no pipeline. Fails on a malformed step.
absl::StatusOr<std::optional<PipelineSchedule>> pipelineSchedule(const fb::Artifact &artifact);

/// Checks a pipelined artifact beyond what the verifier and checkArtifactSemantics see: the
/// schedule passes checkSchedule and has one rank per coordinate of its mesh axis; every step
/// names a stage, and every param's stages are in range; a Send (Recv) collective over the
/// pipeline axis is its stage's SF (RF) step and talks to the next (previous) stage's rank;
/// each rank's steps follow its schedule (compute in the schedule's micro-batch order, transfers
/// in the schedule's order, a micro-batch's receives all before its first compute step and its
/// sends after that: a send on the communication stream may be posted before the rest of its
/// micro-batch's compute); a step waits only on events its own rank records; and where the
/// ranks have their own memory (PipelineRank.memory), it is at most the whole regions and holds
/// every param the rank reads and every input and output (a step's buffers are checked against
/// its rank's regions by checkArtifactSemantics). OK for an artifact without a pipeline. Errors
/// name the step, the param or the rank.
absl::Status checkPipelinePlan(const fb::Artifact &artifact);

/// The mesh coordinates of `rank` (row-major, the last axis fastest; Artifact.fbs).
std::vector<int64_t> meshCoordinates(const fb::Artifact &artifact, int64_t rank);

/// The pipeline coordinate of the rank at `coords`; 0 without a pipeline.
int64_t pipelineRankOf(const fb::Artifact &artifact, const std::vector<int64_t> &coords);

/// Whether the rank at `coords` runs step `index` (every step without a pipeline).
bool rankRunsStep(const fb::Artifact &artifact, size_t index, const std::vector<int64_t> &coords);

/// The indices of the steps the rank at `coords` runs, in order.
std::vector<size_t> stepsOfRank(const fb::Artifact &artifact, const std::vector<int64_t> &coords);

/// Whether the rank at `coords` loads params[index]: its stages (empty: all) include one the
/// rank runs.
bool rankReadsParam(const fb::Artifact &artifact, size_t index, const std::vector<int64_t> &coords);

/// The bytes of the regions a rank allocates.
struct RegionBytes {
  uint64_t params = 0, arena = 0;
};

/// What the rank at pipeline coordinate `ppRank` allocates: its PipelineRank.memory where the
/// artifact gives it, else the whole regions (Artifact.param_bytes, arena_bytes). A rank out of
/// range gets the whole regions.
RegionBytes pipelineRankRegions(const fb::Artifact &artifact, int64_t ppRank);

/// The rank that holds the outputs and reports them: 0, or with a pipeline the rank whose
/// pipeline coordinate holds the last stage and whose other coordinates are 0.
int64_t outputRank(const fb::Artifact &artifact);

/// The pipeline action of step `index` (Forward for a compute step, SendForward and
/// RecvForward for the transfers); std::nullopt for a step of no micro-batch.
std::optional<PipelineAction> pipelineActionOf(const fb::Artifact &artifact, size_t index);

} // namespace dsc

#endif // DSC_RUNTIME_ARTIFACT_PIPELINEPLAN_H
