//===- DType.cpp - Element types and their storage encodings --------------===//
//
// All four narrow float formats go through one parameterized encoder and
// decoder working on the f32 bit pattern, so the rounding logic exists once;
// the per-format differences (widths, bias, infinity or saturation, NaN
// encoding) are data.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/DType.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

// Storage layouts are little-endian (.npy '<', safetensors); the payload
// conversions below copy bytes as-is, which is only right on such a host.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "dsc's storage conversions assume a little-endian host");

namespace dsc {

namespace {

struct NarrowFloatFormat {
  int expBits;
  int mantBits;
  int bias;
  /// IEEE-like formats have infinities and a NaN per nonzero mantissa under
  /// the all-ones exponent; the others (f8E4M3FN) saturate and have one NaN.
  bool hasInf;
  uint32_t maxFiniteBits;
};

constexpr NarrowFloatFormat kBf16{8, 7, 127, true, 0x7F7F};
constexpr NarrowFloatFormat kF16{5, 10, 15, true, 0x7BFF};
constexpr NarrowFloatFormat kF8E4M3FN{4, 3, 7, false, 0x7E};
constexpr NarrowFloatFormat kF8E5M2{5, 2, 15, true, 0x7B};

uint32_t floatBits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits;
}

float bitsToFloat(uint32_t bits) {
  float v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

uint32_t encodeNarrow(const NarrowFloatFormat &fmt, float v) {
  const uint32_t bits = floatBits(v);
  const uint32_t signOut = (bits >> 31) << (fmt.expBits + fmt.mantBits);
  const uint32_t abs = bits & 0x7FFFFFFFu;
  const uint32_t expAllOnes = (1u << fmt.expBits) - 1;
  const uint32_t infBits = expAllOnes << fmt.mantBits;

  if (abs > 0x7F800000u) {
    if (!fmt.hasInf)
      return signOut | infBits | ((1u << fmt.mantBits) - 1);
    const uint32_t quietBit = 1u << (fmt.mantBits - 1);
    const uint32_t payload = (abs & 0x7FFFFFu) >> (23 - fmt.mantBits);
    return signOut | infBits | quietBit | payload;
  }
  if (abs == 0x7F800000u)
    return signOut | (fmt.hasInf ? infBits : fmt.maxFiniteBits);

  // abs = sig * 2^(exp - 23) with a 24-bit significand.
  const int expField = static_cast<int>(abs >> 23);
  const int exp = expField == 0 ? -126 : expField - 127;
  const uint64_t sig =
      (abs & 0x7FFFFFu) | (expField == 0 ? 0u : uint32_t{0x800000});
  if (sig == 0)
    return signOut;

  // Count the result in units of its ulp, which is 2^(max(exp, emin) - M):
  // below the smallest normal exponent the ulp stops shrinking (subnormals).
  const int emin = 1 - fmt.bias;
  const int shift = std::min(23 - fmt.mantBits + std::max(0, emin - exp), 40);
  uint64_t q = sig >> shift;
  const uint64_t rem = sig & ((uint64_t{1} << shift) - 1);
  const uint64_t half = uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (q & 1)))
    ++q;

  // q carries the implicit bit for normals, so adding it to the exponent
  // field minus one also handles a mantissa that rounds up into the next
  // binade (and a subnormal that rounds up to the smallest normal).
  const uint64_t out =
      (static_cast<uint64_t>(std::max(exp, emin) - emin) << fmt.mantBits) + q;
  if (out > fmt.maxFiniteBits)
    return signOut | (fmt.hasInf ? infBits : fmt.maxFiniteBits);
  return signOut | static_cast<uint32_t>(out);
}

float decodeNarrow(const NarrowFloatFormat &fmt, uint32_t bits) {
  const uint32_t mantMask = (1u << fmt.mantBits) - 1;
  const uint32_t expAllOnes = (1u << fmt.expBits) - 1;
  const uint32_t sign = (bits >> (fmt.expBits + fmt.mantBits)) & 1;
  const uint32_t expField = (bits >> fmt.mantBits) & expAllOnes;
  const uint32_t mant = bits & mantMask;

  if (expField == expAllOnes) {
    if (fmt.hasInf)
      return bitsToFloat((sign << 31) | 0x7F800000u |
                         (mant << (23 - fmt.mantBits)));
    if (mant == mantMask)
      return bitsToFloat((sign << 31) | 0x7FC00000u);
  }
  if (expField == 0) {
    // Subnormal: mant * 2^(emin - M), exact in float for every format here.
    const float magnitude =
        std::ldexp(static_cast<float>(mant), 1 - fmt.bias - fmt.mantBits);
    return sign ? -magnitude : magnitude;
  }
  const uint32_t f32Exp = expField - fmt.bias + 127;
  return bitsToFloat((sign << 31) | (f32Exp << 23) |
                     (mant << (23 - fmt.mantBits)));
}

/// dsc.cast float -> int, see roundToDType.
int64_t castFloatToInt(float v, DType t) {
  // To i1 is `v != 0` as in NumPy and PyTorch (0.5 and NaN are true), not a truncation.
  if (t == DType::I1)
    return v != 0.0f;
  if (std::isnan(v))
    return 0;
  const float truncated = std::trunc(v);
  switch (t) {
  case DType::I32:
    // 2^31 is a float; int32 max is not, so clamp in double.
    return static_cast<int64_t>(std::clamp(static_cast<double>(truncated),
                                           -2147483648.0, 2147483647.0));
  default:
    if (truncated >= 9223372036854775808.0f)
      return std::numeric_limits<int64_t>::max();
    if (truncated < -9223372036854775808.0f)
      return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(truncated);
  }
}

const NarrowFloatFormat *narrowFormat(DType t) {
  switch (t) {
  case DType::BF16:
    return &kBf16;
  case DType::F16:
    return &kF16;
  case DType::F8E4M3FN:
    return &kF8E4M3FN;
  case DType::F8E5M2:
    return &kF8E5M2;
  default:
    return nullptr;
  }
}

} // namespace

std::string_view dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  case DType::F8E4M3FN:
    return "f8e4m3fn";
  case DType::F8E5M2:
    return "f8e5m2";
  case DType::I1:
    return "i1";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  }
  return "unknown";
}

std::optional<DType> parseDType(std::string_view name) {
  for (DType t :
       {DType::F32, DType::F64, DType::BF16, DType::F16, DType::F8E4M3FN,
        DType::F8E5M2, DType::I1, DType::I32, DType::I64}) {
    std::string_view candidate = dtypeName(t);
    if (candidate.size() == name.size() &&
        std::equal(name.begin(), name.end(), candidate.begin(),
                   [](char a, char b) {
                     return std::tolower(static_cast<unsigned char>(a)) == b;
                   }))
      return t;
  }
  return std::nullopt;
}

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::BF16:
  case DType::F16:
    return 2;
  case DType::F8E4M3FN:
  case DType::F8E5M2:
  case DType::I1:
    return 1;
  }
  return 0;
}

bool isFloatDType(DType t) {
  return t != DType::I1 && t != DType::I32 && t != DType::I64;
}

uint16_t floatToBf16Bits(float v) {
  return static_cast<uint16_t>(encodeNarrow(kBf16, v));
}
float bf16BitsToFloat(uint16_t bits) { return decodeNarrow(kBf16, bits); }
uint16_t floatToF16Bits(float v) {
  return static_cast<uint16_t>(encodeNarrow(kF16, v));
}
float f16BitsToFloat(uint16_t bits) { return decodeNarrow(kF16, bits); }
uint8_t floatToF8E4M3FNBits(float v) {
  return static_cast<uint8_t>(encodeNarrow(kF8E4M3FN, v));
}
float f8E4M3FNBitsToFloat(uint8_t bits) {
  return decodeNarrow(kF8E4M3FN, bits);
}
uint8_t floatToF8E5M2Bits(float v) {
  return static_cast<uint8_t>(encodeNarrow(kF8E5M2, v));
}
float f8E5M2BitsToFloat(uint8_t bits) { return decodeNarrow(kF8E5M2, bits); }

float roundToDType(float v, DType t) {
  if (const NarrowFloatFormat *fmt = narrowFormat(t))
    return decodeNarrow(*fmt, encodeNarrow(*fmt, v));
  switch (t) {
  case DType::I1:
  case DType::I32:
  case DType::I64:
    return static_cast<float>(castFloatToInt(v, t));
  default:
    return v;
  }
}

void decodeToFloat(DType t, const void *src, float *dst, size_t n) {
  const auto *bytes = static_cast<const uint8_t *>(src);
  const size_t size = dtypeSize(t);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t *p = bytes + i * size;
    switch (t) {
    case DType::F32:
      std::memcpy(&dst[i], p, 4);
      break;
    case DType::F64: {
      double d;
      std::memcpy(&d, p, 8);
      dst[i] = static_cast<float>(d);
      break;
    }
    case DType::BF16:
    case DType::F16:
      dst[i] = decodeNarrow(*narrowFormat(t), p[0] | (p[1] << 8));
      break;
    case DType::F8E4M3FN:
    case DType::F8E5M2:
      dst[i] = decodeNarrow(*narrowFormat(t), p[0]);
      break;
    case DType::I1:
      dst[i] = p[0] != 0 ? 1.0f : 0.0f;
      break;
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      dst[i] = static_cast<float>(v);
      break;
    }
    case DType::I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      dst[i] = static_cast<float>(v);
      break;
    }
    }
  }
}

void encodeFromFloat(DType t, const float *src, void *dst, size_t n) {
  auto *bytes = static_cast<uint8_t *>(dst);
  const size_t size = dtypeSize(t);
  for (size_t i = 0; i < n; ++i) {
    uint8_t *p = bytes + i * size;
    switch (t) {
    case DType::F32:
      std::memcpy(p, &src[i], 4);
      break;
    case DType::F64: {
      const double d = src[i];
      std::memcpy(p, &d, 8);
      break;
    }
    case DType::BF16:
    case DType::F16: {
      const uint32_t bits = encodeNarrow(*narrowFormat(t), src[i]);
      p[0] = static_cast<uint8_t>(bits);
      p[1] = static_cast<uint8_t>(bits >> 8);
      break;
    }
    case DType::F8E4M3FN:
    case DType::F8E5M2:
      p[0] = static_cast<uint8_t>(encodeNarrow(*narrowFormat(t), src[i]));
      break;
    case DType::I1:
      p[0] = static_cast<uint8_t>(castFloatToInt(src[i], t));
      break;
    case DType::I32: {
      const auto v = static_cast<int32_t>(castFloatToInt(src[i], t));
      std::memcpy(p, &v, 4);
      break;
    }
    case DType::I64: {
      const int64_t v = castFloatToInt(src[i], t);
      std::memcpy(p, &v, 8);
      break;
    }
    }
  }
}

} // namespace dsc
