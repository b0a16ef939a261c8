//===- Nvrtc.cpp - CUDA C++ to cubin with NVRTC, cached by content --------===//

#include "codegen/Nvrtc.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include <nvrtc.h>

namespace dsc::codegen {

NvrtcCompiler::NvrtcCompiler(std::string cudaIncludeDir)
    : includeOption("-I" + std::move(cudaIncludeDir)) {}

// "sm_90a", "sm_100": the forms NVRTC's -arch takes for a cubin (an sm_, not
// a compute_, target: compute_ would give PTX). --gpu-arch is user input.
static bool isCubinArch(const std::string &arch) {
  if (arch.substr(0, 3) != "sm_" || arch.size() < 5)
    return false;
  std::string digits = arch.substr(3);
  if (digits.back() == 'a' || digits.back() == 'f')
    digits.pop_back();
  for (char c : digits)
    if (!absl::ascii_isdigit(c))
      return false;
  return !digits.empty();
}

// FNV-1a, 64 bits (as for kernel names in EmitCommon.cpp).
static uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ull;
  return h;
}

static std::string programLog(nvrtcProgram prog) {
  size_t size = 0;
  if (nvrtcGetProgramLogSize(prog, &size) != NVRTC_SUCCESS || size <= 1)
    return "";
  std::string log(size, '\0');
  nvrtcGetProgramLog(prog, log.data());
  log.resize(size - 1); // drop the terminating NUL
  return log;
}

absl::StatusOr<std::string> NvrtcCompiler::compile(const std::string &source,
                                                   const std::string &arch,
                                                   const std::string &kernels) {
  if (!isCubinArch(arch))
    return absl::InvalidArgumentError(absl::StrCat(
        "GPU architecture '", arch, "' is not of the form sm_90a or sm_90"));
  std::string archOption = absl::StrCat("-arch=", arch);
  // Exact math (no --use_fast_math): docs/ops.md fixes the rounding. Line
  // info lets profilers map SASS back to the readable generated source.
  std::vector<const char *> options = {
      archOption.c_str(), includeOption.c_str(), "-std=c++17", "-lineinfo"};
  std::string key = absl::StrCat(archOption, "\n", includeOption, "\n", source);
  uint64_t hash = fnv1a(key);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(hash);
    if (it != cache.end() && it->second.key == key) {
      ++numHits;
      return it->second.cubin;
    }
  }

  nvrtcProgram prog;
  nvrtcResult rc = nvrtcCreateProgram(&prog, source.c_str(), "dsc_kernels.cu",
                                      0, nullptr, nullptr);
  if (rc != NVRTC_SUCCESS)
    return absl::InternalError(
        absl::StrCat("NVRTC cannot create a program for kernels ", kernels,
                     ": ", nvrtcGetErrorString(rc)));
  rc = nvrtcCompileProgram(prog, static_cast<int>(options.size()),
                           options.data());
  std::string log = programLog(prog);
  std::string cubin;
  if (rc == NVRTC_SUCCESS) {
    size_t size = 0;
    rc = nvrtcGetCUBINSize(prog, &size);
    cubin.resize(size);
    if (rc == NVRTC_SUCCESS)
      rc = nvrtcGetCUBIN(prog, cubin.data());
  }
  nvrtcDestroyProgram(&prog);
  if (rc != NVRTC_SUCCESS)
    return absl::InternalError(
        absl::StrCat("NVRTC failed (", nvrtcGetErrorString(rc), ") for ", arch,
                     " compiling kernels ", kernels, ":\n", log));

  std::lock_guard<std::mutex> lock(mutex);
  ++numCompilations;
  cache[hash] = Entry{std::move(key), cubin};
  return cubin;
}

absl::StatusOr<std::vector<Cubin>>
NvrtcCompiler::compileForArchs(const std::string &source,
                               const std::vector<std::string> &archs,
                               const std::string &kernels) {
  std::vector<Cubin> cubins;
  for (const std::string &arch : archs) {
    absl::StatusOr<std::string> image = compile(source, arch, kernels);
    if (!image.ok())
      return image.status();
    cubins.push_back(Cubin{arch, *std::move(image)});
  }
  return cubins;
}

int NvrtcCompiler::compilations() const {
  std::lock_guard<std::mutex> lock(mutex);
  return numCompilations;
}

int NvrtcCompiler::cacheHits() const {
  std::lock_guard<std::mutex> lock(mutex);
  return numHits;
}

} // namespace dsc::codegen
