//===- Driver.cpp - The CUDA driver API, opened at run time ---------------===//

#include "runtime/exec/Driver.h"

#include "absl/strings/str_cat.h"

#include <dlfcn.h>

namespace dsc {

#define DSC_STRINGIFY_EXPANDED(x) DSC_STRINGIFY(x)
#define DSC_STRINGIFY(x) #x

static absl::StatusOr<Driver> loadDriver() {
  // Never closed: the driver stays loaded for the life of the process, as it
  // would if linked.
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return absl::FailedPreconditionError(
        absl::StrCat("no CUDA device: the CUDA driver (libcuda.so.1) is not "
                     "installed here (",
                     dlerror(), ")"));
  Driver driver;
#define DSC_DRIVER_RESOLVE(name)                                               \
  driver.name = reinterpret_cast<decltype(driver.name)>(                       \
      dlsym(library, DSC_STRINGIFY_EXPANDED(name)));                           \
  if (!driver.name)                                                            \
    return absl::FailedPreconditionError(                                      \
        absl::StrCat("no CUDA device: the CUDA driver is too old for this "    \
                     "dsrun (it has no ",                                      \
                     DSC_STRINGIFY_EXPANDED(name), ")"));
  DSC_DRIVER_FUNCTIONS(DSC_DRIVER_RESOLVE)
#undef DSC_DRIVER_RESOLVE
  return driver;
}

absl::StatusOr<const Driver *> openDriver() {
  static const absl::StatusOr<Driver> *driver =
      new absl::StatusOr<Driver>(loadDriver());
  if (!driver->ok())
    return driver->status();
  return &**driver;
}

absl::Status cudaStatus(const Driver &driver, CUresult result,
                        absl::string_view what) {
  if (result == CUDA_SUCCESS)
    return absl::OkStatus();
  const char *name = nullptr;
  const char *text = nullptr;
  driver.cuGetErrorName(result, &name);
  driver.cuGetErrorString(result, &text);
  return absl::InternalError(
      absl::StrCat(what, ": ", name ? name : absl::StrCat("CUresult ", result),
                   " (", text ? text : "unknown error", ")"));
}

} // namespace dsc
