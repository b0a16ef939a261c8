//===- Arch.cpp - Which CUDA architectures an artifact runs on ------------===//
//
// The rules are NVIDIA's (CUDA C++ Programming Guide, "Binary Compatibility"
// and "PTX Compatibility"): a cubin for sm_XY runs on compute capability X.Z
// for Z >= Y; an arch-specific cubin or PTX (sm_90a, compute_90a) runs only
// on its own capability; a family-specific one (sm_100f) on its major version
// from its minor up; PTX for compute_XY is JIT-compiled for any capability at
// or above X.Y.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/ArtifactCheck.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

namespace dsc {

absl::StatusOr<CudaArch> parseCudaArch(std::string_view name) {
  CudaArch arch;
  absl::string_view rest = toAbsl(name);
  if (absl::ConsumePrefix(&rest, "sm_"))
    arch.ptx = false;
  else if (absl::ConsumePrefix(&rest, "compute_"))
    arch.ptx = true;
  else
    rest = {};
  if (!rest.empty() && (rest.back() == 'a' || rest.back() == 'f')) {
    arch.suffix = rest.back();
    rest.remove_suffix(1);
  }
  // "90" is 9.0 and "100" is 10.0: the last digit is the minor version.
  int number = 0;
  if (rest.size() < 2 || rest.size() > 3 ||
      !std::all_of(rest.begin(), rest.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(rest, &number) || rest.front() == '0')
    return absl::InvalidArgumentError(absl::StrCat(
        "'", toAbsl(name),
        "' is not a CUDA arch (expected sm_80, sm_90a, compute_80)"));
  arch.major = number / 10;
  arch.minor = number % 10;
  return arch;
}

absl::StatusOr<bool> archRunsOn(std::string_view targetArch,
                                std::string_view deviceArch) {
  absl::StatusOr<CudaArch> target = parseCudaArch(targetArch);
  if (!target.ok())
    return target.status();
  absl::StatusOr<CudaArch> device = parseCudaArch(deviceArch);
  if (!device.ok())
    return device.status();
  if (device->ptx)
    return absl::InvalidArgumentError(absl::StrCat(
        "device arch '", toAbsl(deviceArch), "' must be an sm_ arch, not PTX"));
  bool sameMajor = target->major == device->major;
  if (target->suffix == 'a')
    return sameMajor && target->minor == device->minor;
  if (target->suffix == 'f' || !target->ptx)
    return sameMajor && device->minor >= target->minor;
  return std::tie(device->major, device->minor) >=
         std::tie(target->major, target->minor);
}

absl::StatusOr<size_t> checkDeviceArch(const LoadedArtifact &artifact,
                                       std::string_view deviceArch) {
  // The loader has checked that target_archs is non-empty and well formed.
  const auto &archs = *artifact.artifact().target_archs();
  std::optional<size_t> best;
  std::tuple<bool, int, int, bool> bestRank;
  std::vector<absl::string_view> names;
  for (flatbuffers::uoffset_t i = 0; i < archs.size(); ++i) {
    std::string_view name = archs.Get(i)->string_view();
    names.push_back(toAbsl(name));
    absl::StatusOr<bool> runs = archRunsOn(name, deviceArch);
    if (!runs.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(artifact.name(), ": ", runs.status().message()));
    if (!*runs)
      continue;
    // A cubin over PTX (no JIT at start-up), then the newest arch, then
    // arch-specific code (it may use wgmma, setmaxnreg, ...).
    CudaArch arch = *parseCudaArch(name);
    std::tuple<bool, int, int, bool> rank(!arch.ptx, arch.major, arch.minor,
                                          arch.suffix == 'a');
    if (!best || rank > bestRank) {
      best = i;
      bestRank = rank;
    }
  }
  if (!best)
    return absl::FailedPreconditionError(
        absl::StrCat(artifact.name(), " targets ", absl::StrJoin(names, ", "),
                     "; this GPU is ", toAbsl(deviceArch)));
  return *best;
}

} // namespace dsc
