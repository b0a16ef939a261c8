//===- Nvrtc.h - CUDA C++ to cubin with NVRTC, cached by content -*- C++
//-*-===//
//
// Compiles a generated module for each target architecture ("sm_90a") to a
// cubin at compile time, so the artifact carries machine code and the runtime
// never runs a compiler. No GPU is needed. A module whose text, architecture
// and options were compiled before in this process is not compiled again: the
// key is a 64-bit FNV-1a hash of them, confirmed by comparing the full key.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_CODEGEN_NVRTC_H
#define DSC_CODEGEN_NVRTC_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace dsc::codegen {

struct Cubin {
  std::string arch; // "sm_90a"
  std::string image;
};

class NvrtcCompiler {
public:
  /// `cudaIncludeDir` holds cuda_bf16.h, cuda_fp16.h and cuda_fp8.h; NVRTC
  /// does not search it by itself.
  explicit NvrtcCompiler(std::string cudaIncludeDir);

  /// One cubin for `arch`. `kernels` names the module's kernels for errors,
  /// which carry NVRTC's log.
  absl::StatusOr<std::string> compile(const std::string &source,
                                      const std::string &arch,
                                      const std::string &kernels);
  /// One cubin per architecture, in order.
  absl::StatusOr<std::vector<Cubin>>
  compileForArchs(const std::string &source,
                  const std::vector<std::string> &archs,
                  const std::string &kernels);

  /// NVRTC invocations so far (cache misses).
  int compilations() const;
  int cacheHits() const;

private:
  struct Entry {
    std::string key;
    std::string cubin;
  };
  std::string includeOption;
  mutable std::mutex mutex;
  std::unordered_map<uint64_t, Entry> cache;
  int numCompilations = 0;
  int numHits = 0;
};

} // namespace dsc::codegen

#endif // DSC_CODEGEN_NVRTC_H
