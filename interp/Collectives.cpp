//===- Collectives.cpp - collectives over simulated ranks -----------------===//

#include "interp/Collectives.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dsc::interp {

int64_t DeviceGrid::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> DeviceGrid::coordinates(int64_t rank) const {
  std::vector<int64_t> coords(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    coords[i] = rank % shape[i];
    rank /= shape[i];
  }
  return coords;
}

int64_t DeviceGrid::rankOf(const std::vector<int64_t> &coords) const {
  int64_t rank = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    rank = rank * shape[i] + coords[i];
  return rank;
}

std::vector<int64_t> deviceGroup(const DeviceGrid &grid, int64_t rank,
                                 const std::vector<int64_t> &axes) {
  std::vector<int64_t> coords = grid.coordinates(rank);
  int64_t groupSize = 1;
  for (int64_t a : axes)
    groupSize *= grid.shape[a];
  std::vector<int64_t> group;
  group.reserve(groupSize);
  for (int64_t index = 0; index < groupSize; ++index) {
    // Row-major over `axes` in listed order: the last listed axis varies
    // fastest.
    int64_t rest = index;
    for (size_t i = axes.size(); i-- > 0;) {
      coords[axes[i]] = rest % grid.shape[axes[i]];
      rest /= grid.shape[axes[i]];
    }
    group.push_back(grid.rankOf(coords));
  }
  return group;
}

int64_t inGroupIndex(const DeviceGrid &grid, int64_t rank,
                     const std::vector<int64_t> &axes) {
  std::vector<int64_t> coords = grid.coordinates(rank);
  int64_t index = 0;
  for (int64_t a : axes)
    index = index * grid.shape[a] + coords[a];
  return index;
}

namespace {

double combine(CollectiveReduction kind, double acc, double v) {
  switch (kind) {
  case CollectiveReduction::Sum:
  case CollectiveReduction::Average:
    return acc + v;
  case CollectiveReduction::Product:
    return acc * v;
  case CollectiveReduction::Max:
    return std::isnan(acc) || std::isnan(v)
               ? std::numeric_limits<double>::quiet_NaN()
               : std::max(acc, v);
  case CollectiveReduction::Min:
    return std::isnan(acc) || std::isnan(v)
               ? std::numeric_limits<double>::quiet_NaN()
               : std::min(acc, v);
  }
  return acc;
}

/// Reduces the tensors of one group element by element.
HostTensor reduceGroup(const std::vector<const HostTensor *> &members,
                       CollectiveReduction kind, DType resultType,
                       const InterpOptions &options) {
  const HostTensor &first = *members.front();
  int64_t n = first.numElements();
  bool isFloat = !isIntDType(resultType);
  std::vector<float> floats(isFloat ? n : 0);
  std::vector<int64_t> ints(isFloat ? 0 : n);
  for (int64_t i = 0; i < n; ++i) {
    double acc = members.front()->elementAsDouble(i);
    for (size_t m = 1; m < members.size(); ++m) {
      acc = combine(kind, acc, members[m]->elementAsDouble(i));
      // f32 accumulation unless asked otherwise: round the running value as the
      // GPU would.
      if (isFloat && !options.accumulateInF64)
        acc = static_cast<float>(acc);
    }
    if (kind == CollectiveReduction::Average)
      acc /= static_cast<double>(members.size());
    if (isFloat)
      floats[i] = static_cast<float>(acc);
    else
      ints[i] = kind == CollectiveReduction::Average
                    ? static_cast<int64_t>(std::trunc(acc))
                    : static_cast<int64_t>(acc);
  }
  return isFloat
             ? HostTensor::fromFloats(resultType, first.shape(),
                                      std::move(floats))
             : HostTensor::fromInts(resultType, first.shape(), std::move(ints));
}

std::vector<const HostTensor *> membersOf(const std::vector<int64_t> &group,
                                          const PerRank &in) {
  std::vector<const HostTensor *> members;
  for (int64_t r : group)
    members.push_back(&in[r]);
  return members;
}

/// Piece `index` of `parts` equal pieces of `x` along `axis`.
HostTensor piece(const HostTensor &x, int64_t axis, int64_t index,
                 int64_t parts) {
  int64_t rank = x.rank();
  axis = axis < 0 ? axis + rank : axis;
  int64_t size = x.dim(axis) / parts;
  std::vector<int64_t> start(rank, 0), limit(x.shape()), stride(rank, 1);
  start[axis] = index * size;
  limit[axis] = (index + 1) * size;
  return slice(x, start, limit, stride);
}

} // namespace

PerRank allReduce(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                  const PerRank &in, CollectiveReduction kind, DType resultType,
                  const InterpOptions &options) {
  PerRank out(in.size());
  for (int64_t r = 0; r < grid.size(); ++r) {
    std::vector<int64_t> group = deviceGroup(grid, r, axes);
    if (group.front() != r)
      continue; // Computed once per group, by its first member.
    HostTensor reduced =
        reduceGroup(membersOf(group, in), kind, resultType, options);
    for (int64_t member : group)
      out[member] = reduced;
  }
  return out;
}

PerRank allGather(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                  const PerRank &in, int64_t axis) {
  PerRank out(in.size());
  for (int64_t r = 0; r < grid.size(); ++r)
    out[r] = concat(membersOf(deviceGroup(grid, r, axes), in), axis);
  return out;
}

PerRank allSlice(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                 const PerRank &in, int64_t axis) {
  PerRank out(in.size());
  for (int64_t r = 0; r < grid.size(); ++r) {
    int64_t groupSize = static_cast<int64_t>(deviceGroup(grid, r, axes).size());
    out[r] = piece(in[r], axis, inGroupIndex(grid, r, axes), groupSize);
  }
  return out;
}

PerRank allToAll(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                 const PerRank &in, int64_t splitAxis, int64_t concatAxis) {
  PerRank out(in.size());
  for (int64_t r = 0; r < grid.size(); ++r) {
    std::vector<int64_t> group = deviceGroup(grid, r, axes);
    int64_t me = inGroupIndex(grid, r, axes),
            parts = static_cast<int64_t>(group.size());
    std::vector<HostTensor> received;
    for (int64_t sender : group)
      received.push_back(piece(in[sender], splitAxis, me, parts));
    std::vector<const HostTensor *> pointers;
    for (const HostTensor &t : received)
      pointers.push_back(&t);
    out[r] = concat(pointers, concatAxis);
  }
  return out;
}

PerRank reduceScatter(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                      const PerRank &in, CollectiveReduction kind, int64_t axis,
                      const InterpOptions &options) {
  return allSlice(grid, axes,
                  allReduce(grid, axes, in, kind, in.front().dtype(), options),
                  axis);
}

PerRank broadcastFrom(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                      const PerRank &in, int64_t root) {
  PerRank out(in.size());
  for (int64_t r = 0; r < grid.size(); ++r)
    out[r] = in[deviceGroup(grid, r, axes)[root]];
  return out;
}

} // namespace dsc::interp
