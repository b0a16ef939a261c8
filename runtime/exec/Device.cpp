//===- Device.cpp - One GPU and its primary context -----------------------===//

#include "runtime/exec/Device.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace dsc {

static absl::Status noDevice(const Driver &driver, CUresult result,
                             absl::string_view call) {
  // cudaStatus says "<what>: CUDA_ERROR_X (...)"; an empty `what` leaves
  // ": CUDA_ERROR_X (...)".
  absl::Status status = cudaStatus(driver, result, "");
  return absl::FailedPreconditionError(
      absl::StrCat("no CUDA device: ", call, " returned ",
                   absl::StripPrefix(status.message(), ": ")));
}

absl::StatusOr<std::unique_ptr<Device>> Device::open(int ordinal) {
  absl::StatusOr<const Driver *> driver = openDriver();
  if (!driver.ok())
    return driver.status();
  const Driver &api = **driver;
  if (CUresult r = api.cuInit(0); r != CUDA_SUCCESS)
    return noDevice(api, r, "cuInit");
  int count = 0;
  if (CUresult r = api.cuDeviceGetCount(&count); r != CUDA_SUCCESS)
    return noDevice(api, r, "cuDeviceGetCount");
  if (count == 0)
    return absl::FailedPreconditionError(
        "no CUDA device: the driver reports no GPU");
  if (ordinal < 0 || ordinal >= count)
    return absl::InvalidArgumentError(
        absl::StrCat("--device ", ordinal, ": this machine has ", count, " GPU",
                     count == 1 ? "" : "s", " (0 to ", count - 1, ")"));
  CUdevice handle;
  if (CUresult r = api.cuDeviceGet(&handle, ordinal); r != CUDA_SUCCESS)
    return cudaStatus(api, r, absl::StrCat("cuDeviceGet(", ordinal, ")"));
  std::unique_ptr<Device> device(new Device(&api, handle));
  int major = 0, minor = 0;
  if (absl::Status s = device->check(
          api.cuDeviceGetAttribute(
              &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle),
          "cuDeviceGetAttribute(compute capability major)");
      !s.ok())
    return s;
  if (absl::Status s = device->check(
          api.cuDeviceGetAttribute(
              &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle),
          "cuDeviceGetAttribute(compute capability minor)");
      !s.ok())
    return s;
  device->archName = absl::StrCat("sm_", major, minor);
  char name[256] = {};
  if (api.cuDeviceGetName(name, sizeof(name) - 1, handle) != CUDA_SUCCESS)
    name[0] = '\0';
  device->text = absl::StrCat(name[0] ? name : "unnamed GPU", " (device ",
                              ordinal, ", ", device->archName, ")");
  if (absl::Status s =
          device->check(api.cuDevicePrimaryCtxRetain(&device->context, handle),
                        "cuDevicePrimaryCtxRetain");
      !s.ok())
    return s;
  if (absl::Status s = device->check(api.cuCtxSetCurrent(device->context),
                                     "cuCtxSetCurrent");
      !s.ok())
    return s;
  return device;
}

Device::~Device() {
  // Errors on the way out have nobody left to report to.
  if (context)
    api->cuDevicePrimaryCtxRelease(device);
}

} // namespace dsc
