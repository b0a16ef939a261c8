#!/usr/bin/env python3
"""FP8 accuracy of one Llama layer (examples/llama_layer.dsg): dsc's fp8 builds and a
same-recipe PyTorch FP8 implementation against an fp64 reference, on the same weights and
inputs.

Run on the GPU machine from the repo root with `.device/` carried; bench/prepare.sh
compiles the artifacts (B=1, T=2048, Llama-7B widths, GQA with 8 kv heads) here first:

    python3 bench/fp8_accuracy.py

What runs:
  weights and inputs: drawn here with torch (bf16; weights N(0, 1/fan_in), norm weights 1),
      written as a safetensors file and .npy inputs, and given to dsrun (--weights,
      --inputs), so every implementation sees the same numbers.
  dsc bf16, dsc fp8 blockwise, dsc fp8 tensor: the three artifacts under dsrun --out.
  dsc fp8 delayed: the delayed-scaling artifact's fourth run (dsrun --runs=4) on the same
      input, so each activation scale comes from the amax history (here the same amax as
      the run's own: on a fixed input, delayed and current scaling agree).
  torch bf16: the layer in eager PyTorch, bf16 (the same as bench/llama_layer.py).
  torch fp8 blockwise: the same layer with its five GEMMs through
      torch.nn.functional.scaled_mm (ScalingType.BlockWise1x128 for activations,
      BlockWise128x128 for weights: cuBLASLt's DeepSeek-V3 recipe), activations and weights
      quantized with dsc's formula (scale = amax / 448 per group, values e4m3 of x / scale).
  fp64 reference: the layer in float64 from the same bf16 weights and inputs.
Error: relative Frobenius norm ||y - y_ref|| / ||y_ref|| of the layer output, and of the
layer's update y - x (the residual x dominates y, so the update shows the arithmetic's
error undiluted).
"""
import argparse
import json
import os
import struct
import subprocess
import sys

import numpy as np

DIMS = dict(B=1, T=2048, D=4096, H=32, HKV=8, F=11008)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().view(-1).view(__import__("torch").uint8).cpu().numpy().tobytes()
        header[name] = {"dtype": "BF16", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)


def write_npy(path, descr, shape, raw):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join(f"{d}, " for d in shape))
    header += " " * (-(len(header) + 11) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + raw)


def read_npy_bf16(path):
    raw = open(path, "rb").read()
    hlen = struct.unpack("<H", raw[8:10])[0]
    data = np.frombuffer(raw[10 + hlen:], dtype="<u2")
    return (data.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def layer(torch, x, p, d, mm, dtype):
    """The layer in `dtype` (rope, norms and softmax in at least f32); `mm(h, name)` does
    the GEMMs with weight `name`."""
    F = torch.nn.functional
    B, T, D, H, HKV = d["B"], d["T"], d["D"], d["H"], d["HKV"]
    dh, kvd = D // H, HKV * (D // H)
    wide = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, device="cuda", dtype=wide)
    inv = 10000.0 ** (-torch.arange(0, dh // 2, device="cuda", dtype=wide) * 2 / dh)
    ang = (pos[:, None] * inv[None, :])[None, :, None, :]
    cos, sin = torch.cos(ang), torch.sin(ang)

    def rope(t):
        t1, t2 = t[..., : dh // 2].to(wide), t[..., dh // 2:].to(wide)
        return torch.cat([t1 * cos - t2 * sin, t2 * cos + t1 * sin], -1).to(dtype)

    def rms(t, w):
        tf = t.to(wide)
        return (tf * torch.rsqrt(tf.pow(2).mean(-1, keepdim=True) + 1e-5) * w.to(wide)).to(dtype)

    h = rms(x, p["attn_norm"])
    q, k, v = mm(h, "wqkv").split([D, kvd, kvd], dim=-1)
    q = rope(q.reshape(B, T, H, dh)).transpose(1, 2)
    k = rope(k.reshape(B, T, HKV, dh)).transpose(1, 2)
    v = v.reshape(B, T, HKV, dh).transpose(1, 2)
    if dtype == torch.float64:
        k = k.repeat_interleave(H // HKV, dim=1)
        v = v.repeat_interleave(H // HKV, dim=1)
        s = (q @ k.transpose(-1, -2)) / dh ** 0.5
        s = s.masked_fill(torch.ones(T, T, device="cuda", dtype=torch.bool).triu(1), float("-inf"))
        o = torch.softmax(s, -1) @ v
    else:
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    x = x + mm(o.transpose(1, 2).reshape(B, T, D), "wo")
    h = rms(x, p["mlp_norm"])
    return x + mm(F.silu(mm(h, "w_gate")) * mm(h, "w_up"), "w_down")


def fp8_blockwise_mm(torch, p):
    """GEMMs through F.scaled_mm with dsc's quantization formula."""
    F = torch.nn.functional
    e4m3 = torch.float8_e4m3fn

    def scale_of(amax):
        return torch.where(amax > 0, amax / 448.0, torch.ones_like(amax))

    weights = {}
    for name, w in p.items():
        if w.dim() != 2:
            continue
        k, n = w.shape
        blocks = w.float().reshape(k // 128, 128, n // 128, 128)
        s = scale_of(blocks.abs().amax(dim=(1, 3)))  # [K/128, N/128]
        q = (blocks / s[:, None, :, None]).reshape(k, n).to(e4m3)
        wt = q.t().contiguous()  # [N, K], K contiguous
        st = s.t().contiguous()  # [N/128, K/128]
        pad = -st.shape[1] % 4  # cuBLASLt wants the K blocks padded to a multiple of 4
        st = F.pad(st, (0, pad))
        weights[name] = (wt, st)

    def mm(h, name):
        wt, st = weights[name]
        shape = h.shape
        a = h.reshape(-1, shape[-1]).float()
        m, k = a.shape
        tiles = a.reshape(m, k // 128, 128)
        sa = scale_of(tiles.abs().amax(dim=2))  # [M, K/128]
        qa = (tiles / sa[:, :, None]).reshape(m, k).to(e4m3)
        y = F.scaled_mm(qa, wt.t(), sa.t().contiguous().t(), F.ScalingType.BlockWise1x128,
                        st.t(), F.ScalingType.BlockWise128x128, output_dtype=torch.bfloat16)
        return y.reshape(*shape[:-1], wt.shape[0])

    return mm


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=".device/bench")
    ap.add_argument("--dsrun", default=".device/bin/dsrun")
    ap.add_argument("--work", default=os.environ.get("TMPDIR", "/tmp") + "/dsc-fp8-accuracy")
    a = ap.parse_args()
    import torch

    d = DIMS
    dh, kvd = d["D"] // d["H"], d["HKV"] * (d["D"] // d["H"])
    g = torch.Generator(device="cuda").manual_seed(0)
    bf = torch.bfloat16

    def w(i, o):
        return (torch.randn(i, o, device="cuda", generator=g) / i ** 0.5).to(bf)

    p = {"attn_norm": torch.ones(d["D"], device="cuda", dtype=bf), "wqkv": w(d["D"], d["D"] + 2 * kvd),
         "wo": w(d["D"], d["D"]), "mlp_norm": torch.ones(d["D"], device="cuda", dtype=bf),
         "w_gate": w(d["D"], d["F"]), "w_up": w(d["D"], d["F"]), "w_down": w(d["F"], d["D"])}
    x = torch.randn(d["B"], d["T"], d["D"], device="cuda", generator=g).to(bf)

    os.makedirs(a.work + "/inputs", exist_ok=True)
    write_safetensors(a.work + "/weights.safetensors", p)
    write_npy(a.work + "/inputs/x.npy", "bfloat16", x.shape,
              x.contiguous().view(torch.uint8).cpu().numpy().tobytes())
    write_npy(a.work + "/inputs/positions.npy", "<i4", (d["T"],),
              np.arange(d["T"], dtype="<i4").tobytes())

    with torch.no_grad():
        ref = layer(torch, x.double(), {k: v.double() for k, v in p.items()}, d,
                    lambda h, n: h @ p[n].double(), torch.float64)
    ref_np = ref.cpu().numpy().ravel()
    x_np = x.double().cpu().numpy().ravel()

    def errors(y):
        e = np.linalg.norm(y - ref_np) / np.linalg.norm(ref_np)
        u = np.linalg.norm((y - x_np) - (ref_np - x_np)) / np.linalg.norm(ref_np - x_np)
        return e, u

    rows = []
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.path.abspath(".device/lib") + ":" + env.get("LD_LIBRARY_PATH", "")
    for label, dsx, extra in [("dsc bf16", "acc_bf16.dsx", []),
                              ("dsc fp8 blockwise", "acc_fp8.dsx", []),
                              ("dsc fp8 tensor", "acc_fp8_tensor.dsx", []),
                              ("dsc fp8 delayed (run 4)", "acc_fp8_delayed.dsx", ["--runs=4"])]:
        out = a.work + "/out_" + dsx[:-4]
        r = subprocess.run([a.dsrun, f"{a.dir}/{dsx}", "--weights=" + a.work + "/weights.safetensors",
                            "--inputs=" + a.work + "/inputs", "--out=" + out] + extra,
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            rows.append((label, None, (r.stdout + r.stderr).strip()[-300:]))
            continue
        rows.append((label, errors(read_npy_bf16(out + "/y.npy")), ""))
    with torch.no_grad():
        y = layer(torch, x, p, d, lambda h, n: h @ p[n], bf)
        rows.append(("torch bf16 (eager)", errors(y.double().cpu().numpy().ravel()), ""))
        try:
            y = layer(torch, x, p, d, fp8_blockwise_mm(torch, p), bf)
            rows.append((f"torch {torch.__version__} fp8 blockwise (F.scaled_mm)",
                         errors(y.double().cpu().numpy().ravel()), ""))
        except Exception as ex:  # report, do not crash
            rows.append(("torch fp8 blockwise (F.scaled_mm)", None, repr(ex)[:300]))

    print(f"llama_layer {' '.join(f'{k}={v}' for k, v in d.items())} on {torch.cuda.get_device_name()}: "
          "relative Frobenius error against fp64 (same bf16 weights and inputs)")
    print(f"{'implementation':44} {'output y':>10} {'update y - x':>13}")
    for label, err, why in rows:
        if err is None:
            print(f"{label:44} failed: {why}")
        else:
            print(f"{label:44} {err[0]:10.5f} {err[1]:13.5f}")
    return 0 if all(r[1] is not None for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
