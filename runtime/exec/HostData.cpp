//===- HostData.cpp - The host side of running an artifact ----------------===//

#include "runtime/exec/HostData.h"

#include "runtime/artifact/PipelinePlan.h"

#include "runtime/support/Fp8Quant.h"

#include "runtime/support/Npy.h"
#include "runtime/support/Random.h"
#include "runtime/support/Safetensors.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

namespace dsc {

std::string formatBytes(uint64_t bytes) {
  constexpr double kKiB = 1024.0;
  if (bytes < 1024)
    return absl::StrCat(bytes, " B");
  if (bytes < 1024 * 1024)
    return absl::StrFormat("%.1f KiB", bytes / kKiB);
  if (bytes < 1024ull * 1024 * 1024)
    return absl::StrFormat("%.1f MiB", bytes / (kKiB * kKiB));
  return absl::StrFormat("%.1f GiB", bytes / (kKiB * kKiB * kKiB));
}

absl::Status checkDeviceMemory(uint64_t arenaBytes, uint64_t paramBytes,
                               uint64_t workspaceBytes, uint64_t freeBytes,
                               uint64_t totalBytes) {
  // Saturating: the artifact's sizes are only range-checked against each
  // other, so their sum may overflow.
  uint64_t need = arenaBytes;
  for (uint64_t part : {paramBytes, workspaceBytes})
    need = need > UINT64_MAX - part ? UINT64_MAX : need + part;
  if (need <= freeBytes)
    return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "needs ", formatBytes(need), " of device memory (arena ",
      formatBytes(arenaBytes), " + params ", formatBytes(paramBytes),
      " + cuBLASLt workspace ", formatBytes(workspaceBytes), "), but only ",
      formatBytes(freeBytes), " of ", formatBytes(totalBytes), " are free"));
}

DType tensorDType(const fb::TensorInfo &info) {
  return static_cast<DType>(info.dtype());
}

std::vector<int64_t> tensorShape(const fb::TensorInfo &info) {
  std::vector<int64_t> shape;
  if (info.shape())
    shape.assign(info.shape()->begin(), info.shape()->end());
  return shape;
}

static size_t sizeOf(const flatbuffers::Vector<flatbuffers::Offset<fb::ShardDim>> *v) {
  return v ? v->size() : 0;
}

static std::string tensorName(const fb::TensorInfo &info) {
  return info.name() ? info.name()->str() : std::string();
}

std::vector<int64_t> fullShape(const fb::TensorInfo &info, const fb::Mesh &mesh) {
  std::vector<int64_t> shape = tensorShape(info);
  for (size_t d = 0; info.split_axes() && d < info.split_axes()->size(); ++d)
    if (const fb::ShardDim *dim = info.split_axes()->Get(d); dim && dim->mesh_axes())
      for (uint32_t axis : *dim->mesh_axes())
        shape[d] *= mesh.shape()->Get(axis);
  return shape;
}

/// Where the rank at `coords` starts along each dim of a tensor of `local` shape that `split`
/// cuts over `mesh` (row-major over each dim's axes).
static std::vector<int64_t>
splitStart(const flatbuffers::Vector<flatbuffers::Offset<fb::ShardDim>> *split,
           const std::vector<int64_t> &local, const fb::Mesh &mesh,
           const std::vector<int64_t> &coords) {
  std::vector<int64_t> start(local.size(), 0);
  for (size_t d = 0; d < local.size() && d < sizeOf(split); ++d) {
    const fb::ShardDim *dim = split->Get(d);
    int64_t index = 0;
    for (size_t i = 0; dim && dim->mesh_axes() && i < dim->mesh_axes()->size(); ++i) {
      uint32_t axis = dim->mesh_axes()->Get(i);
      index = index * mesh.shape()->Get(axis) + (axis < coords.size() ? coords[axis] : 0);
    }
    start[d] = index * local[d];
  }
  return start;
}

std::vector<int64_t> sliceStart(const fb::TensorInfo &info, const fb::Mesh &mesh,
                                const std::vector<int64_t> &coords) {
  return splitStart(info.split_axes(), tensorShape(info), mesh, coords);
}

/// The box of `full` that starts at `start` and has shape `local` (in bounds: the callers
/// checked it).
static HostArray sliceBox(const HostArray &full, const std::vector<int64_t> &start,
                          const std::vector<int64_t> &local) {
  size_t rank = local.size();
  HostArray out = zeroedHostArray(full.dtype, local);
  size_t element = dtypeSize(full.dtype);
  int64_t count = static_cast<int64_t>(out.data.size() / element);
  if (count == 0)
    return out;
  // Copy contiguous rows of the innermost dimension; `at` walks the slice's row indices.
  int64_t rowElements = rank ? local.back() : 1, rows = count / rowElements;
  std::vector<int64_t> at(rank, 0);
  for (int64_t row = 0; row < rows; ++row) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset = offset * full.shape[d] + start[d] + (d + 1 < rank ? at[d] : 0);
    std::memcpy(out.data.data() + static_cast<size_t>(row * rowElements) * element,
                full.data.data() + static_cast<size_t>(offset) * element,
                static_cast<size_t>(rowElements) * element);
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      if (++at[d] < local[d])
        break;
      at[d] = 0;
    }
  }
  return out;
}

absl::StatusOr<HostArray> sliceForRank(const HostArray &full, const fb::TensorInfo &info,
                                       const fb::Mesh &mesh, const std::vector<int64_t> &coords) {
  return sliceBox(full, sliceStart(info, mesh, coords), tensorShape(info));
}

/// The weight `name` of `file`, which must be `dtype[shape]`; with `box`, only
/// the box (start, shape) of it is read.
static absl::StatusOr<HostArray>
readWeight(SafetensorsFile &file, const std::string &name, DType dtype,
           const std::vector<int64_t> &shape,
           const std::optional<std::pair<std::vector<int64_t>, std::vector<int64_t>>> &box =
               std::nullopt) {
  const SafetensorsTensorInfo *found = file.find(name);
  if (!found)
    return absl::NotFoundError(absl::StrCat("weight '", name, "': not in ", file.path()));
  if (found->dtype != dtype || found->shape != shape)
    return absl::InvalidArgumentError(absl::StrCat("weight '", name, "': expected ",
                                                   describeArray(dtype, shape), ", file has ",
                                                   describeArray(found->dtype, found->shape)));
  absl::StatusOr<HostArray> array =
      box ? file.readTensorBox(name, box->first, box->second) : file.readTensor(name);
  if (!array.ok())
    return absl::Status(array.status().code(),
                        absl::StrCat("weight '", name, "': ", array.status().message()));
  return array;
}

/// The `mesh_coords` param: `coords` (empty on one GPU: zeros), one i64 per mesh axis (the
/// checker made `shape` [mesh rank]).
static HostArray meshCoordsArray(const std::vector<int64_t> &shape,
                                 const std::vector<int64_t> &coords) {
  std::vector<int64_t> values(shape.empty() ? 0 : shape[0], 0);
  for (size_t i = 0; i < values.size() && i < coords.size(); ++i)
    values[i] = coords[i];
  HostArray array{DType::I64, shape, std::vector<uint8_t>(values.size() * sizeof(int64_t))};
  std::memcpy(array.data.data(), values.data(), array.data.size());
  return array;
}

namespace {
/// The part of an fp8 param's source that a rank quantizes (Fp8Weight.split_axes and
/// source_start): the whole source unless `part`.
struct Fp8SourceBox {
  bool part = false;
  std::vector<int64_t> start, shape;
};
} // namespace

/// The box of param `index`'s source that the rank at `coords` (empty: zeros, one GPU)
/// quantizes. Its [k, n] is that of the values param of the same source and start (the
/// values are [n, k]); an error when there is none or the box leaves the source.
static absl::StatusOr<Fp8SourceBox> fp8SourceBox(const fb::Artifact &artifact, size_t index,
                                                 const std::vector<int64_t> &coords) {
  const fb::TensorInfo &info = *artifact.params()->Get(index);
  const fb::Fp8Weight &fp8 = *info.fp8_weight();
  Fp8SourceBox box;
  box.part = sizeOf(fp8.split_axes()) || (fp8.source_start() && fp8.source_start()->size());
  if (!box.part)
    return box;
  std::string where = absl::StrCat("weight '", tensorName(info), "'");
  std::vector<int64_t> start(2, 0), whole;
  if (fp8.source_start() && fp8.source_start()->size())
    start.assign(fp8.source_start()->begin(), fp8.source_start()->end());
  if (fp8.source_shape())
    whole.assign(fp8.source_shape()->begin(), fp8.source_shape()->end());
  auto sameSource = [&](const fb::Fp8Weight &other) {
    auto text = [](const flatbuffers::String *s) { return s ? s->string_view() : ""; };
    std::vector<int64_t> otherStart(2, 0);
    if (other.source_start() && other.source_start()->size())
      otherStart.assign(other.source_start()->begin(), other.source_start()->end());
    return text(other.source()) == text(fp8.source()) && otherStart == start;
  };
  for (const fb::TensorInfo *values : *artifact.params()) {
    const fb::Fp8Weight *other = values->fp8_weight();
    if (!other || other->scales() || !sameSource(*other) || !values->shape() ||
        values->shape()->size() != 2)
      continue;
    box.shape = {values->shape()->Get(1), values->shape()->Get(0)};
    break;
  }
  if (start.size() != 2 || whole.size() != 2)
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": source_start and source_shape need two entries, one per dim"));
  if (box.shape.empty())
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": no fp8 values param of its source and start gives its shape"));
  if (!artifact.mesh() && sizeOf(fp8.split_axes()))
    return absl::InvalidArgumentError(absl::StrCat(where, ": split, but the artifact has no mesh"));
  std::vector<int64_t> offset =
      artifact.mesh() ? splitStart(fp8.split_axes(), box.shape, *artifact.mesh(), coords)
                      : std::vector<int64_t>(2, 0);
  box.start = {start[0] + offset[0], start[1] + offset[1]};
  if (box.start[0] < 0 || box.start[1] < 0 || box.start[0] + box.shape[0] > whole[0] ||
      box.start[1] + box.shape[1] > whole[1])
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": its rank's box ",
        describeArray(static_cast<DType>(fp8.source_dtype()), box.shape), " at [",
        absl::StrJoin(box.start, ", "), "] is outside its source '",
        fp8.source() ? fp8.source()->str() : "", "' of shape [", absl::StrJoin(whole, ", "), "]"));
  return box;
}

absl::Status forEachWeight(
    const fb::Artifact &artifact, const WeightOptions &options,
    const std::function<absl::Status(size_t, const HostArray &)> &sink) {
  if (!artifact.params() || artifact.params()->size() == 0)
    return absl::OkStatus();
  size_t weightCount = 0;
  for (const fb::TensorInfo *info : *artifact.params())
    weightCount += !info->state() && !info->mesh_coords();
  std::optional<SafetensorsFile> file;
  if (!options.safetensorsPath.empty()) {
    absl::StatusOr<SafetensorsFile> opened =
        SafetensorsFile::open(options.safetensorsPath);
    if (!opened.ok())
      return opened.status();
    file.emplace(std::move(*opened));
  } else if (!options.randomSeed && weightCount > 0) {
    return absl::InvalidArgumentError(absl::StrCat("the model has ", weightCount,
                                                   " parameters: give --weights W.safetensors or "
                                                   "--random_weights SEED"));
  }
  // The weight `name` as `dtype[shape]`, from the file or drawn at random.
  auto load = [&](const std::string &name, DType dtype,
                  const std::vector<int64_t> &shape) -> absl::StatusOr<HostArray> {
    if (file)
      return readWeight(*file, name, dtype, shape);
    absl::StatusOr<HostArray> array =
        randomWeightArray(*options.randomSeed, name, dtype, shape);
    if (!array.ok())
      return absl::Status(array.status().code(),
                          absl::StrCat("weight '", name, "': ", array.status().message()));
    return array;
  };
  // The last fp8 weight quantized: its values and scales are neighbouring
  // params, made from one source.
  std::string quantizedSource;
  std::vector<int64_t> quantizedStart;
  std::optional<std::pair<HostArray, HostArray>> quantized;
  for (flatbuffers::uoffset_t i = 0; i < artifact.params()->size(); ++i) {
    if (!rankReadsParam(artifact, i, options.meshCoords)) // another pipeline stage's
      continue;
    const fb::TensorInfo &info = *artifact.params()->Get(i);
    std::string name = tensorName(info);
    DType dtype = tensorDType(info);
    std::vector<int64_t> shape = tensorShape(info);
    const fb::Fp8Weight *fp8 = info.fp8_weight();
    if (info.mesh_coords()) {
      if (absl::Status s = sink(i, meshCoordsArray(shape, options.meshCoords)); !s.ok())
        return s;
      continue;
    }
    if (info.state()) { // zeroed, whatever the weights
      absl::StatusOr<uint64_t> count = checkedNumElements(shape, dtype);
      if (!count.ok())
        return count.status();
      HostArray zeros{dtype, shape, std::vector<uint8_t>(*count * dtypeSize(dtype))};
      if (absl::Status s = sink(i, zeros); !s.ok())
        return s;
      continue;
    }
    if (!fp8) {
      bool split = sizeOf(info.split_axes()) && artifact.mesh() && !options.meshCoords.empty();
      std::vector<int64_t> whole = split ? fullShape(info, *artifact.mesh()) : shape;
      // A file gives only this rank's slice; a random weight is drawn whole, as one GPU draws
      // it, then sliced, so that sharded and unsharded runs see the same numbers.
      absl::StatusOr<HostArray> array =
          file && split
              ? readWeight(
                    *file, name, dtype, whole,
                    std::make_pair(sliceStart(info, *artifact.mesh(), options.meshCoords), shape))
              : load(name, dtype, whole);
      if (array.ok() && split && !file)
        array = sliceForRank(*array, info, *artifact.mesh(), options.meshCoords);
      if (!array.ok())
        return array.status();
      if (absl::Status s = sink(i, *array); !s.ok())
        return s;
      continue;
    }
    std::string source = fp8->source() ? fp8->source()->str() : std::string();
    absl::StatusOr<Fp8SourceBox> box = fp8SourceBox(artifact, i, options.meshCoords);
    if (!box.ok())
      return box.status();
    if (!quantized || quantizedSource != source || quantizedStart != box->start) {
      quantized.reset();
      std::vector<int64_t> sourceShape;
      if (fp8->source_shape())
        sourceShape.assign(fp8->source_shape()->begin(), fp8->source_shape()->end());
      DType sourceDType = static_cast<DType>(fp8->source_dtype());
      // On a mesh the rank quantizes its box of the source only; a file gives just its bytes, a
      // random weight is drawn whole (as one GPU draws it) and cut.
      absl::StatusOr<HostArray> weight = box->part && file
                                             ? readWeight(*file, source, sourceDType, sourceShape,
                                                          std::make_pair(box->start, box->shape))
                                             : load(source, sourceDType, sourceShape);
      if (weight.ok() && box->part && !file)
        weight = sliceBox(*weight, box->start, box->shape);
      if (!weight.ok())
        return weight.status();
      Fp8Recipe recipe = fp8->recipe() == fb::Fp8Recipe::Tensor ? Fp8Recipe::Tensor
                                                                : Fp8Recipe::Blockwise;
      auto made = quantizeWeightArrayFp8(*weight, recipe);
      if (!made.ok())
        return absl::Status(made.status().code(),
                            absl::StrCat("weight '", source, "' (for '", name,
                                         "'): ", made.status().message()));
      quantized = std::move(*made);
      quantizedSource = source;
      quantizedStart = box->start;
    }
    const HostArray &part = fp8->scales() ? quantized->second : quantized->first;
    if (part.dtype != dtype || part.shape != shape)
      return absl::InvalidArgumentError(absl::StrCat(
          "weight '", name, "': the artifact declares ", describeArray(dtype, shape),
          ", quantizing '", source, "' gives ", describeArray(part.dtype, part.shape)));
    if (absl::Status s = sink(i, part); !s.ok())
      return s;
  }
  if (file && options.tensorBytesRead)
    *options.tensorBytesRead += file->tensorBytesRead();
  return absl::OkStatus();
}

absl::StatusOr<HostArray> loadInput(const fb::TensorInfo &info, const std::string &dir,
                                    uint64_t seed, int run, const fb::Mesh *mesh,
                                    const std::vector<int64_t> &coords) {
  bool split = sizeOf(info.split_axes()) && mesh && !coords.empty();
  std::string name = tensorName(info);
  DType dtype = tensorDType(info);
  std::vector<int64_t> shape = split ? fullShape(info, *mesh) : tensorShape(info);
  auto slice = [&](absl::StatusOr<HostArray> whole) -> absl::StatusOr<HostArray> {
    if (!whole.ok() || !split)
      return whole;
    return sliceForRank(*whole, info, *mesh, coords);
  };
  if (dir.empty())
    return slice(randomInputArray(seed, name, dtype, shape, kRandomIntInputBound));
  std::string path = absl::StrCat(dir, "/", name, ".run", run, ".npy");
  if (!std::filesystem::exists(path))
    path = dir + "/" + name + ".npy";
  NpyReadOptions options;
  if (dtypeSize(dtype) == 1)
    options.opaqueByteDType = dtype;
  absl::StatusOr<HostArray> array = readNpy(path, options);
  if (!array.ok())
    return absl::Status(
        array.status().code(),
        absl::StrCat("input '", name, "': ", array.status().message()));
  if (array->dtype != dtype || array->shape != shape)
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", name, "': expected ", describeArray(dtype, shape), ", ",
        path, " has ", describeArray(array->dtype, array->shape)));
  return slice(std::move(array));
}

static std::vector<float> decodeAll(const HostArray &array) {
  size_t n = array.data.size() / dtypeSize(array.dtype);
  std::vector<float> values(n);
  decodeToFloat(array.dtype, array.data.data(), values.data(), n);
  return values;
}

absl::StatusOr<Comparison> compareArrays(const HostArray &actual,
                                         const HostArray &reference,
                                         double rtol, double atol) {
  if (actual.dtype != reference.dtype || actual.shape != reference.shape)
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", describeArray(actual.dtype, actual.shape),
                     ", the reference is ",
                     describeArray(reference.dtype, reference.shape)));
  if (absl::Status s = checkHostArray(actual); !s.ok())
    return s;
  if (absl::Status s = checkHostArray(reference); !s.ok())
    return s;
  std::vector<float> x = decodeAll(actual), r = decodeAll(reference);
  Comparison result;
  double diffSq = 0, refSq = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    bool ok;
    if (std::isnan(x[i]) || std::isnan(r[i])) {
      ok = std::isnan(x[i]) && std::isnan(r[i]);
    } else if (std::isinf(x[i]) || std::isinf(r[i])) {
      ok = x[i] == r[i];
    } else {
      double abs = std::fabs(static_cast<double>(x[i]) - r[i]);
      double rel = abs / std::max<double>(std::fabs(r[i]), 1e-30);
      diffSq += abs * abs;
      refSq += static_cast<double>(r[i]) * r[i];
      result.maxAbsError = std::max(result.maxAbsError, abs);
      if (r[i] != 0)
        result.maxRelError = std::max(result.maxRelError, rel);
      ok = abs <= atol + rtol * std::fabs(r[i]);
    }
    if (!ok && result.mismatches++ == 0)
      result.firstMismatch = i;
  }
  result.relL2Error = refSq > 0    ? std::sqrt(diffSq / refSq)
                      : diffSq > 0 ? std::numeric_limits<double>::infinity()
                                   : 0.0;
  return result;
}

std::string summarizeArray(const std::string &name, const HostArray &array) {
  std::vector<float> values = decodeAll(array);
  double sum = 0, maxAbs = 0;
  for (float v : values) {
    sum += v;
    maxAbs = std::max<double>(maxAbs, std::fabs(v));
  }
  double mean = values.empty() ? 0.0 : sum / values.size();
  return absl::StrFormat("%s: %s mean %.6g max|x| %.6g", name,
                         describeArray(array.dtype, array.shape), mean, maxAbs);
}

} // namespace dsc
