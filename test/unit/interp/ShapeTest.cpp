//===- ShapeTest.cpp - Broadcast, layout and indexing kernels -------------===//

#include "TestUtil.h"

namespace dsc::interp {
namespace {

TEST(Broadcast, NewAndUnitDims) {
  // [3] -> [2, 3] along dim 1.
  expectTensorNear(broadcast(f32({3}, {1, 2, 3}), {1}, {2, 3}),
                   f32({2, 3}, {1, 2, 3, 1, 2, 3}));
  // [2, 1] -> [2, 3]: the unit dim repeats.
  expectTensorNear(broadcast(f32({2, 1}, {1, 2}), {0, 1}, {2, 3}),
                   f32({2, 3}, {1, 1, 1, 2, 2, 2}));
  // Scalar -> [2].
  expectTensorNear(broadcast(f32({}, {7}), {}, {2}), f32({2}, {7, 7}));
}

TEST(Reshape, RowMajor) {
  HostTensor r = reshape(f32({2, 3}, {1, 2, 3, 4, 5, 6}), {3, 2});
  expectTensorNear(r, f32({3, 2}, {1, 2, 3, 4, 5, 6}));
}

TEST(Transpose, Permutation) {
  HostTensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  expectTensorNear(transpose(x, {1, 0}), f32({3, 2}, {1, 4, 2, 5, 3, 6}));
  // [2, 1, 3] with permutation [2, 0, 1] -> [3, 2, 1].
  HostTensor y = f32({2, 1, 3}, {1, 2, 3, 4, 5, 6});
  expectTensorNear(transpose(y, {2, 0, 1}), f32({3, 2, 1}, {1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(transpose(i32({2, 1}, {8, 9}), {1, 0}).ints(),
            (std::vector<int64_t>{8, 9}));
}

TEST(Slice, StartLimitStride) {
  HostTensor x = f32({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  // Rows 1..3, columns 0, 2 (stride 2, ceil(3 / 2) = 2 of them).
  expectTensorNear(slice(x, {1, 0}, {3, 3}, {1, 2}),
                   f32({2, 2}, {4, 6, 8, 10}));
  EXPECT_EQ(slice(x, {1, 1}, {1, 4}, {1, 1}).shape(), (Shape{0, 3}));
}

TEST(Concat, AlongAxis) {
  HostTensor a = f32({2, 1}, {1, 2});
  HostTensor b = f32({2, 2}, {3, 4, 5, 6});
  expectTensorNear(concat({&a, &b}, 1), f32({2, 3}, {1, 3, 4, 2, 5, 6}));
  expectTensorNear(concat({&a, &a}, -2), f32({4, 1}, {1, 2, 1, 2}));
}

TEST(Split, Sizes) {
  std::vector<HostTensor> parts =
      split(f32({2, 3}, {1, 2, 3, 4, 5, 6}), -1, {1, 2});
  ASSERT_EQ(parts.size(), 2u);
  expectTensorNear(parts[0], f32({2, 1}, {1, 4}));
  expectTensorNear(parts[1], f32({2, 2}, {2, 3, 5, 6}));
}

TEST(Gather, ClampsOutOfRangeIndices) {
  HostTensor table = f32({3, 2}, {0, 1, 10, 11, 20, 21});
  HostTensor idx = i32({2, 2}, {2, -5, 1, 99});
  expectTensorNear(gather(table, idx, 0),
                   f32({2, 2, 2}, {20, 21, 0, 1, 10, 11, 20, 21}));
  // Along axis 1: numpy.take(table, [1, 0], axis=1).
  expectTensorNear(gather(table, i32({2}, {1, 0}), 1),
                   f32({3, 2}, {1, 0, 11, 10, 21, 20}));
}

TEST(Iota, AlongDimension) {
  EXPECT_EQ(iota(DType::I32, {2, 3}, 1).ints(),
            (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  expectTensorNear(iota(DType::F32, {2, 3}, 0),
                   f32({2, 3}, {0, 0, 0, 1, 1, 1}));
  // bf16 cannot hold 257: it rounds to even (256).
  EXPECT_EQ(iota(DType::BF16, {258}, 0).floats()[257], 256.0f);
}

} // namespace
} // namespace dsc::interp
