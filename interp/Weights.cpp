//===- Weights.cpp - Where dsc.param tensors come from --------------------===//

#include "interp/Interpreter.h"
#include "interp/Random.h"

#include "runtime/support/Safetensors.h"

#include <cmath>

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

llvm::Expected<HostTensor> RandomWeightSource::load(llvm::StringRef name,
                                                    DType dtype,
                                                    const Shape &shape) {
  RandomStream random(seed, std::string_view(name.data(), name.size()));
  int64_t n = numElements(shape);
  if (isIntDType(dtype)) {
    std::vector<int64_t> values(n);
    for (int64_t &v : values)
      v = random.below(dtype == DType::I1 ? 2 : 8);
    return HostTensor::fromInts(dtype, shape, std::move(values));
  }
  std::vector<float> values(n);
  if (shape.size() == 1) {
    for (float &v : values)
      v = random.uniform(0.9f, 1.1f);
  } else {
    float bound = 1.0f;
    if (shape.size() >= 2) {
      int64_t fanIn =
          std::min(shape[shape.size() - 1], shape[shape.size() - 2]);
      bound = std::sqrt(3.0f / static_cast<float>(std::max<int64_t>(fanIn, 1)));
    }
    for (float &v : values)
      v = random.uniform(-bound, bound);
  }
  return HostTensor::fromFloats(dtype, shape, std::move(values));
}

} // namespace dsc::interp
