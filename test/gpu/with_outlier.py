"""with_outlier.py OUT IN: writes the bf16 .npy IN as OUT with its first element set to 1000.

Delayed fp8 scaling is tested with a run whose input has an outlier (OUT is the input
NAME.run0.npy of dsc-interp --runs and dsrun --runs): the amax histories of the runs after
it then hold a larger amax than their own, so their scales differ from current scaling.
No NumPy: dsc writes bf16 with the descr 'bfloat16', which NumPy cannot read.
"""
import sys

out_path, in_path = sys.argv[1:3]
data = bytearray(open(in_path, "rb").read())
header_end = 10 + int.from_bytes(data[8:10], "little")  # .npy v1: magic, version, u16 length
if data[:6] != b"\x93NUMPY" or data[6] != 1 or b"bfloat16" not in data[:header_end]:
    sys.exit(in_path + ": expected a version 1 .npy of bfloat16")
data[header_end:header_end + 2] = (0x447A).to_bytes(2, "little")  # bf16 1000.0
open(out_path, "wb").write(data)
