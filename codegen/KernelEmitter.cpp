//===- KernelEmitter.cpp - Dispatch to the kernel templates; modules ------===//

#include "codegen/KernelEmitter.h"
#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

#include <map>

namespace dsc::codegen {

absl::StatusOr<EmittedKernel> emitKernel(const KernelSpec &spec,
                                         const TargetInfo &target) {
  switch (spec.kind) {
  case KernelKind::Unary:
  case KernelKind::Binary:
  case KernelKind::Compare:
  case KernelKind::Select:
  case KernelKind::Cast:
    return emitElementwise(spec, target);
  case KernelKind::Broadcast:
  case KernelKind::Transpose:
  case KernelKind::Slice:
  case KernelKind::Concat:
  case KernelKind::Gather:
  case KernelKind::Iota:
    return emitShape(spec, target);
  case KernelKind::Reduce:
    return emitReduce(spec, target);
  case KernelKind::Softmax:
  case KernelKind::RmsNorm:
  case KernelKind::LayerNorm:
    return emitRowwise(spec, target);
  case KernelKind::Rope:
    return emitRope(spec, target);
  case KernelKind::RouterTopK:
  case KernelKind::MoeSlots:
  case KernelKind::MoeDispatch:
  case KernelKind::MoeCombine:
  case KernelKind::MoeLocalRows:
  case KernelKind::MoeDispatchLocal:
  case KernelKind::MoeCombineLocal:
    return emitMoe(spec, target);
  case KernelKind::Attention:
    return emitAttention(spec, target);
  case KernelKind::Fused:
    return emitFused(spec, target);
  case KernelKind::QuantizeFp8:
  case KernelKind::Amax:
    return emitQuant(spec, target);
  }
  return specError(spec, "unknown kernel kind");
}

absl::StatusOr<EmittedModule> emitModule(const std::vector<KernelSpec> &specs,
                                         const TargetInfo &target) {
  EmittedModule module;
  // Kernel name -> the ops that use it, in first-use order.
  std::map<std::string, std::vector<std::string>> users;
  std::vector<const EmittedKernel *> distinct;
  for (const KernelSpec &spec : specs) {
    absl::StatusOr<EmittedKernel> k = emitKernel(spec, target);
    if (!k.ok())
      return k.status();
    module.kernels.push_back(*std::move(k));
    users[module.kernels.back().name].push_back(absl::StrCat(
        spec.sourceOp, spec.location.empty() ? "" : " at " + spec.location));
  }
  module.source = emitPrelude();
  for (const EmittedKernel &k : module.kernels) {
    std::vector<std::string> &ops = users[k.name];
    if (ops.empty())
      continue; // already written
    absl::StrAppend(&module.source, "\n");
    for (size_t i = 1; i < ops.size(); ++i)
      absl::StrAppend(&module.source, "// also used by ", ops[i], "\n");
    absl::StrAppend(&module.source, k.source);
    ops.clear();
  }
  return module;
}

} // namespace dsc::codegen
