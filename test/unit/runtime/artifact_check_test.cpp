//===- artifact_check_test.cpp - Version, arch and semantic checks --------===//
//
// Artifacts that are well-formed FlatBuffers with a correct checksum but
// carry a wrong version, an arch the GPU cannot run, or an index or extent
// that would make the runtime read or write out of bounds.
//
//===----------------------------------------------------------------------===//

#include "artifact_builder.h"

#include "runtime/artifact/ArtifactInfo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

namespace dsc {
namespace {

using test::makeValidArtifact;
using test::packFile;
using ::testing::HasSubstr;

/// The load error of the valid artifact after `mutate`, or "" if it loads.
std::string loadError(const std::function<void(fb::ArtifactT &)> &mutate,
                      const LoadOptions &options = {}) {
  std::unique_ptr<fb::ArtifactT> a = makeValidArtifact();
  mutate(*a);
  absl::StatusOr<LoadedArtifact> loaded =
      parseArtifact("tiny.dsx", packFile(*a), options);
  return loaded.ok() ? "" : std::string(loaded.status().message());
}

fb::GemmT &gemm(fb::ArtifactT &a) { return *a.steps[0]->op.AsGemm(); }
fb::KernelLaunchT &launch(fb::ArtifactT &a) {
  return *a.steps[1]->op.AsKernelLaunch();
}
fb::AttentionT &attention(fb::ArtifactT &a) {
  return *a.steps[2]->op.AsAttention();
}

std::unique_ptr<fb::MeshT> tpMesh() {
  auto mesh = std::make_unique<fb::MeshT>();
  mesh->axis_names = {"tp"};
  mesh->shape = {2};
  return mesh;
}

/// An all-reduce of buffer 2 (f32[8]) in place over mesh axis 0.
fb::CollectiveT allReduce() {
  fb::CollectiveT c;
  c.kind = fb::CollectiveKind::AllReduce;
  c.send = std::make_unique<fb::BufferRef>(2, 0);
  c.recv = std::make_unique<fb::BufferRef>(2, 0);
  c.count = 8;
  c.dtype = fb::DType::F32;
  c.mesh_axes = {0};
  return c;
}

std::unique_ptr<fb::ShardDimT> splitOver(std::vector<uint32_t> axes) {
  auto dim = std::make_unique<fb::ShardDimT>();
  dim->mesh_axes = std::move(axes);
  return dim;
}

TEST(ArtifactCheck, ValidArtifactLoads) {
  EXPECT_EQ(loadError([](fb::ArtifactT &) {}), "");
}

TEST(ArtifactCheck, MeshCollectivesAndSplitParamsLoad) {
  EXPECT_EQ(loadError([](fb::ArtifactT &a) {
              a.mesh = tpMesh();
              a.steps[3]->op.Set(allReduce());
              a.params[0]->split_axes.push_back(splitOver({0}));
              for (size_t i = 1; i < a.params[0]->shape.size(); ++i)
                a.params[0]->split_axes.push_back(splitOver({}));
            }),
            "");
}

TEST(ArtifactCheck, NewerFormatVersionNamesBothSides) {
  EXPECT_EQ(loadError([](fb::ArtifactT &a) {
              a.format_version = 4;
              a.producer = "dsc 0.9.0";
            }),
            "tiny.dsx: format version 4 (built by dsc 0.9.0), this dsrun "
            "reads format 3; update dsrun");
  EXPECT_THAT(loadError([](fb::ArtifactT &a) { a.format_version = 2; }),
              HasSubstr("format version 2 (built by dsc 0.1.0), this dsrun "
                        "reads format 3; recompile the model"));
}

TEST(ArtifactCheck, ArchCompatibility) {
  struct Case {
    const char *target, *device;
    bool runs;
  } cases[] = {
      {"sm_80", "sm_80", true},      {"sm_80", "sm_86", true},
      {"sm_86", "sm_80", false},     {"sm_80", "sm_90", false},
      {"sm_90a", "sm_90", true},     {"sm_90a", "sm_100", false},
      {"compute_80", "sm_90", true}, {"compute_90", "sm_80", false},
      {"sm_100f", "sm_103", true},   {"compute_90a", "sm_100", false},
  };
  for (const Case &c : cases) {
    absl::StatusOr<bool> runs = archRunsOn(c.target, c.device);
    ASSERT_TRUE(runs.ok()) << runs.status();
    EXPECT_EQ(*runs, c.runs) << c.target << " on " << c.device;
  }
  for (const char *bad : {"sm80", "sm_", "sm_8", "sm_08", "gfx90a", "sm_90x"})
    EXPECT_FALSE(archRunsOn(bad, "sm_90").ok()) << bad;
  EXPECT_FALSE(archRunsOn("sm_80", "compute_80").ok());
}

TEST(ArtifactCheck, DeviceArchPicksTheBestTarget) {
  absl::StatusOr<LoadedArtifact> loaded =
      parseArtifact("tiny.dsx", packFile(*makeValidArtifact()));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*checkDeviceArch(*loaded, "sm_90"), 0u);
  EXPECT_EQ(*checkDeviceArch(*loaded, "sm_86"), 1u);
  absl::StatusOr<size_t> none = checkDeviceArch(*loaded, "sm_75");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "tiny.dsx targets sm_90a, sm_80; this GPU is sm_75");
}

TEST(ArtifactCheck, WrongArchIsRejectedAtLoadWhenGiven) {
  auto only90a = [](fb::ArtifactT &a) {
    a.target_archs = {"sm_90a"};
    a.modules[0]->images.pop_back();
  };
  LoadOptions options;
  options.deviceArch = "sm_80";
  EXPECT_EQ(loadError(only90a, options),
            "tiny.dsx targets sm_90a; this GPU is sm_80");
  options.deviceArch = "sm_90";
  EXPECT_EQ(loadError(only90a, options), "");
}

struct BadCase {
  const char *name;
  std::function<void(fb::ArtifactT &)> mutate;
  const char *message;
};

void PrintTo(const BadCase &c, std::ostream *os) { *os << c.name; }

class ArtifactCheckBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(ArtifactCheckBad, IsRejectedWithAClearMessage) {
  std::string error = loadError(GetParam().mutate);
  EXPECT_THAT(error, HasSubstr(GetParam().message));
  EXPECT_THAT(error, ::testing::StartsWith("tiny.dsx: "));
}

const BadCase kBadCases[] = {
    {"GemmBufferOutOfRange",
     [](fb::ArtifactT &a) { *gemm(a).a = fb::BufferRef(99, 0); },
     "step 0 (dsc.matmul at tiny.dsg:2:7): gemm a: buffer 99 out of range "
     "(the plan has 5 buffers)"},
    {"GemmOverrunsBuffer", [](fb::ArtifactT &a) { gemm(a).n = 3; },
     "gemm b: 48 bytes at offset 0 overrun buffer 1 (32 bytes)"},
    {"GemmOffsetOverrunsBuffer",
     [](fb::ArtifactT &a) { *gemm(a).c = fb::BufferRef(3, 4); },
     "gemm c: 32 bytes at offset 4 overrun buffer 3"},
    {"GemmHugeSizesDoNotOverflow",
     [](fb::ArtifactT &a) {
       gemm(a).m = gemm(a).lda = gemm(a).ldc = int64_t{1} << 62;
     },
     "extent overflows 64 bits"},
    {"GemmLeadingDimension", [](fb::ArtifactT &a) { gemm(a).lda = 3; },
     "gemm a: leading dimension 3 is less than its 4 rows"},
    {"GemmUnknownDtype",
     [](fb::ArtifactT &a) { gemm(a).a_dtype = static_cast<fb::DType>(200); },
     "gemm: unknown dtype 200"},
    {"GemmBiasMissing",
     [](fb::ArtifactT &a) { gemm(a).epilogue = fb::Epilogue::BiasRelu; },
     "gemm bias: no buffer"},
    {"LaunchModuleOutOfRange", [](fb::ArtifactT &a) { launch(a).module_ = 5; },
     "step 1 (dsc.softmax at tiny.dsg:3:5): module 5 out of range (the "
     "artifact has 1 modules)"},
    {"LaunchKernelOutOfRange", [](fb::ArtifactT &a) { launch(a).kernel = 3; },
     "kernel 3 out of range (module 0 has 1 kernels)"},
    {"LaunchArgBufferOutOfRange",
     [](fb::ArtifactT &a) {
       launch(a).args[1] = fb::Arg(fb::ArgKind::Buffer, 42, 0, 0, 0);
     },
     "argument 1: buffer 42 out of range"},
    {"LaunchArgOffsetPastBuffer",
     [](fb::ArtifactT &a) {
       launch(a).args[0] = fb::Arg(fb::ArgKind::Buffer, 3, 33, 0, 0);
     },
     "argument 0: 0 bytes at offset 33 overrun buffer 3"},
    {"LaunchI32OutOfRange",
     [](fb::ArtifactT &a) {
       launch(a).args[2] = fb::Arg(fb::ArgKind::I32, 0, 0, int64_t{1} << 40, 0);
     },
     "argument 2: i32 value 1099511627776 out of range"},
    {"LaunchBlockTooLarge",
     [](fb::ArtifactT &a) { *launch(a).block = fb::Dim3(32, 64, 1); },
     "block (32, 64, 1) has 2048 threads"},
    {"LaunchEmptyGrid",
     [](fb::ArtifactT &a) { *launch(a).grid = fb::Dim3(0, 1, 1); },
     "grid (0, 1, 1) is empty or too large"},
    {"StreamOutOfRange", [](fb::ArtifactT &a) { a.steps[1]->stream = 7; },
     "step 1 (dsc.softmax at tiny.dsg:3:5): stream 7 out of range"},
    {"WaitEventOutOfRange",
     [](fb::ArtifactT &a) { a.steps[1]->wait_events = {3}; },
     "waits on event 3, out of range (the plan has 1 events)"},
    {"WaitOnUnrecordedEvent",
     [](fb::ArtifactT &a) { a.steps[0]->wait_events = {0}; },
     "step 0 (dsc.matmul at tiny.dsg:2:7): waits on event 0, which no "
     "earlier step records"},
    {"RecordEventOutOfRange",
     [](fb::ArtifactT &a) { a.steps[0]->record_event = 5; },
     "records event 5, out of range"},
    {"TooManyStreams", [](fb::ArtifactT &a) { a.num_streams = 1000; },
     "1000 streams for 5 steps"},
    {"BufferPastArena", [](fb::ArtifactT &a) { a.buffers[3]->size = 80; },
     "buffer 3: 80 bytes at offset 64 exceed the 128-byte arena"},
    {"BufferOffsetOverflow",
     [](fb::ArtifactT &a) { a.buffers[4]->size = UINT64_MAX; },
     "buffer 4: 18446744073709551615 bytes at offset 96 exceed"},
    {"ParamPastParamRegion", [](fb::ArtifactT &a) { a.param_bytes = 32; },
     "buffer 0: 64 bytes at offset 0 exceed the 32-byte parameter region"},
    {"BufferAlignment", [](fb::ArtifactT &a) { a.buffers[2]->alignment = 3; },
     "buffer 2: alignment 3 is not a power of two up to 256"},
    {"BufferMisaligned", [](fb::ArtifactT &a) { a.buffers[2]->alignment = 64; },
     "buffer 2: offset 32 is not a multiple of its alignment 64"},
    {"BufferUnknownKind",
     [](fb::ArtifactT &a) {
       a.buffers[3]->kind = static_cast<fb::BufferKind>(9);
     },
     "buffer 3: unknown kind 9"},
    {"ParamBufferOutOfRange",
     [](fb::ArtifactT &a) { a.params[0]->buffer = 77; },
     "param 'w': buffer 77 out of range (the plan has 5 buffers)"},
    {"InputInParamBuffer", [](fb::ArtifactT &a) { a.inputs[0]->buffer = 0; },
     "input 'x': buffer 0 is a Param buffer, not Input"},
    {"OutputLargerThanBuffer",
     [](fb::ArtifactT &a) {
       a.outputs[0]->shape = {4, 4};
     },
     "output 'y': f32[4, 4] needs 64 bytes; buffer 2 has 32"},
    {"NegativeDimension", [](fb::ArtifactT &a) { a.inputs[0]->shape = {-1}; },
     "input 'x': negative dimension -1"},
    {"UnnamedParam", [](fb::ArtifactT &a) { a.params[0]->name = ""; },
     "param 0 has no name"},
    {"DuplicateParam",
     [](fb::ArtifactT &a) {
       a.params.push_back(std::make_unique<fb::TensorInfoT>(*a.params[0]));
     },
     "param 'w': defined twice"},
    {"MeshCoordsNotOnePerAxis",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       a.params[0]->mesh_coords = true;
       a.params[0]->dtype = fb::DType::I64;
       a.params[0]->shape = {2};
     },
     "param 'w': mesh coordinates must be a param of their own, i64[1] (one per mesh axis)"},
    {"SplitWithoutMesh",
     [](fb::ArtifactT &a) {
       a.params[0]->split_axes.push_back(std::make_unique<fb::ShardDimT>());
     },
     "param 'w': split over mesh axes, but the artifact has no mesh"},
    {"AttentionGroups", [](fb::ArtifactT &a) { attention(a).hkv = 2; },
     "attention: hq 1 is not a multiple of hkv 2"},
    {"AttentionOverrun", [](fb::ArtifactT &a) { attention(a).tk = 4; },
     "attention k: 64 bytes at offset 0 overrun buffer 3 (32 bytes)"},
    {"AttentionIntDtype",
     [](fb::ArtifactT &a) { attention(a).dtype = fb::DType::I32; },
     "attention: dtype 7 is not a float type"},
    {"MemsetOverrun",
     [](fb::ArtifactT &a) { a.steps[3]->op.AsMemset()->bytes = 33; },
     "step 3 (dsc.zeros): memset dst: 33 bytes at offset 0 overrun buffer 2"},
    {"CopyOverlap",
     [](fb::ArtifactT &a) {
       *a.steps[4]->op.AsCopy()->src = fb::BufferRef(3, 0);
       *a.steps[4]->op.AsCopy()->dst = fb::BufferRef(3, 8);
       a.steps[4]->op.AsCopy()->bytes = 16;
     },
     "step 4: copy source and destination overlap"},
    {"StepWithoutOp", [](fb::ArtifactT &a) { a.steps[3]->op.Reset(); },
     "step 3 (dsc.zeros): no operation"},
    {"CollectiveWithoutMesh",
     [](fb::ArtifactT &a) { a.steps[3]->op.Set(allReduce()); },
     "step 3 (dsc.zeros): collective AllReduce needs the artifact's mesh, which is absent"},
    {"CollectiveAxisOutOfRange",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       fb::CollectiveT c = allReduce();
       c.mesh_axes = {1};
       a.steps[3]->op.Set(std::move(c));
     },
     "collective AllReduce over mesh axis 1, out of range (the mesh has 1 axes)"},
    {"AllGatherOverrun",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       fb::CollectiveT c = allReduce();
       c.kind = fb::CollectiveKind::AllGather;
       a.steps[3]->op.Set(std::move(c));
     },
     "collective AllGather recv: 64 bytes at offset 0 overrun buffer 2 (32 bytes)"},
    {"SendPeerOutsideTheGroup",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       fb::CollectiveT c = allReduce();
       c.kind = fb::CollectiveKind::Send;
       c.peer = 2;
       a.steps[3]->op.Set(std::move(c));
     },
     "collective Send: peer 2 is not in the group of 2 ranks"},
    {"MeshNamesMissing",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       a.mesh->shape.push_back(4);
     },
     "mesh: 1 axis names for 2 axes"},
    {"MeshAxisOfSizeZero",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       a.mesh->shape[0] = 0;
     },
     "mesh: axis 'tp' of size 0"},
    {"SplitOutput",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       a.outputs[0]->split_axes.push_back(splitOver({0}));
     },
     "output 'y': outputs are whole on every rank"},
    {"SplitTwiceOverOneAxis",
     [](fb::ArtifactT &a) {
       a.mesh = tpMesh();
       a.params[0]->shape = {2, 4};
       a.params[0]->split_axes.push_back(splitOver({0}));
       a.params[0]->split_axes.push_back(splitOver({0}));
     },
     "param 'w': splits two dimensions, or one twice, over mesh axis 0"},
    {"NoTargetArch", [](fb::ArtifactT &a) { a.target_archs.clear(); },
     "tiny.dsx: no target archs"},
    {"BadTargetArch", [](fb::ArtifactT &a) { a.target_archs[1] = "sm80"; },
     "target arch 'sm80' is not a CUDA arch"},
    {"ModuleMissingImage",
     [](fb::ArtifactT &a) { a.modules[0]->images.pop_back(); },
     "module 0: no image for target arch sm_80"},
    {"ImageForUnknownArch",
     [](fb::ArtifactT &a) { a.modules[0]->images[1]->arch = "sm_70"; },
     "module 0: image 1 is for 'sm_70', which is not a target arch"},
    {"CubinNotElf",
     [](fb::ArtifactT &a) { a.modules[0]->images[0]->cubin[1] = 'X'; },
     "module 0: image for sm_90a is not an ELF cubin"},
    {"PtxNotTerminated",
     [](fb::ArtifactT &a) {
       a.modules[0]->images[0]->format = fb::ModuleFormat::Ptx;
       a.modules[0]->images[0]->cubin = {'.', 'v', 'e', 'r'};
     },
     "module 0: PTX for sm_90a is not NUL-terminated"},
    {"DuplicateKernel",
     [](fb::ArtifactT &a) {
       auto k = std::make_unique<fb::KernelT>(*a.modules[0]->kernels[0]);
       a.modules[0]->kernels.push_back(std::move(k));
     },
     "module 0: kernel 'dsc_softmax_0' defined twice"},
};

INSTANTIATE_TEST_SUITE_P(Semantics, ArtifactCheckBad,
                         ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase> &info) {
                           return std::string(info.param.name);
                         });

TEST(ArtifactInfo, SummarizesTheArtifact) {
  absl::StatusOr<LoadedArtifact> loaded =
      parseArtifact("tiny.dsx", packFile(*makeValidArtifact()));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::string info = formatArtifactInfo(*loaded);
  EXPECT_THAT(info, HasSubstr("tiny.dsx: dsc artifact, format 3, built by "
                              "dsc 0.1.0 from tiny.dsg\n"));
  EXPECT_THAT(info, HasSubstr("targets: sm_90a, sm_80\n"));
  EXPECT_THAT(info, HasSubstr("params (1):\n  w  f32[4, 4]\n"));
  EXPECT_THAT(info, HasSubstr("inputs (1):\n  x  f32[2, 4]\n"));
  EXPECT_THAT(info, HasSubstr("outputs (1):\n  y  f32[2, 4]\n"));
  EXPECT_THAT(info, HasSubstr("memory: arena 128 bytes, params 64 bytes, 5 "
                              "buffers\n"));
  EXPECT_THAT(info, HasSubstr("steps: 5 (KernelLaunch 1, Gemm 1, Attention 1, "
                              "Memset 1, Copy 1) on 2 streams, 1 events\n"));
  EXPECT_THAT(info, HasSubstr("total: 168 FLOP (168)"));
}

// A pipeline rank allocates only its own regions (PipelineRank.memory): a step of its stage
// that touches a buffer past them would write out of bounds. The check of each step's
// buffers comes before the schedule's (PipelinePlan.cpp), so one stage suffices here.
TEST(ArtifactCheck, RejectsStepBufferOutsideItsPipelineRanksMemory) {
  auto pipelined = [](uint64_t arenaBytes) {
    return [arenaBytes](fb::ArtifactT &a) {
      a.mesh = std::make_unique<fb::MeshT>();
      a.mesh->axis_names = {"pp"};
      a.mesh->shape = {1};
      a.pipeline = std::make_unique<fb::PipelineT>();
      a.pipeline->schedule = "fill-drain";
      a.pipeline->microbatches = 1;
      a.pipeline->placement = {0};
      a.pipeline->chain_length = 1;
      auto rank = std::make_unique<fb::PipelineRankT>();
      rank->steps = {"F0.0"};
      rank->memory = std::make_unique<fb::PipelineRankMemoryT>();
      rank->memory->param_bytes = a.param_bytes;
      rank->memory->arena_bytes = arenaBytes;
      a.pipeline->ranks.push_back(std::move(rank));
      for (auto &step : a.steps) {
        step->stage = 0;
        step->microbatch = 0;
      }
    };
  };
  EXPECT_THAT(loadError(pipelined(0)), HasSubstr("lies outside pipeline rank 0's 0-byte arena"));
  // With the whole arena the steps' buffers pass; what fails then is the schedule, later.
  std::unique_ptr<fb::ArtifactT> whole = makeValidArtifact();
  EXPECT_THAT(loadError(pipelined(whole->arena_bytes)), ::testing::Not(HasSubstr("lies outside")));
}

} // namespace
} // namespace dsc
