//===- Collectives.h - collectives over simulated ranks ---------*- C++ -*-===//
//
// Exact CPU execution of the shard dialect's collectives for N simulated ranks.
// Each function takes one tensor per rank of the device grid (indexed by linear
// rank, row-major over the grid's shape) and returns one tensor per rank. A
// collective acts within the device groups that `axes` define: ranks that share
// their coordinates on every other grid axis. Inside a group, ranks are ordered
// by their coordinates on `axes`, in the order `axes` lists them (the shard
// dialect's in-group index).
//
// Reductions accumulate in f32 (f64 with InterpOptions::accumulateInF64) in
// in-group order and round once to the result dtype, like every other dsc op;
// NCCL's ring order may differ from that within the dtype's tolerance.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_COLLECTIVES_H
#define DSC_INTERP_COLLECTIVES_H

#include "interp/Kernels.h"

#include <vector>

namespace dsc::interp {

/// A device grid; ranks are row-major linear indices over `shape`.
struct DeviceGrid {
  std::vector<int64_t> shape;

  int64_t size() const;
  std::vector<int64_t> coordinates(int64_t rank) const;
  int64_t rankOf(const std::vector<int64_t> &coordinates) const;
};

/// The ranks of the group that `rank` belongs to along `axes`, in in-group
/// order.
std::vector<int64_t> deviceGroup(const DeviceGrid &grid, int64_t rank,
                                 const std::vector<int64_t> &axes);

/// The position of `rank` within its group along `axes`.
int64_t inGroupIndex(const DeviceGrid &grid, int64_t rank,
                     const std::vector<int64_t> &axes);

enum class CollectiveReduction { Sum, Max, Min, Product, Average };

using PerRank = std::vector<HostTensor>;

/// Every rank gets the reduction of its group's inputs, converted to
/// `resultType`.
PerRank allReduce(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                  const PerRank &in, CollectiveReduction kind, DType resultType,
                  const InterpOptions &options = {});

/// Every rank gets its group's inputs concatenated along `axis` in in-group
/// order.
PerRank allGather(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                  const PerRank &in, int64_t axis);

/// Each rank keeps the slice of its own input that its in-group index selects
/// along `axis`.
PerRank allSlice(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                 const PerRank &in, int64_t axis);

/// Each rank splits its input along `splitAxis` into group-size pieces, sends
/// piece j to the j-th rank of its group, and concatenates what it receives
/// along `concatAxis`.
PerRank allToAll(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                 const PerRank &in, int64_t splitAxis, int64_t concatAxis);

/// allReduce followed by allSlice along `axis`.
PerRank reduceScatter(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                      const PerRank &in, CollectiveReduction kind, int64_t axis,
                      const InterpOptions &options = {});

/// Every rank gets the input of the group member whose in-group index is
/// `root`.
PerRank broadcastFrom(const DeviceGrid &grid, const std::vector<int64_t> &axes,
                      const PerRank &in, int64_t root);

} // namespace dsc::interp

#endif // DSC_INTERP_COLLECTIVES_H
