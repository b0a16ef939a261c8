// The FP8 recipes' numerics: scale formula, the cuBLASLt layouts of values and
// scales, reconstruction error, and the errors for weights that do not fit.
#include "runtime/support/DType.h"
#include "runtime/support/Fp8Quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace dsc {
namespace {

float dequant(uint8_t q, float scale) { return f8E4M3FNBitsToFloat(q) * scale; }

TEST(Fp8Quant, ScaleMapsAmaxTo448) {
  EXPECT_EQ(fp8ScaleForAmax(448.0f), 1.0f);
  EXPECT_EQ(fp8ScaleForAmax(0.0f), 1.0f);
  EXPECT_EQ(fp8ScaleForAmax(std::nanf("")), 1.0f);
  float s = fp8ScaleForAmax(3.5f);
  EXPECT_EQ(s, 3.5f / 448.0f);
  EXPECT_EQ(f8E4M3FNBitsToFloat(quantizeToE4M3(-3.5f, s)), -448.0f);
}

TEST(Fp8Quant, ActivationTilesAreRowMajorScalesTransposed) {
  const int64_t rows = 3, k = 256;
  std::vector<float> x(rows * k);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < k; ++i)
      x[r * k + i] =
          std::sin(0.37f * (r * k + i)) * (1 + r) * (i < 128 ? 1 : 100);
  Fp8Tensor q = quantizeActivationFp8(x.data(), rows, k, Fp8Recipe::Blockwise);
  // Scale rows are padded to a multiple of 4 (3 -> 4); the padding is 1.
  const int64_t pitch = 4;
  ASSERT_EQ(q.scales.size(), 2u * pitch);
  EXPECT_EQ(fp8ActivationScaleShape(rows, k, Fp8Recipe::Blockwise),
            (std::vector<int64_t>{2, pitch}));
  EXPECT_EQ(q.scales[3], 1.0f);
  EXPECT_EQ(q.scales[pitch + 3], 1.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < 2; ++t) {
      float amax = 0;
      for (int64_t i = 0; i < 128; ++i)
        amax = std::fmax(amax, std::fabs(x[r * k + t * 128 + i]));
      // Scales are [k/128, pitch]: tile t of row r at t * pitch + r.
      EXPECT_EQ(q.scales[t * pitch + r], amax / 448.0f) << r << "," << t;
    }
  for (int64_t i = 0; i < rows * k; ++i) {
    float s = q.scales[((i % k) / 128) * pitch + i / k];
    // e4m3 keeps 3 mantissa bits: half an ulp is 1/16 relative, and values
    // below the smallest normal (2^-6 s) are off by at most 2^-10 s.
    EXPECT_NEAR(dequant(q.values[i], s), x[i],
                std::fabs(x[i]) / 16 + std::ldexp(s, -10))
        << i;
  }
}

TEST(Fp8Quant, WeightIsTransposedWithBlockScales) {
  const int64_t k = 256, n = 384;
  std::vector<float> w(k * n);
  for (int64_t i = 0; i < k * n; ++i)
    w[i] = std::cos(0.11f * i) * (1 + (i % n) / 128);
  Fp8Tensor q = quantizeWeightFp8(w.data(), k, n, Fp8Recipe::Blockwise);
  ASSERT_EQ(q.scales.size(), 3u * 4u); // [n/128, k/128 = 2 padded to 4]
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t nn = 0; nn < n; ++nn) {
      // Scales are [n/128, pitch]; values [n, k].
      float s = q.scales[(nn / 128) * 4 + kk / 128];
      float x = w[kk * n + nn];
      ASSERT_NEAR(dequant(q.values[nn * k + kk], s), x,
                  std::fabs(x) / 16 + std::ldexp(s, -10));
    }
}

TEST(Fp8Quant, TensorRecipeHasOneScale) {
  std::vector<float> x = {1, -2, 0.5f, 896};
  Fp8Tensor q = quantizeActivationFp8(x.data(), 2, 2, Fp8Recipe::Tensor);
  ASSERT_EQ(q.scales.size(), 1u);
  EXPECT_EQ(q.scales[0], 2.0f);
  EXPECT_EQ(f8E4M3FNBitsToFloat(q.values[3]), 448.0f);
  EXPECT_EQ(f8E4M3FNBitsToFloat(q.values[1]), -1.0f);
}

TEST(Fp8Quant, DelayedFirstRunUsesCurrentAmax) {
  Fp8AmaxHistory history(4);
  std::vector<float> x = {1, -2, 0.5f, 896};
  Fp8Tensor q = quantizeActivationDelayedFp8(x.data(), 4, history);
  ASSERT_EQ(q.scales.size(), 1u);
  EXPECT_EQ(q.scales[0], 2.0f); // as the tensor recipe: no history yet
  EXPECT_EQ(history.amaxes(), (std::vector<float>{896, 0, 0, 0}));
  EXPECT_EQ(history.next(), 1);
}

TEST(Fp8Quant, DelayedScaleIsTheMaxOfPreviousRuns) {
  Fp8AmaxHistory history(3);
  for (float amax : {8.0f, 448.0f, 16.0f})
    history.record(amax);
  // The scale ignores this run's amax (4096) while the history has one.
  EXPECT_EQ(history.scale(4096.0f), 1.0f);
  std::vector<float> x = {4096, -1000, 3};
  Fp8Tensor q = quantizeActivationDelayedFp8(x.data(), 3, history);
  EXPECT_EQ(q.scales[0], 1.0f);
  // Values beyond the delayed range saturate to +-448, as TransformerEngine's.
  EXPECT_EQ(f8E4M3FNBitsToFloat(q.values[0]), 448.0f);
  EXPECT_EQ(f8E4M3FNBitsToFloat(q.values[1]), -448.0f);
  EXPECT_EQ(f8E4M3FNBitsToFloat(q.values[2]), 3.0f);
  // 4096 replaced the oldest amax (8); 448 leaves after two more runs.
  EXPECT_EQ(history.amaxes(), (std::vector<float>{4096, 448, 16}));
  EXPECT_EQ(history.scale(1.0f), 4096.0f / 448.0f);
  history.record(2.0f);
  history.record(2.0f);
  history.record(2.0f);
  EXPECT_EQ(history.scale(1.0f), 2.0f / 448.0f);
}

TEST(Fp8Quant, DelayedFallsBackWithoutAUsableHistory) {
  Fp8AmaxHistory history(2);
  history.record(0.0f);
  EXPECT_EQ(history.scale(3.5f), 3.5f / 448.0f);
  history.record(std::numeric_limits<float>::infinity());
  EXPECT_EQ(history.scale(3.5f), 3.5f / 448.0f);
  EXPECT_EQ(history.scale(0.0f), 1.0f);
}

TEST(Fp8Quant, WeightArrayErrorsSayWhatIsWrong) {
  HostArray w{DType::BF16, {130, 256}, std::vector<uint8_t>(130 * 256 * 2)};
  auto r = quantizeWeightArrayFp8(w, Fp8Recipe::Blockwise);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("multiples of 128, got bf16[130, 256]"),
            std::string::npos)
      << r.status();
  HostArray v{DType::BF16, {256}, std::vector<uint8_t>(512)};
  EXPECT_FALSE(quantizeWeightArrayFp8(v, Fp8Recipe::Tensor).ok());
  // The tensor recipe takes any matrix.
  auto t = quantizeWeightArrayFp8(w, Fp8Recipe::Tensor);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->first.shape, (std::vector<int64_t>{256, 130}));
  EXPECT_EQ(t->second.shape, (std::vector<int64_t>{1}));
}

} // namespace
} // namespace dsc
