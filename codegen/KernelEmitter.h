//===- KernelEmitter.h - CUDA C++ from KernelSpecs ---------------*- C++
//-*-===//
//
// Turns KernelSpecs into CUDA C++ that NVRTC compiles: one shared prelude per
// module (element types, exact-once rounding, vector accesses, reductions) and
// one extern "C" kernel per distinct spec. Each kernel kind is one template
// with parameters (EmitElementwise.cpp, EmitRowwise.cpp, ...); the generated
// text is meant to be read (`dsc --emit=cuda`) and starts with the dsc op it
// came from.
//
// Invalid specs (a shape that does not match the kind) come back as a Status:
// specs are built from user models, so they never reach an assert.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_CODEGEN_KERNELEMITTER_H
#define DSC_CODEGEN_KERNELEMITTER_H

#include "codegen/KernelSpec.h"

#include "absl/status/statusor.h"

#include <string>
#include <vector>

namespace dsc::codegen {

/// The CUDA text every module starts with.
std::string emitPrelude();

/// One kernel (without the prelude).
absl::StatusOr<EmittedKernel> emitKernel(const KernelSpec &spec,
                                         const TargetInfo &target = {});

/// A module: the prelude, then each distinct kernel once. `kernels` gets one
/// entry per spec, in order; specs that generate the same kernel share its
/// name, and the module's copy lists every op that uses it.
struct EmittedModule {
  std::string source;
  std::vector<EmittedKernel> kernels;
};
absl::StatusOr<EmittedModule> emitModule(const std::vector<KernelSpec> &specs,
                                         const TargetInfo &target = {});

} // namespace dsc::codegen

#endif // DSC_CODEGEN_KERNELEMITTER_H
