//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// The header is a Python dict literal; NumPy writes it with repr(), so a
// small parser for the literals repr() produces (strings, True/False, tuples
// of ints) reads every header NumPy writes without a Python dependency.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/Npy.h"

#include "runtime/support/AtomicFile.h"
#include "runtime/support/ReadOnlyFile.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace dsc {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// NumPy aligns the data to 64 bytes (numpy.lib.format.ARRAY_ALIGN) so that
// memory-mapped arrays are aligned for any element type.
constexpr size_t kHeaderAlign = 64;

struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  /// File offset of the first data byte.
  uint64_t dataStart = 0;
};

/// Parses the subset of Python literal syntax that numpy.lib.format writes.
/// Errors are plain text; the caller prefixes the file name.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view header) : text(header) {}

  std::optional<std::string> parse(NpyHeader &header) {
    bool sawDescr = false, sawOrder = false, sawShape = false;
    if (!consume('{'))
      return "the header is not a Python dict";
    while (!consume('}')) {
      std::string key;
      if (!parseString(key))
        return "expected a quoted key in the header dict";
      if (!consume(':'))
        return absl::StrCat("expected ':' after '", key, "'");
      if (key == "descr") {
        if (peek() == '[')
          return "structured (record) dtypes are not supported";
        if (!parseString(header.descr))
          return "'descr' is not a string";
        sawDescr = true;
      } else if (key == "fortran_order") {
        if (!parseBool(header.fortranOrder))
          return "'fortran_order' is not True or False";
        sawOrder = true;
      } else if (key == "shape") {
        if (!parseShape(header.shape))
          return "'shape' is not a tuple of non-negative integers";
        sawShape = true;
      } else {
        return absl::StrCat("unexpected key '", key, "' in the header");
      }
      if (!consume(',')) {
        if (!consume('}'))
          return "expected ',' or '}' in the header dict";
        break;
      }
    }
    skipSpace();
    if (pos != text.size())
      return "unexpected text after the header dict";
    if (!sawDescr || !sawOrder || !sawShape)
      return absl::StrCat("the header lacks '",
                          !sawDescr   ? "descr"
                          : !sawOrder ? "fortran_order"
                                      : "shape",
                          "'");
    return std::nullopt;
  }

private:
  void skipSpace() {
    while (pos < text.size() &&
           std::isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
  }
  char peek() {
    skipSpace();
    return pos < text.size() ? text[pos] : '\0';
  }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos;
    return true;
  }
  bool consumeWord(std::string_view word) {
    skipSpace();
    if (text.substr(pos, word.size()) != word)
      return false;
    pos += word.size();
    return true;
  }
  // repr() of the strings NumPy writes never needs escapes; a backslash means
  // something we do not understand.
  bool parseString(std::string &out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return false;
    size_t end = text.find(quote, pos + 1);
    if (end == std::string_view::npos ||
        text.substr(pos + 1, end - pos - 1).find('\\') !=
            std::string_view::npos)
      return false;
    out = std::string(text.substr(pos + 1, end - pos - 1));
    pos = end + 1;
    return true;
  }
  bool parseBool(bool &out) {
    if (consumeWord("True"))
      return out = true, true;
    if (consumeWord("False"))
      return out = false, true;
    return false;
  }
  bool parseInt(int64_t &out) {
    skipSpace();
    size_t start = pos;
    out = 0;
    while (pos < text.size() &&
           std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (__builtin_mul_overflow(out, int64_t{10}, &out) ||
          __builtin_add_overflow(out, int64_t{text[pos] - '0'}, &out))
        return false;
      ++pos;
    }
    if (pos == start)
      return false;
    // Python 2 wrote longs as "3L".
    if (pos < text.size() && text[pos] == 'L')
      ++pos;
    return true;
  }
  bool parseShape(std::vector<int64_t> &shape) {
    if (!consume('('))
      return false;
    shape.clear();
    while (!consume(')')) {
      int64_t dim;
      if (!parseInt(dim))
        return false;
      shape.push_back(dim);
      if (!consume(',')) {
        if (!consume(')'))
          return false;
        break;
      }
    }
    return true;
  }

  std::string_view text;
  size_t pos = 0;
};

/// The dtype a descr stands for; nullopt with `error` set when unsupported.
std::optional<DType> dtypeForDescr(const std::string &descr,
                                   const NpyReadOptions &options, bool &widenU8,
                                   std::string &error) {
  widenU8 = false;
  for (DType t : {DType::F32, DType::F64, DType::F16, DType::I32, DType::I64,
                  DType::I1, DType::BF16, DType::F8E4M3FN, DType::F8E5M2})
    if (descr == npyDescr(t))
      return t;
  if (descr == "<V2" || descr == "|V2")
    return DType::BF16;
  if (descr == "<f1")
    return DType::F8E5M2;
  bool opaqueByte = descr == "<V1" || descr == "|V1";
  if (opaqueByte || descr == "|u1") {
    if (options.opaqueByteDType)
      return options.opaqueByteDType;
    if (!opaqueByte) {
      widenU8 = true;
      return DType::I32;
    }
    error = absl::StrCat(
        "descr '", descr,
        "' is opaque one-byte data (ml_dtypes writes float8_e4m3fn and other "
        "1-byte types this way); say which dtype it holds with "
        "NpyReadOptions::opaqueByteDType");
    return std::nullopt;
  }
  if (!descr.empty() && descr[0] == '>')
    error = absl::StrCat("descr '", descr,
                         "' is big-endian; dsc reads only "
                         "little-endian data");
  else
    error = absl::StrCat("unsupported descr '", descr,
                         "' (dsc reads <f4 <f8 <f2 <i4 <i8 |b1 |u1 and the "
                         "ml_dtypes bf16/fp8 forms, see Npy.h)");
  return std::nullopt;
}

uint32_t readLittleEndian(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

absl::Status npyError(const std::string &path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

/// Reads and checks the magic, version and header dict of `file`.
absl::StatusOr<NpyHeader> readHeader(const ReadOnlyFile &file) {
  uint8_t prefix[12];
  const size_t prefixSize = std::min<uint64_t>(sizeof(prefix), file.size());
  if (absl::Status s = file.readAt(0, prefix, prefixSize); !s.ok())
    return s;
  if (prefixSize < 10 || std::memcmp(prefix, kMagic, kMagicSize) != 0)
    return npyError(file.path(), "not a .npy file (no \\x93NUMPY magic)");
  const uint8_t major = prefix[6], minor = prefix[7];
  if (major < 1 || major > 3 || minor != 0)
    return npyError(
        file.path(),
        absl::StrCat("unsupported .npy format version ", major, ".", minor));
  const size_t lengthSize = major == 1 ? 2 : 4;
  if (prefixSize < 8 + lengthSize)
    return npyError(file.path(), "the file ends inside the header length");
  const uint64_t headerLength = readLittleEndian(prefix + 8, lengthSize);
  const uint64_t dataStart = 8 + lengthSize + headerLength;
  if (dataStart > file.size())
    return npyError(file.path(),
                    absl::StrCat("the header is ", headerLength,
                                 " bytes long but the file has only ",
                                 file.size() - 8 - lengthSize, " after it"));

  std::string headerText(headerLength, '\0');
  if (absl::Status s =
          file.readAt(8 + lengthSize, headerText.data(), headerLength);
      !s.ok())
    return s;
  NpyHeader header;
  header.dataStart = dataStart;
  if (std::optional<std::string> error = HeaderParser(headerText).parse(header))
    return npyError(file.path(), *error);
  if (header.fortranOrder)
    return npyError(file.path(),
                    "Fortran-order arrays are not supported; save a "
                    "C-order array (numpy.ascontiguousarray)");
  return header;
}

} // namespace

std::string_view npyDescr(DType t) {
  switch (t) {
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::F16:
    return "<f2";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  case DType::I1:
    return "|b1";
  case DType::BF16:
    return "bfloat16";
  case DType::F8E4M3FN:
    return "float8_e4m3fn";
  case DType::F8E5M2:
    return "float8_e5m2";
  }
  return "";
}

absl::StatusOr<HostArray> readNpy(const std::string &path,
                                  const NpyReadOptions &options) {
  if (options.opaqueByteDType && dtypeSize(*options.opaqueByteDType) != 1)
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": opaqueByteDType ",
        std::string(dtypeName(*options.opaqueByteDType)), " is not 1 byte"));
  absl::StatusOr<ReadOnlyFile> file = ReadOnlyFile::open(path);
  if (!file.ok())
    return file.status();

  absl::StatusOr<NpyHeader> header = readHeader(*file);
  if (!header.ok())
    return header.status();

  bool widenU8;
  std::string error;
  std::optional<DType> dtype =
      dtypeForDescr(header->descr, options, widenU8, error);
  if (!dtype)
    return npyError(path, error);
  // '|u1' is stored one byte per element and widened once read.
  const size_t storedSize = widenU8 ? 1 : dtypeSize(*dtype);
  absl::StatusOr<uint64_t> count = checkedNumElements(header->shape, *dtype);
  if (!count.ok())
    return npyError(path, count.status().message());
  const uint64_t expectedBytes = *count * storedSize;
  const uint64_t dataBytes = file->size() - header->dataStart;
  if (dataBytes != expectedBytes)
    return npyError(path,
                    absl::StrCat("header declares ", *count, " elements of ",
                                 header->descr, " (", expectedBytes,
                                 " bytes) but the file has ", dataBytes,
                                 " data bytes"));

  HostArray array;
  array.dtype = *dtype;
  array.shape = std::move(header->shape);
  array.data.resize(expectedBytes);
  if (absl::Status s =
          file->readAt(header->dataStart, array.data.data(), dataBytes);
      !s.ok())
    return s;
  if (widenU8) {
    std::vector<uint8_t> widened(*count * 4);
    for (uint64_t i = 0; i < *count; ++i) {
      const int32_t v = array.data[i];
      std::memcpy(&widened[4 * i], &v, 4);
    }
    array.data = std::move(widened);
  }
  return array;
}

absl::Status writeNpy(const std::string &path, const HostArray &array) {
  if (absl::Status s = checkHostArray(array); !s.ok())
    return npyError(path, s.message());

  std::string shape = absl::StrJoin(array.shape, ", ");
  if (array.shape.size() == 1)
    shape += ",";
  std::string header =
      absl::StrCat("{'descr': '", std::string(npyDescr(array.dtype)),
                   "', 'fortran_order': False, 'shape': (", shape, "), }");
  // Version 1.0 stores the header length in 16 bits; 2.0 in 32.
  size_t prefixSize = 10;
  uint8_t major = 1;
  auto padTo = [&](size_t prefix) {
    return (kHeaderAlign - (prefix + header.size() + 1) % kHeaderAlign) %
           kHeaderAlign;
  };
  if (header.size() + padTo(prefixSize) + 1 > 0xFFFF) {
    prefixSize = 12;
    major = 2;
  }
  header.append(padTo(prefixSize), ' ');
  header.push_back('\n');

  std::string prefix(kMagic, kMagicSize);
  prefix.push_back(static_cast<char>(major));
  prefix.push_back('\0');
  for (size_t i = 0; i < prefixSize - 8; ++i)
    prefix.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));

  return writeFileAtomically(path, [&](AtomicFileWriter &out) {
    absl::Status s = out.write(prefix.data(), prefix.size());
    if (s.ok())
      s = out.write(header.data(), header.size());
    if (s.ok())
      s = out.write(array.data.data(), array.data.size());
    return s;
  });
}

} // namespace dsc
