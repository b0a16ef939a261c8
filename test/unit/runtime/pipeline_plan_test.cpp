//===- pipeline_plan_test.cpp - a pipelined artifact, rank by rank --------===//
//
// runtime/artifact/PipelinePlan.h on small hand-built plans: which steps and params a rank
// takes, which rank reports the outputs, and the checks of the plan's order against its
// schedule.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/PipelinePlan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<fb::StepT> memset(int stage, int microbatch) {
  auto step = std::make_unique<fb::StepT>();
  fb::MemsetT m;
  m.dst = std::make_unique<fb::BufferRef>(0, 0);
  m.bytes = 4;
  step->op.Set(std::move(m));
  step->stage = stage;
  step->microbatch = microbatch;
  return step;
}

std::unique_ptr<fb::StepT> transfer(fb::CollectiveKind kind, int stage, int microbatch, int peer) {
  auto step = std::make_unique<fb::StepT>();
  fb::CollectiveT c;
  c.kind = kind;
  (kind == fb::CollectiveKind::Send ? c.send : c.recv) = std::make_unique<fb::BufferRef>(0, 0);
  c.count = 1;
  c.peer = peer;
  c.mesh_axes = {0};
  step->op.Set(std::move(c));
  step->stage = stage;
  step->microbatch = microbatch;
  return step;
}

/// Mesh pp=2, dp=2; fill-and-drain over pp with 2 micro-batches:
///   0 F0.0  1 SF0.0  2 F0.1  3 SF0.1  4 RF1.0  5 F1.0  6 RF1.1  7 F1.1  8 stage 1, no micro-batch
/// params: "a" read by stage 0, "b" by stage 1, "c" by every stage.
std::unique_ptr<fb::ArtifactT> makePipelined() {
  auto a = std::make_unique<fb::ArtifactT>();
  a->mesh = std::make_unique<fb::MeshT>();
  a->mesh->axis_names = {"pp", "dp"};
  a->mesh->shape = {2, 2};
  a->pipeline = std::make_unique<fb::PipelineT>();
  fb::PipelineT &p = *a->pipeline;
  p.schedule = "fill-drain";
  p.mesh_axis = 0;
  p.microbatches = 2;
  p.placement = {0, 1};
  p.chain_length = 2;
  for (std::vector<std::string> steps :
       {std::vector<std::string>{"F0.0", "SF0.0", "F0.1", "SF0.1"},
        std::vector<std::string>{"RF1.0", "F1.0", "RF1.1", "F1.1"}}) {
    auto rank = std::make_unique<fb::PipelineRankT>();
    rank->steps = steps;
    p.ranks.push_back(std::move(rank));
  }
  a->steps.push_back(memset(0, 0));
  a->steps.push_back(transfer(fb::CollectiveKind::Send, 0, 0, 1));
  a->steps.push_back(memset(0, 1));
  a->steps.push_back(transfer(fb::CollectiveKind::Send, 0, 1, 1));
  a->steps.push_back(transfer(fb::CollectiveKind::Recv, 1, 0, 0));
  a->steps.push_back(memset(1, 0));
  a->steps.push_back(transfer(fb::CollectiveKind::Recv, 1, 1, 0));
  a->steps.push_back(memset(1, 1));
  a->steps.push_back(memset(1, -1));
  for (auto [name, stages] :
       {std::pair<const char *, std::vector<uint32_t>>{"a", {0}}, {"b", {1}}, {"c", {}}}) {
    auto param = std::make_unique<fb::TensorInfoT>();
    param->name = name;
    param->stages = stages;
    a->params.push_back(std::move(param));
  }
  a->num_events = 2;
  return a;
}

/// Packs `a` and keeps the bytes alive for the returned view.
class Packed {
public:
  explicit Packed(const fb::ArtifactT &a) {
    flatbuffers::FlatBufferBuilder fbb;
    fbb.Finish(fb::Artifact::Pack(fbb, &a));
    bytes.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  }
  const fb::Artifact &operator*() const { return *fb::GetArtifact(bytes.data()); }

private:
  std::vector<uint8_t> bytes;
};

TEST(PipelinePlan, SelectsEachRanksStepsAndParams) {
  auto a = makePipelined();
  Packed plan(*a);
  EXPECT_TRUE(checkPipelinePlan(*plan).ok()) << checkPipelinePlan(*plan).message();
  EXPECT_THAT(meshCoordinates(*plan, 3), ElementsAre(1, 1));
  EXPECT_EQ(pipelineRankOf(*plan, {1, 0}), 1);
  EXPECT_THAT(stepsOfRank(*plan, {0, 1}), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(stepsOfRank(*plan, {1, 0}), ElementsAre(4, 5, 6, 7, 8));
  EXPECT_TRUE(rankReadsParam(*plan, 0, {0, 0}));
  EXPECT_FALSE(rankReadsParam(*plan, 1, {0, 0}));
  EXPECT_TRUE(rankReadsParam(*plan, 1, {1, 1}));
  EXPECT_TRUE(rankReadsParam(*plan, 2, {0, 1}));
  EXPECT_TRUE(rankReadsParam(*plan, 2, {1, 1}));
  // The last stage's first rank: pp = 1, dp = 0.
  EXPECT_EQ(outputRank(*plan), 2);
  EXPECT_EQ(pipelineActionOf(*plan, 1), PipelineAction::SendForward);
  EXPECT_EQ(pipelineActionOf(*plan, 4), PipelineAction::RecvForward);
  EXPECT_EQ(pipelineActionOf(*plan, 5), PipelineAction::Forward);
  EXPECT_EQ(pipelineActionOf(*plan, 8), std::nullopt);
}

TEST(PipelinePlan, WithoutPipelineEveryRankRunsEverything) {
  auto a = makePipelined();
  a->pipeline.reset();
  for (auto &step : a->steps)
    step->stage = step->microbatch = -1;
  Packed plan(*a);
  EXPECT_TRUE(checkPipelinePlan(*plan).ok());
  EXPECT_EQ(stepsOfRank(*plan, {1, 0}).size(), 9u);
  EXPECT_TRUE(rankReadsParam(*plan, 1, {0, 0}));
  EXPECT_EQ(outputRank(*plan), 0);
}

TEST(PipelinePlan, StageWithoutPipelineIsAnError) {
  auto a = makePipelined();
  a->pipeline.reset();
  Packed plan(*a);
  EXPECT_THAT(std::string(checkPipelinePlan(*plan).message()),
              HasSubstr("has a pipeline stage, but there is no pipeline"));
}

/// checkPipelinePlan's message after `breakIt` changes the valid plan.
std::string errorAfter(const std::function<void(fb::ArtifactT &)> &breakIt) {
  auto a = makePipelined();
  breakIt(*a);
  Packed plan(*a);
  absl::Status status = checkPipelinePlan(*plan);
  return status.ok() ? "ok" : std::string(status.message());
}

TEST(PipelinePlan, RejectsComputeOutOfScheduleOrder) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { std::swap(a.steps[5], a.steps[7]); }),
              HasSubstr("pipeline rank 1: the plan computes F1.1 F1.0, its schedule F1.0 F1.1"));
}

TEST(PipelinePlan, RejectsTransfersOutOfScheduleOrder) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { std::swap(a.steps[1], a.steps[3]); }),
              HasSubstr("the plan's transfers are SF0.1 SF0.0, its schedule's SF0.0 SF0.1"));
}

TEST(PipelinePlan, RejectsRecvAfterItsCompute) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { std::swap(a.steps[4], a.steps[5]); }),
              HasSubstr("(RF1.0) comes after step 4 (F1.0)"));
}

TEST(PipelinePlan, RejectsSendBeforeItsCompute) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { std::swap(a.steps[0], a.steps[1]); }),
              HasSubstr("(SF0.0) comes before step 1 (F0.0)"));
}

TEST(PipelinePlan, RejectsWrongPeer) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { a.steps[1]->op.AsCollective()->peer = 0; }),
              HasSubstr("SF0.0 talks to rank 0 of the pipeline, not to the rank of stage 1"));
}

TEST(PipelinePlan, RejectsStepOfNoStage) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { a.steps[2]->stage = -1; }),
              HasSubstr("pipeline stage -1 out of range [0, 2)"));
}

TEST(PipelinePlan, RejectsWaitOnAnotherRanksEvent) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) {
                a.steps[0]->record_event = 1;
                a.steps[5]->wait_events = {1};
              }),
              HasSubstr("waits on event 1, which no earlier step of pipeline rank 1 records"));
}

TEST(PipelinePlan, RejectsAxisMissingFromMesh) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { a.pipeline->mesh_axis = 2; }),
              HasSubstr("which the mesh does not have"));
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) {
                a.mesh->shape = {4, 1};
              }),
              HasSubstr("which the mesh does not have"));
}

TEST(PipelinePlan, RejectsDeadlockingSchedule) {
  // Rank 1 receives micro-batch 1 before micro-batch 0, which rank 0 sends first.
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) {
                a.pipeline->ranks[1]->steps = {"RF1.1", "F1.1", "RF1.0", "F1.0"};
              }),
              HasSubstr("deadlocks"));
}

TEST(PipelinePlan, RejectsParamOfUnknownStage) {
  EXPECT_THAT(errorAfter([](fb::ArtifactT &a) { a.params[0]->stages = {5}; }),
              HasSubstr("param 'a': pipeline stage 5 out of range"));
}

/// makePipelined() with buffers and each rank's own memory: "c" (every stage) at [0, 256),
/// "a" (stage 0) at [256, 512) and "b" (stage 1) at [256, 768), sharing bytes with "a";
/// input "x" at the start of the arena.
std::unique_ptr<fb::ArtifactT> withRankMemory() {
  auto a = makePipelined();
  auto buffer = [&](fb::BufferKind kind, uint64_t offset, uint64_t size) {
    auto b = std::make_unique<fb::BufferT>();
    b->kind = kind;
    b->offset = offset;
    b->size = size;
    b->alignment = 256;
    a->buffers.push_back(std::move(b));
    return static_cast<uint32_t>(a->buffers.size() - 1);
  };
  a->params[2]->buffer = buffer(fb::BufferKind::Param, 0, 256);
  a->params[0]->buffer = buffer(fb::BufferKind::Param, 256, 256);
  a->params[1]->buffer = buffer(fb::BufferKind::Param, 256, 512);
  auto input = std::make_unique<fb::TensorInfoT>();
  input->name = "x";
  input->buffer = buffer(fb::BufferKind::Input, 0, 256);
  a->inputs.push_back(std::move(input));
  a->param_bytes = 768;
  a->arena_bytes = 1024;
  for (auto [rank, params, arena] : {std::tuple{0, 512, 512}, std::tuple{1, 768, 1024}}) {
    a->pipeline->ranks[rank]->memory = std::make_unique<fb::PipelineRankMemoryT>();
    a->pipeline->ranks[rank]->memory->param_bytes = params;
    a->pipeline->ranks[rank]->memory->arena_bytes = arena;
  }
  return a;
}

TEST(PipelinePlan, EachRankAllocatesItsOwnMemory) {
  auto a = withRankMemory();
  Packed plan(*a);
  EXPECT_TRUE(checkPipelinePlan(*plan).ok()) << checkPipelinePlan(*plan).message();
  RegionBytes first = pipelineRankRegions(*plan, 0), last = pipelineRankRegions(*plan, 1);
  EXPECT_EQ(first.params, 512u);
  EXPECT_EQ(first.arena, 512u);
  EXPECT_EQ(last.params, 768u);
  EXPECT_EQ(last.arena, 1024u);
  // A rank out of range, or one without its own memory, allocates the whole regions.
  EXPECT_EQ(pipelineRankRegions(*plan, 2).params, 768u);
  a->pipeline->ranks[0]->memory.reset();
  Packed whole(*a);
  EXPECT_TRUE(checkPipelinePlan(*whole).ok());
  EXPECT_EQ(pipelineRankRegions(*whole, 0).arena, 1024u);
}

TEST(PipelinePlan, RejectsParamOutsideItsRanksRegion) {
  auto a = withRankMemory();
  a->pipeline->ranks[0]->memory->param_bytes = 400;
  Packed plan(*a);
  EXPECT_THAT(checkPipelinePlan(*plan).message(),
              HasSubstr("param 'a': bytes [256, 512) lie outside pipeline rank 0's 400-byte "
                        "parameter region"));
}

TEST(PipelinePlan, RejectsInputOutsideARanksArena) {
  auto a = withRankMemory();
  a->pipeline->ranks[0]->memory->arena_bytes = 128;
  Packed plan(*a);
  EXPECT_THAT(checkPipelinePlan(*plan).message(),
              HasSubstr("input 'x': bytes [0, 256) lie outside pipeline rank 0's 128-byte arena"));
}

TEST(PipelinePlan, RejectsRankMemoryLargerThanTheWholeRegions) {
  auto a = withRankMemory();
  a->pipeline->ranks[1]->memory->arena_bytes = 2048;
  Packed plan(*a);
  EXPECT_THAT(checkPipelinePlan(*plan).message(),
              HasSubstr("pipeline rank 1: its memory (parameters 768 bytes, arena 2048 bytes) "
                        "exceeds the whole regions (768, 1024)"));
}

} // namespace
} // namespace dsc
