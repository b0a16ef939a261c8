//===- DType.h - Element types and their storage encodings ------*- C++ -*-===//
//
// The element types dsc tensors can have, their names, sizes and the bit-exact
// conversions between float and each narrow float encoding. The runtime and
// the reference interpreter both use these, so the interpreter rounds exactly
// as the generated kernels do.
//
// Rounding is round-to-nearest-even, as NVIDIA's cvt.rn does:
//   - bf16, f16: IEEE-like; subnormals are kept (no flush to zero), finite
//     values that round past the largest finite value become +-inf.
//   - f8E4M3FN (OCP FP8 E4M3, bias 7): no infinities, max finite 448,
//     S.1111.111 is NaN. Values beyond 448, infinities included, saturate to
//     +-448: cvt.rn.satfinite semantics, which is how dsc stores fp8 (and not
//     ml_dtypes' float8_e4m3fn cast, which turns overflow into NaN).
//   - f8E5M2 (OCP FP8 E5M2, bias 15): IEEE-like with infinities; overflow
//     becomes +-inf (cvt.rn without .satfinite), as docs/ops.md specifies.
// NaN stays NaN: the encoders keep the sign and the top payload bits and set
// the quiet bit (f8E4M3FN has one NaN per sign, 0x7F / 0xFF). Hardware
// produces a canonical NaN instead; only the payload differs.
//
// Bit layouts are those of the OCP 8-bit floating point specification, which
// ml_dtypes' float8_e4m3fn / float8_e5m2 also implement.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_DTYPE_H
#define DSC_RUNTIME_SUPPORT_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dsc {

enum class DType : uint8_t {
  F32,
  F64,
  BF16,
  F16,
  F8E4M3FN,
  F8E5M2,
  I1,
  I32,
  I64
};

/// "f32", "f64", "bf16", "f16", "f8e4m3fn", "f8e5m2", "i1", "i32", "i64".
std::string_view dtypeName(DType t);

/// The inverse of dtypeName, case-insensitive ("F8E4M3FN" and "f8E4M3FN" as
/// MLIR prints it are accepted).
std::optional<DType> parseDType(std::string_view name);

/// Bytes per element; i1 is stored as one byte (0 or 1).
size_t dtypeSize(DType t);

bool isFloatDType(DType t);

uint16_t floatToBf16Bits(float v);
float bf16BitsToFloat(uint16_t bits);
uint16_t floatToF16Bits(float v);
float f16BitsToFloat(uint16_t bits);
uint8_t floatToF8E4M3FNBits(float v);
float f8E4M3FNBitsToFloat(uint8_t bits);
uint8_t floatToF8E5M2Bits(float v);
float f8E5M2BitsToFloat(uint8_t bits);

/// The value after a store to `t` and a load back as float: identity for f32
/// and f64; the narrow floats round as above; the integer types follow
/// dsc.cast (truncate toward zero, saturate to the type's range, NaN -> 0; i1
/// is 1 for any nonzero truncated value, as the interpreter's cast does) and
/// the integer then rounds back to the nearest float.
float roundToDType(float v, DType t);

/// Converts `n` elements between `t`'s little-endian storage layout (as in
/// .npy and safetensors payloads) and float. Decoding f64, i32 and i64 rounds
/// to the nearest float; encoding to an integer type follows dsc.cast as in
/// roundToDType.
void decodeToFloat(DType t, const void *src, float *dst, size_t n);
void encodeFromFloat(DType t, const float *src, void *dst, size_t n);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_DTYPE_H
