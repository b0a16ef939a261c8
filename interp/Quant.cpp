//===- Quant.cpp - FP8 quantization and scaled matmul ---------------------===//
//
// The interpreter's dsc.quantize, dsc.quantized_param and dsc.scaled_matmul,
// on the shared numerics of runtime/support/Fp8Quant.h (the values and scales
// are the ones the GPU computes, bit for bit). The product sums each
// 128-element group of K in f32 and scales the group's sum, which is how a
// blockwise-scaled GEMM accumulates (cuBLASLt adds in another order, so the
// last bits may differ).
//
//===----------------------------------------------------------------------===//

#include "interp/Kernels.h"
#include "interp/ThreadPool.h"

namespace dsc::interp {

namespace {

HostTensor scalesTensor(std::vector<float> scales, Shape shape) {
  return HostTensor::fromFloats(DType::F32, std::move(shape),
                                std::move(scales));
}

std::vector<float> e4m3Floats(const std::vector<uint8_t> &bits) {
  std::vector<float> values(bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    values[i] = f8E4M3FNBitsToFloat(bits[i]);
  return values;
}

} // namespace

std::pair<HostTensor, HostTensor> quantizeFp8(const HostTensor &x,
                                              Fp8Recipe recipe) {
  int64_t k = x.shape().back();
  int64_t rows = x.numElements() / std::max<int64_t>(k, 1);
  Fp8Tensor q = quantizeActivationFp8(x.floats().data(), rows, k, recipe);
  return {
      HostTensor::fromFloats(DType::F8E4M3FN, x.shape(), e4m3Floats(q.values)),
      scalesTensor(std::move(q.scales),
                   fp8ActivationScaleShape(rows, k, recipe))};
}

std::pair<HostTensor, HostTensor> quantizeFp8Delayed(const HostTensor &x, Fp8AmaxHistory &history) {
  Fp8Tensor q = quantizeActivationDelayedFp8(x.floats().data(), x.numElements(), history);
  return {HostTensor::fromFloats(DType::F8E4M3FN, x.shape(), e4m3Floats(q.values)),
          scalesTensor(std::move(q.scales), {1})};
}

std::pair<HostTensor, HostTensor> quantizeWeightFp8(const HostTensor &w,
                                                    Fp8Recipe recipe) {
  int64_t k = w.dim(0), n = w.dim(1);
  Fp8Tensor q = dsc::quantizeWeightFp8(w.floats().data(), k, n, recipe);
  return {HostTensor::fromFloats(DType::F8E4M3FN, {n, k}, e4m3Floats(q.values)),
          scalesTensor(std::move(q.scales), fp8WeightScaleShape(k, n, recipe))};
}

HostTensor scaledMatmul(const HostTensor &a, const HostTensor &aScales,
                        const HostTensor &b, const HostTensor &bScales,
                        Fp8Recipe recipe, DType outType) {
  int64_t k = a.shape().back(), n = b.dim(0);
  int64_t rows = a.numElements() / std::max<int64_t>(k, 1);
  bool blockwise = recipe == Fp8Recipe::Blockwise;
  int64_t group = blockwise ? kFp8Block : std::max<int64_t>(k, 1);
  int64_t groups = k / group;
  const float *av = a.floats().data(), *bv = b.floats().data();
  const float *as = aScales.floats().data(), *bs = bScales.floats().data();
  std::vector<float> y(static_cast<size_t>(rows * n));
  parallelFor(rows, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t j = 0; j < n; ++j) {
        float acc = 0.0f;
        for (int64_t g = 0; g < groups; ++g) {
          float part = 0.0f;
          for (int64_t i = g * group; i < (g + 1) * group; ++i)
            part += av[r * k + i] * bv[j * k + i];
          float sa = blockwise ? as[g * fp8ScalePitch(rows) + r] : as[0];
          float sb = blockwise ? bs[(j / kFp8Block) * fp8ScalePitch(groups) + g]
                               : bs[0];
          acc += part * (sa * sb);
        }
        y[r * n + j] = acc;
      }
  });
  Shape shape(a.shape().begin(), a.shape().end() - 1);
  shape.push_back(n);
  return HostTensor::fromFloats(outType, std::move(shape), std::move(y));
}

} // namespace dsc::interp
