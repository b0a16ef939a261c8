//===- HostData.h - The host side of running an artifact --------*- C++ -*-===//
//
// Everything dsrun does around the GPU that needs no GPU: the memory budget,
// where parameter and input bytes come from, comparing outputs with a
// reference and summarising them. Kept apart from the CUDA code (library
// DscExecHost) so that it is unit-tested on machines without a GPU and
// builds without the CUDA toolkit.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXEC_HOSTDATA_H
#define DSC_RUNTIME_EXEC_HOSTDATA_H

#include "runtime/artifact/Artifact.h"
#include "runtime/support/HostArray.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dsc {

/// Refuses a plan that needs more than `freeBytes` of device memory, with
/// both numbers: "needs 3.2 GiB (arena 2.0 GiB + params 1.0 GiB + cuBLASLt
/// workspace 32.0 MiB), but only 1.5 GiB of 80.0 GiB are free".
absl::Status checkDeviceMemory(uint64_t arenaBytes, uint64_t paramBytes,
                               uint64_t workspaceBytes, uint64_t freeBytes,
                               uint64_t totalBytes);

/// "1.5 GiB", "32.0 MiB", "512 B".
std::string formatBytes(uint64_t bytes);

/// The dtype and shape a TensorInfo declares.
DType tensorDType(const fb::TensorInfo &info);
std::vector<int64_t> tensorShape(const fb::TensorInfo &info);

/// Where parameters come from: a safetensors file or a seed.
struct WeightOptions {
  std::string safetensorsPath;
  std::optional<uint64_t> randomSeed;
  /// This rank's coordinates on the artifact's mesh (empty: one GPU). A param with
  /// split_axes is then this rank's slice of the whole weight (Artifact.fbs).
  std::vector<int64_t> meshCoords;
  /// Where set, the tensor bytes read from the safetensors file are added here.
  uint64_t *tensorBytesRead = nullptr;
};

/// The slice of the whole `full` that the rank at `coords` holds of a tensor split as
/// `info` says over `mesh` (`info`'s shape is the slice's).
absl::StatusOr<HostArray> sliceForRank(const HostArray &full, const fb::TensorInfo &info,
                                       const fb::Mesh &mesh, const std::vector<int64_t> &coords);

/// Where the slice of the rank at `coords` starts in the whole tensor.
std::vector<int64_t> sliceStart(const fb::TensorInfo &info, const fb::Mesh &mesh,
                                const std::vector<int64_t> &coords);

/// The whole tensor's shape of a split `info`.
std::vector<int64_t> fullShape(const fb::TensorInfo &info, const fb::Mesh &mesh);

/// Produces the bytes of every parameter, in artifact order, calling `sink`
/// with (index into params, bytes); in a pipelined artifact, only of those the
/// stages of the rank at options.meshCoords read (PipelinePlan.h). One tensor at a time, so peak
/// host memory is the largest tensor. A split param (options.meshCoords set) reads only this rank's
/// slice from the safetensors file. Errors name the tensor: "weight 'layers.3.wq': expected
/// bf16[4096, 1024], file has bf16[4096, 4096]".
absl::Status forEachWeight(
    const fb::Artifact &artifact, const WeightOptions &options,
    const std::function<absl::Status(size_t, const HostArray &)> &sink);

/// The input `info`: DIR/<name>.npy when `dir` is set (dtype and shape must
/// match), otherwise random from `seed` (see randomInputArray; ints below
/// kRandomIntInputBound). In run `run` of several (dsrun --runs),
/// DIR/<name>.run<run>.npy replaces DIR/<name>.npy where it exists. An input
/// split over `mesh` (split_axes; `coords` this rank's) is read or drawn whole,
/// as one GPU would, and this rank's slice returned.
absl::StatusOr<HostArray> loadInput(const fb::TensorInfo &info, const std::string &dir,
                                    uint64_t seed, int run = 0, const fb::Mesh *mesh = nullptr,
                                    const std::vector<int64_t> &coords = {});

/// The bound of random int inputs. A plan does not say what an int input
/// indexes, so gather tables, expert counts and positions must all accept
/// values below it; models with smaller tables need --inputs.
inline constexpr int64_t kRandomIntInputBound = 16;

/// Element-wise comparison, as numpy.allclose: |x - r| <= atol + rtol * |r|;
/// NaN matches only NaN. Also the relative Frobenius error ||x - r|| / ||r||
/// over the finite elements (0 when both norms are 0), the measure that
/// suits low-precision models, where near-zero elements carry the absolute
/// error of their larger neighbours.
struct Comparison {
  double maxAbsError = 0;
  double maxRelError = 0;
  double relL2Error = 0;
  uint64_t mismatches = 0;
  /// First mismatching flat index, for the message.
  uint64_t firstMismatch = 0;
};
absl::StatusOr<Comparison> compareArrays(const HostArray &actual,
                                         const HostArray &reference,
                                         double rtol, double atol);

/// "y: f32[2, 3] mean 0.0123 max|x| 1.5" for the run summary.
std::string summarizeArray(const std::string &name, const HostArray &array);

} // namespace dsc

#endif // DSC_RUNTIME_EXEC_HOSTDATA_H
