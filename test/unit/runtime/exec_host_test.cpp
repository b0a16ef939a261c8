//===- exec_host_test.cpp - dsrun's host side, without a GPU --------------===//

#include "artifact_builder.h"

#include "runtime/exec/HostData.h"
#include "runtime/support/Npy.h"
#include "runtime/support/Random.h"
#include "runtime/support/Safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace dsc {
namespace {

using ::testing::HasSubstr;

LoadedArtifact loadTiny() {
  std::vector<uint8_t> file = test::packFile(*test::makeValidArtifact());
  absl::StatusOr<LoadedArtifact> loaded = parseArtifact("tiny.dsx", file);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return std::move(*loaded);
}

HostArray f32Array(std::vector<int64_t> shape, std::vector<float> values) {
  HostArray array;
  array.shape = std::move(shape);
  array.data.resize(values.size() * 4);
  std::memcpy(array.data.data(), values.data(), array.data.size());
  return array;
}

TEST(DeviceMemory, FitsOrNamesBothNumbers) {
  EXPECT_TRUE(
      checkDeviceMemory(1 << 20, 1 << 20, 32 << 20, 64 << 20, 80ull << 30)
          .ok());
  EXPECT_TRUE(checkDeviceMemory(10, 20, 30, 60, 100).ok());
  absl::Status s = checkDeviceMemory(2ull << 30, 1ull << 30, 32ull << 20,
                                     1536ull << 20, 80ull << 30);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(),
              HasSubstr("needs 3.0 GiB of device memory (arena 2.0 GiB + "
                        "params 1.0 GiB + cuBLASLt workspace 32.0 MiB), but "
                        "only 1.5 GiB of 80.0 GiB are free"));
}

TEST(DeviceMemory, SumsThatOverflowAreRefused) {
  EXPECT_FALSE(
      checkDeviceMemory(UINT64_MAX, 1, 0, UINT64_MAX - 1, UINT64_MAX).ok());
}

TEST(RandomWeights, DeterministicPerSeedAndName) {
  auto a = randomWeightArray(1, "w", DType::BF16, {16, 32});
  auto b = randomWeightArray(1, "w", DType::BF16, {16, 32});
  auto c = randomWeightArray(2, "w", DType::BF16, {16, 32});
  auto d = randomWeightArray(1, "v", DType::BF16, {16, 32});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->data, b->data);
  EXPECT_NE(a->data, c->data);
  EXPECT_NE(a->data, d->data);
  EXPECT_EQ(a->data.size(), 16u * 32u * 2u);
}

// The GPU suite compares dsrun with dsc-interp, whose weights are
// randomWeightFloats rounded by roundToDType (HostTensor::fromFloats); dsrun
// stores encodeFromFloat of the same floats. They must agree bit for bit.
TEST(RandomWeights, StoredBytesAreTheInterpretersRoundedValues) {
  for (DType dtype : {DType::F32, DType::F64, DType::BF16, DType::F16,
                      DType::F8E4M3FN, DType::F8E5M2}) {
    std::vector<int64_t> shape = {8, 24};
    std::vector<float> floats = randomWeightFloats(3, "layers.0.wq", shape);
    auto array = randomWeightArray(3, "layers.0.wq", dtype, shape);
    ASSERT_TRUE(array.ok());
    std::vector<float> decoded(floats.size());
    decodeToFloat(dtype, array->data.data(), decoded.data(), decoded.size());
    for (size_t i = 0; i < floats.size(); ++i)
      ASSERT_EQ(decoded[i], roundToDType(floats[i], dtype))
          << dtypeName(dtype) << " element " << i;
  }
}

TEST(RandomWeights, RangesFollowTheShape) {
  // Matrices: +-sqrt(3 / fan_in), fan_in the smaller of the last two dims.
  float bound = std::sqrt(3.0f / 24.0f);
  for (float v : randomWeightFloats(1, "m", {2, 24, 64}))
    EXPECT_TRUE(v >= -bound && v < bound) << v;
  // Vectors (norm gains): 1 +- 0.1.
  for (float v : randomWeightFloats(1, "g", {64}))
    EXPECT_TRUE(v >= 0.9f && v < 1.1f) << v;
  for (int64_t v : randomWeightInts(1, "i", DType::I32, {100}))
    EXPECT_TRUE(v >= 0 && v < 8) << v;
  for (int64_t v : randomWeightInts(1, "b", DType::I1, {100}))
    EXPECT_TRUE(v == 0 || v == 1) << v;
}

TEST(RandomInputs, IntsStayBelowTheBound) {
  auto array =
      randomInputArray(7, "tokens", DType::I32, {4, 64}, kRandomIntInputBound);
  ASSERT_TRUE(array.ok());
  std::vector<int32_t> values(4 * 64);
  std::memcpy(values.data(), array->data.data(), array->data.size());
  for (int32_t v : values)
    EXPECT_TRUE(v >= 0 && v < kRandomIntInputBound) << v;
}

TEST(Weights, RandomWeightsReachTheSinkByIndex) {
  LoadedArtifact loaded = loadTiny();
  WeightOptions options;
  options.randomSeed = 5;
  std::vector<size_t> seen;
  absl::Status s = forEachWeight(
      loaded.artifact(), options, [&](size_t index, const HostArray &array) {
        seen.push_back(index);
        EXPECT_EQ(array.data,
                  randomWeightArray(5, "w", DType::F32, {4, 4})->data);
        return absl::OkStatus();
      });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(seen, std::vector<size_t>{0});
}

TEST(Weights, NoSourceIsAnError) {
  LoadedArtifact loaded = loadTiny();
  absl::Status s =
      forEachWeight(loaded.artifact(), {},
                    [](size_t, const HostArray &) { return absl::OkStatus(); });
  EXPECT_THAT(s.message(), HasSubstr("--random_weights"));
}

TEST(Weights, SafetensorsShapeMismatchNamesTheTensor) {
  test::ScratchDir dir;
  std::string path = dir.file("w.safetensors");
  ASSERT_TRUE(writeSafetensors(
                  path, {{"w", f32Array({4, 8}, std::vector<float>(32, 1))}})
                  .ok());
  LoadedArtifact loaded = loadTiny();
  WeightOptions options;
  options.safetensorsPath = path;
  absl::Status s =
      forEachWeight(loaded.artifact(), options,
                    [](size_t, const HostArray &) { return absl::OkStatus(); });
  EXPECT_THAT(s.message(),
              HasSubstr("weight 'w': expected f32[4, 4], file has f32[4, 8]"));

  ASSERT_TRUE(writeSafetensors(
                  path, {{"v", f32Array({4, 4}, std::vector<float>(16, 1))}})
                  .ok());
  s = forEachWeight(loaded.artifact(), options,
                    [](size_t, const HostArray &) { return absl::OkStatus(); });
  EXPECT_THAT(s.message(), HasSubstr("weight 'w': not in " + path));
}

// The rank's coordinates are no weight: written from WeightOptions::meshCoords (zeros on one
// GPU), and the model then needs no weights file.
TEST(Weights, MeshCoordsParamHoldsTheRanksCoordinates) {
  std::unique_ptr<fb::ArtifactT> a = test::makeValidArtifact();
  a->mesh = std::make_unique<fb::MeshT>();
  a->mesh->axis_names = {"dp", "ep"};
  a->mesh->shape = {2, 4};
  a->params[0]->mesh_coords = true;
  a->params[0]->dtype = fb::DType::I64;
  a->params[0]->shape = {2};
  absl::StatusOr<LoadedArtifact> loaded = parseArtifact("coords.dsx", test::packFile(*a), {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  for (std::vector<int64_t> coords : {std::vector<int64_t>{1, 3}, std::vector<int64_t>{}}) {
    WeightOptions options;
    options.meshCoords = coords;
    std::vector<int64_t> got;
    absl::Status s =
        forEachWeight(loaded->artifact(), options, [&](size_t, const HostArray &array) {
          EXPECT_EQ(array.dtype, DType::I64);
          got.resize(2);
          std::memcpy(got.data(), array.data.data(), 2 * sizeof(int64_t));
          return absl::OkStatus();
        });
    EXPECT_TRUE(s.ok()) << s;
    std::vector<int64_t> want = coords.empty() ? std::vector<int64_t>{0, 0} : coords;
    EXPECT_EQ(got, want);
  }
}

/// The tiny artifact with w (f32[4, 4] whole) split over a 2x2 mesh: rows over axis 1,
/// columns over axis 0, so each rank holds f32[2, 2].
LoadedArtifact loadSplit() {
  std::unique_ptr<fb::ArtifactT> a = test::makeValidArtifact();
  a->mesh = std::make_unique<fb::MeshT>();
  a->mesh->axis_names = {"dp", "tp"};
  a->mesh->shape = {2, 2};
  a->params[0]->shape = {2, 2};
  for (uint32_t axis : {1u, 0u}) {
    auto dim = std::make_unique<fb::ShardDimT>();
    dim->mesh_axes = {axis};
    a->params[0]->split_axes.push_back(std::move(dim));
  }
  absl::StatusOr<LoadedArtifact> loaded = parseArtifact("split.dsx", test::packFile(*a), {});
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return std::move(*loaded);
}

TEST(Weights, EachRankGetsItsSliceOfTheWholeWeight) {
  LoadedArtifact loaded = loadSplit();
  HostArray whole = *randomWeightArray(5, "w", DType::F32, {4, 4});
  auto at = [&](int64_t r, int64_t c) {
    float v;
    std::memcpy(&v, whole.data.data() + (r * 4 + c) * sizeof(float), sizeof(v));
    return v;
  };
  for (int64_t dp : {0, 1})
    for (int64_t tp : {0, 1}) {
      WeightOptions options;
      options.randomSeed = 5;
      options.meshCoords = {dp, tp};
      absl::Status s =
          forEachWeight(loaded.artifact(), options, [&](size_t, const HostArray &slice) {
            EXPECT_EQ(slice.shape, (std::vector<int64_t>{2, 2}));
            const float *v = reinterpret_cast<const float *>(slice.data.data());
            // Rows follow tp (axis 1), columns dp (axis 0).
            for (int64_t r = 0; r < 2; ++r)
              for (int64_t c = 0; c < 2; ++c)
                EXPECT_EQ(v[r * 2 + c], at(tp * 2 + r, dp * 2 + c)) << dp << tp << r << c;
            return absl::OkStatus();
          });
      EXPECT_TRUE(s.ok()) << s;
    }
}

TEST(Inputs, NpyMustMatchTheDeclaredTensor) {
  test::ScratchDir dir;
  LoadedArtifact loaded = loadTiny();
  const fb::TensorInfo &x = *loaded.artifact().inputs()->Get(0);
  std::string dirPath = dir.file("");
  ASSERT_TRUE(
      writeNpy(dir.file(x.name()->str() + ".npy"), f32Array({3}, {1, 2, 3}))
          .ok());
  absl::StatusOr<HostArray> input = loadInput(x, dirPath, 0);
  ASSERT_FALSE(input.ok());
  EXPECT_THAT(input.status().message(),
              HasSubstr("input '" + x.name()->str() + "': expected f32["));
  EXPECT_TRUE(loadInput(x, "", 0).ok());
}

TEST(Compare, AllcloseWithMaxErrors) {
  HostArray ref = f32Array({4}, {1, 2, 0, NAN});
  auto same = compareArrays(ref, ref, 0, 0);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->mismatches, 0u);
  auto close =
      compareArrays(f32Array({4}, {1.001f, 2, 0.0005f, NAN}), ref, 1e-2, 1e-3);
  ASSERT_TRUE(close.ok());
  EXPECT_EQ(close->mismatches, 0u);
  EXPECT_NEAR(close->maxAbsError, 1e-3, 1e-6);
  auto far = compareArrays(f32Array({4}, {1, 2.5f, 0, 0}), ref, 1e-2, 1e-3);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->mismatches, 2u);
  EXPECT_EQ(far->firstMismatch, 1u);
  EXPECT_NEAR(far->maxRelError, 0.25, 1e-6);
  EXPECT_FALSE(compareArrays(f32Array({2}, {1, 2}), ref, 0, 0).ok());
}

TEST(Compare, RelativeFrobeniusError) {
  // ||(0, 0.3, 0.4)|| / ||(3, 4, 0)|| = 0.5 / 5.
  HostArray ref = f32Array({3}, {3, 4, 0});
  auto c = compareArrays(f32Array({3}, {3, 4.3f, 0.4f}), ref, 1, 1);
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->relL2Error, 0.1, 1e-6);
  HostArray zeros = f32Array({2}, {0, 0});
  EXPECT_EQ(compareArrays(zeros, zeros, 0, 0)->relL2Error, 0.0);
  EXPECT_TRUE(std::isinf(
      compareArrays(f32Array({2}, {0, 1}), zeros, 0, 0)->relL2Error));
}

TEST(Summary, ShapeMeanAndMaxAbs) {
  EXPECT_EQ(summarizeArray("y", f32Array({2, 2}, {1, -3, 2, 4})),
            "y: f32[2, 2] mean 1 max|x| 4");
}

} // namespace
} // namespace dsc
