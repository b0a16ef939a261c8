//===- sliced_weights_test.cpp - each rank reads only its slices ----------===//
//
// A sharded param (split_axes) is this rank's slice of the whole weight: forEachWeight reads
// just the slice's bytes from the safetensors file (readTensorBox), and a split input is cut
// from the user's whole input. Checked against the whole tensor for every rank of the mesh.
//
//===----------------------------------------------------------------------===//

#include "artifact_builder.h"

#include "runtime/exec/HostData.h"
#include "runtime/support/Random.h"
#include "runtime/support/Safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

namespace dsc {
namespace {

using ::testing::HasSubstr;

/// How one weight is split: the mesh, the whole shape and per dim the mesh axes.
struct SplitCase {
  const char *name;
  std::vector<int64_t> mesh;
  std::vector<int64_t> whole;
  std::vector<std::vector<uint32_t>> axes;
};

/// The tiny artifact with its param `w` and input `x` both split as `c` says.
LoadedArtifact loadSplit(const SplitCase &c) {
  std::unique_ptr<fb::ArtifactT> a = test::makeValidArtifact();
  a->mesh = std::make_unique<fb::MeshT>();
  for (size_t i = 0; i < c.mesh.size(); ++i)
    a->mesh->axis_names.push_back("axis" + std::to_string(i));
  a->mesh->shape = c.mesh;
  for (fb::TensorInfoT *t : {a->params[0].get(), a->inputs[0].get()}) {
    t->shape = c.whole;
    t->split_axes.clear();
    for (size_t d = 0; d < c.whole.size(); ++d) {
      auto dim = std::make_unique<fb::ShardDimT>();
      dim->mesh_axes = c.axes[d];
      for (uint32_t axis : c.axes[d])
        t->shape[d] /= c.mesh[axis];
      t->split_axes.push_back(std::move(dim));
    }
  }
  absl::StatusOr<LoadedArtifact> loaded = parseArtifact("split.dsx", test::packFile(*a), {});
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return std::move(*loaded);
}

/// f32 values 0, 1, 2, ... of `shape`.
HostArray iota(const std::vector<int64_t> &shape) {
  HostArray array{DType::F32, shape, {}};
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<float> values(n);
  for (int64_t i = 0; i < n; ++i)
    values[i] = static_cast<float>(i);
  array.data.resize(n * sizeof(float));
  std::memcpy(array.data.data(), values.data(), array.data.size());
  return array;
}

/// Every rank's coordinates, row-major.
std::vector<std::vector<int64_t>> allCoords(const std::vector<int64_t> &mesh) {
  std::vector<std::vector<int64_t>> coords{{}};
  for (int64_t size : mesh) {
    std::vector<std::vector<int64_t>> next;
    for (const auto &c : coords)
      for (int64_t i = 0; i < size; ++i) {
        next.push_back(c);
        next.back().push_back(i);
      }
    coords = std::move(next);
  }
  return coords;
}

/// The element of the whole tensor that slice element `flat` of the rank at `coords` holds,
/// computed from the split independently of sliceStart.
float expected(const SplitCase &c, const std::vector<int64_t> &coords, int64_t flat) {
  std::vector<int64_t> local = c.whole;
  for (size_t d = 0; d < local.size(); ++d)
    for (uint32_t axis : c.axes[d])
      local[d] /= c.mesh[axis];
  int64_t wholeIndex = 0;
  std::vector<int64_t> index(local.size());
  for (int64_t d = static_cast<int64_t>(local.size()) - 1; d >= 0; --d) {
    index[d] = flat % local[d];
    flat /= local[d];
  }
  for (size_t d = 0; d < local.size(); ++d) {
    int64_t block = 0;
    for (uint32_t axis : c.axes[d])
      block = block * c.mesh[axis] + coords[axis];
    wholeIndex = wholeIndex * c.whole[d] + block * local[d] + index[d];
  }
  return static_cast<float>(wholeIndex);
}

class SlicedWeights : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SlicedWeights, EachRankReadsOnlyItsSliceFromTheFile) {
  const SplitCase &c = GetParam();
  test::ScratchDir dir;
  std::string path = dir.file("w.safetensors");
  HostArray whole = iota(c.whole);
  ASSERT_TRUE(writeSafetensors(path, {{"w", whole}}).ok());
  LoadedArtifact loaded = loadSplit(c);
  const fb::TensorInfo &info = *loaded.artifact().params()->Get(0);
  for (const std::vector<int64_t> &coords : allCoords(c.mesh)) {
    WeightOptions options;
    options.safetensorsPath = path;
    options.meshCoords = coords;
    uint64_t bytesRead = 0;
    options.tensorBytesRead = &bytesRead;
    HostArray slice;
    absl::Status s = forEachWeight(loaded.artifact(), options, [&](size_t, const HostArray &a) {
      slice = a;
      return absl::OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(slice.shape, tensorShape(info));
    EXPECT_EQ(bytesRead, slice.data.size()) << "read more than the slice";
    EXPECT_EQ(slice.data, sliceForRank(whole, info, *loaded.artifact().mesh(), coords)->data);
    const float *v = reinterpret_cast<const float *>(slice.data.data());
    for (size_t i = 0; i < slice.data.size() / sizeof(float); ++i)
      ASSERT_EQ(v[i], expected(c, coords, i)) << "rank " << coords[0] << " element " << i;
  }
}

TEST_P(SlicedWeights, RandomWeightsAndInputsAreSlicesOfTheWholeDraw) {
  const SplitCase &c = GetParam();
  LoadedArtifact loaded = loadSplit(c);
  const fb::Mesh &mesh = *loaded.artifact().mesh();
  const fb::TensorInfo &w = *loaded.artifact().params()->Get(0);
  const fb::TensorInfo &x = *loaded.artifact().inputs()->Get(0);
  HostArray wholeW = *randomWeightArray(9, "w", DType::F32, c.whole);
  HostArray wholeX = *randomInputArray(3, "x", DType::F32, c.whole, kRandomIntInputBound);
  for (const std::vector<int64_t> &coords : allCoords(c.mesh)) {
    WeightOptions options;
    options.randomSeed = 9;
    options.meshCoords = coords;
    absl::Status s = forEachWeight(loaded.artifact(), options, [&](size_t, const HostArray &a) {
      EXPECT_EQ(a.data, sliceForRank(wholeW, w, mesh, coords)->data);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    absl::StatusOr<HostArray> input = loadInput(x, "", 3, 0, &mesh, coords);
    ASSERT_TRUE(input.ok()) << input.status();
    EXPECT_EQ(input->shape, tensorShape(x));
    EXPECT_EQ(input->data, sliceForRank(wholeX, x, mesh, coords)->data);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Splits, SlicedWeights,
    ::testing::Values(SplitCase{"Dim0", {4}, {8, 3}, {{0}, {}}},
                      SplitCase{"LastDim", {2}, {3, 4}, {{}, {0}}},
                      SplitCase{"TwoAxesTwoDims", {2, 2}, {4, 4}, {{1}, {0}}},
                      SplitCase{"TwoAxesOneDim", {2, 2}, {8, 2}, {{0, 1}, {}}},
                      SplitCase{"Rank3Middle", {2, 2}, {2, 4, 3}, {{0}, {1}, {}}}),
    [](const ::testing::TestParamInfo<SplitCase> &info) { return info.param.name; });

TEST(SlicedWeightsErrors, WrongWholeShapeNamesTheWeightAndBothShapes) {
  SplitCase c{"", {2}, {4, 4}, {{0}, {}}};
  test::ScratchDir dir;
  std::string path = dir.file("w.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {{"w", iota({2, 4})}}).ok());
  LoadedArtifact loaded = loadSplit(c);
  WeightOptions options;
  options.safetensorsPath = path;
  options.meshCoords = {1};
  absl::Status s = forEachWeight(loaded.artifact(), options,
                                 [](size_t, const HostArray &) { return absl::OkStatus(); });
  EXPECT_THAT(s.message(), HasSubstr("weight 'w': expected f32[4, 4], file has f32[2, 4]"));
}

TEST(SlicedWeightsErrors, BoxOutsideTheTensorOrFileNamesTheTensor) {
  test::ScratchDir dir;
  std::string path = dir.file("w.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {{"w", iota({4, 4})}}).ok());
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok());
  absl::StatusOr<HostArray> box = file->readTensorBox("w", {3, 0}, {2, 4});
  ASSERT_FALSE(box.ok());
  EXPECT_THAT(box.status().message(), HasSubstr("tensor 'w'"));
  EXPECT_EQ(file->tensorBytesRead(), 0u);
  box = file->readTensorBox("w", {1, 2}, {2, 2});
  ASSERT_TRUE(box.ok()) << box.status();
  EXPECT_EQ(file->tensorBytesRead(), 16u);
  const float *v = reinterpret_cast<const float *>(box->data.data());
  EXPECT_EQ((std::vector<float>(v, v + 4)), (std::vector<float>{6, 7, 10, 11}));
  // The file shrinks after its header was checked: the read fails, naming the tensor.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 8);
  box = file->readTensorBox("w", {2, 0}, {2, 4});
  ASSERT_FALSE(box.ok());
  EXPECT_THAT(box.status().message(), HasSubstr("tensor 'w'"));
}

} // namespace
} // namespace dsc
