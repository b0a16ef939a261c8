//===- sliced_fp8_weights_test.cpp - each rank quantizes its part ---------===//
//
// An fp8 param of a sharded artifact (Fp8Weight.split_axes, source_start) is made from the
// rank's box of its source: forEachWeight reads only that box from the safetensors file (or
// cuts it from the whole random draw) and quantizes it, so every rank's values and scales
// equal quantizing the box alone. Checked for every rank, blockwise and per tensor, with and
// without a start (a piece of a fused weight).
//
//===----------------------------------------------------------------------===//

#include "artifact_builder.h"

#include "runtime/exec/HostData.h"
#include "runtime/support/Fp8Quant.h"
#include "runtime/support/Random.h"
#include "runtime/support/Safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

namespace dsc {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kK = 256, kN = 512; // the file's [K, N]
/// Each rank's [K, N]: K whole, N split over the two ranks of a piece of 256 columns.
constexpr int64_t kLocalK = 256, kLocalN = 128;

std::unique_ptr<fb::ShardDimT> dim(std::vector<uint32_t> axes) {
  auto d = std::make_unique<fb::ShardDimT>();
  d->mesh_axes = std::move(axes);
  return d;
}

/// An artifact whose params are the fp8 values and scales of the rank's [kLocalK, kLocalN]
/// part of the piece of "w" that starts at `start` (N split over a mesh of 2).
std::unique_ptr<fb::ArtifactT> makeFp8(Fp8Recipe recipe, std::vector<int64_t> start) {
  std::unique_ptr<fb::ArtifactT> a = test::makeValidArtifact();
  a->mesh = std::make_unique<fb::MeshT>();
  a->mesh->axis_names = {"tp"};
  a->mesh->shape = {2};
  std::vector<int64_t> scales = fp8WeightScaleShape(kLocalK, kLocalN, recipe);
  int64_t valueBytes = kLocalK * kLocalN, scaleBytes = 4;
  for (int64_t d : scales)
    scaleBytes *= d;
  a->buffers[0]->size = valueBytes;
  auto scaleBuffer = std::make_unique<fb::BufferT>();
  scaleBuffer->kind = fb::BufferKind::Param;
  scaleBuffer->offset = valueBytes;
  scaleBuffer->size = scaleBytes;
  a->buffers.push_back(std::move(scaleBuffer));
  a->param_bytes = valueBytes + scaleBytes;
  fb::TensorInfoT &values = *a->params[0];
  values.name = "w.fp8";
  values.dtype = fb::DType::F8E4M3FN;
  values.shape = {kLocalN, kLocalK};
  auto scaleInfo = std::make_unique<fb::TensorInfoT>(values);
  for (auto [info, isScales] : {std::make_pair(&values, false), {scaleInfo.get(), true}}) {
    auto w = std::make_unique<fb::Fp8WeightT>();
    w->source = "w";
    w->source_dtype = fb::DType::F32;
    w->source_shape = {kK, kN};
    w->recipe = recipe == Fp8Recipe::Tensor ? fb::Fp8Recipe::Tensor : fb::Fp8Recipe::Blockwise;
    w->scales = isScales;
    w->split_axes.push_back(dim({}));
    w->split_axes.push_back(dim({0}));
    w->source_start = start;
    info->fp8_weight = std::move(w);
  }
  scaleInfo->name = "w.fp8_scales";
  scaleInfo->dtype = fb::DType::F32;
  scaleInfo->shape = scales;
  scaleInfo->buffer = static_cast<uint32_t>(a->buffers.size() - 1);
  a->params.push_back(std::move(scaleInfo));
  return a;
}

LoadedArtifact loadFp8(Fp8Recipe recipe, std::vector<int64_t> start) {
  absl::StatusOr<LoadedArtifact> loaded =
      parseArtifact("fp8.dsx", test::packFile(*makeFp8(recipe, start)), {});
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return std::move(*loaded);
}

/// The [kLocalK, kLocalN] box of `whole` ([kK, kN] f32) at (row, col).
HostArray box(const HostArray &whole, int64_t row, int64_t col) {
  HostArray out{DType::F32, {kLocalK, kLocalN}, std::vector<uint8_t>(kLocalK * kLocalN * 4)};
  for (int64_t r = 0; r < kLocalK; ++r)
    std::memcpy(out.data.data() + r * kLocalN * 4, whole.data.data() + ((row + r) * kN + col) * 4,
                kLocalN * 4);
  return out;
}

struct Fp8Case {
  const char *name;
  Fp8Recipe recipe;
  std::vector<int64_t> start;
};

class SlicedFp8Weights : public ::testing::TestWithParam<Fp8Case> {};

TEST_P(SlicedFp8Weights, EachRankQuantizesItsBox) {
  const Fp8Case &c = GetParam();
  LoadedArtifact loaded = loadFp8(c.recipe, c.start);
  HostArray whole = *randomWeightArray(9, "w", DType::F32, {kK, kN});
  test::ScratchDir dir;
  std::string path = dir.file("w.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {{"w", whole}}).ok());
  int64_t col0 = c.start.empty() ? 0 : c.start[1];
  for (bool fromFile : {false, true})
    for (int64_t rank = 0; rank < 2; ++rank) {
      WeightOptions options;
      if (fromFile)
        options.safetensorsPath = path;
      else
        options.randomSeed = 9;
      options.meshCoords = {rank};
      uint64_t bytesRead = 0;
      options.tensorBytesRead = &bytesRead;
      std::vector<HostArray> made;
      absl::Status s = forEachWeight(loaded.artifact(), options, [&](size_t, const HostArray &a) {
        made.push_back(a);
        return absl::OkStatus();
      });
      ASSERT_TRUE(s.ok()) << s;
      ASSERT_EQ(made.size(), 2u);
      auto expected = quantizeWeightArrayFp8(box(whole, 0, col0 + rank * kLocalN), c.recipe);
      ASSERT_TRUE(expected.ok());
      EXPECT_EQ(made[0].data, expected->first.data) << "values of rank " << rank;
      EXPECT_EQ(made[1].data, expected->second.data) << "scales of rank " << rank;
      if (fromFile)
        EXPECT_EQ(bytesRead, static_cast<uint64_t>(kLocalK * kLocalN * 4)) << "read beyond the box";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Recipes, SlicedFp8Weights,
    ::testing::Values(Fp8Case{"Blockwise", Fp8Recipe::Blockwise, {}},
                      Fp8Case{"BlockwisePiece", Fp8Recipe::Blockwise, {0, 256}},
                      Fp8Case{"Tensor", Fp8Recipe::Tensor, {}},
                      Fp8Case{"TensorPiece", Fp8Recipe::Tensor, {0, 128}}),
    [](const ::testing::TestParamInfo<Fp8Case> &info) { return info.param.name; });

TEST(SlicedFp8WeightsErrors, BoxOutsideTheSourceNamesBoth) {
  // A piece at column 384: rank 1's box would end at 640 of 512 columns.
  LoadedArtifact loaded = loadFp8(Fp8Recipe::Blockwise, {0, 384});
  WeightOptions options;
  options.randomSeed = 9;
  options.meshCoords = {1};
  absl::Status s = forEachWeight(loaded.artifact(), options,
                                 [](size_t, const HostArray &) { return absl::OkStatus(); });
  EXPECT_THAT(s.message(), HasSubstr("weight 'w.fp8': its rank's box f32[256, 128] at [0, 512] "
                                     "is outside its source 'w' of shape [256, 512]"));
}

TEST(SlicedFp8WeightsErrors, TheCheckerRejectsABadSplitOrStart) {
  std::unique_ptr<fb::ArtifactT> a = makeFp8(Fp8Recipe::Blockwise, {});
  a->params[0]->fp8_weight->split_axes[1]->mesh_axes = {3};
  absl::StatusOr<LoadedArtifact> loaded = parseArtifact("fp8.dsx", test::packFile(*a), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(),
              HasSubstr("'w.fp8': fp8 source split over mesh axis 3, out of range"));
  a = makeFp8(Fp8Recipe::Blockwise, {0, 0, 0});
  loaded = parseArtifact("fp8.dsx", test::packFile(*a), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("fp8 source_start has 3 entries"));
}

} // namespace
} // namespace dsc
