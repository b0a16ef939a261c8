//===- Device.h - One GPU and its primary context ---------------*- C++ -*-===//

#ifndef DSC_RUNTIME_EXEC_DEVICE_H
#define DSC_RUNTIME_EXEC_DEVICE_H

#include "runtime/exec/Driver.h"

#include "absl/status/statusor.h"

#include <memory>
#include <string>

namespace dsc {

class Device {
public:
  /// Initialises the driver, opens device `ordinal` and makes its primary
  /// context current on this thread. No driver or no GPU is an error such as
  /// "no CUDA device: cuInit returned CUDA_ERROR_NO_DEVICE (...)".
  static absl::StatusOr<std::unique_ptr<Device>> open(int ordinal);
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  const Driver &driver() const { return *api; }
  /// "sm_90": what checkDeviceArch expects. No "a" suffix: archRunsOn
  /// matches an arch-specific target (sm_90a) by major and minor, and every
  /// device of capability 9.0 runs sm_90a code.
  const std::string &arch() const { return archName; }
  /// "NVIDIA H100 80GB HBM3 (device 0, sm_90)".
  const std::string &description() const { return text; }

  absl::Status check(CUresult result, absl::string_view what) const {
    return cudaStatus(*api, result, what);
  }

private:
  Device(const Driver *api, CUdevice device) : api(api), device(device) {}

  const Driver *api;
  CUdevice device;
  CUcontext context = nullptr;
  std::string archName;
  std::string text;
};

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_DEVICE_H
