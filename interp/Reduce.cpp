//===- Reduce.cpp - Reductions, softmax and norms -------------------------===//
//
// Every reduction accumulates its elements in index order, in the accumulator
// type InterpOptions selects, and rounds the finished value once.
//
//===----------------------------------------------------------------------===//

#include "interp/KernelSupport.h"
#include "interp/ThreadPool.h"

#include <cmath>
#include <limits>

namespace dsc::interp {

/// Calls fn(inputIndex, outputOffset) for every element of `shape` in
/// row-major order, where outputOffset = sum(index[d] * outStrides[d]).
template <typename Fn>
static void forEachElement(const Shape &shape,
                           const std::vector<int64_t> &outStrides, Fn fn) {
  int64_t n = numElements(shape), rank = shape.size();
  if (n == 0)
    return;
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    fn(i, offset);
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset += outStrides[d];
      if (++index[d] < shape[d])
        break;
      offset -= outStrides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/// The identity of max over an int dtype.
static int64_t lowestValue(DType type) {
  if (type == DType::I1)
    return 0;
  if (type == DType::I32)
    return std::numeric_limits<int32_t>::min();
  return std::numeric_limits<int64_t>::min();
}

HostTensor reduce(ReduceKind kind, const HostTensor &x,
                  const std::vector<int64_t> &axes, bool keepDims,
                  const InterpOptions &options) {
  std::vector<bool> reduced(x.rank(), false);
  for (int64_t axis : axes)
    reduced[normalizeAxis(axis, x.rank())] = true;
  Shape outShape, compactShape;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (!reduced[d])
      compactShape.push_back(x.dim(d));
    if (!reduced[d] || keepDims)
      outShape.push_back(reduced[d] ? 1 : x.dim(d));
  }
  // Output strides seen from the input's dims: 0 along reduced dims.
  std::vector<int64_t> compactStrides = rowMajorStrides(compactShape);
  std::vector<int64_t> outStrides(x.rank(), 0);
  for (int64_t d = 0, c = 0; d < x.rank(); ++d)
    if (!reduced[d])
      outStrides[d] = compactStrides[c++];
  int64_t outSize = numElements(outShape);
  int64_t count = outSize ? x.numElements() / outSize : 0;

  if (!x.isFloat()) {
    int64_t init = kind == ReduceKind::Max ? lowestValue(x.dtype()) : 0;
    std::vector<int64_t> acc(outSize, init);
    const std::vector<int64_t> &in = x.ints();
    forEachElement(x.shape(), outStrides, [&](int64_t i, int64_t o) {
      if (kind == ReduceKind::Max)
        acc[o] = std::max(acc[o], in[i]);
      else
        acc[o] = static_cast<int64_t>(static_cast<uint64_t>(acc[o]) +
                                      static_cast<uint64_t>(in[i]));
    });
    if (kind == ReduceKind::Mean)
      for (int64_t &v : acc)
        v = count ? v / count : 0;
    return HostTensor::fromInts(x.dtype(), outShape, std::move(acc));
  }

  return withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    Acc init = kind == ReduceKind::Max ? -std::numeric_limits<Acc>::infinity()
                                       : Acc(0);
    std::vector<Acc> acc(outSize, init);
    const std::vector<float> &in = x.floats();
    forEachElement(x.shape(), outStrides, [&](int64_t i, int64_t o) {
      if (kind == ReduceKind::Max)
        acc[o] = maxPropagatingNaN(acc[o], Acc(in[i]));
      else
        acc[o] += in[i];
    });
    std::vector<float> out(outSize);
    for (int64_t o = 0; o < outSize; ++o)
      out[o] = toStored(kind == ReduceKind::Mean ? acc[o] / Acc(count) : acc[o],
                        x.dtype());
    return HostTensor::fromFloats(x.dtype(), outShape, std::move(out));
  });
}

/// Rows per parallel chunk: enough elements that a chunk outweighs the
/// pool's hand-off (a few microseconds).
static int64_t rowGrain(int64_t rowLength) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(rowLength, 1));
}

HostTensor softmax(const HostTensor &x, int64_t axis,
                   const InterpOptions &options) {
  axis = normalizeAxis(axis, x.rank());
  int64_t outer = product(x.shape(), 0, axis), len = x.dim(axis);
  int64_t inner = product(x.shape(), axis + 1, x.rank());
  const std::vector<float> &in = x.floats();
  std::vector<float> out(in.size());
  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    parallelFor(outer * inner, rowGrain(len), [&](int64_t begin, int64_t end) {
      std::vector<Acc> e(len);
      for (int64_t row = begin; row < end; ++row) {
        int64_t base = (row / inner) * len * inner + row % inner;
        Acc max = -std::numeric_limits<Acc>::infinity();
        for (int64_t j = 0; j < len; ++j)
          max = maxPropagatingNaN(max, Acc(in[base + j * inner]));
        Acc sum = 0;
        for (int64_t j = 0; j < len; ++j)
          sum += e[j] = std::exp(Acc(in[base + j * inner]) - max);
        for (int64_t j = 0; j < len; ++j)
          out[base + j * inner] = toStored(e[j] / sum, x.dtype());
      }
    });
    return 0;
  });
  return HostTensor::fromFloats(x.dtype(), x.shape(), std::move(out));
}

HostTensor rmsNorm(const HostTensor &x, const HostTensor &w, double eps,
                   const InterpOptions &options) {
  int64_t d = x.rank() ? x.dim(x.rank() - 1) : 1;
  int64_t rows = d ? x.numElements() / d : 0;
  const std::vector<float> &in = x.floats(), &weight = w.floats();
  std::vector<float> out(in.size());
  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    parallelFor(rows, rowGrain(d), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const float *xr = &in[row * d];
        Acc sumSquares = 0;
        for (int64_t i = 0; i < d; ++i)
          sumSquares += Acc(xr[i]) * Acc(xr[i]);
        Acc r = Acc(1) / std::sqrt(sumSquares / Acc(d) + Acc(eps));
        for (int64_t i = 0; i < d; ++i)
          out[row * d + i] =
              toStored(Acc(xr[i]) * r * Acc(weight[i]), x.dtype());
      }
    });
    return 0;
  });
  return HostTensor::fromFloats(x.dtype(), x.shape(), std::move(out));
}

HostTensor layerNorm(const HostTensor &x, const HostTensor &w,
                     const HostTensor *b, double eps,
                     const InterpOptions &options) {
  int64_t d = x.rank() ? x.dim(x.rank() - 1) : 1;
  int64_t rows = d ? x.numElements() / d : 0;
  const std::vector<float> &in = x.floats(), &weight = w.floats();
  std::vector<float> out(in.size());
  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    parallelFor(rows, rowGrain(d), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const float *xr = &in[row * d];
        Acc sum = 0;
        for (int64_t i = 0; i < d; ++i)
          sum += xr[i];
        Acc mean = sum / Acc(d);
        // Two passes: the variance of centred values, not E[x²] - mean².
        Acc sumSquares = 0;
        for (int64_t i = 0; i < d; ++i)
          sumSquares += (Acc(xr[i]) - mean) * (Acc(xr[i]) - mean);
        Acc r = Acc(1) / std::sqrt(sumSquares / Acc(d) + Acc(eps));
        for (int64_t i = 0; i < d; ++i) {
          Acc y = (Acc(xr[i]) - mean) * r * Acc(weight[i]);
          if (b)
            y += b->floats()[i];
          out[row * d + i] = toStored(y, x.dtype());
        }
      }
    });
    return 0;
  });
  return HostTensor::fromFloats(x.dtype(), x.shape(), std::move(out));
}

} // namespace dsc::interp
