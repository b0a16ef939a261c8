//===- EmitCommon.cpp - Helpers shared by the kernel templates ------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

#include <algorithm>

namespace dsc::codegen {

const char *kernelKindName(KernelKind kind) {
  switch (kind) {
  case KernelKind::Unary:
    return "unary";
  case KernelKind::Binary:
    return "binary";
  case KernelKind::Compare:
    return "compare";
  case KernelKind::Select:
    return "select";
  case KernelKind::Cast:
    return "cast";
  case KernelKind::Broadcast:
    return "broadcast";
  case KernelKind::Transpose:
    return "transpose";
  case KernelKind::Slice:
    return "slice";
  case KernelKind::Concat:
    return "concat";
  case KernelKind::Gather:
    return "gather";
  case KernelKind::Iota:
    return "iota";
  case KernelKind::Reduce:
    return "reduce";
  case KernelKind::Softmax:
    return "softmax";
  case KernelKind::RmsNorm:
    return "rms_norm";
  case KernelKind::QuantizeFp8:
    return "quantize_fp8";
  case KernelKind::Amax:
    return "amax";
  case KernelKind::LayerNorm:
    return "layer_norm";
  case KernelKind::Rope:
    return "rope";
  case KernelKind::RouterTopK:
    return "router_topk";
  case KernelKind::MoeSlots:
    return "moe_slots";
  case KernelKind::MoeDispatch:
    return "moe_dispatch";
  case KernelKind::MoeCombine:
    return "moe_combine";
  case KernelKind::MoeLocalRows:
    return "moe_local_rows";
  case KernelKind::MoeDispatchLocal:
    return "moe_dispatch_local";
  case KernelKind::MoeCombineLocal:
    return "moe_combine_local";
  case KernelKind::Attention:
    return "attention";
  case KernelKind::Fused:
    return "fused";
  }
  return "unknown";
}

int64_t TensorDesc::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string fill(const char *tmpl, const Subst &subst) {
  return absl::StrReplaceAll(tmpl, subst);
}

absl::StatusOr<std::string> cudaType(DType t) {
  switch (t) {
  case DType::F32:
    return std::string("float");
  case DType::BF16:
    return std::string("bf16");
  case DType::F16:
    return std::string("f16");
  case DType::F8E4M3FN:
    return std::string("f8e4m3");
  case DType::F8E5M2:
    return std::string("f8e5m2");
  case DType::I1:
    return std::string("i1");
  case DType::I32:
    return std::string("int");
  case DType::I64:
    return std::string("long long");
  case DType::F64:
    break;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "no GPU kernels for element type ", std::string(dtypeName(t))));
}

bool isIntDType(DType t) {
  return t == DType::I1 || t == DType::I32 || t == DType::I64;
}

int chooseVectorWidth(int64_t innerExtent, const std::vector<DType> &types) {
  size_t widest = 1;
  for (DType t : types)
    widest = std::max(widest, dtypeSize(t));
  int v = static_cast<int>(16 / widest);
  while (v > 1 && innerExtent % v != 0)
    v /= 2;
  return v;
}

unsigned gridStrideBlocks(int64_t work, unsigned block,
                          const TargetInfo &target, int waves) {
  int64_t needed = std::max<int64_t>(1, (work + block - 1) / block);
  int64_t wave = int64_t(target.numSMs) * target.maxThreadsPerSM / block * waves;
  return static_cast<unsigned>(std::min(needed, std::max<int64_t>(1, wave)));
}

unsigned rowBlockThreads(int64_t items) {
  int64_t warps = std::clamp<int64_t>((items + 31) / 32, 1, 32);
  return static_cast<unsigned>(warps * 32);
}

absl::StatusOr<std::string> kernelParams(const KernelSpec &spec) {
  std::vector<std::string> params;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    absl::StatusOr<std::string> t = cudaType(spec.inputs[i].dtype);
    if (!t.ok())
      return t.status();
    params.push_back(absl::StrCat("const ", *t, " *__restrict__ in", i));
  }
  for (size_t i = 0; i < spec.outputs.size(); ++i) {
    absl::StatusOr<std::string> t = cudaType(spec.outputs[i].dtype);
    if (!t.ok())
      return t.status();
    params.push_back(absl::StrCat(*t, " *__restrict__ out", i));
  }
  return absl::StrJoin(params, ", ");
}

std::string intList(const std::vector<int64_t> &values) {
  if (values.empty())
    return "{0}"; // C++ has no zero-length arrays; unused when empty
  return absl::StrCat("{", absl::StrJoin(values, ", "), "}");
}

std::string floatLiteral(double v) {
  std::string s = absl::StrFormat("%.9g", v);
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0"; // "2f" is not a C++ literal
  return s + "f";
}

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

absl::Status specError(const KernelSpec &spec, const std::string &message) {
  return absl::InvalidArgumentError(absl::StrCat(
      spec.location.empty() ? "" : spec.location + ": ", spec.sourceOp, " (",
      kernelKindName(spec.kind), " kernel): ", message));
}

absl::Status checkArity(const KernelSpec &spec, size_t minInputs,
                        size_t maxInputs, size_t outputs) {
  if (spec.inputs.size() < minInputs || spec.inputs.size() > maxInputs ||
      spec.outputs.size() != outputs)
    return specError(
        spec, absl::StrFormat("expected %d to %d inputs and %d outputs, got "
                              "%d and %d",
                              minInputs, maxInputs, outputs, spec.inputs.size(),
                              spec.outputs.size()));
  for (const auto *list : {&spec.inputs, &spec.outputs})
    for (const TensorDesc &t : *list) {
      if (!cudaType(t.dtype).ok())
        return specError(spec, cudaType(t.dtype).status().message().data());
      for (int64_t d : t.shape)
        if (d <= 0)
          return specError(spec, "tensor dimensions must be positive");
    }
  return absl::OkStatus();
}

static std::string describe(const TensorDesc &t) {
  return absl::StrCat(std::string(dtypeName(t.dtype)), "[",
                      absl::StrJoin(t.shape, ","), "]");
}

// FNV-1a, 64 bits: stable across runs and platforms, unlike std::hash.
static uint64_t fnv1a(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ull; // FNV offset basis
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ull; // FNV prime
  return h;
}

EmittedKernel finishKernel(const KernelSpec &spec, const std::string &body,
                           LaunchConfig launch, int vectorWidth) {
  EmittedKernel k;
  k.name =
      absl::StrFormat("dsc_%s_%016x", kernelKindName(spec.kind), fnv1a(body));
  k.launch = launch;
  k.vectorWidth = vectorWidth;
  std::vector<std::string> ins, outs;
  for (const TensorDesc &t : spec.inputs)
    ins.push_back(describe(t));
  for (const TensorDesc &t : spec.outputs)
    outs.push_back(describe(t));
  k.source = absl::StrCat(
      "// ", spec.sourceOp.empty() ? "(no dsc op)" : spec.sourceOp,
      spec.location.empty() ? "" : " at " + spec.location, "\n// ",
      absl::StrJoin(ins, ", "), " -> ", absl::StrJoin(outs, ", "),
      absl::StrFormat("; vector width %d; grid %u, block %u, shared %u B\n",
                      vectorWidth, launch.grid, launch.block,
                      launch.sharedBytes),
      absl::StrReplaceAll(body, {{"$KERNEL", k.name}}));
  return k;
}

} // namespace dsc::codegen
