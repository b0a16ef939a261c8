"""Compares the outputs of two dsc-interp runs: the model as written (REF) and its
`dsc --precision=fp32` build (GOT), both on the same weights and inputs.

Every REF/<name>.npy must exist in GOT with the same descr (dtype) and shape, and lie within
--max-rel-l2 of it (relative Frobenius error, ||got - ref|| / ||ref||). Prints one line per
output and exits 1 on any difference. Reads .npy by hand: dsc writes bf16 with the descr
'bfloat16' (runtime/support/Npy.cpp), which NumPy cannot read.
"""
import argparse
import ast
import os
import struct
import sys

import numpy as np

# descr -> how the bytes are read and widened to float64.
STORAGE = {"<f4": "<f4", "<f2": "<f2", "bfloat16": "<u2", "<i4": "<i4", "<i8": "<i8",
           "|b1": "|b1"}


def read_npy(path):
    """Returns (descr, values as float64)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:6] != b"\x93NUMPY":
        sys.exit(path + ": not a .npy file")
    size_format, offset = ("<H", 10) if raw[6] == 1 else ("<I", 12)
    (header_len,) = struct.unpack(size_format, raw[8:offset])
    header = ast.literal_eval(raw[offset:offset + header_len].decode("latin1"))
    descr, shape = header["descr"], tuple(header["shape"])
    if descr not in STORAGE:
        sys.exit("%s: descr %r is not compared here" % (path, descr))
    data = np.frombuffer(raw[offset + header_len:], dtype=STORAGE[descr],
                         count=int(np.prod(shape))).reshape(shape)
    if descr == "bfloat16":  # the upper half of an f32
        data = (data.astype(np.uint32) << 16).view(np.float32)
    return descr, data.astype(np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("ref")
    parser.add_argument("got")
    parser.add_argument("--max-rel-l2", type=float, required=True)
    args = parser.parse_args()
    names = sorted(n for n in os.listdir(args.ref) if n.endswith(".npy"))
    if not names:
        sys.exit(args.ref + ": no outputs")
    failures = 0
    for name in names:
        ref_descr, ref = read_npy(os.path.join(args.ref, name))
        got_descr, got = read_npy(os.path.join(args.got, name))
        label = "%s  %s%s" % (name[:-4], ref_descr, list(ref.shape))
        if (got_descr, got.shape) != (ref_descr, ref.shape):
            print("FAIL  %s  got %s%s" % (label, got_descr, list(got.shape)))
            failures += 1
            continue
        rel = np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-30)
        ok = bool(np.isfinite(got).all()) and rel <= args.max_rel_l2
        print("%s  %s  rel_l2=%.3g" % ("ok   " if ok else "FAIL ", label, rel))
        failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
