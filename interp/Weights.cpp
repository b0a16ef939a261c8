//===- Weights.cpp - Where dsc.param tensors come from --------------------===//

#include "interp/Interpreter.h"
#include "runtime/support/Random.h"
#include "runtime/support/Safetensors.h"

namespace dsc::interp {

WeightSource::~WeightSource() = default;

static llvm::Error weightError(llvm::StringRef name, const std::string &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "weight '" + name.str() + "': " + what);
}

llvm::Expected<HostTensor>
MapWeightSource::load(llvm::StringRef name, DType dtype, const Shape &shape) {
  auto it = weights.find(name.str());
  if (it == weights.end())
    return weightError(name, "not given");
  if (it->second.dtype() != dtype || it->second.shape() != shape)
    return weightError(name, "expected " + describeArray(dtype, shape) +
                                 ", got " + it->second.typeToString());
  return it->second;
}

SafetensorsWeightSource::SafetensorsWeightSource(
    std::unique_ptr<SafetensorsFile> file)
    : file(std::move(file)) {}

SafetensorsWeightSource::~SafetensorsWeightSource() = default;

llvm::Expected<std::unique_ptr<SafetensorsWeightSource>>
SafetensorsWeightSource::open(const std::string &path) {
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::open(path);
  if (!file.ok())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   std::string(file.status().message()));
  return std::unique_ptr<SafetensorsWeightSource>(new SafetensorsWeightSource(
      std::make_unique<SafetensorsFile>(std::move(*file))));
}

llvm::Expected<HostTensor> SafetensorsWeightSource::load(llvm::StringRef name,
                                                         DType dtype,
                                                         const Shape &shape) {
  const SafetensorsTensorInfo *info = file->find(name);
  if (!info)
    return weightError(name, "not in " + file->path());
  if (info->dtype != dtype || info->shape != shape)
    return weightError(name, "expected " + describeArray(dtype, shape) +
                                 ", file has " +
                                 describeArray(info->dtype, info->shape));
  absl::StatusOr<HostArray> array = file->readTensor(name);
  if (!array.ok())
    return weightError(name, std::string(array.status().message()));
  HostTensor tensor;
  if (!fromHostArray(*array, tensor))
    return weightError(name, "data size does not match its shape");
  return tensor;
}

// The generator lives in runtime/support so that dsrun --random-weights draws
// bit-identical weights.
llvm::Expected<HostTensor> RandomWeightSource::load(llvm::StringRef name,
                                                    DType dtype,
                                                    const Shape &shape) {
  std::string_view key(name.data(), name.size());
  if (isIntDType(dtype))
    return HostTensor::fromInts(dtype, shape,
                                randomWeightInts(seed, key, dtype, shape));
  return HostTensor::fromFloats(dtype, shape,
                                randomWeightFloats(seed, key, shape));
}

} // namespace dsc::interp
