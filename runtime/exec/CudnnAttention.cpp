//===- CudnnAttention.cpp - Attention steps through cuDNN's fused SDPA ----===//

#include "runtime/exec/CudnnAttention.h"

#include "absl/strings/str_cat.h"

#include <dlfcn.h>

#include <array>
#include <cstdlib>
#include <limits>

namespace dsc {

#define DSC_CUDNN_STRINGIFY(x) #x

static absl::StatusOr<CudnnApi> loadCudnn() {
  const char *override = std::getenv("DSC_CUDNN_LIBRARY");
  const char *name = override && *override ? override : "libcudnn.so.9";
  // Never closed, as a linked library would not be.
  void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return absl::FailedPreconditionError(
        absl::StrCat("cuDNN 9 could not be loaded (", dlerror(),
                     "): install cuDNN 9 and put its library folder on LD_LIBRARY_PATH (or "
                     "name the file in DSC_CUDNN_LIBRARY), or recompile the model with "
                     "dsc --attention=generated"));
  CudnnApi api;
#define DSC_CUDNN_RESOLVE(fn)                                                                      \
  api.fn = reinterpret_cast<decltype(api.fn)>(dlsym(library, #fn));                                \
  if (!api.fn)                                                                                     \
    return absl::FailedPreconditionError(                                                          \
        absl::StrCat(name, " has no ", DSC_CUDNN_STRINGIFY(fn), ": dsrun needs cuDNN 9"));
  DSC_CUDNN_FUNCTIONS(DSC_CUDNN_RESOLVE)
#undef DSC_CUDNN_RESOLVE
  if (size_t version = api.cudnnGetVersion(); version < 90000)
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is cuDNN ", version, "; dsrun needs cuDNN 9 (90000 or later)"));
  return api;
}

absl::StatusOr<const CudnnApi *> openCudnn() {
  static const absl::StatusOr<CudnnApi> *api = new absl::StatusOr<CudnnApi>(loadCudnn());
  if (!api->ok())
    return api->status();
  return &**api;
}

absl::StatusOr<std::unique_ptr<CudnnContext>> CudnnContext::create(CUstream stream) {
  absl::StatusOr<const CudnnApi *> api = openCudnn();
  if (!api.ok())
    return api.status();
  std::unique_ptr<CudnnContext> context(new CudnnContext(*api));
  if (absl::Status s = context->check((*api)->cudnnCreate(&context->cudnn), "cudnnCreate"); !s.ok())
    return s;
  // CUstream and cudaStream_t are the same CUstream_st pointer.
  if (absl::Status s = context->check(
          (*api)->cudnnSetStream(context->cudnn, reinterpret_cast<cudaStream_t>(stream)),
          "cudnnSetStream");
      !s.ok())
    return s;
  return context;
}

CudnnContext::~CudnnContext() {
  if (cudnn)
    dnn->cudnnDestroy(cudnn);
}

absl::Status CudnnContext::check(cudnnStatus_t status, const std::string &what) const {
  if (status == CUDNN_STATUS_SUCCESS)
    return absl::OkStatus();
  std::array<char, 1024> last{};
  dnn->cudnnGetLastErrorString(last.data(), last.size());
  return absl::InternalError(absl::StrCat(what, ": ", dnn->cudnnGetErrorString(status),
                                          last[0] ? " (" : "", last.data(), last[0] ? ")" : ""));
}

namespace {

using Dims = std::array<int64_t, 4>;

/// Row-major strides of `dims`.
Dims packed(const Dims &dims) {
  return {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
}

cudnnDataType_t cudnnType(fb::DType dtype) {
  return dtype == fb::DType::BF16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_HALF;
}

// The unique ids of the tensors the variant pack binds.
enum : int64_t { kQ = 1, kK, kV, kOut, kScale, kMaskValue, kTk, kTq, kFirstVirtual };

} // namespace

/// Makes descriptors into `owned`; the first failure sticks in `status` and
/// later calls do nothing, so a graph reads as straight-line code.
class CudnnAttention::GraphBuilder {
public:
  GraphBuilder(const CudnnContext &context, std::vector<cudnnBackendDescriptor_t> &owned)
      : context(context), dnn(context.api()), owned(owned) {}

  absl::Status status = absl::OkStatus();

  cudnnBackendDescriptor_t make(cudnnBackendDescriptorType_t type, const char *what) {
    cudnnBackendDescriptor_t desc = nullptr;
    if (status.ok()) {
      status = context.check(dnn.cudnnBackendCreateDescriptor(type, &desc),
                             absl::StrCat("creating the ", what, " descriptor"));
      if (status.ok())
        owned.push_back(desc);
    }
    return desc;
  }
  template <typename T>
  void set(cudnnBackendDescriptor_t desc, cudnnBackendAttributeName_t name,
           cudnnBackendAttributeType_t type, const T *values, int64_t count = 1) {
    if (status.ok())
      status = context.check(dnn.cudnnBackendSetAttribute(desc, name, type, count, values),
                             absl::StrCat("setting attribute ", static_cast<int>(name)));
  }
  void finalize(cudnnBackendDescriptor_t desc, const std::string &what) {
    if (status.ok())
      status = context.check(dnn.cudnnBackendFinalize(desc), absl::StrCat("finalizing ", what));
  }

  cudnnBackendDescriptor_t tensor(int64_t uid, cudnnDataType_t type, const Dims &dims,
                                  const Dims &strides, bool isVirtual = false,
                                  bool byValue = false) {
    cudnnBackendDescriptor_t t = make(CUDNN_BACKEND_TENSOR_DESCRIPTOR, "tensor");
    int64_t alignment = 16;
    set(t, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, &uid);
    set(t, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, &type);
    set(t, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, &alignment);
    set(t, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, dims.data(), 4);
    set(t, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, strides.data(), 4);
    set(t, CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, &isVirtual);
    if (byValue)
      set(t, CUDNN_ATTR_TENSOR_IS_BY_VALUE, CUDNN_TYPE_BOOLEAN, &byValue);
    finalize(t, absl::StrCat("tensor ", uid));
    return t;
  }
  /// A virtual (never materialized) intermediate.
  cudnnBackendDescriptor_t virt(cudnnDataType_t type, const Dims &dims) {
    return tensor(nextVirtual++, type, dims, packed(dims), /*isVirtual=*/true);
  }
  /// A scalar passed by value through the variant pack.
  cudnnBackendDescriptor_t scalar(int64_t uid, cudnnDataType_t type) {
    Dims ones = {1, 1, 1, 1};
    return tensor(uid, type, ones, ones, /*isVirtual=*/false,
                  /*byValue=*/true);
  }

  /// A new virtual y = mode(x, b, t) of `type` and `dims`, computed in
  /// `precision`; `b` and `t` may be null; `axis` for GEN_INDEX.
  cudnnBackendDescriptor_t pointwise(cudnnPointwiseMode_t mode, cudnnDataType_t precision,
                                     cudnnDataType_t type, const Dims &dims,
                                     cudnnBackendDescriptor_t x,
                                     cudnnBackendDescriptor_t b = nullptr,
                                     cudnnBackendDescriptor_t t = nullptr, int64_t axis = -1) {
    cudnnBackendDescriptor_t y = virt(type, dims);
    cudnnBackendDescriptor_t pw = make(CUDNN_BACKEND_POINTWISE_DESCRIPTOR, "pointwise");
    set(pw, CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, &mode);
    set(pw, CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, &precision);
    if (axis >= 0)
      set(pw, CUDNN_ATTR_POINTWISE_AXIS, CUDNN_TYPE_INT64, &axis);
    finalize(pw, absl::StrCat("pointwise mode ", static_cast<int>(mode)));
    cudnnBackendDescriptor_t op =
        make(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR, "pointwise op");
    set(op, CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, CUDNN_TYPE_BACKEND_DESCRIPTOR, &pw);
    set(op, CUDNN_ATTR_OPERATION_POINTWISE_XDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &x);
    if (b)
      set(op, CUDNN_ATTR_OPERATION_POINTWISE_BDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &b);
    if (t)
      set(op, CUDNN_ATTR_OPERATION_POINTWISE_TDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &t);
    set(op, CUDNN_ATTR_OPERATION_POINTWISE_YDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &y);
    finalize(op, absl::StrCat("pointwise op mode ", static_cast<int>(mode)));
    ops.push_back(op);
    return y;
  }
  void matmul(cudnnBackendDescriptor_t a, cudnnBackendDescriptor_t b, cudnnBackendDescriptor_t c) {
    cudnnBackendDescriptor_t mm = make(CUDNN_BACKEND_MATMUL_DESCRIPTOR, "matmul");
    cudnnDataType_t compute = CUDNN_DATA_FLOAT;
    set(mm, CUDNN_ATTR_MATMUL_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, &compute);
    finalize(mm, "matmul");
    cudnnBackendDescriptor_t op = make(CUDNN_BACKEND_OPERATION_MATMUL_DESCRIPTOR, "matmul op");
    set(op, CUDNN_ATTR_OPERATION_MATMUL_ADESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &a);
    set(op, CUDNN_ATTR_OPERATION_MATMUL_BDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &b);
    set(op, CUDNN_ATTR_OPERATION_MATMUL_CDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &c);
    set(op, CUDNN_ATTR_OPERATION_MATMUL_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &mm);
    finalize(op, "matmul op");
    ops.push_back(op);
  }
  /// A new virtual f32 y of `dims` = the `mode` reduction of x.
  cudnnBackendDescriptor_t reduce(cudnnReduceTensorOp_t mode, cudnnBackendDescriptor_t x,
                                  const Dims &dims) {
    cudnnBackendDescriptor_t y = virt(CUDNN_DATA_FLOAT, dims);
    cudnnBackendDescriptor_t red = make(CUDNN_BACKEND_REDUCTION_DESCRIPTOR, "reduction");
    cudnnDataType_t compute = CUDNN_DATA_FLOAT;
    set(red, CUDNN_ATTR_REDUCTION_OPERATOR, CUDNN_TYPE_REDUCTION_OPERATOR_TYPE, &mode);
    set(red, CUDNN_ATTR_REDUCTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, &compute);
    finalize(red, "reduction");
    cudnnBackendDescriptor_t op =
        make(CUDNN_BACKEND_OPERATION_REDUCTION_DESCRIPTOR, "reduction op");
    set(op, CUDNN_ATTR_OPERATION_REDUCTION_XDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &x);
    set(op, CUDNN_ATTR_OPERATION_REDUCTION_YDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &y);
    set(op, CUDNN_ATTR_OPERATION_REDUCTION_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, &red);
    finalize(op, "reduction op");
    ops.push_back(op);
    return y;
  }

  std::vector<cudnnBackendDescriptor_t> ops;

private:
  const CudnnContext &context;
  const CudnnApi &dnn;
  std::vector<cudnnBackendDescriptor_t> &owned;
  int64_t nextVirtual = kFirstVirtual;
};

absl::StatusOr<std::unique_ptr<CudnnAttention>>
CudnnAttention::create(const CudnnContext &context, const fb::Attention &t, CUdeviceptr q,
                       CUdeviceptr k, CUdeviceptr v, CUdeviceptr out, const std::string &where) {
  std::unique_ptr<CudnnAttention> self(new CudnnAttention(context, where));
  if (t.dtype() != fb::DType::BF16 && t.dtype() != fb::DType::F16)
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": cuDNN attention takes bf16 or f16, not dtype ", fb::EnumNameDType(t.dtype())));
  self->q = q;
  self->k = k;
  self->v = v;
  self->out = out;
  self->scale = t.scale();
  // What cudnn-frontend's SDPA masks with: the lowest float rather than
  // -inf, so that a row with every key masked has no inf - inf.
  self->maskValue = std::numeric_limits<float>::lowest();
  self->tq = static_cast<int32_t>(t.tq());
  self->tk = static_cast<int32_t>(t.tk());
  self->hasMask = t.causal();
  self->hasOffset = t.causal() && t.tq() != t.tk();
  absl::StatusOr<cudnnBackendDescriptor_t> graph = self->buildGraph(t);
  if (!graph.ok())
    return absl::Status(graph.status().code(),
                        absl::StrCat(where, ": cuDNN attention graph: ", graph.status().message()));
  std::string tried = self->choosePlan(*graph);
  if (self->plan)
    return self;
  return absl::UnimplementedError(
      absl::StrCat(where, ": cuDNN ", context.api().cudnnGetVersion(),
                   " has no engine for this attention (batch ", t.batch(), ", tq ", t.tq(), ", tk ",
                   t.tk(), ", hq ", t.hq(), ", hkv ", t.hkv(), ", dh ", t.dh(), ", dv ", t.dv(),
                   t.causal() ? ", causal" : "", ", ", fb::EnumNameDType(t.dtype()), "): ", tried,
                   "; recompile with dsc --attention=generated"));
}

absl::StatusOr<cudnnBackendDescriptor_t> CudnnAttention::buildGraph(const fb::Attention &t) {
  const int64_t b = t.batch(), hq = t.hq(), hkv = t.hkv(), sq = t.tq(), skv = t.tk(), dh = t.dh(),
                dv = t.dv();
  const cudnnDataType_t io = cudnnType(t.dtype()), f32 = CUDNN_DATA_FLOAT, i32 = CUDNN_DATA_INT32,
                        boolean = CUDNN_DATA_BOOLEAN;
  GraphBuilder g(context, owned);
  // The logical dims are [batch, head, seq, d] over dsc's [batch, seq, head,
  // d] memory, so the strides do the transpose; K is read as K^T
  // ([batch, head, d, seq]) by swapping its last two.
  cudnnBackendDescriptor_t qT = g.tensor(kQ, io, {b, hq, sq, dh}, {sq * hq * dh, dh, hq * dh, 1});
  cudnnBackendDescriptor_t kT =
      g.tensor(kK, io, {b, hkv, dh, skv}, {skv * hkv * dh, dh, 1, hkv * dh});
  cudnnBackendDescriptor_t vT =
      g.tensor(kV, io, {b, hkv, skv, dv}, {skv * hkv * dv, dv, hkv * dv, 1});
  cudnnBackendDescriptor_t oT = g.tensor(kOut, io, {b, hq, sq, dv}, {sq * hq * dv, dv, hq * dv, 1});
  const Dims scores = {b, hq, sq, skv}, rows = {b, hq, sq, 1};

  cudnnBackendDescriptor_t s = g.virt(f32, scores);
  g.matmul(qT, kT, s);
  s = g.pointwise(CUDNN_POINTWISE_MUL, f32, f32, scores, s, g.scalar(kScale, f32));
  if (hasMask) {
    // Query i keeps key j when i + (skv - sq) >= j (bottom-right aligned).
    cudnnBackendDescriptor_t row =
        g.pointwise(CUDNN_POINTWISE_GEN_INDEX, i32, i32, scores, s, nullptr, nullptr, /*axis=*/2);
    if (hasOffset) {
      row = g.pointwise(CUDNN_POINTWISE_ADD, i32, i32, scores, row, g.scalar(kTk, i32));
      row = g.pointwise(CUDNN_POINTWISE_SUB, i32, i32, scores, row, g.scalar(kTq, i32));
    }
    cudnnBackendDescriptor_t col =
        g.pointwise(CUDNN_POINTWISE_GEN_INDEX, i32, i32, scores, s, nullptr, nullptr, /*axis=*/3);
    cudnnBackendDescriptor_t keep =
        g.pointwise(CUDNN_POINTWISE_CMP_GE, boolean, boolean, scores, row, col);
    s = g.pointwise(CUDNN_POINTWISE_BINARY_SELECT, f32, f32, scores, s, g.scalar(kMaskValue, f32),
                    keep);
  }
  // Softmax with its statistics (max + log(sum)): the fused engine matches
  // the softmax with them, as cudnn-frontend builds it for inference too.
  cudnnBackendDescriptor_t max = g.reduce(CUDNN_REDUCE_TENSOR_MAX, s, rows);
  cudnnBackendDescriptor_t e =
      g.pointwise(CUDNN_POINTWISE_EXP, f32, f32, scores,
                  g.pointwise(CUDNN_POINTWISE_SUB, f32, f32, scores, s, max));
  cudnnBackendDescriptor_t sum = g.reduce(CUDNN_REDUCE_TENSOR_ADD, e, rows);
  g.pointwise(CUDNN_POINTWISE_ADD, f32, f32, rows, max,
              g.pointwise(CUDNN_POINTWISE_LOG, f32, f32, rows, sum));
  // P in the I/O type: the engine's second matmul takes it so.
  cudnnBackendDescriptor_t p = g.pointwise(CUDNN_POINTWISE_DIV, f32, io, scores, e, sum);
  g.matmul(p, vT, oT);

  cudnnHandle_t handle = context.handle();
  cudnnBackendDescriptor_t graph =
      g.make(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "operation graph");
  g.set(graph, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, &handle);
  g.set(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, g.ops.data(),
        static_cast<int64_t>(g.ops.size()));
  g.finalize(graph, "the operation graph");
  if (!g.status.ok())
    return g.status;
  return graph;
}

std::string CudnnAttention::choosePlan(cudnnBackendDescriptor_t graph) {
  // The heuristics' list in order (mode A, then the fallback list); the first
  // configuration that finalizes into a plan wins. What failed is returned.
  std::string tried;
  const CudnnApi &dnn = context.api();
  cudnnHandle_t handle = context.handle();
  auto note = [&](absl::string_view what) {
    absl::StrAppend(&tried, tried.empty() ? "" : "; ", what);
  };
  for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
    GraphBuilder h(context, owned);
    cudnnBackendDescriptor_t heur = h.make(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, "heuristics");
    h.set(heur, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, &graph);
    h.set(heur, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, &mode);
    h.finalize(heur, "the heuristics");
    int64_t count = 0;
    if (h.status.ok())
      h.status = context.check(dnn.cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                            CUDNN_TYPE_BACKEND_DESCRIPTOR, 0,
                                                            &count, nullptr),
                               "counting the heuristics' results");
    std::vector<cudnnBackendDescriptor_t> configs;
    for (int64_t i = 0; i < count; ++i)
      configs.push_back(h.make(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, "engine config"));
    int64_t got = 0;
    if (h.status.ok() && count > 0)
      h.status = context.check(dnn.cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                            CUDNN_TYPE_BACKEND_DESCRIPTOR, count,
                                                            &got, configs.data()),
                               "reading the heuristics' results");
    if (!h.status.ok()) {
      note(h.status.message());
      continue;
    }
    if (got == 0)
      note(absl::StrCat("heuristics mode ", static_cast<int>(mode), " offered no engine"));
    for (int64_t i = 0; i < got && !plan; ++i) {
      GraphBuilder p(context, owned);
      cudnnBackendDescriptor_t candidate =
          p.make(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, "execution plan");
      p.set(candidate, CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, &handle);
      p.set(candidate, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, CUDNN_TYPE_BACKEND_DESCRIPTOR,
            &configs[i]);
      p.finalize(candidate, absl::StrCat("the plan of engine config ", i));
      int64_t bytes = 0, n = 0;
      if (p.status.ok())
        p.status = context.check(
            dnn.cudnnBackendGetAttribute(candidate, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                         CUDNN_TYPE_INT64, 1, &n, &bytes),
            "reading the plan's workspace size");
      if (!p.status.ok()) {
        note(p.status.message());
        continue;
      }
      plan = candidate;
      workspace = static_cast<uint64_t>(bytes);
      // The engine's number, for messages; not needed to run.
      cudnnBackendDescriptor_t engine = p.make(CUDNN_BACKEND_ENGINE_DESCRIPTOR, "engine");
      if (p.status.ok() && dnn.cudnnBackendGetAttribute(configs[i], CUDNN_ATTR_ENGINECFG_ENGINE,
                                                        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &n,
                                                        &engine) == CUDNN_STATUS_SUCCESS)
        dnn.cudnnBackendGetAttribute(engine, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1,
                                     &n, &engineId);
    }
    if (plan)
      break;
  }
  return tried;
}

absl::Status CudnnAttention::bind(CUdeviceptr scratch) {
  GraphBuilder g(context, owned);
  pack = g.make(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, "variant pack");
  std::vector<int64_t> uids = {kQ, kK, kV, kOut, kScale};
  std::vector<void *> pointers = {reinterpret_cast<void *>(q), reinterpret_cast<void *>(k),
                                  reinterpret_cast<void *>(v), reinterpret_cast<void *>(out),
                                  &scale};
  // The graph has the mask's value only when causal, and the offset scalars
  // only when causal with tq != tk; the pack binds exactly its by-value
  // tensors.
  if (hasMask) {
    uids.push_back(kMaskValue);
    pointers.push_back(&maskValue);
  }
  if (hasOffset) {
    uids.push_back(kTk);
    pointers.push_back(&tk);
    uids.push_back(kTq);
    pointers.push_back(&tq);
  }
  void *workspacePointer = reinterpret_cast<void *>(scratch);
  g.set(pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, uids.data(),
        static_cast<int64_t>(uids.size()));
  g.set(pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, pointers.data(),
        static_cast<int64_t>(pointers.size()));
  g.set(pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, &workspacePointer);
  g.finalize(pack, "the variant pack");
  if (!g.status.ok())
    return absl::Status(g.status.code(),
                        absl::StrCat(where, ": cuDNN attention: ", g.status.message()));
  return absl::OkStatus();
}

absl::Status CudnnAttention::run() const {
  return context.check(context.api().cudnnBackendExecute(context.handle(), plan, pack),
                       absl::StrCat(where, ": cudnnBackendExecute (engine ", engineId, ")"));
}

CudnnAttention::~CudnnAttention() {
  for (auto it = owned.rbegin(); it != owned.rend(); ++it)
    context.api().cudnnBackendDestroyDescriptor(*it);
}

} // namespace dsc
