"""Writes a safetensors file of random f32 tensors: random_safetensors.py OUT name=d0,d1 ...

For test/gpu/dist.sh: a weights file that dsc-interp (--weights) and dsrun (--weights, each
rank reading its slices) both read. Values are uniform in [-0.5, 0.5) from a fixed seed.
Standard library only (the build machine's python3 has no numpy).
"""
import json
import random
import struct
import sys


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    rng = random.Random(1)
    header, blobs, offset = {}, [], 0
    for spec in specs:
        name, dims = spec.split("=")
        shape = [int(d) for d in dims.split(",")]
        count = 1
        for d in shape:
            count *= d
        data = struct.pack(f"<{count}f", *(rng.random() - 0.5 for _ in range(count)))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


if __name__ == "__main__":
    main()
