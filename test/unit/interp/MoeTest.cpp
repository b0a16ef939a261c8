//===- MoeTest.cpp - Router, dispatch and combine, hand-worked ------------===//

#include "TestUtil.h"

#include <cmath>

namespace dsc::interp {
namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(RouterTopK, GroupLimitedDropsTheBestExpertsWeakGroup) {
  // 8 experts in 4 groups of 2. Group scores (sum of the two sigmoids):
  //   g0 {3, -3}: 0.953 + 0.047 = 1.000    g1 {2, 1.9}: 0.881 + 0.870 = 1.751
  //   g2 {2.5, -5}: 0.924 + 0.007 = 0.931  g3 {0, 0.1}: 0.500 + 0.525 = 1.025
  // The two best groups are g1 and g3, so experts 0 and 4 (the two largest
  // scores overall) are out; the top 3 of {2, 3, 6, 7} are 2, 3, 7.
  HostTensor logits = f32({1, 8}, {3, -3, 2, 1.9f, 2.5f, -5, 0, 0.1f});
  RouterAttrs attrs;
  attrs.k = 3;
  attrs.numGroups = 4;
  attrs.topkGroups = 2;
  attrs.normalize = true;
  attrs.scaling = 2.5;
  auto [w, idx] = routerTopK(logits, nullptr, attrs);
  EXPECT_EQ(idx.dtype(), DType::I32);
  EXPECT_EQ(idx.ints(), (std::vector<int64_t>{2, 3, 7}));
  float s2 = sigmoid(2), s3 = sigmoid(1.9f), s7 = sigmoid(0.1f);
  float sum = s2 + s3 + s7;
  expectTensorNear(
      w, f32({1, 3}, {s2 / sum * 2.5f, s3 / sum * 2.5f, s7 / sum * 2.5f}),
      1e-6);

  // Without group limiting the plain top 3 wins: 0, 4, 2.
  attrs.numGroups = 1;
  attrs.topkGroups = 1;
  EXPECT_EQ(routerTopK(logits, nullptr, attrs).second.ints(),
            (std::vector<int64_t>{0, 4, 2}));
}

TEST(RouterTopK, BiasSteersChoiceButNotWeights) {
  HostTensor logits = f32({1, 4}, {0, 0, 0, 0});
  HostTensor bias = f32({4}, {0, 0.1f, 0, 0.2f});
  RouterAttrs attrs;
  attrs.k = 2;
  attrs.scaling = 2.0;
  auto [w, idx] = routerTopK(logits, &bias, attrs);
  EXPECT_EQ(idx.ints(), (std::vector<int64_t>{3, 1}));
  // sigmoid(0) = 0.5, unnormalized, times 2.
  expectTensorNear(w, f32({1, 2}, {1, 1}));
}

TEST(RouterTopK, TiesGoToTheLowerIndex) {
  HostTensor logits = f32({1, 4}, {1, 1, 1, 1});
  RouterAttrs attrs;
  attrs.k = 2;
  attrs.numGroups = 2;
  attrs.topkGroups = 1;
  // Groups tie too: group 0 is kept.
  EXPECT_EQ(routerTopK(logits, nullptr, attrs).second.ints(),
            (std::vector<int64_t>{0, 1}));
}

TEST(RouterTopK, SoftmaxScore) {
  // softmax([0, ln 3, 0, 0]) = [1/6, 1/2, 1/6, 1/6]; top 2 = 1, then 0 (the
  // lowest of three ties); normalized: [3/4, 1/4].
  HostTensor logits = f32({1, 4}, {0, std::log(3.0f), 0, 0});
  RouterAttrs attrs;
  attrs.k = 2;
  attrs.score = RouterScore::Softmax;
  attrs.normalize = true;
  auto [w, idx] = routerTopK(logits, nullptr, attrs);
  EXPECT_EQ(idx.ints(), (std::vector<int64_t>{1, 0}));
  expectTensorNear(w, f32({1, 2}, {0.75f, 0.25f}), 1e-6);
}

TEST(RouterTopK, OneExpertGroupsScoreByTheirLargest) {
  HostTensor logits = f32({2, 4}, {1, 4, 3, 2, 5, 0, 0, 6});
  RouterAttrs attrs;
  attrs.k = 2;
  attrs.numGroups = 4;
  attrs.topkGroups = 2;
  EXPECT_EQ(routerTopK(logits, nullptr, attrs).second.ints(),
            (std::vector<int64_t>{1, 2, 3, 0}));
}

TEST(Moe, DispatchAndCombineWithDroppedChoices) {
  // E = 3, C = 2. Slots in token order, then choice order:
  //   token 0: e0 -> row 0, e1 -> row 0
  //   token 1: e1 -> row 1, e2 -> row 0
  //   token 2: e1 -> dropped (full), e0 -> row 1
  HostTensor x = f32({3, 2}, {1, 10, 2, 20, 3, 30});
  HostTensor idx = i32({3, 2}, {0, 1, 1, 2, 1, 0});
  HostTensor buf = moeDispatch(x, idx, 3, 2);
  expectTensorNear(buf,
                   f32({3, 2, 2}, {1, 10, 3, 30, 1, 10, 2, 20, 2, 20, 0, 0}));
  HostTensor w = f32({3, 2}, {0.5f, 0.25f, 1, 2, 4, 8});
  // y0 = 0.5 x0 + 0.25 x0; y1 = x1 + 2 x1; y2 = 8 x2 (choice 0 dropped).
  expectTensorNear(moeCombine(buf, idx, w),
                   f32({3, 2}, {0.75f, 7.5f, 6, 60, 24, 240}));
}

TEST(Moe, CapacityNDropsNothingAndBadIdsAreDropped) {
  HostTensor x = f32({2, 1}, {1, 2});
  // Token 0 picks expert 0 twice and fills its 2 rows, so token 1's choice of
  // it is dropped; id 7 is outside [0, E) and dropped too.
  HostTensor idx = i32({2, 2}, {0, 0, 0, 7});
  HostTensor buf = moeDispatch(x, idx, 2, 2);
  expectTensorNear(buf, f32({2, 2, 1}, {1, 1, 0, 0}));
  // With distinct choices per token, C = N never drops.
  HostTensor distinct = i32({2, 2}, {0, 1, 1, 0});
  expectTensorNear(moeDispatch(x, distinct, 2, 2),
                   f32({2, 2, 1}, {1, 2, 1, 2}));
}

TEST(Moe, LocalDispatchAndCombineKeepTheWholeBatchsSlots) {
  // The batch of DispatchAndCombineWithDroppedChoices. Tokens {0, 2} for
  // experts {2, 0}: rows at the whole batch's slots (token 2's choice of e1
  // stays dropped), buffer rows in the order of `experts`.
  HostTensor idx = i32({3, 2}, {0, 1, 1, 2, 1, 0});
  HostTensor tokens = i32({2}, {0, 2}), experts = i32({2}, {2, 0});
  HostTensor part = moeDispatch(f32({2, 2}, {1, 10, 3, 30}), idx, 3, 2, {&tokens, &experts, 3});
  expectTensorNear(part, f32({2, 2, 2}, {0, 0, 0, 0, 1, 10, 3, 30}));
  // Token 1 for expert 1 only: its row 1.
  HostTensor token1 = i32({1}, {1}), expert1 = i32({1}, {1});
  expectTensorNear(moeDispatch(f32({1, 2}, {2, 20}), idx, 3, 2, {&token1, &expert1, 3}),
                   f32({1, 2, 2}, {0, 0, 2, 20}));
  // Combine for tokens {2, 0} from experts {2, 0} of the whole buffer: token 2
  // gets 8 x2 (its e1 choice was dropped), token 0 only its e0 part 0.5 x0.
  HostTensor whole = moeDispatch(f32({3, 2}, {1, 10, 2, 20, 3, 30}), idx, 3, 2);
  HostTensor ids = i32({2}, {2, 0});
  HostTensor mine =
      moeDispatch(f32({3, 2}, {1, 10, 2, 20, 3, 30}), idx, 3, 2, {nullptr, &experts, 3});
  expectTensorNear(moeCombine(mine, idx, f32({2, 2}, {4, 8, 0.5f, 0.25f}), {}, {&ids, &experts, 3}),
                   f32({2, 2}, {24, 240, 0.5f, 5}));
  // With every expert, the rows of moe_combine.
  HostTensor all = i32({3}, {0, 1, 2});
  expectTensorNear(moeCombine(whole, idx, f32({2, 2}, {4, 8, 0.5f, 0.25f}), {}, {&ids, &all, 3}),
                   f32({2, 2}, {24, 240, 0.75f, 7.5f}));
}

TEST(Moe, Bf16CombineRoundsOnce) {
  // 256 * 1 + 1 * 1 + 1 * 1 accumulates to 258 in f32, stored once in bf16.
  HostTensor buf = HostTensor::fromFloats(DType::BF16, {3, 1, 1}, {256, 1, 1});
  HostTensor idx = i32({1, 3}, {0, 1, 2});
  HostTensor w = f32({1, 3}, {1, 1, 1});
  EXPECT_EQ(moeCombine(buf, idx, w).floats()[0], 258.0f);
}

} // namespace
} // namespace dsc::interp
