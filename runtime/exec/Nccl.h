//===- Nccl.h - NCCL communicators for one rank of a mesh ------*- C++ -*-===//
//
// libnccl is opened with dlopen, like the driver (Driver.h): dsrun runs single-GPU artifacts
// on a machine without NCCL, and only a plan with collectives asks for it (DSC_NCCL_LIBRARY
// names another file than libnccl.so.2).
//
// One world communicator, non-blocking (ncclConfig_t.blocking = 0) so that no NCCL call can
// hang the process: initialization, splits and collectives are polled with
// ncclCommGetAsyncError against the --timeout and StopSignal (Launcher.h). Then one
// communicator per set of mesh axes a collective runs over, split from the world: color =
// the coordinates off those axes, key = the in-group index along them. On any failure every
// communicator is aborted (ncclCommAbort), so the peers' collectives fail rather than hang.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_NCCL_H
#define DSC_RUNTIME_EXEC_NCCL_H

#include "runtime/artifact/Artifact.h"
#include "runtime/dist/DistEnv.h"
#include "runtime/exec/Device.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include <map>
#include <memory>
#include <nccl.h>
#include <vector>

namespace dsc {

#define DSC_NCCL_FUNCTIONS(X)                                                                      \
  X(ncclGetUniqueId)                                                                               \
  X(ncclCommInitRankConfig)                                                                        \
  X(ncclCommSplit)                                                                                 \
  X(ncclCommGetAsyncError)                                                                         \
  X(ncclCommAbort)                                                                                 \
  X(ncclCommDestroy)                                                                               \
  X(ncclGetErrorString)                                                                            \
  X(ncclAllReduce)                                                                                 \
  X(ncclAllGather)                                                                                 \
  X(ncclReduceScatter)                                                                             \
  X(ncclAlltoAll)                                                                                  \
  X(ncclBroadcast)                                                                                 \
  X(ncclSend)                                                                                      \
  X(ncclRecv)                                                                                      \
  X(ncclGroupStart)                                                                                \
  X(ncclGroupEnd)

struct NcclApi {
#define DSC_NCCL_MEMBER(name) decltype(&::name) name = nullptr;
  DSC_NCCL_FUNCTIONS(DSC_NCCL_MEMBER)
#undef DSC_NCCL_MEMBER
};

class Communicators {
public:
  /// Bootstraps the world (the unique id through the rendezvous, or NCCL_COMM_ID) and splits
  /// one communicator per mesh-axis set the plan's collectives use. The world size must be
  /// the mesh's rank count.
  static absl::StatusOr<std::unique_ptr<Communicators>> create(const dist::DistEnv &env,
                                                               const fb::Artifact &plan,
                                                               const Device &device,
                                                               absl::Duration timeout);
  ~Communicators();

  /// Enqueues one collective step on `stream`. Between groupStart() and groupEnd() NCCL only
  /// records it (`inGroup`: no waiting for a non-blocking communicator until the group ends).
  absl::Status enqueue(const fb::Collective &c, CUdeviceptr send, CUdeviceptr recv, CUstream stream,
                       const std::string &where, bool inGroup = false);
  /// ncclGroupStart / ncclGroupEnd around steps that NCCL must post together (a pipeline
  /// step's sends and receives: Artifact.fbs's Pipeline).
  absl::Status groupStart(const std::string &where);
  absl::Status groupEnd(const std::string &where);
  /// Waits for `stream`, polling every communicator's async error, the timeout and the
  /// launcher's stop request; on any of them aborts every communicator.
  absl::Status wait(CUstream stream, const std::string &what);
  /// Aborts every communicator (idempotent).
  void abort();

  const dist::DistEnv &env() const { return dist; }
  /// This rank's coordinates on the mesh.
  const std::vector<int64_t> &coords() const { return coordinates; }

private:
  Communicators(const NcclApi &api, const Device &device, const dist::DistEnv &env,
                absl::Duration timeout)
      : nccl(api), device(device), dist(env), timeout(timeout) {}
  absl::Status settle(ncclComm_t comm, absl::Time deadline, const std::string &what);
  absl::Status check(ncclResult_t result, const std::string &what) const;

  const NcclApi &nccl;
  const Device &device;
  dist::DistEnv dist;
  absl::Duration timeout;
  std::vector<int64_t> coordinates;
  ncclComm_t world = nullptr;
  std::map<std::vector<uint32_t>, ncclComm_t> byAxes;
  bool aborted = false;
};

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_NCCL_H
