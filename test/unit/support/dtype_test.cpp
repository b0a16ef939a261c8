//===- dtype_test.cpp - DType names and narrow-float conversions ----------===//
//
// The conversions are checked against a reference that shares no code or
// method with DType.cpp: it decodes every encoding from the format's
// definition in double arithmetic, sorts the finite values, and rounds by
// looking up the two neighbours of a value and comparing distances (ties to
// the encoding with an even last bit). Spec anchors (OCP FP8, IEEE half,
// bfloat16) pin the reference itself.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/DType.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace dsc {
namespace {

struct Format {
  const char *name;
  int expBits, mantBits, bias;
  bool hasInf; // false: OCP E4M3FN, only S.1111.111 is NaN, saturate.
  uint32_t (*encode)(float);
  float (*decode)(uint32_t);
};

const Format kFormats[] = {
    {"bf16", 8, 7, 127, true,
     [](float v) -> uint32_t { return floatToBf16Bits(v); },
     [](uint32_t b) { return bf16BitsToFloat(static_cast<uint16_t>(b)); }},
    {"f16", 5, 10, 15, true,
     [](float v) -> uint32_t { return floatToF16Bits(v); },
     [](uint32_t b) { return f16BitsToFloat(static_cast<uint16_t>(b)); }},
    {"f8e4m3fn", 4, 3, 7, false,
     [](float v) -> uint32_t { return floatToF8E4M3FNBits(v); },
     [](uint32_t b) { return f8E4M3FNBitsToFloat(static_cast<uint8_t>(b)); }},
    {"f8e5m2", 5, 2, 15, true,
     [](float v) -> uint32_t { return floatToF8E5M2Bits(v); },
     [](uint32_t b) { return f8E5M2BitsToFloat(static_cast<uint8_t>(b)); }},
};

uint32_t bitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}
float fromBits(uint32_t b) {
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}

/// The value of an encoding by the format's definition; NaN for NaNs.
double referenceDecode(const Format &f, uint32_t bits) {
  const int width = 1 + f.expBits + f.mantBits;
  const bool negative = (bits >> (width - 1)) & 1;
  const uint32_t e = (bits >> f.mantBits) & ((1u << f.expBits) - 1);
  const uint32_t m = bits & ((1u << f.mantBits) - 1);
  const uint32_t eMax = (1u << f.expBits) - 1;
  double magnitude;
  if (f.hasInf && e == eMax)
    magnitude = m == 0 ? INFINITY : NAN;
  else if (!f.hasInf && e == eMax && m == (1u << f.mantBits) - 1)
    magnitude = NAN;
  else if (e == 0)
    magnitude = std::pow(2.0, 1 - f.bias) * (m / std::pow(2.0, f.mantBits));
  else
    magnitude = std::pow(2.0, static_cast<int>(e) - f.bias) *
                (1.0 + m / std::pow(2.0, f.mantBits));
  return negative ? -magnitude : magnitude;
}

struct Entry {
  double value;
  uint32_t bits;
};

/// Round-to-nearest-even by table lookup.
class Reference {
public:
  explicit Reference(const Format &f) : f(f) {
    const uint32_t width = 1 + f.expBits + f.mantBits;
    signBit = 1u << (width - 1);
    for (uint32_t b = 0; b < signBit; ++b) {
      double v = referenceDecode(f, b);
      if (std::isfinite(v))
        table.push_back({v, b});
      else if (std::isinf(v))
        infBits = b;
    }
    std::sort(table.begin(), table.end(),
              [](const Entry &a, const Entry &b) { return a.value < b.value; });
  }

  /// nullopt when the result must be a NaN.
  std::optional<uint32_t> round(float v) const {
    if (std::isnan(v))
      return std::nullopt;
    const uint32_t sign = std::signbit(v) ? signBit : 0;
    const double a = std::fabs(static_cast<double>(v));
    const Entry &max = table.back();
    if (a > max.value) {
      if (!f.hasInf)
        return sign | max.bits;
      // Beyond max the next step would be 2^(emax+1), whose mantissa (zero)
      // is even; reaching or passing the midpoint overflows to infinity.
      const double next = 2.0 * std::pow(2.0, std::floor(std::log2(max.value)));
      return sign | (2 * a >= max.value + next ? infBits : max.bits);
    }
    auto hi =
        std::lower_bound(table.begin(), table.end(), a,
                         [](const Entry &e, double x) { return e.value < x; });
    if (hi->value == a)
      return sign | hi->bits;
    auto lo = hi - 1;
    const double twiceA = 2 * a, sum = lo->value + hi->value;
    if (twiceA < sum)
      return sign | lo->bits;
    if (twiceA > sum)
      return sign | hi->bits;
    return sign | ((lo->bits & 1) == 0 ? lo->bits : hi->bits);
  }

  const std::vector<Entry> &entries() const { return table; }

private:
  const Format &f;
  uint32_t signBit;
  uint32_t infBits = 0;
  std::vector<Entry> table;
};

/// Empty when `f` encodes `v` as the reference does, else a description.
std::string mismatch(const Format &f, const Reference &ref, float v) {
  std::optional<uint32_t> expected = ref.round(v);
  const uint32_t got = f.encode(v);
  std::ostringstream out;
  out << std::hex;
  if (!expected) {
    if (!std::isnan(f.decode(got)))
      out << f.name << ": NaN input 0x" << bitsOf(v) << " encoded to non-NaN 0x"
          << got;
  } else if (got != *expected) {
    out << f.name << ": input " << v << " (0x" << bitsOf(v) << ") encoded to 0x"
        << got << ", reference 0x" << *expected;
  }
  return out.str();
}

/// Reports the first few mismatches and their count, so that a broken
/// encoder fails fast instead of printing a million lines.
void checkAgainstReference(const Format &f, const Reference &ref,
                           const std::vector<float> &values) {
  size_t mismatches = 0;
  for (float v : values) {
    std::string problem = mismatch(f, ref, v);
    if (!problem.empty() && ++mismatches <= 10)
      ADD_FAILURE() << problem;
  }
  EXPECT_EQ(mismatches, 0u) << f.name << ": " << mismatches << " of "
                            << values.size() << " values differ";
}

TEST(DTypeNames, RoundTripAndCaseInsensitive) {
  for (DType t :
       {DType::F32, DType::F64, DType::BF16, DType::F16, DType::F8E4M3FN,
        DType::F8E5M2, DType::I1, DType::I32, DType::I64})
    EXPECT_EQ(parseDType(dtypeName(t)), t) << dtypeName(t);
  EXPECT_EQ(dtypeName(DType::F8E4M3FN), "f8e4m3fn");
  EXPECT_EQ(parseDType("f8E4M3FN"), DType::F8E4M3FN);
  EXPECT_EQ(parseDType("BF16"), DType::BF16);
  EXPECT_EQ(parseDType("f8"), std::nullopt);
  EXPECT_EQ(parseDType("f32 "), std::nullopt);
  EXPECT_EQ(parseDType(""), std::nullopt);
}

TEST(DTypeNames, SizesAndKinds) {
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::F16), 2u);
  EXPECT_EQ(dtypeSize(DType::F8E4M3FN), 1u);
  EXPECT_EQ(dtypeSize(DType::F8E5M2), 1u);
  EXPECT_EQ(dtypeSize(DType::I1), 1u);
  EXPECT_EQ(dtypeSize(DType::I32), 4u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_TRUE(isFloatDType(DType::F8E5M2));
  EXPECT_TRUE(isFloatDType(DType::F64));
  EXPECT_FALSE(isFloatDType(DType::I1));
  EXPECT_FALSE(isFloatDType(DType::I64));
}

// Values from the format definitions (IEEE 754 binary16, bfloat16, OCP 8-bit
// floating point spec v1.0 tables for E4M3 and E5M2).
TEST(NarrowFloat, SpecAnchors) {
  EXPECT_EQ(floatToBf16Bits(1.0f), 0x3F80);
  EXPECT_EQ(floatToBf16Bits(-2.0f), 0xC000);
  EXPECT_EQ(floatToBf16Bits(INFINITY), 0x7F80);
  EXPECT_EQ(floatToBf16Bits(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(bf16BitsToFloat(0x0001), std::ldexp(1.0f, -133));
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3F808000)), 0x3F80); // tie, even
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3F818000)), 0x3F82); // tie, odd
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3F808001)), 0x3F81);

  EXPECT_EQ(floatToF16Bits(1.0f), 0x3C00);
  EXPECT_EQ(floatToF16Bits(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToF16Bits(65519.996f), 0x7BFF);
  EXPECT_EQ(floatToF16Bits(65520.0f), 0x7C00);
  EXPECT_EQ(floatToF16Bits(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToF16Bits(std::ldexp(1.0f, -25)), 0x0000); // tie to even 0
  EXPECT_EQ(floatToF16Bits(std::ldexp(3.0f, -25)), 0x0002); // tie to even 2
  EXPECT_EQ(floatToF16Bits(std::ldexp(1.0f, -14)), 0x0400);
  EXPECT_EQ(floatToF16Bits(-0.0f), 0x8000);

  EXPECT_EQ(floatToF8E4M3FNBits(1.0f), 0x38);
  EXPECT_EQ(floatToF8E4M3FNBits(448.0f), 0x7E);
  EXPECT_EQ(floatToF8E4M3FNBits(240.0f), 0x77);
  EXPECT_EQ(floatToF8E4M3FNBits(464.0f), 0x7E);
  EXPECT_EQ(floatToF8E4M3FNBits(1e9f), 0x7E);
  EXPECT_EQ(floatToF8E4M3FNBits(-1e9f), 0xFE);
  EXPECT_EQ(floatToF8E4M3FNBits(INFINITY), 0x7E);
  EXPECT_EQ(floatToF8E4M3FNBits(-INFINITY), 0xFE);
  EXPECT_EQ(floatToF8E4M3FNBits(NAN), 0x7F);
  EXPECT_EQ(floatToF8E4M3FNBits(-NAN), 0xFF);
  EXPECT_EQ(floatToF8E4M3FNBits(std::ldexp(1.0f, -9)), 0x01);
  EXPECT_EQ(floatToF8E4M3FNBits(std::ldexp(1.0f, -10)), 0x00);
  EXPECT_EQ(floatToF8E4M3FNBits(std::ldexp(1.0f, -6)), 0x08);
  EXPECT_EQ(f8E4M3FNBitsToFloat(0x7E), 448.0f);
  EXPECT_EQ(f8E4M3FNBitsToFloat(0x01), std::ldexp(1.0f, -9));
  EXPECT_TRUE(std::isnan(f8E4M3FNBitsToFloat(0x7F)));
  EXPECT_TRUE(std::isnan(f8E4M3FNBitsToFloat(0xFF)));
  EXPECT_EQ(f8E4M3FNBitsToFloat(0x78), 256.0f); // not inf: E4M3FN has none

  EXPECT_EQ(floatToF8E5M2Bits(1.0f), 0x3C);
  EXPECT_EQ(floatToF8E5M2Bits(57344.0f), 0x7B);
  EXPECT_EQ(floatToF8E5M2Bits(61439.0f), 0x7B);
  EXPECT_EQ(floatToF8E5M2Bits(61440.0f), 0x7C);
  EXPECT_EQ(floatToF8E5M2Bits(-INFINITY), 0xFC);
  EXPECT_EQ(floatToF8E5M2Bits(std::ldexp(1.0f, -16)), 0x01);
  EXPECT_EQ(floatToF8E5M2Bits(std::ldexp(1.0f, -14)), 0x04);
  EXPECT_TRUE(std::isnan(f8E5M2BitsToFloat(floatToF8E5M2Bits(NAN))));
  EXPECT_EQ(f8E5M2BitsToFloat(0x7C), INFINITY);
}

TEST(NarrowFloat, ReferenceAgreesWithSpecAnchors) {
  EXPECT_EQ(referenceDecode(kFormats[2], 0x7E), 448.0);
  EXPECT_EQ(referenceDecode(kFormats[3], 0x7B), 57344.0);
  EXPECT_EQ(referenceDecode(kFormats[1], 0x7BFF), 65504.0);
  EXPECT_EQ(referenceDecode(kFormats[0], 0x3F80), 1.0);
  EXPECT_EQ(Reference(kFormats[2]).entries().size(), 127u); // 0x00..0x7E
  EXPECT_EQ(Reference(kFormats[3]).entries().size(), 124u); // 0x00..0x7B
}

TEST(NarrowFloat, EveryEncodingRoundTrips) {
  for (const Format &f : kFormats) {
    const uint32_t count = 1u << (1 + f.expBits + f.mantBits);
    for (uint32_t b = 0; b < count; ++b) {
      const float v = f.decode(b);
      const double expected = referenceDecode(f, b);
      if (std::isnan(expected)) {
        ASSERT_TRUE(std::isnan(v)) << f.name << " 0x" << std::hex << b;
        ASSERT_TRUE(std::isnan(f.decode(f.encode(v))))
            << f.name << " 0x" << std::hex << b;
        if (!f.hasInf) {
          ASSERT_EQ(f.encode(v), b) << f.name << " 0x" << std::hex << b;
        }
        continue;
      }
      ASSERT_EQ(static_cast<double>(v), expected)
          << f.name << " 0x" << std::hex << b;
      ASSERT_EQ(f.encode(v), b) << f.name << " 0x" << std::hex << b;
    }
  }
}

TEST(NarrowFloat, QuietNaNsKeepTheirBits) {
  for (uint32_t b : {0x7FC1u, 0xFFC0u, 0x7FFFu})
    EXPECT_EQ(floatToBf16Bits(bf16BitsToFloat(b)), b);
  for (uint32_t b : {0x7E01u, 0xFE00u})
    EXPECT_EQ(floatToF16Bits(f16BitsToFloat(b)), b);
  for (uint32_t b : {0x7Eu, 0x7Fu, 0xFEu})
    EXPECT_EQ(floatToF8E5M2Bits(f8E5M2BitsToFloat(b)), b);
}

TEST(NarrowFloat, RandomBitPatternsMatchReference) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<uint32_t> any;
  std::vector<float> samples(1000000);
  for (float &v : samples)
    v = fromBits(any(rng));
  for (const Format &f : kFormats)
    checkAgainstReference(f, Reference(f), samples);
}

// Uniform bit patterns mostly land far outside the fp8 and f16 ranges; these
// samples have exponents within (and a little beyond) each format's range.
TEST(NarrowFloat, RandomInRangeValuesMatchReference) {
  std::mt19937 rng(777);
  for (const Format &f : kFormats) {
    Reference ref(f);
    const int lo = 1 - f.bias - f.mantBits - 2;
    const int hi = (1 << f.expBits) - f.bias + 1;
    std::uniform_int_distribution<int> exponent(std::max(lo, -149),
                                                std::min(hi, 127));
    std::uniform_int_distribution<uint32_t> mantissa(0, 0x7FFFFF);
    std::uniform_int_distribution<uint32_t> sign(0, 1);
    std::vector<float> samples;
    for (int i = 0; i < 250000; ++i) {
      const int e = exponent(rng);
      const float v =
          e < -126
              ? std::ldexp(static_cast<float>(mantissa(rng) | 1), e - 23)
              : fromBits((sign(rng) << 31) |
                         static_cast<uint32_t>(e + 127) << 23 | mantissa(rng));
      samples.push_back(v);
    }
    checkAgainstReference(f, ref, samples);
  }
}

// Exact midpoints between neighbours (subnormal ones and the smallest
// subnormal's half included), one f32 ulp either side of them, every
// representable value and its f32 neighbours, both signs.
TEST(NarrowFloat, TiesAndNeighboursMatchReference) {
  for (const Format &f : kFormats) {
    Reference ref(f);
    const std::vector<Entry> &table = ref.entries();
    std::vector<float> cases;
    for (size_t i = 0; i < table.size(); ++i) {
      const float v = static_cast<float>(table[i].value);
      cases.insert(cases.end(), {v, std::nextafter(v, INFINITY),
                                 std::nextafter(v, -INFINITY)});
      if (i + 1 == table.size())
        continue;
      const double mid = (table[i].value + table[i + 1].value) / 2;
      const float midF = static_cast<float>(mid);
      ASSERT_EQ(static_cast<double>(midF), mid) << f.name;
      cases.insert(cases.end(), {midF, std::nextafter(midF, INFINITY),
                                 std::nextafter(midF, 0.0f)});
    }
    const size_t n = cases.size();
    for (size_t i = 0; i < n; ++i)
      cases.push_back(-cases[i]);
    checkAgainstReference(f, ref, cases);
  }
}

TEST(NarrowFloat, SpecialValuesMatchReference) {
  for (const Format &f : kFormats) {
    Reference ref(f);
    const double max = ref.entries().back().value;
    const double ulp = max - ref.entries()[ref.entries().size() - 2].value;
    const float halfPastMax = static_cast<float>(max + ulp / 2);
    std::vector<float> cases = {0.0f,
                                -0.0f,
                                INFINITY,
                                -INFINITY,
                                NAN,
                                -NAN,
                                fromBits(0x7F800001), // signaling NaN
                                fromBits(0xFFBFFFFF),
                                static_cast<float>(max),
                                halfPastMax,
                                std::nextafter(halfPastMax, INFINITY),
                                std::nextafter(halfPastMax, 0.0f),
                                static_cast<float>(2 * max),
                                std::numeric_limits<float>::max(),
                                std::numeric_limits<float>::denorm_min(),
                                std::numeric_limits<float>::min()};
    const size_t n = cases.size();
    for (size_t i = 0; i < n; ++i)
      cases.push_back(-cases[i]);
    checkAgainstReference(f, ref, cases);
  }
}

TEST(RoundToDType, FloatsRoundIntsCast) {
  EXPECT_EQ(roundToDType(1.0f + std::ldexp(1.0f, -20), DType::F32),
            1.0f + std::ldexp(1.0f, -20));
  EXPECT_EQ(roundToDType(0.1f, DType::F64), 0.1f);
  EXPECT_EQ(roundToDType(1000.0f, DType::F8E4M3FN), 448.0f);
  EXPECT_EQ(roundToDType(1e6f, DType::F8E5M2), INFINITY);
  EXPECT_EQ(roundToDType(1e6f, DType::F16), INFINITY);
  EXPECT_EQ(roundToDType(1.00390625f, DType::BF16), 1.0f);
  EXPECT_TRUE(std::isnan(roundToDType(NAN, DType::F8E4M3FN)));

  EXPECT_EQ(roundToDType(2.7f, DType::I32), 2.0f);
  EXPECT_EQ(roundToDType(-2.7f, DType::I32), -2.0f);
  EXPECT_EQ(roundToDType(NAN, DType::I32), 0.0f);
  EXPECT_EQ(roundToDType(3e9f, DType::I32), 2147483648.0f); // 2^31-1 rounds up
  EXPECT_EQ(roundToDType(-3e9f, DType::I32), -2147483648.0f);
  EXPECT_EQ(roundToDType(1e19f, DType::I64), 9223372036854775808.0f);
  EXPECT_EQ(roundToDType(-INFINITY, DType::I64), -9223372036854775808.0f);
  EXPECT_EQ(roundToDType(0.5f, DType::I1), 1.0f);
  EXPECT_EQ(roundToDType(0.0f, DType::I1), 0.0f);
  EXPECT_EQ(roundToDType(-0.0f, DType::I1), 0.0f);
  EXPECT_EQ(roundToDType(2.0f, DType::I1), 1.0f);
  EXPECT_EQ(roundToDType(-3.0f, DType::I1), 1.0f);
  EXPECT_EQ(roundToDType(NAN, DType::I1), 1.0f);
}

TEST(BufferConversion, EncodeDecodeEqualsRoundToDType) {
  const std::vector<float> values = {
      0.0f,   -0.0f, 1.5f,  -2.25f,   300.7f, 1e-6f,    1e30f,
      -1e30f, 0.3f,  -7.9f, 65519.0f, 4e9f,   INFINITY, -INFINITY};
  for (DType t :
       {DType::F32, DType::F64, DType::BF16, DType::F16, DType::F8E4M3FN,
        DType::F8E5M2, DType::I1, DType::I32, DType::I64}) {
    std::vector<uint8_t> bytes(values.size() * dtypeSize(t));
    encodeFromFloat(t, values.data(), bytes.data(), values.size());
    std::vector<float> decoded(values.size());
    decodeToFloat(t, bytes.data(), decoded.data(), values.size());
    for (size_t i = 0; i < values.size(); ++i)
      EXPECT_EQ(bitsOf(decoded[i]), bitsOf(roundToDType(values[i], t)))
          << dtypeName(t) << " value " << values[i];
  }
}

TEST(BufferConversion, LittleEndianLayout) {
  const float one = 1.0f;
  uint8_t bf16[2], f16[2], i32[4];
  encodeFromFloat(DType::BF16, &one, bf16, 1);
  encodeFromFloat(DType::F16, &one, f16, 1);
  encodeFromFloat(DType::I32, &one, i32, 1);
  EXPECT_EQ(bf16[0], 0x80);
  EXPECT_EQ(bf16[1], 0x3F);
  EXPECT_EQ(f16[0], 0x00);
  EXPECT_EQ(f16[1], 0x3C);
  EXPECT_EQ(i32[0], 1);
  EXPECT_EQ(i32[3], 0);
  const uint8_t boolBytes[] = {0, 1, 7};
  float decoded[3];
  decodeToFloat(DType::I1, boolBytes, decoded, 3);
  EXPECT_EQ(decoded[0], 0.0f);
  EXPECT_EQ(decoded[1], 1.0f);
  EXPECT_EQ(decoded[2], 1.0f);
}

} // namespace
} // namespace dsc
