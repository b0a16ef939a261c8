//===- CollectivesTest.cpp - simulated-rank collectives -------------------===//
//
// Hand-computed results on grids of 2, 4 and 8 ranks. Rank r's input holds
// values derived from r so every expected element can be written down.
//
//===----------------------------------------------------------------------===//

#include "interp/Collectives.h"
#include "TestUtil.h"

namespace dsc::interp {
namespace {

/// Rank r holds [r*10 + 0, r*10 + 1, ...] in `shape`.
PerRank rankValues(int64_t ranks, Shape shape) {
  PerRank in;
  for (int64_t r = 0; r < ranks; ++r) {
    std::vector<float> values(numElements(shape));
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = static_cast<float>(r * 10 + static_cast<int64_t>(i));
    in.push_back(f32(shape, values));
  }
  return in;
}

TEST(DeviceGrid, GroupsFollowListedAxisOrder) {
  DeviceGrid grid{{2, 4}}; // rank = 4 * row + col
  EXPECT_EQ(deviceGroup(grid, 5, {1}), (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(deviceGroup(grid, 5, {0}), (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(deviceGroup(grid, 5, {0, 1}),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // Axis 0 listed last varies fastest.
  EXPECT_EQ(deviceGroup(grid, 5, {1, 0}),
            (std::vector<int64_t>{0, 4, 1, 5, 2, 6, 3, 7}));
  EXPECT_EQ(inGroupIndex(grid, 5, {1, 0}), 3);
  EXPECT_EQ(inGroupIndex(grid, 6, {1}), 2);
}

TEST(Collectives, AllReduceSumOnTwoRanks) {
  DeviceGrid grid{{2}};
  PerRank out = allReduce(grid, {0}, rankValues(2, {3}),
                          CollectiveReduction::Sum, DType::F32);
  for (const HostTensor &t : out)
    expectTensorNear(t, f32({3}, {10, 12, 14}));
}

TEST(Collectives, AllReduceMaxAndAverageWithinRowsOfFour) {
  DeviceGrid grid{{2, 4}};
  PerRank in = rankValues(8, {2});
  PerRank maxOut =
      allReduce(grid, {1}, in, CollectiveReduction::Max, DType::F32);
  expectTensorNear(maxOut[0], f32({2}, {30, 31}));
  expectTensorNear(maxOut[6], f32({2}, {70, 71}));
  PerRank avgOut =
      allReduce(grid, {1}, in, CollectiveReduction::Average, DType::F32);
  expectTensorNear(avgOut[2], f32({2}, {15, 16})); // (0+10+20+30)/4
  expectTensorNear(avgOut[5], f32({2}, {55, 56})); // (40+50+60+70)/4
}

TEST(Collectives, AllReduceRoundsOnceToBf16) {
  DeviceGrid grid{{2}};
  // 256 + 1 is not a bf16 value (8 significant bits): the sum rounds to even,
  // 256.
  PerRank in{HostTensor::fromFloats(DType::BF16, {1}, {256}),
             HostTensor::fromFloats(DType::BF16, {1}, {1})};
  PerRank out = allReduce(grid, {0}, in, CollectiveReduction::Sum, DType::BF16);
  EXPECT_EQ(out[0].floats()[0], 256.0f);
  PerRank wide = allReduce(grid, {0}, in, CollectiveReduction::Sum, DType::F32);
  EXPECT_EQ(wide[1].floats()[0], 257.0f);
}

TEST(Collectives, AllGatherOnEightRanks) {
  DeviceGrid grid{{8}};
  PerRank out = allGather(grid, {0}, rankValues(8, {1, 2}), 0);
  std::vector<float> expected;
  for (int r = 0; r < 8; ++r) {
    expected.push_back(r * 10);
    expected.push_back(r * 10 + 1);
  }
  for (const HostTensor &t : out)
    expectTensorNear(t, f32({8, 2}, expected));
}

TEST(Collectives, AllGatherAlongColumnsOfA2x2Grid) {
  // The shard dialect's own example: devices (r, c) hold 2x2 blocks.
  DeviceGrid grid{{2, 2}};
  PerRank in{f32({2, 2}, {1, 2, 3, 4}), f32({2, 2}, {5, 6, 7, 8}),
             f32({2, 2}, {9, 10, 11, 12}), f32({2, 2}, {13, 14, 15, 16})};
  PerRank out = allGather(grid, {1}, in, 1);
  expectTensorNear(out[0], f32({2, 4}, {1, 2, 5, 6, 3, 4, 7, 8}));
  expectTensorNear(out[1], out[0]);
  expectTensorNear(out[3], f32({2, 4}, {9, 10, 13, 14, 11, 12, 15, 16}));
}

TEST(Collectives, AllSliceInvertsAllGather) {
  DeviceGrid grid{{4}};
  PerRank in = rankValues(4, {2, 3});
  PerRank back = allSlice(grid, {0}, allGather(grid, {0}, in, 1), 1);
  for (int r = 0; r < 4; ++r)
    expectTensorNear(back[r], in[r]);
}

TEST(Collectives, AllToAllOnThreeRanksTransposesBlocks) {
  // The shard dialect's example: rank r holds rows r1, r2, r3 (as r*10 + j).
  DeviceGrid grid{{3}};
  PerRank in{f32({3, 2}, {11, 12, 13, 14, 15, 16}),
             f32({3, 2}, {21, 22, 23, 24, 25, 26}),
             f32({3, 2}, {31, 32, 33, 34, 35, 36})};
  PerRank out = allToAll(grid, {0}, in, 0, 0);
  expectTensorNear(out[0], f32({3, 2}, {11, 12, 21, 22, 31, 32}));
  expectTensorNear(out[1], f32({3, 2}, {13, 14, 23, 24, 33, 34}));
  expectTensorNear(out[2], f32({3, 2}, {15, 16, 25, 26, 35, 36}));
}

TEST(Collectives, AllToAllSplitAndConcatOnDifferentAxes) {
  // Expert-parallel dispatch shape: [experts, tokens] split on experts, joined
  // on tokens.
  DeviceGrid grid{{2}};
  PerRank in{f32({2, 1}, {1, 2}), f32({2, 1}, {3, 4})};
  PerRank out = allToAll(grid, {0}, in, 0, 1);
  expectTensorNear(out[0], f32({1, 2}, {1, 3}));
  expectTensorNear(out[1], f32({1, 2}, {2, 4}));
}

TEST(Collectives, ReduceScatterOnFourRanks) {
  DeviceGrid grid{{4}};
  PerRank out =
      reduceScatter(grid, {0}, rankValues(4, {4}), CollectiveReduction::Sum, 0);
  // Sum over ranks of r*10 + i is 60 + 4i.
  for (int r = 0; r < 4; ++r)
    expectTensorNear(out[r], f32({1}, {60.0f + 4 * r}));
}

TEST(Collectives, ReduceScatterOverBothAxesOfA2x4Grid) {
  DeviceGrid grid{{2, 4}};
  PerRank out = reduceScatter(grid, {0, 1}, rankValues(8, {8}),
                              CollectiveReduction::Sum, 0);
  // Sum over 8 ranks of r*10 + i is 280 + 8i; rank r (in-group index r) keeps
  // element r.
  for (int r = 0; r < 8; ++r)
    expectTensorNear(out[r], f32({1}, {280.0f + 8 * r}));
}

TEST(Collectives, BroadcastFromInGroupRoot) {
  DeviceGrid grid{{2, 2}};
  PerRank out = broadcastFrom(grid, {0}, rankValues(4, {1}), 1);
  // Groups along axis 0 are {0, 2} and {1, 3}; root index 1 is ranks 2 and 3.
  expectTensorNear(out[0], f32({1}, {20}));
  expectTensorNear(out[2], f32({1}, {20}));
  expectTensorNear(out[1], f32({1}, {30}));
}

TEST(Collectives, IntegerAllReduceIsExact) {
  DeviceGrid grid{{2}};
  PerRank in{i32({2}, {7, -3}), i32({2}, {5, 4})};
  PerRank out =
      allReduce(grid, {0}, in, CollectiveReduction::Product, DType::I32);
  expectTensorNear(out[1], i32({2}, {35, -12}));
}

} // namespace
} // namespace dsc::interp
