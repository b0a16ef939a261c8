//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reads .npy format 1.0, 2.0 and 3.0 and writes 1.0 (2.0 when the header
// needs more than 64 KiB). Only little-endian, C-order arrays exist in dsc.
//
// Descriptors (the header's 'descr'):
//   dtype      written            also read
//   f32        '<f4'
//   f64        '<f8'
//   f16        '<f2'
//   i32        '<i4'              '|u1' (widened to i32, see below)
//   i64        '<i8'
//   i1         '|b1'
//   bf16       'bfloat16'         '<V2', '|V2'
//   f8e4m3fn   'float8_e4m3fn'    '<V1', '|V1', '|u1' with opaqueByteDType
//   f8e5m2     'float8_e5m2'      '<f1'
// NumPy has no bf16 or fp8 type. ml_dtypes registers them as NumPy "user"
// dtypes and np.save writes their dtype.str: '<V2' for bfloat16, '<V1' for
// float8_e4m3fn (and for float8_e4m3fnuz, float8_e4m3b11fnuz, int4, ...) and
// '<f1' for float8_e5m2 (ml_dtypes/_src/dtypes.cc: kNpyDescrKind 'V' or 'f'
// plus the item size; the type name is lost). So:
//   - '<V2' is read as bf16: ml_dtypes has no other 2-byte type and NumPy
//     itself writes V2 only for opaque np.void data.
//   - '<f1' is read as f8e5m2: only ml_dtypes' float8_e5m2 has that form.
//   - '<V1' is ambiguous and is read only when the caller says what the bytes
//     are (NpyReadOptions::opaqueByteDType); the same option reinterprets
//     '|u1' bytes, e.g. fp8 tensors saved through torch's .view(torch.uint8).
// For bf16 and fp8 the writer uses the type name as the descr ('bfloat16'),
// which np.load turns into the ml_dtypes type when ml_dtypes is imported
// (it adds its names to numpy.sctypeDict) and rejects otherwise, rather than
// silently returning opaque bytes.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SUPPORT_NPY_H
#define DSC_RUNTIME_SUPPORT_NPY_H

#include "runtime/support/HostArray.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <optional>
#include <string>
#include <string_view>

namespace dsc {

struct NpyReadOptions {
  /// The one-byte dtype (f8e4m3fn, f8e5m2 or i1) that '<V1', '|V1' and '|u1'
  /// data holds. Unset: '|u1' is widened to i32 and '<V1' is an error.
  std::optional<DType> opaqueByteDType;
};

absl::StatusOr<HostArray> readNpy(const std::string &path,
                                  const NpyReadOptions &options = {});

/// Writes `array` atomically (see AtomicFile.h).
absl::Status writeNpy(const std::string &path, const HostArray &array);

/// The descr writeNpy uses for `t`.
std::string_view npyDescr(DType t);

} // namespace dsc

#endif // DSC_RUNTIME_SUPPORT_NPY_H
