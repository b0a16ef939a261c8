//===- PipelinePlan.cpp - a pipelined artifact, rank by rank --------------===//

#include "runtime/artifact/PipelinePlan.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace dsc {

namespace {

template <typename T> size_t sizeOf(const flatbuffers::Vector<T> *v) { return v ? v->size() : 0; }

using StepKey = std::tuple<PipelineAction, int64_t, int64_t>; // (action, stage, micro-batch)

/// The steps of one pipeline rank: their schedule steps in order (repeats of one merged),
/// compute and transfers apart, and the first and last plan index of each.
struct RankSteps {
  std::vector<StepKey> compute, transfers;
  std::map<StepKey, std::pair<size_t, size_t>> span;
};

bool isPipelineTransfer(const fb::Artifact &a, const fb::Collective &c) {
  return (c.kind() == fb::CollectiveKind::Send || c.kind() == fb::CollectiveKind::Recv) &&
         sizeOf(c.mesh_axes()) == 1 && c.mesh_axes()->Get(0) == a.pipeline()->mesh_axis();
}

/// A micro-batch's receives are posted before its compute starts; its sends after that (a
/// send on the communication stream may start before the rest of the compute: its event
/// orders it after the step that wrote its buffer).
absl::Status checkMicrobatchOrder(const RankSteps &seen, int64_t rank) {
  for (const auto &[key, span] : seen.span) {
    auto [action, stage, mb] = key;
    if (action != PipelineAction::Forward)
      continue;
    auto recv = seen.span.find({PipelineAction::RecvForward, stage, mb});
    auto send = seen.span.find({PipelineAction::SendForward, stage, mb});
    if (recv != seen.span.end() && recv->second.second > span.first)
      return absl::InvalidArgumentError(
          absl::StrCat("pipeline rank ", rank, ": step ", recv->second.second, " (",
                       formatStep({PipelineAction::RecvForward, stage, mb}), ") comes after step ",
                       span.first, " (", formatStep({PipelineAction::Forward, stage, mb}), ")"));
    if (send != seen.span.end() && send->second.first < span.first)
      return absl::InvalidArgumentError(
          absl::StrCat("pipeline rank ", rank, ": step ", send->second.first, " (",
                       formatStep({PipelineAction::SendForward, stage, mb}), ") comes before step ",
                       span.first, " (", formatStep({PipelineAction::Forward, stage, mb}), ")"));
  }
  return absl::OkStatus();
}

/// The steps of pipeline rank `rank` against its schedule (checkPipelinePlan).
absl::Status checkRank(const fb::Artifact &a, const PipelineSchedule &s, int64_t rank) {
  RankSteps seen;
  std::vector<bool> recorded(a.num_events(), false);
  for (size_t i = 0; i < sizeOf(a.steps()); ++i) {
    const fb::Step &step = *a.steps()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (s.placement[step.stage()] != rank)
      continue;
    std::string where = describeStep(a, i);
    for (size_t w = 0; w < sizeOf(step.wait_events()); ++w)
      if (!recorded[step.wait_events()->Get(static_cast<flatbuffers::uoffset_t>(w))])
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": waits on event ", step.wait_events()->Get(w),
                         ", which no earlier step of pipeline rank ", rank, " records"));
    if (step.record_event() >= 0)
      recorded[step.record_event()] = true;
    std::optional<PipelineAction> action = pipelineActionOf(a, i);
    if (!action)
      continue;
    if (step.microbatch() >= s.microbatches)
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": micro-batch ", step.microbatch(), " of ", s.microbatches));
    StepKey key{*action, step.stage(), step.microbatch()};
    bool transfer = *action != PipelineAction::Forward;
    if (transfer) {
      int64_t next = *action == PipelineAction::SendForward ? step.stage() + 1 : step.stage() - 1;
      bool inChain =
          next >= 0 && next < s.numStages() && next / s.chainLength == step.stage() / s.chainLength;
      int32_t peer = step.op_as_Collective()->peer();
      if (!inChain || s.placement[next] != peer)
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": ", formatStep({*action, step.stage(), step.microbatch()}), " talks to rank ",
            peer, " of the pipeline, not to the rank of stage ", next));
    }
    std::vector<StepKey> &order = transfer ? seen.transfers : seen.compute;
    if (order.empty() || order.back() != key)
      order.push_back(key);
    auto [it, fresh] = seen.span.insert({key, {i, i}});
    it->second.second = i;
  }
  std::vector<StepKey> compute, transfers;
  for (const PipelineStep &step : s.steps[rank])
    (step.action == PipelineAction::Forward ? compute : transfers)
        .push_back({step.action, step.stage, step.microbatch});
  auto describe = [](const std::vector<StepKey> &keys) {
    std::string out;
    for (const auto &[action, stage, mb] : keys)
      absl::StrAppend(&out, out.empty() ? "" : " ", formatStep({action, stage, mb}));
    return out.empty() ? std::string("nothing") : out;
  };
  if (seen.compute != compute)
    return absl::InvalidArgumentError(absl::StrCat("pipeline rank ", rank, ": the plan computes ",
                                                   describe(seen.compute), ", its schedule ",
                                                   describe(compute)));
  if (seen.transfers != transfers)
    return absl::InvalidArgumentError(
        absl::StrCat("pipeline rank ", rank, ": the plan's transfers are ",
                     describe(seen.transfers), ", its schedule's ", describe(transfers)));
  return checkMicrobatchOrder(seen, rank);
}

} // namespace

namespace {

/// Pipeline rank `rank`'s own memory (PipelineRank.memory) against the whole regions, the params
/// it loads and the inputs and outputs every rank keeps at the start of its arena.
absl::Status checkRankMemory(const fb::Artifact &a, int64_t rank) {
  const fb::PipelineRankMemory *memory =
      a.pipeline()->ranks()->Get(static_cast<flatbuffers::uoffset_t>(rank))->memory();
  if (!memory)
    return absl::OkStatus();
  std::string where = absl::StrCat("pipeline rank ", rank);
  if (memory->param_bytes() > a.param_bytes() || memory->arena_bytes() > a.arena_bytes())
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": its memory (parameters ", memory->param_bytes(), " bytes, arena ",
                     memory->arena_bytes(), " bytes) exceeds the whole regions (", a.param_bytes(),
                     ", ", a.arena_bytes(), ")"));
  auto fits = [&](const fb::TensorInfo &tensor, uint64_t region, absl::string_view what,
                  absl::string_view regionName) -> absl::Status {
    if (tensor.buffer() >= sizeOf(a.buffers()))
      return absl::OkStatus(); // checkTensors reports it
    const fb::Buffer &buffer = *a.buffers()->Get(tensor.buffer());
    if (buffer.offset() <= region && buffer.size() <= region - buffer.offset())
      return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", tensor.name() ? tensor.name()->str() : "", "': bytes [",
                     buffer.offset(), ", ", buffer.offset() + buffer.size(), ") lie outside ",
                     where, "'s ", region, "-byte ", regionName));
  };
  const fb::Pipeline &p = *a.pipeline();
  for (size_t i = 0; i < sizeOf(a.params()); ++i) {
    const fb::TensorInfo &param = *a.params()->Get(static_cast<flatbuffers::uoffset_t>(i));
    bool reads = sizeOf(param.stages()) == 0;
    for (size_t k = 0; k < sizeOf(param.stages()); ++k) {
      uint32_t stage = param.stages()->Get(static_cast<flatbuffers::uoffset_t>(k));
      reads |= stage < sizeOf(p.placement()) && p.placement()->Get(stage) == rank;
    }
    if (absl::Status st = fits(param, memory->param_bytes(), "param", "parameter region");
        reads && !st.ok())
      return st;
  }
  for (auto [table, what] : {std::pair{a.inputs(), "input"}, std::pair{a.outputs(), "output"}})
    for (size_t i = 0; i < sizeOf(table); ++i)
      if (absl::Status st = fits(*table->Get(static_cast<flatbuffers::uoffset_t>(i)),
                                 memory->arena_bytes(), what, "arena");
          !st.ok())
        return st;
  return absl::OkStatus();
}

} // namespace

absl::StatusOr<std::optional<PipelineSchedule>> pipelineSchedule(const fb::Artifact &artifact) {
  const fb::Pipeline *p = artifact.pipeline();
  if (!p)
    return std::optional<PipelineSchedule>();
  PipelineSchedule s;
  s.kind = p->schedule() ? p->schedule()->str() : "";
  s.microbatches = p->microbatches();
  if (p->placement())
    s.placement.assign(p->placement()->begin(), p->placement()->end());
  s.chainLength = p->chain_length();
  for (size_t r = 0; r < sizeOf(p->ranks()); ++r) {
    std::vector<PipelineStep> &steps = s.steps.emplace_back();
    const fb::PipelineRank *rank = p->ranks()->Get(static_cast<flatbuffers::uoffset_t>(r));
    for (size_t i = 0; i < sizeOf(rank->steps()); ++i) {
      absl::StatusOr<PipelineStep> step =
          parseStep(rank->steps()->Get(static_cast<flatbuffers::uoffset_t>(i))->str());
      if (!step.ok())
        return absl::InvalidArgumentError(
            absl::StrCat("pipeline rank ", r, " step ", i, ": ", step.status().message()));
      steps.push_back(*step);
    }
  }
  return std::optional<PipelineSchedule>(std::move(s));
}

absl::Status checkPipelinePlan(const fb::Artifact &a) {
  absl::StatusOr<std::optional<PipelineSchedule>> schedule = pipelineSchedule(a);
  if (!schedule.ok())
    return schedule.status();
  if (!*schedule) {
    for (size_t i = 0; i < sizeOf(a.steps()); ++i)
      if (a.steps()->Get(static_cast<flatbuffers::uoffset_t>(i))->stage() != -1)
        return absl::InvalidArgumentError(
            absl::StrCat(describeStep(a, i), ": has a pipeline stage, but there is no pipeline"));
    return absl::OkStatus();
  }
  const PipelineSchedule &s = **schedule;
  if (absl::Status st = checkSchedule(s); !st.ok())
    return st;
  uint32_t axis = a.pipeline()->mesh_axis();
  if (!a.mesh() || axis >= sizeOf(a.mesh()->shape()) ||
      a.mesh()->shape()->Get(axis) != s.numRanks())
    return absl::InvalidArgumentError(
        absl::StrCat("the pipeline has ", s.numRanks(), " ranks along mesh axis ", axis,
                     ", which the mesh does not have (a pipeline needs its axis in the mesh)"));
  for (size_t i = 0; i < sizeOf(a.steps()); ++i) {
    const fb::Step &step = *a.steps()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (step.stage() < 0 || step.stage() >= s.numStages())
      return absl::InvalidArgumentError(absl::StrCat(describeStep(a, i), ": pipeline stage ",
                                                     step.stage(), " out of range [0, ",
                                                     s.numStages(), ")"));
    const fb::Collective *c = step.op_as_Collective();
    if (c && isPipelineTransfer(a, *c) && step.microbatch() < 0)
      return absl::InvalidArgumentError(
          absl::StrCat(describeStep(a, i), ": a pipeline transfer of no micro-batch"));
  }
  for (size_t i = 0; i < sizeOf(a.params()); ++i) {
    const fb::TensorInfo &param = *a.params()->Get(static_cast<flatbuffers::uoffset_t>(i));
    for (size_t k = 0; k < sizeOf(param.stages()); ++k)
      if (param.stages()->Get(static_cast<flatbuffers::uoffset_t>(k)) >= s.numStages())
        return absl::InvalidArgumentError(absl::StrCat(
            "param '", param.name() ? param.name()->str() : "", "': pipeline stage ",
            param.stages()->Get(static_cast<flatbuffers::uoffset_t>(k)), " out of range"));
  }
  for (int64_t r = 0; r < s.numRanks(); ++r)
    if (absl::Status st = checkRank(a, s, r); !st.ok())
      return st;
  for (int64_t r = 0; r < s.numRanks(); ++r)
    if (absl::Status st = checkRankMemory(a, r); !st.ok())
      return st;
  return absl::OkStatus();
}

RegionBytes pipelineRankRegions(const fb::Artifact &artifact, int64_t ppRank) {
  RegionBytes whole{artifact.param_bytes(), artifact.arena_bytes()};
  const fb::Pipeline *p = artifact.pipeline();
  if (!p || ppRank < 0 || static_cast<size_t>(ppRank) >= sizeOf(p->ranks()))
    return whole;
  const fb::PipelineRankMemory *memory =
      p->ranks()->Get(static_cast<flatbuffers::uoffset_t>(ppRank))->memory();
  if (!memory)
    return whole;
  return {memory->param_bytes(), memory->arena_bytes()};
}

std::vector<int64_t> meshCoordinates(const fb::Artifact &artifact, int64_t rank) {
  if (!artifact.mesh())
    return {};
  const auto &shape = *artifact.mesh()->shape();
  std::vector<int64_t> coords(shape.size());
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    coords[i] = rank % shape.Get(static_cast<flatbuffers::uoffset_t>(i));
    rank /= shape.Get(static_cast<flatbuffers::uoffset_t>(i));
  }
  return coords;
}

int64_t pipelineRankOf(const fb::Artifact &artifact, const std::vector<int64_t> &coords) {
  if (!artifact.pipeline() || artifact.pipeline()->mesh_axis() >= coords.size())
    return 0;
  return coords[artifact.pipeline()->mesh_axis()];
}

bool rankRunsStep(const fb::Artifact &artifact, size_t index, const std::vector<int64_t> &coords) {
  const fb::Pipeline *p = artifact.pipeline();
  if (!p)
    return true;
  int32_t stage = artifact.steps()->Get(static_cast<flatbuffers::uoffset_t>(index))->stage();
  return stage >= 0 && static_cast<size_t>(stage) < sizeOf(p->placement()) &&
         p->placement()->Get(stage) == pipelineRankOf(artifact, coords);
}

std::vector<size_t> stepsOfRank(const fb::Artifact &artifact, const std::vector<int64_t> &coords) {
  std::vector<size_t> steps;
  for (size_t i = 0; i < sizeOf(artifact.steps()); ++i)
    if (rankRunsStep(artifact, i, coords))
      steps.push_back(i);
  return steps;
}

bool rankReadsParam(const fb::Artifact &artifact, size_t index,
                    const std::vector<int64_t> &coords) {
  const fb::Pipeline *p = artifact.pipeline();
  const fb::TensorInfo &param = *artifact.params()->Get(static_cast<flatbuffers::uoffset_t>(index));
  if (!p || sizeOf(param.stages()) == 0)
    return true;
  int64_t rank = pipelineRankOf(artifact, coords);
  for (uint32_t stage : *param.stages())
    if (stage < sizeOf(p->placement()) && p->placement()->Get(stage) == rank)
      return true;
  return false;
}

int64_t outputRank(const fb::Artifact &artifact) {
  const fb::Pipeline *p = artifact.pipeline();
  if (!p || !artifact.mesh() || sizeOf(p->placement()) == 0)
    return 0;
  int64_t last = p->placement()->Get(p->placement()->size() - 1), rank = 0;
  const auto &shape = *artifact.mesh()->shape();
  for (size_t i = 0; i < shape.size(); ++i)
    rank =
        rank * shape.Get(static_cast<flatbuffers::uoffset_t>(i)) + (i == p->mesh_axis() ? last : 0);
  return rank;
}

std::optional<PipelineAction> pipelineActionOf(const fb::Artifact &artifact, size_t index) {
  const fb::Step &step = *artifact.steps()->Get(static_cast<flatbuffers::uoffset_t>(index));
  if (!artifact.pipeline() || step.microbatch() < 0)
    return std::nullopt;
  const fb::Collective *c = step.op_as_Collective();
  if (c && isPipelineTransfer(artifact, *c))
    return c->kind() == fb::CollectiveKind::Send ? PipelineAction::SendForward
                                                 : PipelineAction::RecvForward;
  return PipelineAction::Forward;
}

} // namespace dsc
