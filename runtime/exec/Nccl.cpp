//===- Nccl.cpp - NCCL communicators for one rank of a mesh ---------------===//

#include "runtime/exec/Nccl.h"

#include "runtime/dist/Launcher.h"
#include "runtime/dist/Rendezvous.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

namespace dsc {

namespace {

absl::StatusOr<const NcclApi *> openNccl() {
  static NcclApi api;
  static absl::Status opened = [] {
    const char *path = std::getenv("DSC_NCCL_LIBRARY");
    const char *name = path && *path ? path : "libnccl.so.2";
    void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!library)
      return absl::FailedPreconditionError(
          absl::StrCat("cannot load NCCL (", name, "): ", dlerror(),
                       "; this plan has collectives (set DSC_NCCL_LIBRARY or LD_LIBRARY_PATH)"));
#define DSC_NCCL_RESOLVE(fn)                                                                       \
  api.fn = reinterpret_cast<decltype(api.fn)>(dlsym(library, #fn));                                \
  if (!api.fn)                                                                                     \
    return absl::FailedPreconditionError(absl::StrCat(name, " has no ", #fn));
    DSC_NCCL_FUNCTIONS(DSC_NCCL_RESOLVE)
#undef DSC_NCCL_RESOLVE
    return absl::OkStatus();
  }();
  if (!opened.ok())
    return opened;
  return &api;
}

ncclDataType_t ncclType(fb::DType t) {
  switch (t) {
  case fb::DType::F32:
    return ncclFloat32;
  case fb::DType::F64:
    return ncclFloat64;
  case fb::DType::BF16:
    return ncclBfloat16;
  case fb::DType::F16:
    return ncclFloat16;
  case fb::DType::I32:
    return ncclInt32;
  case fb::DType::I64:
    return ncclInt64;
  default: // fp8 and i1 move as bytes
    return ncclUint8;
  }
}

ncclRedOp_t ncclOp(fb::ReduceOp op) {
  switch (op) {
  case fb::ReduceOp::Prod:
    return ncclProd;
  case fb::ReduceOp::Max:
    return ncclMax;
  case fb::ReduceOp::Min:
    return ncclMin;
  case fb::ReduceOp::Avg:
    return ncclAvg;
  default:
    return ncclSum;
  }
}

/// How often waits look at the stream, the communicators and the stop flag: 1 ms is far below
/// any timeout and costs nothing next to a collective.
constexpr absl::Duration kPollInterval = absl::Milliseconds(1);

} // namespace

absl::Status Communicators::check(ncclResult_t result, const std::string &what) const {
  if (result == ncclSuccess || result == ncclInProgress)
    return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("rank ", dist.rank, ": ", what, ": ", nccl.ncclGetErrorString(result)));
}

absl::Status Communicators::settle(ncclComm_t comm, absl::Time deadline, const std::string &what) {
  while (true) {
    ncclResult_t state = ncclSuccess;
    nccl.ncclCommGetAsyncError(comm, &state);
    if (state == ncclSuccess)
      return absl::OkStatus();
    if (state != ncclInProgress)
      return check(state, what);
    if (dist::StopSignal::requested())
      return absl::AbortedError(
          absl::StrCat("rank ", dist.rank, ": ", what, ": stopped: ", dist::StopSignal::reason()));
    if (absl::Now() > deadline)
      return absl::DeadlineExceededError(absl::StrCat(
          "rank ", dist.rank, ": ", what, ": not done within ", absl::FormatDuration(timeout),
          " (a peer rank may have died or not started)"));
    absl::SleepFor(kPollInterval);
  }
}

absl::StatusOr<std::unique_ptr<Communicators>> Communicators::create(const dist::DistEnv &env,
                                                                     const fb::Artifact &plan,
                                                                     const Device &device,
                                                                     absl::Duration timeout) {
  absl::StatusOr<const NcclApi *> api = openNccl();
  if (!api.ok())
    return api.status();
  std::unique_ptr<Communicators> comms(new Communicators(**api, device, env, timeout));
  // The mesh: ranks row-major, last axis fastest (Artifact.fbs).
  std::vector<int64_t> shape = {1};
  if (plan.mesh())
    shape.assign(plan.mesh()->shape()->begin(), plan.mesh()->shape()->end());
  int64_t ranks = 1;
  for (int64_t size : shape)
    ranks *= size;
  if (ranks != env.worldSize)
    return absl::InvalidArgumentError(absl::StrCat("the artifact's mesh has ", ranks, " ranks (",
                                                   absl::StrJoin(shape, "x"), "), but ",
                                                   dist::describe(env), " runs ", env.worldSize));
  comms->coordinates.resize(shape.size());
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1, r = env.rank; i >= 0; --i) {
    comms->coordinates[i] = r % shape[i];
    r /= shape[i];
  }

  absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<dist::UniqueId> id;
  if (env.ncclCommId) {
    id = dist::UniqueId{}; // NCCL reads NCCL_COMM_ID itself
  } else {
    id = dist::exchangeUniqueId(env, timeout, [&]() -> absl::StatusOr<dist::UniqueId> {
      ncclUniqueId made;
      if (absl::Status s = comms->check((*api)->ncclGetUniqueId(&made), "ncclGetUniqueId"); !s.ok())
        return s;
      dist::UniqueId out;
      static_assert(sizeof(made) == out.size());
      std::memcpy(out.data(), &made, out.size());
      return out;
    });
  }
  if (!id.ok())
    return id.status();
  ncclUniqueId ncclId;
  std::memcpy(&ncclId, id->data(), sizeof(ncclId));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;

  if (absl::Status s = comms->check(
          (*api)->ncclCommInitRankConfig(&comms->world, env.worldSize, ncclId, env.rank, &config),
          "ncclCommInitRankConfig");
      !s.ok())
    return s;
  if (absl::Status s = comms->settle(comms->world, deadline, "initializing the world communicator");
      !s.ok()) {
    comms->abort();
    return s;
  }
  // One split per distinct axis set, in plan order: every rank makes the same splits in the
  // same order, as ncclCommSplit requires.
  for (const fb::Step *step : *plan.steps()) {
    const fb::Collective *c = step->op_as_Collective();
    if (!c)
      continue;
    std::vector<uint32_t> axes(c->mesh_axes()->begin(), c->mesh_axes()->end());
    if (comms->byAxes.count(axes))
      continue;
    int64_t color = 0, key = 0;
    for (size_t a = 0; a < shape.size(); ++a)
      if (std::find(axes.begin(), axes.end(), a) == axes.end())
        color = color * shape[a] + comms->coordinates[a];
    for (uint32_t a : axes)
      key = key * shape[a] + comms->coordinates[a];
    ncclComm_t split = nullptr;
    std::string what = absl::StrCat("ncclCommSplit over mesh axes ", absl::StrJoin(axes, ","));
    absl::Status s = comms->check((*api)->ncclCommSplit(comms->world, static_cast<int>(color),
                                                        static_cast<int>(key), &split, &config),
                                  what);
    if (s.ok())
      s = comms->settle(comms->world, deadline, what);
    if (s.ok() && split)
      s = comms->settle(split, deadline, what);
    comms->byAxes[axes] = split;
    if (!s.ok()) {
      comms->abort();
      return s;
    }
  }
  return comms;
}

absl::Status Communicators::enqueue(const fb::Collective &c, CUdeviceptr send, CUdeviceptr recv,
                                    CUstream stream, const std::string &where, bool inGroup) {
  std::vector<uint32_t> axes(c.mesh_axes()->begin(), c.mesh_axes()->end());
  ncclComm_t comm = byAxes.at(axes);
  void *s = reinterpret_cast<void *>(send), *r = reinterpret_cast<void *>(recv);
  cudaStream_t cs = reinterpret_cast<cudaStream_t>(stream);
  size_t count = c.count();
  // fp8 and i1 travel as bytes: one per element.
  ncclDataType_t type = ncclType(c.dtype());
  ncclResult_t result = ncclSuccess;
  switch (c.kind()) {
  case fb::CollectiveKind::AllReduce:
    result = nccl.ncclAllReduce(s, r, count, type, ncclOp(c.reduce_op()), comm, cs);
    break;
  case fb::CollectiveKind::AllGather:
    result = nccl.ncclAllGather(s, r, count, type, comm, cs);
    break;
  case fb::CollectiveKind::ReduceScatter:
    result = nccl.ncclReduceScatter(s, r, count, type, ncclOp(c.reduce_op()), comm, cs);
    break;
  case fb::CollectiveKind::AllToAll:
    result = nccl.ncclAlltoAll(s, r, count, type, comm, cs);
    break;
  case fb::CollectiveKind::Broadcast:
    result = nccl.ncclBroadcast(s, r, count, type, c.peer(), comm, cs);
    break;
  case fb::CollectiveKind::Send:
    result = nccl.ncclSend(s, count, type, c.peer(), comm, cs);
    break;
  case fb::CollectiveKind::Recv:
    result = nccl.ncclRecv(r, count, type, c.peer(), comm, cs);
    break;
  }
  if (absl::Status status = check(result, where); !status.ok()) {
    abort();
    return status;
  }
  if (inGroup) // NCCL posts it at ncclGroupEnd
    return absl::OkStatus();
  // A non-blocking communicator may still be enqueuing.
  absl::Status status = settle(comm, absl::Now() + timeout, where);
  if (!status.ok())
    abort();
  return status;
}

absl::Status Communicators::groupStart(const std::string &where) {
  absl::Status status = check(nccl.ncclGroupStart(), absl::StrCat(where, ": ncclGroupStart"));
  if (!status.ok())
    abort();
  return status;
}

absl::Status Communicators::groupEnd(const std::string &where) {
  std::string what = absl::StrCat(where, ": ncclGroupEnd");
  absl::Status status = check(nccl.ncclGroupEnd(), what);
  // With non-blocking communicators the group may still be posting (ncclInProgress).
  absl::Time deadline = absl::Now() + timeout;
  for (auto &[axes, comm] : byAxes)
    if (status.ok() && comm)
      status = settle(comm, deadline, what);
  if (!status.ok())
    abort();
  return status;
}

absl::Status Communicators::wait(CUstream stream, const std::string &what) {
  const Driver &cu = device.driver();
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    CUresult done = cu.cuStreamQuery(stream);
    if (done == CUDA_SUCCESS)
      return absl::OkStatus();
    if (done != CUDA_ERROR_NOT_READY) {
      abort();
      return device.check(done, absl::StrCat("rank ", dist.rank, ": ", what));
    }
    absl::Status s = absl::OkStatus();
    for (auto &[axes, comm] : byAxes)
      if (s.ok())
        s = settle(comm, deadline, what);
    if (s.ok())
      s = settle(world, deadline, what);
    if (s.ok() && dist::StopSignal::requested())
      s = absl::AbortedError(
          absl::StrCat("rank ", dist.rank, ": ", what, ": stopped: ", dist::StopSignal::reason()));
    if (s.ok() && absl::Now() > deadline)
      s = absl::DeadlineExceededError(
          absl::StrCat("rank ", dist.rank, ": ", what, ": not done within ",
                       absl::FormatDuration(timeout), " (a peer rank may have died)"));
    if (!s.ok()) {
      abort();
      return s;
    }
    absl::SleepFor(kPollInterval);
  }
}

void Communicators::abort() {
  if (aborted)
    return;
  aborted = true;
  for (auto &[axes, comm] : byAxes)
    if (comm)
      nccl.ncclCommAbort(comm);
  if (world)
    nccl.ncclCommAbort(world);
}

Communicators::~Communicators() {
  if (aborted)
    return;
  for (auto &[axes, comm] : byAxes)
    if (comm)
      nccl.ncclCommDestroy(comm);
  if (world)
    nccl.ncclCommDestroy(world);
}

} // namespace dsc
