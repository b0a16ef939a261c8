//===- ArtifactCheck.cpp - Semantic checks of a verified artifact ---------===//

#include "runtime/artifact/ArtifactCheck.h"

#include "runtime/artifact/PipelinePlan.h"

#include "runtime/support/Fp8Layout.h"

#include "runtime/support/DType.h"
#include "runtime/support/HostArray.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

#include <optional>
#include <vector>

namespace dsc {
namespace {

#define DSC_RETURN_IF_ERROR(expr)                                              \
  do {                                                                         \
    if (absl::Status status_ = (expr); !status_.ok())                          \
      return status_;                                                          \
  } while (false)

template <typename... Args> absl::Status invalid(const Args &...args) {
  return absl::InvalidArgumentError(absl::StrCat(args...));
}

template <typename E> bool inRange(E value) {
  return static_cast<int>(value) >= static_cast<int>(E::MIN) &&
         static_cast<int>(value) <= static_cast<int>(E::MAX);
}

template <typename T>
flatbuffers::uoffset_t sizeOf(const flatbuffers::Vector<T> *v) {
  return v ? v->size() : 0;
}

/// The verifier checks a vector's length prefix for 4-byte alignment but not
/// its elements for theirs; [long] and [Arg] need 8 (the payload itself is
/// heap-allocated, so addresses and offsets agree modulo 8).
template <typename T> bool aligned8(const flatbuffers::Vector<T> *v) {
  return !v || reinterpret_cast<uintptr_t>(v->data()) % 8 == 0;
}

/// Bytes of `elements` elements of `dtype`; nullopt when that overflows.
std::optional<uint64_t> byteSize(unsigned __int128 elements, fb::DType dtype) {
  unsigned __int128 bytes = elements * dtypeSize(static_cast<DType>(dtype));
  if (bytes > UINT64_MAX)
    return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

/// Launch limits of every architecture since sm_30: 1024 threads per block,
/// grid y and z at most 65535 (CUDA C++ Programming Guide, "Features and
/// Technical Specifications"); a launch beyond them could never succeed.
constexpr uint64_t kMaxThreadsPerBlock = 1024;
constexpr uint32_t kMaxGridYZ = 65535;
/// cudaMalloc aligns every allocation to at least 256 bytes, so a buffer
/// offset can promise no more alignment than that.
constexpr uint32_t kMaxBufferAlignment = 256;

class Checker {
public:
  explicit Checker(const LoadedArtifact &loaded)
      : name(loaded.name()), a(loaded.artifact()) {}

  absl::Status run() {
    DSC_RETURN_IF_ERROR(checkArchs());
    DSC_RETURN_IF_ERROR(checkModules());
    DSC_RETURN_IF_ERROR(checkBuffers());
    DSC_RETURN_IF_ERROR(checkMesh());
    DSC_RETURN_IF_ERROR(
        checkTensors(a.params(), fb::BufferKind::Param, "param"));
    DSC_RETURN_IF_ERROR(
        checkTensors(a.inputs(), fb::BufferKind::Input, "input"));
    DSC_RETURN_IF_ERROR(
        checkTensors(a.outputs(), fb::BufferKind::Output, "output"));
    DSC_RETURN_IF_ERROR(checkSteps());
    if (absl::Status s = checkPipelinePlan(a); !s.ok())
      return invalid(name, ": ", s.message());
    return absl::OkStatus();
  }

private:
  const std::string &name;
  const fb::Artifact &a;
  /// While checking a step of a pipeline rank that has its own memory: that rank and its
  /// regions, which every buffer the step touches must lie in.
  std::optional<std::pair<int64_t, RegionBytes>> stepRank;

  absl::Status checkArchs();
  absl::Status checkModules();
  absl::Status checkBuffers();
  absl::Status checkTensors(
      const flatbuffers::Vector<flatbuffers::Offset<fb::TensorInfo>> *table,
      fb::BufferKind kind, absl::string_view what);
  absl::Status checkSteps();
  absl::Status checkStep(const fb::Step &step, std::vector<bool> &recorded);
  absl::Status checkLaunch(const fb::KernelLaunch &launch);
  absl::Status checkGemm(const fb::Gemm &gemm);
  absl::Status checkAttention(const fb::Attention &attention);
  absl::Status checkMesh();
  absl::Status checkSplitAxes(const fb::TensorInfo &tensor, fb::BufferKind kind);
  /// A split of a rank-`rank` tensor over the mesh: one entry per dim, axes in range, each
  /// axis used once.
  absl::Status checkMeshAxes(const flatbuffers::Vector<flatbuffers::Offset<fb::ShardDim>> *split,
                             size_t rank);
  absl::Status checkCollective(const fb::Collective &collective);
  /// The group size of a collective over `axes`, checking each axis.
  absl::StatusOr<uint64_t> groupSize(const flatbuffers::Vector<uint32_t> *axes,
                                     absl::string_view what) const;

  /// `bytes` bytes at `ref` lie inside its buffer.
  absl::Status checkRef(const fb::BufferRef *ref, std::optional<uint64_t> bytes,
                        absl::string_view what) const;
  absl::Status checkMatrix(const fb::BufferRef *ref, absl::string_view what,
                           fb::DType dtype, int64_t rows, int64_t cols,
                           int64_t ld, int64_t batch, int64_t stride) const;
};

absl::Status Checker::checkArchs() {
  if (sizeOf(a.target_archs()) == 0)
    return invalid(name, ": no target archs");
  absl::flat_hash_set<absl::string_view> seen;
  for (const auto *arch : *a.target_archs()) {
    if (absl::StatusOr<CudaArch> parsed = parseCudaArch(arch->string_view());
        !parsed.ok())
      return invalid(name, ": target arch ", parsed.status().message());
    if (!seen.insert(toAbsl(arch->string_view())).second)
      return invalid(name, ": target arch ", toAbsl(arch->string_view()),
                     " listed twice");
  }
  return absl::OkStatus();
}

absl::Status Checker::checkModules() {
  for (flatbuffers::uoffset_t m = 0; m < sizeOf(a.modules()); ++m) {
    const fb::KernelModule &module = *a.modules()->Get(m);
    std::string where = absl::StrCat(name, ": module ", m);
    absl::flat_hash_set<absl::string_view> archs;
    for (flatbuffers::uoffset_t i = 0; i < sizeOf(module.images()); ++i) {
      const fb::KernelImage &image = *module.images()->Get(i);
      absl::string_view arch =
          image.arch() ? toAbsl(image.arch()->string_view()) : "";
      bool known = false;
      for (const auto *target : *a.target_archs())
        known |= toAbsl(target->string_view()) == arch;
      if (!known)
        return invalid(where, ": image ", i, " is for '", arch,
                       "', which is not a target arch");
      if (!archs.insert(arch).second)
        return invalid(where, ": two images for ", arch);
      if (!inRange(image.format()))
        return invalid(where, ": image for ", arch, " has unknown format ",
                       static_cast<int>(image.format()));
      const auto *bytes = image.cubin();
      if (sizeOf(bytes) == 0)
        return invalid(where, ": image for ", arch, " is empty");
      if (image.format() == fb::ModuleFormat::Cubin &&
          (bytes->size() < 4 || bytes->Get(0) != 0x7f || bytes->Get(1) != 'E' ||
           bytes->Get(2) != 'L' || bytes->Get(3) != 'F'))
        return invalid(where, ": image for ", arch, " is not an ELF cubin");
      if (image.format() == fb::ModuleFormat::Ptx &&
          bytes->Get(bytes->size() - 1) != 0)
        return invalid(where, ": PTX for ", arch, " is not NUL-terminated");
    }
    for (const auto *target : *a.target_archs())
      if (!archs.contains(toAbsl(target->string_view())))
        return invalid(where, ": no image for target arch ",
                       toAbsl(target->string_view()));
    absl::flat_hash_set<absl::string_view> kernels;
    for (flatbuffers::uoffset_t k = 0; k < sizeOf(module.kernels()); ++k) {
      const fb::Kernel &kernel = *module.kernels()->Get(k);
      if (!kernel.name() || kernel.name()->size() == 0)
        return invalid(where, ": kernel ", k, " has no name");
      if (!kernels.insert(toAbsl(kernel.name()->string_view())).second)
        return invalid(where, ": kernel '",
                       toAbsl(kernel.name()->string_view()), "' defined twice");
    }
  }
  return absl::OkStatus();
}

absl::Status Checker::checkBuffers() {
  for (flatbuffers::uoffset_t i = 0; i < sizeOf(a.buffers()); ++i) {
    const fb::Buffer &buffer = *a.buffers()->Get(i);
    if (!inRange(buffer.kind()))
      return invalid(name, ": buffer ", i, ": unknown kind ",
                     static_cast<int>(buffer.kind()));
    uint32_t align = buffer.alignment();
    if (align == 0 || (align & (align - 1)) != 0 || align > kMaxBufferAlignment)
      return invalid(name, ": buffer ", i, ": alignment ", align,
                     " is not a power of two up to ", kMaxBufferAlignment);
    if (buffer.offset() % align != 0)
      return invalid(name, ": buffer ", i, ": offset ", buffer.offset(),
                     " is not a multiple of its alignment ", align);
    bool isParam = buffer.kind() == fb::BufferKind::Param;
    uint64_t region = isParam ? a.param_bytes() : a.arena_bytes();
    if (buffer.offset() > region || buffer.size() > region - buffer.offset())
      return invalid(name, ": buffer ", i, ": ", buffer.size(),
                     " bytes at offset ", buffer.offset(), " exceed the ",
                     region, "-byte ", isParam ? "parameter region" : "arena");
  }
  return absl::OkStatus();
}

// The mesh's size is bounded like a world size (DistEnv.h): 1 << 20 ranks.
constexpr int64_t kMaxMeshRanks = 1 << 20;

absl::Status Checker::checkMesh() {
  const fb::Mesh *mesh = a.mesh();
  if (!mesh)
    return absl::OkStatus();
  if (!aligned8(mesh->shape()))
    return invalid(name, ": mesh: malformed (misaligned shape)");
  if (sizeOf(mesh->shape()) == 0 || sizeOf(mesh->shape()) != sizeOf(mesh->axis_names()))
    return invalid(name, ": mesh: ", sizeOf(mesh->axis_names()), " axis names for ",
                   sizeOf(mesh->shape()), " axes (at least one axis, one name each)");
  absl::flat_hash_set<absl::string_view> names;
  int64_t ranks = 1;
  for (flatbuffers::uoffset_t i = 0; i < mesh->shape()->size(); ++i) {
    absl::string_view axis = toAbsl(mesh->axis_names()->Get(i)->string_view());
    int64_t size = mesh->shape()->Get(i);
    if (axis.empty() || !names.insert(axis).second)
      return invalid(name, ": mesh: axis ", i, " has an empty or repeated name '", axis, "'");
    if (size < 1 || size > kMaxMeshRanks / ranks)
      return invalid(name, ": mesh: axis '", axis, "' of size ", size,
                     " (sizes are at least 1 and multiply to at most ", kMaxMeshRanks, ")");
    ranks *= size;
  }
  return absl::OkStatus();
}

absl::Status Checker::checkSplitAxes(const fb::TensorInfo &tensor, fb::BufferKind kind) {
  if (const fb::Fp8Weight *fp8 = tensor.fp8_weight()) {
    if (sizeOf(fp8->source_start()) != 0 && sizeOf(fp8->source_start()) != 2)
      return invalid("fp8 source_start has ", sizeOf(fp8->source_start()),
                     " entries (one per dim of the [k, n] source)");
    for (flatbuffers::uoffset_t i = 0; i < sizeOf(fp8->source_start()); ++i)
      if (fp8->source_start()->Get(i) < 0)
        return invalid("fp8 source_start is negative");
    if (absl::Status s = checkMeshAxes(fp8->split_axes(), 2); !s.ok())
      return invalid("fp8 source ", s.message());
  }
  if (sizeOf(tensor.split_axes()) == 0)
    return absl::OkStatus();
  if (kind == fb::BufferKind::Output)
    return invalid("outputs are whole on every rank (the compiler gathers them); this one is "
                   "split");
  return checkMeshAxes(tensor.split_axes(), sizeOf(tensor.shape()));
}

absl::Status
Checker::checkMeshAxes(const flatbuffers::Vector<flatbuffers::Offset<fb::ShardDim>> *split,
                       size_t rank) {
  if (sizeOf(split) == 0)
    return absl::OkStatus();
  if (!a.mesh())
    return invalid("split over mesh axes, but the artifact has no mesh");
  if (sizeOf(split) != rank)
    return invalid("split_axes has ", sizeOf(split), " entries for ", rank, " dimensions");
  std::vector<bool> used(a.mesh()->shape()->size(), false);
  for (const fb::ShardDim *dim : *split)
    for (flatbuffers::uoffset_t i = 0; dim && i < sizeOf(dim->mesh_axes()); ++i) {
      uint32_t axis = dim->mesh_axes()->Get(i);
      if (axis >= used.size())
        return invalid("split over mesh axis ", axis, ", out of range (the mesh has ", used.size(),
                       " axes)");
      if (used[axis])
        return invalid("splits two dimensions, or one twice, over mesh axis ", axis);
      used[axis] = true;
    }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Checker::groupSize(const flatbuffers::Vector<uint32_t> *axes,
                                            absl::string_view what) const {
  if (!a.mesh())
    return invalid(what, " needs the artifact's mesh, which is absent");
  if (sizeOf(axes) == 0)
    return invalid(what, " names no mesh axes");
  uint64_t size = 1;
  std::vector<bool> seen(a.mesh()->shape()->size(), false);
  for (uint32_t axis : *axes) {
    if (axis >= seen.size())
      return invalid(what, " over mesh axis ", axis, ", out of range (the mesh has ", seen.size(),
                     " axes)");
    if (seen[axis])
      return invalid(what, " lists mesh axis ", axis, " twice");
    seen[axis] = true;
    size *= static_cast<uint64_t>(a.mesh()->shape()->Get(axis));
  }
  return size;
}

absl::Status Checker::checkCollective(const fb::Collective &c) {
  if (!inRange(c.kind()) || !inRange(c.reduce_op()) || !inRange(c.dtype()))
    return invalid("collective: unknown kind, reduction or dtype");
  std::string what = absl::StrCat("collective ", fb::EnumNameCollectiveKind(c.kind()));
  absl::StatusOr<uint64_t> group = groupSize(c.mesh_axes(), what);
  if (!group.ok())
    return group.status();
  // (send elements, recv elements) in units of count; 0: the operand is absent.
  uint64_t sendUnits = 1, recvUnits = 1;
  switch (c.kind()) {
  case fb::CollectiveKind::AllGather:
    recvUnits = *group;
    break;
  case fb::CollectiveKind::ReduceScatter:
    sendUnits = *group;
    break;
  case fb::CollectiveKind::AllToAll:
    sendUnits = recvUnits = *group;
    break;
  case fb::CollectiveKind::Send:
    recvUnits = 0;
    break;
  case fb::CollectiveKind::Recv:
    sendUnits = 0;
    break;
  default:
    break;
  }
  bool peered = c.kind() == fb::CollectiveKind::Broadcast || c.kind() == fb::CollectiveKind::Send ||
                c.kind() == fb::CollectiveKind::Recv;
  if (peered && (c.peer() < 0 || static_cast<uint64_t>(c.peer()) >= *group))
    return invalid(what, ": peer ", c.peer(), " is not in the group of ", *group, " ranks");
  for (auto [ref, units, role] : {std::make_tuple(c.send(), sendUnits, "send"),
                                  std::make_tuple(c.recv(), recvUnits, "recv")}) {
    if (units == 0)
      continue;
    if (!ref)
      return invalid(what, ": no ", role, " buffer");
    DSC_RETURN_IF_ERROR(
        checkRef(ref, byteSize(static_cast<unsigned __int128>(c.count()) * units, c.dtype()),
                 absl::StrCat(what, " ", role)));
  }
  return absl::OkStatus();
}

absl::Status Checker::checkTensors(
    const flatbuffers::Vector<flatbuffers::Offset<fb::TensorInfo>> *table,
    fb::BufferKind kind, absl::string_view what) {
  absl::flat_hash_set<absl::string_view> names;
  for (flatbuffers::uoffset_t i = 0; i < sizeOf(table); ++i) {
    const fb::TensorInfo &tensor = *table->Get(i);
    if (!tensor.name() || tensor.name()->size() == 0)
      return invalid(name, ": ", what, " ", i, " has no name");
    std::string where = absl::StrCat(name, ": ", what, " '",
                                     toAbsl(tensor.name()->string_view()), "'");
    if (!names.insert(toAbsl(tensor.name()->string_view())).second)
      return invalid(where, ": defined twice");
    if (!inRange(tensor.dtype()))
      return invalid(where, ": unknown dtype ",
                     static_cast<int>(tensor.dtype()));
    if (!aligned8(tensor.shape()))
      return invalid(where, ": malformed (misaligned shape)");
    if (tensor.state() && (kind != fb::BufferKind::Param || tensor.fp8_weight()))
      return invalid(where, ": state must be a param of its own, not made from a weight");
    if (tensor.mesh_coords() &&
        (kind != fb::BufferKind::Param || tensor.fp8_weight() || tensor.state() ||
         sizeOf(tensor.split_axes()) || tensor.dtype() != fb::DType::I64 || !tensor.shape() ||
         tensor.shape()->size() != 1 ||
         tensor.shape()->Get(0) != static_cast<int64_t>(a.mesh() ? sizeOf(a.mesh()->shape()) : 0)))
      return invalid(where, ": mesh coordinates must be a param of their own, i64[",
                     a.mesh() ? sizeOf(a.mesh()->shape()) : 0, "] (one per mesh axis)");
    if (absl::Status s = checkSplitAxes(tensor, kind); !s.ok())
      return invalid(where, ": ", s.message());
    std::vector<int64_t> shape;
    if (tensor.shape())
      shape.assign(tensor.shape()->begin(), tensor.shape()->end());
    DType dtype = static_cast<DType>(tensor.dtype());
    absl::StatusOr<uint64_t> count = checkedNumElements(shape, dtype);
    if (!count.ok())
      return invalid(where, ": ", count.status().message());
    uint64_t bytes = *count * dtypeSize(dtype);
    if (tensor.buffer() >= sizeOf(a.buffers()))
      return invalid(where, ": buffer ", tensor.buffer(),
                     " out of range (the plan has ", sizeOf(a.buffers()),
                     " buffers)");
    const fb::Buffer &buffer = *a.buffers()->Get(tensor.buffer());
    if (buffer.kind() != kind)
      return invalid(where, ": buffer ", tensor.buffer(), " is a ",
                     fb::EnumNameBufferKind(buffer.kind()), " buffer, not ",
                     fb::EnumNameBufferKind(kind));
    if (buffer.size() < bytes)
      return invalid(where, ": ", describeArray(dtype, shape), " needs ", bytes,
                     " bytes; buffer ", tensor.buffer(), " has ",
                     buffer.size());
  }
  return absl::OkStatus();
}

absl::Status Checker::checkSteps() {
  uint64_t numSteps = sizeOf(a.steps());
  // Every step runs on one stream and records at most one event.
  if (a.num_streams() == 0 || a.num_streams() > std::max<uint64_t>(1, numSteps))
    return invalid(name, ": ", a.num_streams(), " streams for ", numSteps,
                   " steps");
  if (a.num_events() > numSteps)
    return invalid(name, ": ", a.num_events(), " events for ", numSteps,
                   " steps");
  std::vector<bool> recorded(a.num_events(), false);
  for (flatbuffers::uoffset_t i = 0; i < numSteps; ++i) {
    absl::Status status = checkStep(*a.steps()->Get(i), recorded);
    if (!status.ok())
      return invalid(name, ": ", describeStep(a, i), ": ", status.message());
  }
  return absl::OkStatus();
}

absl::Status Checker::checkStep(const fb::Step &step,
                                std::vector<bool> &recorded) {
  if (step.stream() >= a.num_streams())
    return invalid("stream ", step.stream(), " out of range (the plan has ",
                   a.num_streams(), " streams)");
  for (flatbuffers::uoffset_t i = 0; i < sizeOf(step.wait_events()); ++i) {
    uint32_t event = step.wait_events()->Get(i);
    if (event >= recorded.size())
      return invalid("waits on event ", event, ", out of range (the plan has ",
                     recorded.size(), " events)");
    if (!recorded[event])
      return invalid("waits on event ", event,
                     ", which no earlier step records");
  }
  if (step.record_event() < -1 ||
      step.record_event() >= static_cast<int64_t>(recorded.size()))
    return invalid("records event ", step.record_event(),
                   ", out of range (the plan has ", recorded.size(),
                   " events)");
  if (step.record_event() >= 0)
    recorded[step.record_event()] = true;

  // The verifier accepts a union type whose value is absent.
  if (step.op_type() == fb::StepOp::NONE || !step.op())
    return invalid("no operation");
  stepRank.reset();
  if (const fb::Pipeline *p = a.pipeline();
      p && step.stage() >= 0 && static_cast<size_t>(step.stage()) < sizeOf(p->placement())) {
    int64_t rank = p->placement()->Get(static_cast<flatbuffers::uoffset_t>(step.stage()));
    if (rank >= 0 && static_cast<size_t>(rank) < sizeOf(p->ranks()) &&
        p->ranks()->Get(static_cast<flatbuffers::uoffset_t>(rank))->memory())
      stepRank = {rank, pipelineRankRegions(a, rank)};
  }
  switch (step.op_type()) {
  case fb::StepOp::KernelLaunch:
    return checkLaunch(*step.op_as_KernelLaunch());
  case fb::StepOp::Gemm:
    return checkGemm(*step.op_as_Gemm());
  case fb::StepOp::Attention:
    return checkAttention(*step.op_as_Attention());
  case fb::StepOp::Collective:
    return checkCollective(*step.op_as_Collective());
  case fb::StepOp::Memset: {
    const fb::Memset &memset = *step.op_as_Memset();
    return checkRef(memset.dst(), memset.bytes(), "memset dst");
  }
  case fb::StepOp::Copy: {
    const fb::Copy &copy = *step.op_as_Copy();
    DSC_RETURN_IF_ERROR(checkRef(copy.src(), copy.bytes(), "copy src"));
    DSC_RETURN_IF_ERROR(checkRef(copy.dst(), copy.bytes(), "copy dst"));
    const fb::Buffer &src = *a.buffers()->Get(copy.src()->buffer());
    const fb::Buffer &dst = *a.buffers()->Get(copy.dst()->buffer());
    bool sameRegion = (src.kind() == fb::BufferKind::Param) ==
                      (dst.kind() == fb::BufferKind::Param);
    uint64_t s = src.offset() + copy.src()->offset();
    uint64_t d = dst.offset() + copy.dst()->offset();
    if (sameRegion && copy.bytes() > 0 && s < d + copy.bytes() &&
        d < s + copy.bytes())
      return invalid("copy source and destination overlap");
    return absl::OkStatus();
  }
  default:
    return invalid("unknown step kind ", static_cast<int>(step.op_type()),
                   " (written by a newer dsc?)");
  }
}

absl::Status Checker::checkLaunch(const fb::KernelLaunch &launch) {
  if (launch.module_() >= sizeOf(a.modules()))
    return invalid("module ", launch.module_(),
                   " out of range (the artifact has ", sizeOf(a.modules()),
                   " modules)");
  const fb::KernelModule &module = *a.modules()->Get(launch.module_());
  if (launch.kernel() >= sizeOf(module.kernels()))
    return invalid("kernel ", launch.kernel(), " out of range (module ",
                   launch.module_(), " has ", sizeOf(module.kernels()),
                   " kernels)");
  const fb::Dim3 *grid = launch.grid();
  const fb::Dim3 *block = launch.block();
  if (!grid || !block)
    return invalid("launch without a grid or block size");
  if (grid->x() == 0 || grid->y() == 0 || grid->z() == 0 ||
      grid->y() > kMaxGridYZ || grid->z() > kMaxGridYZ)
    return invalid("grid (", grid->x(), ", ", grid->y(), ", ", grid->z(),
                   ") is empty or too large");
  uint64_t threads =
      uint64_t{block->x()} * uint64_t{block->y()} * uint64_t{block->z()};
  if (threads == 0 || threads > kMaxThreadsPerBlock)
    return invalid("block (", block->x(), ", ", block->y(), ", ", block->z(),
                   ") has ", threads, " threads; 1 to ", kMaxThreadsPerBlock,
                   " allowed");
  const auto *args = launch.args();
  if (!aligned8(args))
    return invalid("malformed (misaligned arguments)");
  for (flatbuffers::uoffset_t i = 0; i < sizeOf(args); ++i) {
    const fb::Arg &arg = *args->Get(i);
    std::string what = absl::StrCat("argument ", i);
    if (!inRange(arg.kind()))
      return invalid(what, ": unknown kind ", static_cast<int>(arg.kind()));
    if (arg.kind() == fb::ArgKind::Buffer) {
      fb::BufferRef ref(arg.buffer(), arg.offset());
      DSC_RETURN_IF_ERROR(checkRef(&ref, 0, what));
    }
    if (arg.kind() == fb::ArgKind::I32 &&
        (arg.i64() < INT32_MIN || arg.i64() > INT32_MAX))
      return invalid(what, ": i32 value ", arg.i64(), " out of range");
  }
  return absl::OkStatus();
}

absl::Status Checker::checkGemm(const fb::Gemm &g) {
  for (fb::DType t : {g.a_dtype(), g.b_dtype(), g.c_dtype(), g.compute_dtype()})
    if (!inRange(t))
      return invalid("gemm: unknown dtype ", static_cast<int>(t));
  if (!inRange(g.epilogue()))
    return invalid("gemm: unknown epilogue ", static_cast<int>(g.epilogue()));
  if (g.m() < 1 || g.n() < 1 || g.k() < 1 || g.batch() < 1)
    return invalid("gemm: m, n, k, batch must be positive; got ", g.m(), ", ",
                   g.n(), ", ", g.k(), ", ", g.batch());
  int64_t aRows = g.transa() ? g.k() : g.m(),
          aCols = g.transa() ? g.m() : g.k();
  int64_t bRows = g.transb() ? g.n() : g.k(),
          bCols = g.transb() ? g.k() : g.n();
  DSC_RETURN_IF_ERROR(checkMatrix(g.a(), "gemm a", g.a_dtype(), aRows, aCols,
                                  g.lda(), g.batch(), g.stride_a()));
  DSC_RETURN_IF_ERROR(checkMatrix(g.b(), "gemm b", g.b_dtype(), bRows, bCols,
                                  g.ldb(), g.batch(), g.stride_b()));
  DSC_RETURN_IF_ERROR(checkMatrix(g.c(), "gemm c", g.c_dtype(), g.m(), g.n(),
                                  g.ldc(), g.batch(), g.stride_c()));
  if (g.d())
    DSC_RETURN_IF_ERROR(checkMatrix(g.d(), "gemm d", g.c_dtype(), g.m(), g.n(),
                                    g.ldc(), g.batch(), g.stride_c()));
  // Batches writing the same C elements would race.
  if (g.batch() > 1 && static_cast<unsigned __int128>(g.stride_c()) <
                           static_cast<unsigned __int128>(g.ldc()) * g.n())
    return invalid("gemm c: batch stride ", g.stride_c(),
                   " makes batches overlap (needs at least ldc * n = ",
                   static_cast<uint64_t>(g.ldc()) * g.n(), ")");
  if (g.fast_tf32() && (g.a_dtype() != fb::DType::F32 || g.b_dtype() != fb::DType::F32))
    return invalid("gemm: fast_tf32 applies to f32 operands only");
  if (!inRange(g.fp8_recipe()))
    return invalid("gemm: unknown fp8 recipe ", static_cast<int>(g.fp8_recipe()));
  if (g.fp8_recipe() == fb::Fp8Recipe::None) {
    if (g.a_scale() || g.b_scale())
      return invalid("gemm: scale buffers without an fp8 recipe");
  } else {
    if (g.a_dtype() != fb::DType::F8E4M3FN || g.b_dtype() != fb::DType::F8E4M3FN ||
        !g.transa() || g.transb() || g.batch() != 1)
      return invalid("gemm: a scaled gemm takes e4m3 a and b in the TN layout, unbatched");
    Fp8Recipe recipe = g.fp8_recipe() == fb::Fp8Recipe::Blockwise ? Fp8Recipe::Blockwise
                                                                   : Fp8Recipe::Tensor;
    if (recipe == Fp8Recipe::Blockwise && (g.m() % kFp8Block != 0 || g.k() % kFp8Block != 0))
      return invalid("gemm: blockwise scales need m and k multiples of 128");
    // a is the weight (m rows of k), b the activations (n rows of k).
    int64_t aScales = fp8ScaleCount(fp8WeightScaleShape(g.k(), g.m(), recipe));
    int64_t bScales = fp8ScaleCount(fp8ActivationScaleShape(g.n(), g.k(), recipe));
    DSC_RETURN_IF_ERROR(checkRef(g.a_scale(), byteSize(aScales, fb::DType::F32),
                                 "gemm a_scale"));
    DSC_RETURN_IF_ERROR(checkRef(g.b_scale(), byteSize(bScales, fb::DType::F32),
                                 "gemm b_scale"));
  }
  bool usesBias = g.epilogue() == fb::Epilogue::Bias ||
                  g.epilogue() == fb::Epilogue::BiasRelu ||
                  g.epilogue() == fb::Epilogue::BiasGelu;
  if (usesBias)
    return checkRef(g.bias(), byteSize(g.m(), g.c_dtype()), "gemm bias");
  if (g.bias())
    return invalid("gemm: a bias buffer but epilogue ",
                   fb::EnumNameEpilogue(g.epilogue()));
  return absl::OkStatus();
}

absl::Status Checker::checkAttention(const fb::Attention &t) {
  if (!inRange(t.dtype()) || !isFloatDType(static_cast<DType>(t.dtype())))
    return invalid("attention: dtype ", static_cast<int>(t.dtype()),
                   " is not a float type");
  for (int64_t dim :
       {t.batch(), t.tq(), t.tk(), t.hq(), t.hkv(), t.dh(), t.dv()})
    if (dim < 1)
      return invalid("attention: batch, tq, tk, hq, hkv, dh, dv must be "
                     "positive; got ",
                     dim);
  if (t.hq() % t.hkv() != 0)
    return invalid("attention: hq ", t.hq(), " is not a multiple of hkv ",
                   t.hkv());
  using U = unsigned __int128;
  auto elements = [&](int64_t seq, int64_t heads, int64_t dim) {
    U n = U(uint64_t(t.batch())) * uint64_t(seq);
    return n * uint64_t(heads) * uint64_t(dim);
  };
  auto bytes = [&](U n) -> std::optional<uint64_t> {
    // Each factor is below 2^63, so a product above 2^64 already failed.
    if (n > UINT64_MAX)
      return std::nullopt;
    return byteSize(n, t.dtype());
  };
  DSC_RETURN_IF_ERROR(
      checkRef(t.q(), bytes(elements(t.tq(), t.hq(), t.dh())), "attention q"));
  DSC_RETURN_IF_ERROR(
      checkRef(t.k(), bytes(elements(t.tk(), t.hkv(), t.dh())), "attention k"));
  DSC_RETURN_IF_ERROR(
      checkRef(t.v(), bytes(elements(t.tk(), t.hkv(), t.dv())), "attention v"));
  return checkRef(t.out(), bytes(elements(t.tq(), t.hq(), t.dv())),
                  "attention out");
}

absl::Status Checker::checkRef(const fb::BufferRef *ref,
                               std::optional<uint64_t> bytes,
                               absl::string_view what) const {
  if (!ref)
    return invalid(what, ": no buffer");
  uint64_t numBuffers = sizeOf(a.buffers());
  if (ref->buffer() >= numBuffers)
    return invalid(what, ": buffer ", ref->buffer(),
                   " out of range (the plan has ", numBuffers, " buffers)");
  if (!bytes)
    return invalid(what, ": extent overflows 64 bits");
  const fb::Buffer &buffer = *a.buffers()->Get(ref->buffer());
  uint64_t size = buffer.size();
  if (ref->offset() > size || *bytes > size - ref->offset())
    return invalid(what, ": ", *bytes, " bytes at offset ", ref->offset(),
                   " overrun buffer ", ref->buffer(), " (", size, " bytes)");
  if (stepRank) {
    bool isParam = buffer.kind() == fb::BufferKind::Param;
    uint64_t region = isParam ? stepRank->second.params : stepRank->second.arena;
    if (buffer.offset() > region || size > region - buffer.offset())
      return invalid(what, ": buffer ", ref->buffer(), " (bytes [", buffer.offset(), ", ",
                     buffer.offset() + size, ")) lies outside pipeline rank ", stepRank->first,
                     "'s ", region, "-byte ", isParam ? "parameter region" : "arena");
  }
  return absl::OkStatus();
}

absl::Status Checker::checkMatrix(const fb::BufferRef *ref,
                                  absl::string_view what, fb::DType dtype,
                                  int64_t rows, int64_t cols, int64_t ld,
                                  int64_t batch, int64_t stride) const {
  if (ld < rows)
    return invalid(what, ": leading dimension ", ld, " is less than its ", rows,
                   " rows");
  if (stride < 0)
    return invalid(what, ": negative batch stride ", stride);
  // Column-major: the last element of the last batch sits at
  // (batch-1)*stride + (cols-1)*ld + rows-1. Every term is below 2^63.
  using U = unsigned __int128;
  U elements = U(uint64_t(batch - 1)) * uint64_t(stride) +
               U(uint64_t(cols - 1)) * uint64_t(ld) + uint64_t(rows);
  return checkRef(
      ref, elements > UINT64_MAX ? std::nullopt : byteSize(elements, dtype),
      what);
}

} // namespace

absl::Status checkArtifactSemantics(const LoadedArtifact &artifact) {
  return Checker(artifact).run();
}

} // namespace dsc
