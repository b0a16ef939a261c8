//===- Executor.cpp - Runs a loaded artifact on one GPU -------------------===//

#include "runtime/exec/Executor.h"

#include "runtime/artifact/PipelinePlan.h"
#include "runtime/exec/HostData.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace dsc {

#define DSC_RETURN_IF_ERROR(expr)                                              \
  do {                                                                         \
    if (absl::Status s_ = (expr); !s_.ok())                                    \
      return s_;                                                               \
  } while (0)

/// Kernels may use up to 48 KiB of dynamic shared memory without opting in
/// (CUDA C++ Programming Guide, "Shared Memory"); beyond it they must set
/// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
static constexpr uint32_t kDefaultDynamicSharedBytes = 48 * 1024;

absl::StatusOr<std::unique_ptr<Executor>> Executor::create(const Device &device,
                                                           const LoadedArtifact &artifact,
                                                           Communicators *comms,
                                                           const ExecutorOptions &options) {
  std::unique_ptr<Executor> executor(
      new Executor(device, artifact, comms, options.useGraph));
  const fb::Artifact &plan = artifact.artifact();
  for (flatbuffers::uoffset_t i = 0; i < plan.steps()->size(); ++i) {
    const fb::Step &step = *plan.steps()->Get(i);
    if (!comms && step.op_type() == fb::StepOp::Collective)
      return absl::FailedPreconditionError(
          absl::StrCat(executor->where(i), ": a collective step needs NCCL communicators"));
    // They share the cuBLASLt workspace and cuDNN's handle (Executor.h).
    if (step.stream() != 0 &&
        (step.op_type() == fb::StepOp::Gemm || step.op_type() == fb::StepOp::Attention))
      return absl::UnimplementedError(
          absl::StrCat(executor->where(i), ": runs on stream ", step.stream(),
                       "; dsrun runs GEMM and attention steps on stream 0 only"));
  }
  std::vector<int64_t> coords = comms ? comms->coords() : std::vector<int64_t>{};
  executor->order = stepsOfRank(plan, coords);
  executor->rankRegions = pipelineRankRegions(plan, pipelineRankOf(plan, coords));
  executor->planGroups();
  DSC_RETURN_IF_ERROR(executor->loadModules());
  DSC_RETURN_IF_ERROR(executor->allocate());
  DSC_RETURN_IF_ERROR(executor->createStreams());
  DSC_RETURN_IF_ERROR(executor->prepareSteps());
  if (options.gemmTuneIterations > 0) {
    absl::StatusOr<GemmTuningReport> tuned =
        tuneGemms(device, executor->stream, executor->gemms, options.gemmTuneIterations);
    if (!tuned.ok())
      return absl::Status(tuned.status().code(),
                          absl::StrCat("tuning the GEMMs: ", tuned.status().message()));
    executor->tuning = *tuned;
  }
  DSC_RETURN_IF_ERROR(executor->capture());
  return executor;
}

absl::Status Executor::loadModules() {
  absl::StatusOr<size_t> archIndex = checkDeviceArch(loaded, device.arch());
  if (!archIndex.ok())
    return archIndex.status();
  absl::string_view arch = plan.target_archs()->Get(*archIndex)->c_str();
  const Driver &cu = device.driver();
  for (flatbuffers::uoffset_t m = 0; m < plan.modules()->size(); ++m) {
    const fb::KernelModule &module = *plan.modules()->Get(m);
    // The loader checked that every module has an image per target arch.
    const fb::KernelImage *image = nullptr;
    for (const fb::KernelImage *candidate : *module.images())
      if (candidate->arch()->c_str() == arch)
        image = candidate;
    std::string what =
        absl::StrCat(loaded.name(), ": module ", m, " (", arch, ")");
    if (!image)
      return absl::InvalidArgumentError(absl::StrCat(what, ": no image"));
    CUmodule handle = nullptr;
    DSC_RETURN_IF_ERROR(
        device.check(cu.cuModuleLoadData(&handle, image->cubin()->data()),
                     absl::StrCat(what, ": cuModuleLoadData")));
    modules.push_back(handle);
    std::vector<CUfunction> &kernels = functions.emplace_back();
    for (const fb::Kernel *kernel : *module.kernels()) {
      CUfunction function = nullptr;
      DSC_RETURN_IF_ERROR(device.check(
          cu.cuModuleGetFunction(&function, handle, kernel->name()->c_str()),
          absl::StrCat(what, ": cuModuleGetFunction('", kernel->name()->str(),
                       "')")));
      kernels.push_back(function);
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::allocate() {
  const Driver &cu = device.driver();
  size_t freeBytes = 0, totalBytes = 0;
  DSC_RETURN_IF_ERROR(
      device.check(cu.cuMemGetInfo(&freeBytes, &totalBytes), "cuMemGetInfo"));
  bool needsWorkspace = false;
  for (const fb::Step *step : *plan.steps())
    needsWorkspace |= step->op_type() == fb::StepOp::Gemm;
  uint64_t workspaceBytes = needsWorkspace ? kGemmWorkspaceBytes : 0;
  if (absl::Status s = checkDeviceMemory(rankRegions.arena, rankRegions.params, workspaceBytes,
                                         freeBytes, totalBytes);
      !s.ok())
    return absl::Status(s.code(),
                        absl::StrCat(loaded.name(), ": ", s.message()));
  // cuMemAlloc rejects 0 bytes; an empty region keeps address 0 and no
  // buffer points into it.
  const std::pair<CUdeviceptr *, uint64_t> regions[] = {
      {&arena, rankRegions.arena}, {&params, rankRegions.params}, {&workspace, workspaceBytes}};
  const char *names[] = {"arena", "parameter region", "cuBLASLt workspace"};
  for (size_t i = 0; i < 3; ++i)
    if (regions[i].second > 0)
      DSC_RETURN_IF_ERROR(
          device.check(cu.cuMemAlloc(regions[i].first, regions[i].second),
                       absl::StrCat("cuMemAlloc(", names[i], ", ",
                                    formatBytes(regions[i].second), ")")));
  DSC_RETURN_IF_ERROR(device.check(
      cu.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate"));
  if (needsWorkspace && cublasLtCreate(&blas) != CUBLAS_STATUS_SUCCESS)
    return absl::InternalError("cublasLtCreate failed");
  return absl::OkStatus();
}

CUdeviceptr Executor::bufferAddress(uint32_t index) const {
  const fb::Buffer &buffer = *plan.buffers()->Get(index);
  CUdeviceptr base = buffer.kind() == fb::BufferKind::Param ? params : arena;
  return base + buffer.offset();
}

CUdeviceptr Executor::address(const fb::BufferRef &ref) const {
  return bufferAddress(ref.buffer()) + ref.offset();
}

absl::Status Executor::prepareSteps() {
  const Driver &cu = device.driver();
  launches.resize(plan.steps()->size());
  gemms.resize(plan.steps()->size());
  // This rank's steps only: in a pipeline another stage's buffers may lie past this rank's
  // regions (PipelineRank.memory), so its GEMMs are neither planned nor tuned here.
  for (size_t index : order) {
    auto i = static_cast<flatbuffers::uoffset_t>(index);
    const fb::Step &step = *plan.steps()->Get(i);
    if (const fb::KernelLaunch *launch = step.op_as_KernelLaunch()) {
      Launch &prepared = launches[i];
      prepared.function = functions[launch->module_()][launch->kernel()];
      if (launch->shared_bytes() > kDefaultDynamicSharedBytes)
        DSC_RETURN_IF_ERROR(device.check(
            cu.cuFuncSetAttribute(
                prepared.function,
                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                static_cast<int>(launch->shared_bytes())),
            absl::StrCat(where(i), ": cuFuncSetAttribute(dynamic shared ",
                         launch->shared_bytes(), " bytes)")));
      size_t count = launch->args() ? launch->args()->size() : 0;
      prepared.slots.assign(count, 0);
      for (size_t a = 0; a < count; ++a) {
        const fb::Arg &arg = *launch->args()->Get(a);
        void *slot = &prepared.slots[a];
        switch (arg.kind()) {
        case fb::ArgKind::Buffer: {
          CUdeviceptr pointer = bufferAddress(arg.buffer()) + arg.offset();
          std::memcpy(slot, &pointer, sizeof(pointer));
          break;
        }
        case fb::ArgKind::I32: {
          int32_t v = static_cast<int32_t>(arg.i64());
          std::memcpy(slot, &v, sizeof(v));
          break;
        }
        case fb::ArgKind::I64: {
          int64_t v = arg.i64();
          std::memcpy(slot, &v, sizeof(v));
          break;
        }
        case fb::ArgKind::F32: {
          float v = static_cast<float>(arg.f64());
          std::memcpy(slot, &v, sizeof(v));
          break;
        }
        case fb::ArgKind::F64: {
          double v = arg.f64();
          std::memcpy(slot, &v, sizeof(v));
          break;
        }
        }
      }
      // After the slots stop moving.
      for (uint64_t &slot : prepared.slots)
        prepared.params.push_back(&slot);
    } else if (const fb::Gemm *gemm = step.op_as_Gemm()) {
      absl::StatusOr<std::unique_ptr<GemmPlan>> made = GemmPlan::create(
          blas, *gemm, address(*gemm->a()), address(*gemm->b()),
          address(*gemm->c()), gemm->d() ? address(*gemm->d()) : 0,
          gemm->bias() ? address(*gemm->bias()) : 0,
          gemm->a_scale() ? address(*gemm->a_scale()) : 0,
          gemm->b_scale() ? address(*gemm->b_scale()) : 0, workspace, where(i));
      if (!made.ok())
        return made.status();
      gemms[i] = std::move(*made);
    } else if (const fb::Attention *attention = step.op_as_Attention()) {
      DSC_RETURN_IF_ERROR(prepareAttention(i, *attention));
    }
  }
  return bindAttention();
}

absl::Status Executor::prepareAttention(size_t index, const fb::Attention &attention) {
  if (!cudnn) {
    absl::StatusOr<std::unique_ptr<CudnnContext>> context = CudnnContext::create(stream);
    if (!context.ok())
      return absl::Status(context.status().code(),
                          absl::StrCat(where(index), ": ", context.status().message()));
    cudnn = std::move(*context);
  }
  attentions.resize(plan.steps()->size());
  absl::StatusOr<std::unique_ptr<CudnnAttention>> made =
      CudnnAttention::create(*cudnn, attention, address(*attention.q()), address(*attention.k()),
                             address(*attention.v()), address(*attention.out()), where(index));
  if (!made.ok())
    return made.status();
  attentions[index] = std::move(*made);
  return absl::OkStatus();
}

absl::Status Executor::bindAttention() {
  // One scratch region for every attention step: they run one after another
  // on one stream.
  uint64_t bytes = 0;
  for (const std::unique_ptr<CudnnAttention> &attention : attentions)
    if (attention)
      bytes = std::max(bytes, attention->workspaceBytes());
  if (bytes > 0)
    DSC_RETURN_IF_ERROR(device.check(
        device.driver().cuMemAlloc(&attentionWorkspace, bytes),
        absl::StrCat("cuMemAlloc(cuDNN attention workspace, ", formatBytes(bytes), ")")));
  for (const std::unique_ptr<CudnnAttention> &attention : attentions)
    if (attention)
      DSC_RETURN_IF_ERROR(attention->bind(attentionWorkspace));
  return absl::OkStatus();
}

absl::Status Executor::createStreams() {
  const Driver &cu = device.driver();
  streams.push_back(stream);
  for (uint32_t s = 1; s < plan.num_streams(); ++s)
    DSC_RETURN_IF_ERROR(device.check(
        cu.cuStreamCreate(&streams.emplace_back(), CU_STREAM_NON_BLOCKING), "cuStreamCreate"));
  for (uint32_t e = 0; e < plan.num_events(); ++e)
    DSC_RETURN_IF_ERROR(device.check(
        cu.cuEventCreate(&events.emplace_back(), CU_EVENT_DISABLE_TIMING), "cuEventCreate"));
  if (streams.size() == 1)
    return absl::OkStatus();
  DSC_RETURN_IF_ERROR(
      device.check(cu.cuEventCreate(&forkEvent, CU_EVENT_DISABLE_TIMING), "cuEventCreate"));
  for (size_t s = 0; s < streams.size(); ++s)
    DSC_RETURN_IF_ERROR(device.check(
        cu.cuEventCreate(&joinEvents.emplace_back(), CU_EVENT_DISABLE_TIMING), "cuEventCreate"));
  return absl::OkStatus();
}

CUstream Executor::streamOf(size_t index) const {
  return streams[plan.steps()->Get(index)->stream()];
}

absl::Status Executor::forkStreams() {
  if (streams.size() == 1)
    return absl::OkStatus();
  const Driver &cu = device.driver();
  DSC_RETURN_IF_ERROR(device.check(cu.cuEventRecord(forkEvent, stream), "cuEventRecord(fork)"));
  for (size_t s = 1; s < streams.size(); ++s)
    DSC_RETURN_IF_ERROR(
        device.check(cu.cuStreamWaitEvent(streams[s], forkEvent, 0), "cuStreamWaitEvent(fork)"));
  return absl::OkStatus();
}

absl::Status Executor::joinStreams() {
  const Driver &cu = device.driver();
  for (size_t s = 1; s < streams.size(); ++s) {
    DSC_RETURN_IF_ERROR(
        device.check(cu.cuEventRecord(joinEvents[s], streams[s]), "cuEventRecord(join)"));
    DSC_RETURN_IF_ERROR(
        device.check(cu.cuStreamWaitEvent(stream, joinEvents[s], 0), "cuStreamWaitEvent(join)"));
  }
  return absl::OkStatus();
}

absl::Status Executor::enqueueWaits(size_t index) {
  const fb::Step &step = *plan.steps()->Get(index);
  if (!step.wait_events())
    return absl::OkStatus();
  for (uint32_t e : *step.wait_events())
    DSC_RETURN_IF_ERROR(
        device.check(device.driver().cuStreamWaitEvent(streamOf(index), events[e], 0),
                     absl::StrCat(where(index), ": cuStreamWaitEvent(", e, ")")));
  return absl::OkStatus();
}

absl::Status Executor::enqueueRecord(size_t index) {
  int32_t e = plan.steps()->Get(index)->record_event();
  if (e < 0)
    return absl::OkStatus();
  return device.check(device.driver().cuEventRecord(events[e], streamOf(index)),
                      absl::StrCat(where(index), ": cuEventRecord(", e, ")"));
}

absl::Status Executor::enqueueStep(size_t index) {
  DSC_RETURN_IF_ERROR(enqueueWaits(index));
  DSC_RETURN_IF_ERROR(enqueueOp(index));
  return enqueueRecord(index);
}

void Executor::planGroups() {
  groupRole.assign(plan.steps()->size(), GroupRole::None);
  // Neighbours in this rank's order that move tensors of one pipeline step on one stream, where
  // no event is recorded or waited for between them (NCCL posts the group at its end).
  auto joins = [&](size_t a, size_t b) {
    std::optional<PipelineAction> action = pipelineActionOf(plan, a);
    const fb::Step &x = *plan.steps()->Get(a), &y = *plan.steps()->Get(b);
    return action && *action != PipelineAction::Forward && action == pipelineActionOf(plan, b) &&
           x.stage() == y.stage() && x.microbatch() == y.microbatch() && x.stream() == y.stream() &&
           x.record_event() < 0 && (!y.wait_events() || y.wait_events()->size() == 0);
  };
  for (size_t p = 0; p + 1 < order.size(); ++p) {
    if (!joins(order[p], order[p + 1]))
      continue;
    GroupRole &role = groupRole[order[p]];
    role = role == GroupRole::None ? GroupRole::First : GroupRole::Middle;
    groupRole[order[p + 1]] = GroupRole::Last;
  }
}

absl::Status Executor::enqueuePlan() {
  DSC_RETURN_IF_ERROR(forkStreams());
  groupTransfers = true;
  absl::Status status = absl::OkStatus();
  for (size_t i : order)
    if (status.ok())
      status = enqueueStep(i);
  groupTransfers = false;
  DSC_RETURN_IF_ERROR(status);
  return joinStreams();
}

absl::Status Executor::finish(const std::string &what) {
  if (comms)
    return comms->wait(stream, what);
  // Kernel faults surface here; they belong to no one step in particular.
  return device.check(device.driver().cuStreamSynchronize(stream), what);
}

absl::Status Executor::enqueueOp(size_t index) {
  const Driver &cu = device.driver();
  const fb::Step &step = *plan.steps()->Get(index);
  CUstream stream = streamOf(index);
  switch (step.op_type()) {
  case fb::StepOp::KernelLaunch: {
    const fb::KernelLaunch &launch = *step.op_as_KernelLaunch();
    Launch &prepared = launches[index];
    return device.check(
        cu.cuLaunchKernel(
            prepared.function, launch.grid()->x(), launch.grid()->y(),
            launch.grid()->z(), launch.block()->x(), launch.block()->y(),
            launch.block()->z(), launch.shared_bytes(), stream,
            prepared.params.empty() ? nullptr : prepared.params.data(),
            nullptr),
        absl::StrCat(where(index), ": cuLaunchKernel"));
  }
  case fb::StepOp::Gemm:
    return gemms[index]->run(stream);
  case fb::StepOp::Attention:
    return attentions[index]->run();
  case fb::StepOp::Memset: {
    const fb::Memset &memset = *step.op_as_Memset();
    return device.check(cu.cuMemsetD8Async(address(*memset.dst()),
                                           memset.value(), memset.bytes(),
                                           stream),
                        absl::StrCat(where(index), ": cuMemsetD8Async"));
  }
  case fb::StepOp::Collective: {
    const fb::Collective &c = *step.op_as_Collective();
    GroupRole role = groupTransfers ? groupRole[index] : GroupRole::None;
    if (role == GroupRole::First)
      DSC_RETURN_IF_ERROR(comms->groupStart(where(index)));
    DSC_RETURN_IF_ERROR(comms->enqueue(c, c.send() ? address(*c.send()) : 0,
                                       c.recv() ? address(*c.recv()) : 0, stream, where(index),
                                       /*inGroup=*/role != GroupRole::None));
    if (role == GroupRole::Last)
      return comms->groupEnd(where(index));
    return absl::OkStatus();
  }
  case fb::StepOp::Copy: {
    const fb::Copy &copy = *step.op_as_Copy();
    return device.check(cu.cuMemcpyDtoDAsync(address(*copy.dst()),
                                             address(*copy.src()), copy.bytes(),
                                             stream),
                        absl::StrCat(where(index), ": cuMemcpyDtoDAsync"));
  }
  default:
    return absl::UnimplementedError(
        absl::StrCat(where(index), ": dsrun cannot run this step yet"));
  }
}

absl::Status Executor::capture() {
  if (!useGraph)
    return absl::OkStatus();
  const Driver &cu = device.driver();
  // One eager run first, as PyTorch asks before capturing NCCL calls: NCCL connects its
  // peers and sets up its buffers on a communicator's first collectives, which a capture
  // cannot hold. Weights and inputs are not there yet: zeroed memory keeps every kernel in
  // bounds (an index of 0 is valid), every rank runs the same steps (or, in a pipeline, its
  // stage's, whose sends and receives pair up), so the collectives match, and the weight
  // uploads and real runs overwrite what this one writes.
  if (comms) {
    for (auto [region, bytes] :
         {std::pair{arena, rankRegions.arena}, std::pair{params, rankRegions.params}})
      if (bytes > 0)
        DSC_RETURN_IF_ERROR(device.check(cu.cuMemsetD8Async(region, 0, bytes, stream),
                                         "cuMemsetD8Async(zeroing before the first run)"));
    DSC_RETURN_IF_ERROR(enqueuePlan());
    DSC_RETURN_IF_ERROR(finish(absl::StrCat(loaded.name(), ": a first run before the capture")));
  }
  // Relaxed for NCCL: its enqueue and our polling of its async error may make CUDA calls
  // that the stricter modes forbid during a capture.
  DSC_RETURN_IF_ERROR(
      device.check(cu.cuStreamBeginCapture(stream, comms ? CU_STREAM_CAPTURE_MODE_RELAXED
                                                         : CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                   "cuStreamBeginCapture"));
  absl::Status enqueued = enqueuePlan();
  // End the capture even after a failure, so the stream is usable again.
  CUresult ended = cu.cuStreamEndCapture(stream, &graph);
  DSC_RETURN_IF_ERROR(enqueued);
  DSC_RETURN_IF_ERROR(device.check(ended, "cuStreamEndCapture"));
  return device.check(cu.cuGraphInstantiate(&graphExec, graph, 0),
                      "cuGraphInstantiate");
}

absl::Status Executor::copyTensor(const fb::TensorInfo &info,
                                  const HostArray &array,
                                  absl::string_view what) {
  const fb::Buffer &buffer = *plan.buffers()->Get(info.buffer());
  // The loader checked that the buffer holds the declared tensor.
  if (array.data.size() > buffer.size())
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", info.name()->str(), "': ", array.data.size(),
                     " bytes do not fit its buffer of ", buffer.size()));
  if (array.data.empty())
    return absl::OkStatus();
  // On the plan's stream, which is non-blocking: a copy on the legacy
  // stream would not be ordered before the graph's launch.
  const Driver &cu = device.driver();
  std::string where = absl::StrCat(what, " '", info.name()->str(), "'");
  DSC_RETURN_IF_ERROR(device.check(
      cu.cuMemcpyHtoDAsync(bufferAddress(info.buffer()), array.data.data(),
                           array.data.size(), stream),
      absl::StrCat(where, ": cuMemcpyHtoDAsync")));
  // `array` may go away when this returns.
  return device.check(cu.cuStreamSynchronize(stream),
                      absl::StrCat(where, ": copying to the device"));
}

absl::Status Executor::uploadParam(size_t index, const HostArray &array) {
  return copyTensor(*plan.params()->Get(index), array, "weight");
}

absl::Status Executor::uploadInput(size_t index, const HostArray &array) {
  return copyTensor(*plan.inputs()->Get(index), array, "input");
}

absl::Status Executor::run() {
  if (graphExec)
    DSC_RETURN_IF_ERROR(
        device.check(device.driver().cuGraphLaunch(graphExec, stream), "cuGraphLaunch"));
  else
    DSC_RETURN_IF_ERROR(enqueuePlan());
  return finish(absl::StrCat(loaded.name(), ": running the plan"));
}

absl::StatusOr<HostArray> Executor::downloadOutput(size_t index) const {
  const fb::TensorInfo &info = *plan.outputs()->Get(index);
  HostArray array;
  array.dtype = tensorDType(info);
  array.shape = tensorShape(info);
  absl::StatusOr<uint64_t> count = checkedNumElements(array.shape, array.dtype);
  if (!count.ok())
    return count.status();
  array.data.resize(*count * dtypeSize(array.dtype));
  if (array.data.empty())
    return array;
  const Driver &cu = device.driver();
  std::string where = absl::StrCat("output '", info.name()->str(), "'");
  DSC_RETURN_IF_ERROR(device.check(
      cu.cuMemcpyDtoHAsync(array.data.data(), bufferAddress(info.buffer()),
                           array.data.size(), stream),
      absl::StrCat(where, ": cuMemcpyDtoHAsync")));
  DSC_RETURN_IF_ERROR(device.check(cu.cuStreamSynchronize(stream),
                                   absl::StrCat(where, ": copying back")));
  return array;
}

/// The median of sorted, non-empty `v`.
static double medianOfSorted(const std::vector<double> &v) {
  size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

absl::StatusOr<BenchResult> Executor::bench(int minWarmup, double warmupMs, int iterations) {
  const Driver &cu = device.driver();
  BenchResult result;
  auto warmupStart = std::chrono::steady_clock::now();
  auto elapsedMs = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - warmupStart)
        .count();
  };
  while (result.warmupReplays < minWarmup || elapsedMs() < warmupMs) {
    DSC_RETURN_IF_ERROR(run());
    ++result.warmupReplays;
  }
  CUevent start = nullptr, stop = nullptr;
  DSC_RETURN_IF_ERROR(device.check(cu.cuEventCreate(&start, CU_EVENT_DEFAULT),
                                   "cuEventCreate"));
  absl::Status status =
      device.check(cu.cuEventCreate(&stop, CU_EVENT_DEFAULT), "cuEventCreate");
  std::vector<double> times;
  for (int i = 0; i < iterations && status.ok(); ++i) {
    float ms = 0;
    status = device.check(cu.cuEventRecord(start, stream), "cuEventRecord");
    if (status.ok())
      status = graphExec ? device.check(cu.cuGraphLaunch(graphExec, stream), "cuGraphLaunch")
                         : enqueuePlan();
    if (status.ok())
      status = device.check(cu.cuEventRecord(stop, stream), "cuEventRecord");
    if (status.ok())
      status = finish(absl::StrCat(loaded.name(), ": running the plan"));
    if (status.ok())
      status = device.check(cu.cuEventElapsedTime(&ms, start, stop),
                            "cuEventElapsedTime");
    times.push_back(ms);
  }
  if (stop)
    cu.cuEventDestroy(stop);
  cu.cuEventDestroy(start);
  DSC_RETURN_IF_ERROR(status);
  result.timesMs = times;
  if (times.empty())
    return result;
  std::sort(times.begin(), times.end());
  result.minMs = times.front();
  result.maxMs = times.back();
  result.medianMs = medianOfSorted(times);
  return result;
}

absl::StatusOr<std::vector<double>> Executor::profile(int iterations) {
  const Driver &cu = device.driver();
  size_t n = plan.steps()->size();
  std::vector<CUevent> marks(n + 1, nullptr);
  absl::Status status = absl::OkStatus();
  for (CUevent &e : marks)
    if (status.ok())
      status = device.check(cu.cuEventCreate(&e, CU_EVENT_DEFAULT), "cuEventCreate");
  std::vector<std::vector<double>> times(n);
  for (int it = 0; it <= iterations && status.ok(); ++it) {
    // An untimed pass first: while the GPU runs it, the host enqueues the timed pass, so the
    // first timed step waits for the GPU, not for the host's launch. (Timed right after a
    // synchronize, llama_layer's first rms_norm read 0.064 ms, the identical second 0.046.)
    status = enqueuePlan();
    if (status.ok())
      status = forkStreams();
    // marks[p] opens the p-th step this rank runs, marks[p + 1] closes it.
    for (size_t p = 0; p < order.size() && status.ok(); ++p) {
      status = device.check(cu.cuEventRecord(marks[p], stream), "cuEventRecord");
      if (status.ok())
        status = enqueueStep(order[p]);
    }
    if (status.ok())
      status = joinStreams();
    if (status.ok())
      status = device.check(cu.cuEventRecord(marks[order.size()], stream), "cuEventRecord");
    if (status.ok())
      status = finish(absl::StrCat(loaded.name(), ": profiling the plan"));
    for (size_t p = 0; p < order.size() && status.ok() && it > 0; ++p) { // run 0 warms up
      float ms = 0;
      status =
          device.check(cu.cuEventElapsedTime(&ms, marks[p], marks[p + 1]), "cuEventElapsedTime");
      times[order[p]].push_back(ms);
    }
  }
  for (CUevent e : marks)
    if (e)
      cu.cuEventDestroy(e);
  DSC_RETURN_IF_ERROR(status);
  std::vector<double> medians(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    if (times[i].empty())
      continue;
    std::sort(times[i].begin(), times[i].end());
    medians[i] = medianOfSorted(times[i]);
  }
  return medians;
}

absl::StatusOr<std::vector<TraceSlice>> Executor::trace(int rank) {
  const Driver &cu = device.driver();
  DSC_RETURN_IF_ERROR(run()); // warm-up: lazy loading and cold caches stay out of the trace
  size_t n = order.size();
  // marks[0] opens the run on stream 0; the p-th step this rank runs is between marks[2p+1]
  // and marks[2p+2].
  std::vector<CUevent> marks(2 * n + 1, nullptr);
  absl::Status status = absl::OkStatus();
  for (CUevent &e : marks)
    if (status.ok())
      status = device.check(cu.cuEventCreate(&e, CU_EVENT_DEFAULT), "cuEventCreate");
  if (status.ok())
    status = device.check(cu.cuEventRecord(marks[0], stream), "cuEventRecord");
  if (status.ok())
    status = forkStreams();
  for (size_t p = 0; p < n && status.ok(); ++p) {
    size_t i = order[p];
    status = enqueueWaits(i);
    if (status.ok())
      status = device.check(cu.cuEventRecord(marks[2 * p + 1], streamOf(i)), "cuEventRecord");
    if (status.ok())
      status = enqueueOp(i);
    if (status.ok())
      status = device.check(cu.cuEventRecord(marks[2 * p + 2], streamOf(i)), "cuEventRecord");
    if (status.ok())
      status = enqueueRecord(i);
  }
  if (status.ok())
    status = joinStreams();
  if (status.ok())
    status = finish(absl::StrCat(loaded.name(), ": tracing the plan"));
  std::vector<TraceSlice> slices;
  for (size_t p = 0; p < n && status.ok(); ++p) {
    float begin = 0, end = 0;
    status = device.check(cu.cuEventElapsedTime(&begin, marks[0], marks[2 * p + 1]),
                          "cuEventElapsedTime");
    if (status.ok())
      status = device.check(cu.cuEventElapsedTime(&end, marks[0], marks[2 * p + 2]),
                            "cuEventElapsedTime");
    TraceSlice &slice = slices.emplace_back(describeTraceStep(plan, order[p], rank));
    slice.startUs = 1e3 * begin;
    slice.durationUs = 1e3 * (end - begin);
  }
  for (CUevent e : marks)
    if (e)
      cu.cuEventDestroy(e);
  DSC_RETURN_IF_ERROR(status);
  return slices;
}

Executor::~Executor() {
  // Teardown errors have nobody left to report to; a sticky error from a
  // kernel fault makes them all fail, which is fine at exit.
  const Driver &cu = device.driver();
  if (stream)
    cu.cuStreamSynchronize(stream);
  if (graphExec)
    cu.cuGraphExecDestroy(graphExec);
  if (graph)
    cu.cuGraphDestroy(graph);
  gemms.clear();
  attentions.clear();
  cudnn.reset();
  if (attentionWorkspace)
    cu.cuMemFree(attentionWorkspace);
  if (blas)
    cublasLtDestroy(blas);
  for (CUdeviceptr region : {workspace, params, arena})
    if (region)
      cu.cuMemFree(region);
  for (CUmodule module : modules)
    cu.cuModuleUnload(module);
  for (CUevent e : events)
    cu.cuEventDestroy(e);
  for (CUevent e : joinEvents)
    cu.cuEventDestroy(e);
  if (forkEvent)
    cu.cuEventDestroy(forkEvent);
  for (size_t s = 1; s < streams.size(); ++s) {
    cu.cuStreamSynchronize(streams[s]);
    cu.cuStreamDestroy(streams[s]);
  }
  if (stream)
    cu.cuStreamDestroy(stream);
}

} // namespace dsc
