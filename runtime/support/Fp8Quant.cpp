//===- Fp8Quant.cpp - FP8 scaling recipes, bit-exact ----------------------===//

#include "runtime/support/Fp8Quant.h"

#include "runtime/support/DType.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cmath>

namespace dsc {

float fp8ScaleForAmax(float amax) {
  return amax > 0.0f && std::isfinite(amax) ? amax / kE4M3Max : 1.0f;
}

uint8_t quantizeToE4M3(float x, float scale) {
  return floatToF8E4M3FNBits(x / scale);
}

/// The largest magnitude, NaN ignored (fmaxf semantics, as the kernels use).
static float absMax(float acc, float x) { return std::fmax(acc, std::fabs(x)); }

float fp8Amax(const float *x, int64_t n) {
  float amax = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    amax = absMax(amax, x[i]);
  return amax;
}

/// The per-tensor recipe's one scale for `n` values.
static float tensorScale(const float *x, int64_t n) { return fp8ScaleForAmax(fp8Amax(x, n)); }

Fp8AmaxHistory::Fp8AmaxHistory(int64_t length)
    : slots(static_cast<size_t>(std::max<int64_t>(length, 1)), 0.0f) {}

float Fp8AmaxHistory::scale(float amax) const {
  float delayed = 0.0f;
  for (float slot : slots)
    delayed = std::fmax(delayed, slot);
  bool usable = delayed > 0.0f && std::isfinite(delayed);
  return fp8ScaleForAmax(usable ? delayed : amax);
}

void Fp8AmaxHistory::record(float amax) {
  slots[cursor] = amax;
  cursor = (cursor + 1) % static_cast<int64_t>(slots.size());
}

Fp8Tensor quantizeActivationDelayedFp8(const float *x, int64_t n, Fp8AmaxHistory &history) {
  Fp8Tensor out;
  float amax = fp8Amax(x, n);
  float scale = history.scale(amax);
  out.scales = {scale};
  out.values.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out.values[i] = quantizeToE4M3(x[i], scale);
  history.record(amax);
  return out;
}

Fp8Tensor quantizeActivationFp8(const float *x, int64_t rows, int64_t k,
                                Fp8Recipe recipe) {
  Fp8Tensor out;
  out.values.resize(static_cast<size_t>(rows * k));
  if (recipe == Fp8Recipe::Tensor) {
    float scale = tensorScale(x, rows * k);
    out.scales = {scale};
    for (int64_t i = 0; i < rows * k; ++i)
      out.values[i] = quantizeToE4M3(x[i], scale);
    return out;
  }
  int64_t tiles = k / kFp8Block;
  int64_t pitch = fp8ScalePitch(rows);
  out.scales.assign(static_cast<size_t>(tiles * pitch), 1.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < tiles; ++t) {
      const float *tile = x + r * k + t * kFp8Block;
      float amax = 0.0f;
      for (int64_t i = 0; i < kFp8Block; ++i)
        amax = absMax(amax, tile[i]);
      float scale = fp8ScaleForAmax(amax);
      out.scales[t * pitch + r] = scale;
      for (int64_t i = 0; i < kFp8Block; ++i)
        out.values[r * k + t * kFp8Block + i] = quantizeToE4M3(tile[i], scale);
    }
  return out;
}

Fp8Tensor quantizeWeightFp8(const float *w, int64_t k, int64_t n,
                            Fp8Recipe recipe) {
  Fp8Tensor out;
  out.values.resize(static_cast<size_t>(k * n));
  if (recipe == Fp8Recipe::Tensor) {
    float scale = tensorScale(w, k * n);
    out.scales = {scale};
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t nn = 0; nn < n; ++nn)
        out.values[nn * k + kk] = quantizeToE4M3(w[kk * n + nn], scale);
    return out;
  }
  int64_t kb = k / kFp8Block, nb = n / kFp8Block, pitch = fp8ScalePitch(kb);
  out.scales.assign(static_cast<size_t>(nb * pitch), 1.0f);
  for (int64_t bn = 0; bn < nb; ++bn)
    for (int64_t bk = 0; bk < kb; ++bk) {
      float amax = 0.0f;
      for (int64_t kk = bk * kFp8Block; kk < (bk + 1) * kFp8Block; ++kk)
        for (int64_t nn = bn * kFp8Block; nn < (bn + 1) * kFp8Block; ++nn)
          amax = absMax(amax, w[kk * n + nn]);
      float scale = fp8ScaleForAmax(amax);
      out.scales[bn * pitch + bk] = scale;
      for (int64_t kk = bk * kFp8Block; kk < (bk + 1) * kFp8Block; ++kk)
        for (int64_t nn = bn * kFp8Block; nn < (bn + 1) * kFp8Block; ++nn)
          out.values[nn * k + kk] = quantizeToE4M3(w[kk * n + nn], scale);
    }
  return out;
}

absl::StatusOr<std::pair<HostArray, HostArray>>
quantizeWeightArrayFp8(const HostArray &source, Fp8Recipe recipe) {
  if (source.shape.size() != 2)
    return absl::InvalidArgumentError(
        absl::StrCat("fp8 weight quantization needs a matrix [k, n], got ",
                     describeArray(source.dtype, source.shape)));
  if (!isFloatDType(source.dtype))
    return absl::InvalidArgumentError(
        absl::StrCat("fp8 weight quantization needs a float weight, got ",
                     describeArray(source.dtype, source.shape)));
  int64_t k = source.shape[0], n = source.shape[1];
  if (recipe == Fp8Recipe::Blockwise &&
      (k % kFp8Block != 0 || n % kFp8Block != 0))
    return absl::InvalidArgumentError(absl::StrCat(
        "the blockwise fp8 recipe needs both dimensions to be multiples of ",
        kFp8Block, ", got ", describeArray(source.dtype, source.shape)));
  std::vector<float> w(static_cast<size_t>(k * n));
  decodeToFloat(source.dtype, source.data.data(), w.data(), w.size());
  Fp8Tensor q = quantizeWeightFp8(w.data(), k, n, recipe);
  HostArray values{DType::F8E4M3FN, {n, k}, std::move(q.values)};
  HostArray scales{DType::F32, fp8WeightScaleShape(k, n, recipe), {}};
  scales.data.resize(q.scales.size() * sizeof(float));
  encodeFromFloat(DType::F32, q.scales.data(), scales.data.data(),
                  q.scales.size());
  return std::make_pair(std::move(values), std::move(scales));
}

} // namespace dsc
