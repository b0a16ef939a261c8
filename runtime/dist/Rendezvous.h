//===- Rendezvous.h - Hands rank 0's NCCL unique id to every rank -*- C++ -*-===//
//
// ncclCommInitRank needs the same 128-byte ncclUniqueId on every rank; rank 0 makes it. This
// is the smallest way to hand it over: rank 0 listens on MASTER_PORT, every other rank
// connects to MASTER_ADDR:MASTER_PORT (retrying until the deadline, since rank 0 may start
// later), says who it is, and reads the id back. Only the id travels here, never a tensor:
// NCCL moves the data. Plain POSIX sockets rather than a library: a few hundred bytes once
// per job do not justify a dependency (torchrun's TCPStore does the same job for PyTorch).
//
// Each hello carries a magic word, the world size and the rank, so a stray connection or a
// rank launched with another WORLD_SIZE is an error naming it rather than a hang.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_DIST_RENDEZVOUS_H
#define DSC_RUNTIME_DIST_RENDEZVOUS_H

#include "runtime/dist/DistEnv.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include <array>
#include <functional>

namespace dsc::dist {

/// The size of ncclUniqueId (NCCL_UNIQUE_ID_BYTES in nccl.h).
inline constexpr size_t kUniqueIdBytes = 128;
using UniqueId = std::array<char, kUniqueIdBytes>;

/// Rank 0 calls `makeId` and serves its result to the other worldSize - 1 ranks; the others
/// fetch it. Fails when not every rank has it within `timeout`, naming the ranks missing.
absl::StatusOr<UniqueId> exchangeUniqueId(const DistEnv &env, absl::Duration timeout,
                                          const std::function<absl::StatusOr<UniqueId>()> &makeId);

/// A TCP port on 127.0.0.1 that was free a moment ago (for `dsrun -n`'s children).
absl::StatusOr<int> pickFreePort();

} // namespace dsc::dist

#endif // DSC_RUNTIME_DIST_RENDEZVOUS_H
