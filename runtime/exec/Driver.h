//===- Driver.h - The CUDA driver API, opened at run time -------*- C++ -*-===//
//
// dsrun opens libcuda.so.1 with dlopen instead of linking it: the driver
// library comes with the GPU driver, not the toolkit, so a linked dsrun would
// not even start on a machine without a GPU (the loader's "cannot open shared
// object file" before main). Opened at run time, a missing driver is a status
// like any other ("no CUDA device: ..."), and `dsrun --info` works anywhere.
//
// Each entry is resolved under the name cuda.h maps it to (cuMemAlloc is
// cuMemAlloc_v2) and typed from cuda.h's own declaration, so the ABI is the
// one this build was compiled against.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_DRIVER_H
#define DSC_RUNTIME_EXEC_DRIVER_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cuda.h>

#include "absl/strings/string_view.h"

namespace dsc {

#define DSC_DRIVER_FUNCTIONS(X)                                                \
  X(cuInit)                                                                    \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDeviceGetName)                                                           \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuDevicePrimaryCtxRelease)                                                 \
  X(cuCtxSetCurrent)                                                           \
  X(cuMemGetInfo)                                                              \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemcpyHtoDAsync)                                                         \
  X(cuMemcpyDtoHAsync)                                                         \
  X(cuMemsetD8Async)                                                           \
  X(cuMemcpyDtoDAsync)                                                         \
  X(cuModuleLoadData)                                                          \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamQuery)                                                             \
  X(cuStreamWaitEvent)                                                         \
  X(cuStreamBeginCapture)                                                      \
  X(cuStreamEndCapture)                                                        \
  X(cuGraphInstantiate)                                                        \
  X(cuGraphLaunch)                                                             \
  X(cuGraphDestroy)                                                            \
  X(cuGraphExecDestroy)                                                        \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventElapsedTime)

/// Members are named as cuda.h's macros expand them (cuMemAlloc_v2), and
/// call sites spelled `driver.cuMemAlloc(...)` expand the same way.
struct Driver {
#define DSC_DRIVER_MEMBER(name) decltype(&::name) name = nullptr;
  DSC_DRIVER_FUNCTIONS(DSC_DRIVER_MEMBER)
#undef DSC_DRIVER_MEMBER
};

/// Opens libcuda.so.1 once and resolves every entry. Errors start with
/// "no CUDA device: ".
absl::StatusOr<const Driver *> openDriver();

/// OK for CUDA_SUCCESS, else "`what`: CUDA_ERROR_X (its description)".
absl::Status cudaStatus(const Driver &driver, CUresult result,
                        absl::string_view what);

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_DRIVER_H
