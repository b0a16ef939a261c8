//===- Shape.cpp - Broadcast, layout and indexing reference kernels -------===//
//
// These ops only move elements, so they are written once for both storage
// families (float and int64) and never round anything.
//
//===----------------------------------------------------------------------===//

#include "interp/KernelSupport.h"

#include <algorithm>

namespace dsc::interp {

/// Applies `fn` to x's storage vector (float or int64) and wraps what it
/// returns as a tensor of `dtype` and `shape`.
template <typename Fn>
static HostTensor mapStorage(const HostTensor &x, DType dtype, Shape shape,
                             Fn fn) {
  if (x.isFloat())
    return HostTensor::fromFloats(dtype, std::move(shape), fn(x.floats()));
  return HostTensor::fromInts(dtype, std::move(shape), fn(x.ints()));
}

/// The row-major elements of a view of `src` with `shape`, where view index
/// (i0, ..., in) reads src[offset + sum(ik * srcStrides[k])]. Broadcast,
/// transpose and slice are all such views.
template <typename T>
static std::vector<T> readView(const std::vector<T> &src, const Shape &shape,
                               const std::vector<int64_t> &srcStrides,
                               int64_t offset) {
  int64_t n = numElements(shape);
  std::vector<T> out;
  out.reserve(n);
  if (n == 0)
    return out;
  int64_t rank = shape.size();
  if (rank == 0) {
    out.push_back(src[offset]);
    return out;
  }
  std::vector<int64_t> index(rank, 0);
  int64_t innerSize = shape[rank - 1], innerStride = srcStrides[rank - 1];
  while (true) {
    int64_t base = offset;
    for (int64_t d = 0; d + 1 < rank; ++d)
      base += index[d] * srcStrides[d];
    for (int64_t i = 0; i < innerSize; ++i)
      out.push_back(src[base + i * innerStride]);
    int64_t d = rank - 2;
    while (d >= 0 && ++index[d] == shape[d])
      index[d--] = 0;
    if (d < 0)
      return out;
  }
}

static HostTensor view(const HostTensor &x, Shape shape,
                       const std::vector<int64_t> &srcStrides, int64_t offset) {
  return mapStorage(x, x.dtype(), shape, [&](const auto &src) {
    return readView(src, shape, srcStrides, offset);
  });
}

HostTensor broadcast(const HostTensor &x, const std::vector<int64_t> &dims,
                     const Shape &resultShape) {
  std::vector<int64_t> xStrides = rowMajorStrides(x.shape());
  std::vector<int64_t> srcStrides(resultShape.size(), 0);
  for (size_t i = 0; i < dims.size(); ++i)
    srcStrides[dims[i]] = x.dim(i) == 1 ? 0 : xStrides[i];
  return view(x, resultShape, srcStrides, 0);
}

HostTensor reshape(const HostTensor &x, const Shape &resultShape) {
  return mapStorage(x, x.dtype(), resultShape,
                    [](const auto &src) { return src; });
}

HostTensor transpose(const HostTensor &x,
                     const std::vector<int64_t> &permutation) {
  std::vector<int64_t> xStrides = rowMajorStrides(x.shape());
  Shape shape(permutation.size());
  std::vector<int64_t> srcStrides(permutation.size());
  for (size_t i = 0; i < permutation.size(); ++i) {
    shape[i] = x.dim(permutation[i]);
    srcStrides[i] = xStrides[permutation[i]];
  }
  return view(x, shape, srcStrides, 0);
}

HostTensor slice(const HostTensor &x, const std::vector<int64_t> &start,
                 const std::vector<int64_t> &limit,
                 const std::vector<int64_t> &stride) {
  std::vector<int64_t> xStrides = rowMajorStrides(x.shape());
  Shape shape(x.rank());
  std::vector<int64_t> srcStrides(x.rank());
  int64_t offset = 0;
  for (int64_t d = 0; d < x.rank(); ++d) {
    int64_t extent = std::max<int64_t>(limit[d] - start[d], 0);
    shape[d] = (extent + stride[d] - 1) / stride[d];
    srcStrides[d] = xStrides[d] * stride[d];
    offset += start[d] * xStrides[d];
  }
  return view(x, shape, srcStrides, offset);
}

HostTensor concat(const std::vector<const HostTensor *> &operands,
                  int64_t axis) {
  const HostTensor &first = *operands.front();
  axis = normalizeAxis(axis, first.rank());
  Shape shape = first.shape();
  shape[axis] = 0;
  for (const HostTensor *t : operands)
    shape[axis] += t->dim(axis);
  int64_t outer = product(shape, 0, axis);
  return mapStorage(first, first.dtype(), shape, [&](const auto &firstSrc) {
    using Vec = std::decay_t<decltype(firstSrc)>;
    Vec out;
    out.reserve(numElements(shape));
    for (int64_t o = 0; o < outer; ++o) {
      for (const HostTensor *t : operands) {
        const Vec *src;
        if constexpr (std::is_same_v<Vec, std::vector<float>>)
          src = &t->floats();
        else
          src = &t->ints();
        int64_t chunk = product(t->shape(), axis, t->rank());
        out.insert(out.end(), src->begin() + o * chunk,
                   src->begin() + (o + 1) * chunk);
      }
    }
    return out;
  });
}

std::vector<HostTensor> split(const HostTensor &x, int64_t axis,
                              const std::vector<int64_t> &sizes) {
  axis = normalizeAxis(axis, x.rank());
  std::vector<int64_t> start(x.rank(), 0), stride(x.rank(), 1);
  std::vector<int64_t> limit = x.shape();
  std::vector<HostTensor> results;
  for (int64_t size : sizes) {
    limit[axis] = start[axis] + size;
    results.push_back(slice(x, start, limit, stride));
    start[axis] = limit[axis];
  }
  return results;
}

HostTensor gather(const HostTensor &table, const HostTensor &indices,
                  int64_t axis) {
  axis = normalizeAxis(axis, table.rank());
  int64_t outer = product(table.shape(), 0, axis);
  int64_t vocab = table.dim(axis);
  int64_t inner = product(table.shape(), axis + 1, table.rank());
  Shape shape(table.shape().begin(), table.shape().begin() + axis);
  shape.insert(shape.end(), indices.shape().begin(), indices.shape().end());
  shape.insert(shape.end(), table.shape().begin() + axis + 1,
               table.shape().end());
  // An empty axis leaves no row to clamp to; only an empty result is valid.
  if (vocab == 0)
    return HostTensor::zeros(table.dtype(), shape);
  return mapStorage(table, table.dtype(), shape, [&](const auto &src) {
    std::decay_t<decltype(src)> out;
    out.reserve(numElements(shape));
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t index : indices.ints()) {
        int64_t row = std::clamp<int64_t>(index, 0, vocab - 1);
        auto begin = src.begin() + (o * vocab + row) * inner;
        out.insert(out.end(), begin, begin + inner);
      }
    }
    return out;
  });
}

HostTensor iota(DType dtype, const Shape &shape, int64_t dimension) {
  dimension = normalizeAxis(dimension, shape.size());
  int64_t stride = product(shape, dimension + 1, shape.size());
  std::vector<int64_t> values(numElements(shape));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = (static_cast<int64_t>(i) / stride) % shape[dimension];
  return HostTensor::fromInts(dtype, shape, std::move(values));
}

} // namespace dsc::interp
