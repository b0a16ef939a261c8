//===- Safetensors.cpp - safetensors weight files -------------------------===//
//
// nlohmann-json reports errors by throwing; every call into it sits inside a
// try block here so that callers only ever see absl::Status.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/Safetensors.h"

#include "runtime/support/AtomicFile.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

namespace dsc {

namespace {

// The reference implementation refuses headers over 100 MB
// (safetensors/src/tensor.rs, MAX_HEADER_SIZE); so do we, before allocating.
constexpr uint64_t kMaxHeaderSize = 100'000'000;
constexpr std::string_view kMetadataKey = "__metadata__";

absl::Status fileError(const std::string &path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::Status tensorError(const std::string &path, absl::string_view name,
                         absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": tensor '", name, "': ", what));
}

/// Reads a JSON number that must be a non-negative integer fitting int64.
bool getCount(const nlohmann::json &value, uint64_t &out) {
  if (!value.is_number_unsigned())
    return false;
  out = value.get<uint64_t>();
  return out <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

/// Checks one tensor entry against the buffer of `bufferSize` bytes that
/// starts at `dataStart`, and fills `info`.
absl::Status parseTensorEntry(const std::string &path, const std::string &name,
                              const nlohmann::json &entry, uint64_t dataStart,
                              uint64_t bufferSize,
                              SafetensorsTensorInfo &info) {
  info.name = name;
  if (!entry.is_object())
    return tensorError(path, name, "entry is not a JSON object");
  for (const char *field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field))
      return tensorError(path, name, absl::StrCat("missing '", field, "'"));

  const nlohmann::json &dtype = entry["dtype"];
  if (!dtype.is_string())
    return tensorError(path, name, "'dtype' is not a string");
  const std::string dtypeText = dtype.get<std::string>();
  std::optional<DType> parsed = parseSafetensorsDType(dtypeText);
  if (!parsed)
    return tensorError(
        path, name,
        absl::StrCat("unsupported dtype '", dtypeText,
                     "' (dsc supports F32 F64 BF16 F16 F8_E4M3 F8_E5M2 "
                     "BOOL I32 I64)"));
  info.dtype = *parsed;

  const nlohmann::json &shape = entry["shape"];
  if (!shape.is_array())
    return tensorError(path, name, "'shape' is not an array");
  info.shape.clear();
  for (const nlohmann::json &dim : shape) {
    uint64_t value;
    if (!getCount(dim, value))
      return tensorError(path, name,
                         absl::StrCat("'shape' has ", dim.dump(),
                                      ", not a non-negative integer"));
    info.shape.push_back(static_cast<int64_t>(value));
  }
  absl::StatusOr<uint64_t> count = checkedNumElements(info.shape, info.dtype);
  if (!count.ok())
    return tensorError(path, name, count.status().message());

  const nlohmann::json &offsets = entry["data_offsets"];
  uint64_t begin, end;
  if (!offsets.is_array() || offsets.size() != 2 ||
      !getCount(offsets[0], begin) || !getCount(offsets[1], end))
    return tensorError(path, name,
                       absl::StrCat("'data_offsets' is ", offsets.dump(),
                                    ", not [begin, end]"));
  if (begin > end || end > bufferSize)
    return tensorError(path, name,
                       absl::StrCat("data_offsets [", begin, ", ", end,
                                    "] are out of range for the ", bufferSize,
                                    "-byte data buffer"));
  const uint64_t expected = *count * dtypeSize(info.dtype);
  if (end - begin != expected)
    return tensorError(path, name,
                       absl::StrCat(describeArray(info.dtype, info.shape),
                                    " needs ", expected,
                                    " bytes but data_offsets [", begin, ", ",
                                    end, "] hold ", end - begin));
  info.fileOffset = dataStart + begin;
  info.byteSize = expected;
  return absl::OkStatus();
}

/// The tensors must tile the buffer exactly: sorted by offset, each starts
/// where the previous one ended and the last one ends at the buffer's end.
absl::Status checkCoverage(const std::string &path,
                           std::vector<SafetensorsTensorInfo> &infos,
                           uint64_t dataStart, uint64_t bufferSize) {
  std::sort(infos.begin(), infos.end(), [](const auto &a, const auto &b) {
    return std::tie(a.fileOffset, a.byteSize, a.name) <
           std::tie(b.fileOffset, b.byteSize, b.name);
  });
  uint64_t covered = dataStart;
  const SafetensorsTensorInfo *previous = nullptr;
  for (const SafetensorsTensorInfo &info : infos) {
    if (info.fileOffset < covered)
      return tensorError(
          path, info.name,
          absl::StrCat("its data [", info.fileOffset - dataStart, ", ",
                       info.fileOffset - dataStart + info.byteSize,
                       ") overlaps tensor '", previous->name, "' ending at ",
                       covered - dataStart));
    if (info.fileOffset > covered)
      return tensorError(
          path, info.name,
          absl::StrCat(
              "its data starts at ", info.fileOffset - dataStart, " but ",
              previous ? absl::StrCat("the previous tensor '", previous->name,
                                      "' ends at ")
                       : "the data buffer starts at ",
              covered - dataStart, ": bytes in between belong to no tensor"));
    covered = info.fileOffset + info.byteSize;
    previous = &info;
  }
  if (covered != dataStart + bufferSize)
    return fileError(
        path, absl::StrCat("the data buffer has ", bufferSize, " bytes but ",
                           previous ? absl::StrCat("the last tensor '",
                                                   previous->name, "' ends at ")
                                    : "the tensors end at ",
                           covered - dataStart));
  return absl::OkStatus();
}

} // namespace

std::string_view safetensorsDTypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "F32";
  case DType::F64:
    return "F64";
  case DType::BF16:
    return "BF16";
  case DType::F16:
    return "F16";
  case DType::F8E4M3FN:
    return "F8_E4M3";
  case DType::F8E5M2:
    return "F8_E5M2";
  case DType::I1:
    return "BOOL";
  case DType::I32:
    return "I32";
  case DType::I64:
    return "I64";
  }
  return "";
}

std::optional<DType> parseSafetensorsDType(std::string_view name) {
  for (DType t :
       {DType::F32, DType::F64, DType::BF16, DType::F16, DType::F8E4M3FN,
        DType::F8E5M2, DType::I1, DType::I32, DType::I64})
    if (name == safetensorsDTypeName(t))
      return t;
  return std::nullopt;
}

absl::StatusOr<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  absl::StatusOr<ReadOnlyFile> opened = ReadOnlyFile::open(path);
  if (!opened.ok())
    return opened.status();
  SafetensorsFile result(std::move(*opened));
  const ReadOnlyFile &file = result.file;

  uint8_t lengthBytes[8];
  if (file.size() < sizeof(lengthBytes))
    return fileError(path, absl::StrCat("the file has ", file.size(),
                                        " bytes, too few for the 8-byte "
                                        "header length"));
  if (absl::Status s = file.readAt(0, lengthBytes, 8); !s.ok())
    return s;
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i)
    headerSize |= static_cast<uint64_t>(lengthBytes[i]) << (8 * i);
  if (headerSize > file.size() - 8)
    return fileError(path,
                     absl::StrCat("header length ", headerSize,
                                  " is beyond the file size ", file.size()));
  if (headerSize > kMaxHeaderSize)
    return fileError(path, absl::StrCat("header length ", headerSize,
                                        " exceeds the format's limit of ",
                                        kMaxHeaderSize, " bytes"));
  std::string headerText(headerSize, '\0');
  if (absl::Status s = file.readAt(8, headerText.data(), headerSize); !s.ok())
    return s;
  const uint64_t dataStart = 8 + headerSize;
  const uint64_t bufferSize = file.size() - dataStart;

  try {
    // JSON allows repeated keys (the last one wins); a weight file that names
    // a tensor twice is broken, so catch it while parsing.
    std::set<std::string> seen;
    std::string duplicate;
    auto noteKey = [&](int depth, nlohmann::json::parse_event_t event,
                       nlohmann::json &parsed) {
      if (depth == 1 && event == nlohmann::json::parse_event_t::key &&
          !seen.insert(parsed.get<std::string>()).second && duplicate.empty())
        duplicate = parsed.get<std::string>();
      return true;
    };
    nlohmann::json header = nlohmann::json::parse(headerText, noteKey);
    if (!header.is_object())
      return fileError(path, "the header is not a JSON object");
    if (!duplicate.empty())
      return tensorError(path, duplicate, "appears twice in the header");

    for (const auto &[name, entry] : header.items()) {
      if (name == kMetadataKey) {
        if (!entry.is_object())
          return fileError(path, "__metadata__ is not a JSON object");
        for (const auto &[key, value] : entry.items()) {
          if (!value.is_string())
            return fileError(path, absl::StrCat("__metadata__ entry '", key,
                                                "' is not a string"));
          result.meta[key] = value.get<std::string>();
        }
        continue;
      }
      SafetensorsTensorInfo info;
      if (absl::Status s =
              parseTensorEntry(path, name, entry, dataStart, bufferSize, info);
          !s.ok())
        return s;
      result.infos.push_back(std::move(info));
    }
  } catch (const std::exception &e) {
    return fileError(path, absl::StrCat("invalid JSON header: ", e.what()));
  }

  if (absl::Status s = checkCoverage(path, result.infos, dataStart, bufferSize);
      !s.ok())
    return s;
  for (size_t i = 0; i < result.infos.size(); ++i)
    result.indexByName.emplace(result.infos[i].name, i);
  return result;
}

const SafetensorsTensorInfo *
SafetensorsFile::find(std::string_view name) const {
  auto it = indexByName.find(name);
  return it == indexByName.end() ? nullptr : &infos[it->second];
}

absl::Status SafetensorsFile::readTensorData(std::string_view name, void *dst,
                                             size_t dstSize) const {
  const SafetensorsTensorInfo *info = find(name);
  if (!info)
    return absl::NotFoundError(
        absl::StrCat(path(), ": no tensor named '", std::string(name), "'"));
  if (dstSize != info->byteSize)
    return absl::InvalidArgumentError(absl::StrCat(
        path(), ": tensor '", std::string(name),
        "': ", describeArray(info->dtype, info->shape), " has ", info->byteSize,
        " bytes but the destination holds ", dstSize));
  *bytesRead += dstSize;
  return file.readAt(info->fileOffset, dst, dstSize);
}

absl::StatusOr<HostArray> SafetensorsFile::readTensorBox(std::string_view name,
                                                         const std::vector<int64_t> &start,
                                                         const std::vector<int64_t> &shape) const {
  const SafetensorsTensorInfo *info = find(name);
  if (!info)
    return absl::NotFoundError(absl::StrCat(path(), ": no tensor named '", std::string(name), "'"));
  size_t rank = info->shape.size();
  bool inside = start.size() == rank && shape.size() == rank;
  for (size_t d = 0; inside && d < rank; ++d)
    inside = start[d] >= 0 && shape[d] >= 0 && start[d] <= info->shape[d] - shape[d];
  if (!inside)
    return tensorError(path(), std::string(name),
                       absl::StrCat(describeArray(info->dtype, info->shape),
                                    " has no box of shape ", describeArray(info->dtype, shape),
                                    " at the requested start"));
  HostArray box = zeroedHostArray(info->dtype, shape);
  size_t element = dtypeSize(info->dtype);
  int64_t count = static_cast<int64_t>(box.data.size() / element);
  if (count == 0)
    return box;
  // One run covers the innermost dims the box takes whole, and the partial dim
  // outside them; the dims further out are walked.
  size_t inner = rank;
  int64_t run = 1;
  while (inner > 0) {
    --inner;
    run *= shape[inner];
    if (shape[inner] != info->shape[inner])
      break;
  }
  std::vector<int64_t> at(inner, 0);
  size_t runBytes = static_cast<size_t>(run) * element;
  for (int64_t r = 0; r < count / run; ++r) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset = offset * info->shape[d] + start[d] + (d < inner ? at[d] : 0);
    if (absl::Status s = file.readAt(info->fileOffset + static_cast<uint64_t>(offset) * element,
                                     box.data.data() + r * runBytes, runBytes);
        !s.ok())
      return tensorError(path(), std::string(name), s.message());
    *bytesRead += runBytes;
    for (int64_t d = static_cast<int64_t>(inner) - 1; d >= 0; --d) {
      if (++at[d] < shape[d])
        break;
      at[d] = 0;
    }
  }
  return box;
}

absl::StatusOr<HostArray>
SafetensorsFile::readTensor(std::string_view name) const {
  const SafetensorsTensorInfo *info = find(name);
  if (!info)
    return absl::NotFoundError(
        absl::StrCat(path(), ": no tensor named '", std::string(name), "'"));
  HostArray array;
  array.dtype = info->dtype;
  array.shape = info->shape;
  array.data.resize(info->byteSize);
  if (absl::Status s = readTensorData(name, array.data.data(), info->byteSize);
      !s.ok())
    return s;
  return array;
}

absl::Status
writeSafetensors(const std::string &path,
                 const std::map<std::string, HostArray> &tensors,
                 const std::map<std::string, std::string> &metadata) {
  std::string headerText;
  try {
    // ordered_json keeps __metadata__ first, as the Python writer does.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty())
      header[std::string(kMetadataKey)] = metadata;
    uint64_t offset = 0;
    for (const auto &[name, array] : tensors) {
      if (name.empty() || name == kMetadataKey)
        return fileError(
            path, absl::StrCat("cannot write a tensor named '", name, "'"));
      if (absl::Status s = checkHostArray(array); !s.ok())
        return tensorError(path, name, s.message());
      header[name] = {{"dtype", safetensorsDTypeName(array.dtype)},
                      {"shape", array.shape},
                      {"data_offsets", {offset, offset + array.data.size()}}};
      offset += array.data.size();
    }
    headerText = header.dump();
  } catch (const std::exception &e) {
    // dump() throws on names or metadata that are not valid UTF-8.
    return fileError(path,
                     absl::StrCat("cannot encode the header: ", e.what()));
  }
  // Spaces pad the header so the data buffer starts 8-byte aligned, as the
  // reference writer does; readers may then map tensors in place.
  headerText.append((8 - headerText.size() % 8) % 8, ' ');
  uint8_t lengthBytes[8];
  for (int i = 0; i < 8; ++i)
    lengthBytes[i] = static_cast<uint8_t>(
        static_cast<uint64_t>(headerText.size()) >> (8 * i));

  return writeFileAtomically(path, [&](AtomicFileWriter &out) {
    absl::Status s = out.write(lengthBytes, sizeof(lengthBytes));
    if (s.ok())
      s = out.write(headerText.data(), headerText.size());
    for (const auto &entry : tensors)
      if (s.ok())
        s = out.write(entry.second.data.data(), entry.second.data.size());
    return s;
  });
}

} // namespace dsc
