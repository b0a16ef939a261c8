#!/usr/bin/env python3
"""Causal grouped-query attention: dsc's two attention paths against torch's SDPA.

Runs on the GPU machine from the repo root, with `.device/` carried (bench/prepare.sh
compiles test/gpu/models/attention.dsg at these sizes to .device/bench/attention.dsx, with
--attention=cudnn, and attention_generated.dsx, with --attention=generated):

    python3 bench/attention.py [--dsx .device/bench/attention.dsx]
        [--dsx-generated .device/bench/attention_generated.dsx] [--iters 50]

dsrun needs cuDNN 9 for the first: put its library folder on LD_LIBRARY_PATH (PyTorch's
wheels bring one, under site-packages/nvidia/cudnn/lib).

dsc: `dsrun --bench N` (a CUDA graph of the one step replayed N times after warm-up,
CUDA events; median). torch: F.scaled_dot_product_attention(is_causal=True,
enable_gqa=True) on the same shapes in bf16, each call timed with CUDA events after
warm-up; median of N. FLOPs: 4*B*HQ*TQ*TK*DH for the whole square (the convention of
dsc's --bench and of FlashAttention's papers for non-causal); causal work is half of it,
so the TFLOP/s printed for both are "square-equivalent" and comparable with each other.
"""
import argparse
import contextlib
import sys

from benchutil import dsrun_bench, time_cuda


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dsx", default=".device/bench/attention.dsx")
    p.add_argument("--dsx-generated", default=".device/bench/attention_generated.dsx")
    p.add_argument("--dsrun", default=".device/bin/dsrun")
    p.add_argument("--iters", type=int, default=50)
    p.add_argument("--B", type=int, default=4)
    p.add_argument("--T", type=int, default=2048)
    p.add_argument("--HQ", type=int, default=32)
    p.add_argument("--HKV", type=int, default=8)
    p.add_argument("--DH", type=int, default=128)
    a = p.parse_args()
    flops = 4 * a.B * a.HQ * a.T * a.T * a.DH

    rows = []
    for name, dsx in [("dsc cuDNN (dsrun)", a.dsx), ("dsc generated (dsrun)", a.dsx_generated)]:
        try:
            med, mn = dsrun_bench(a.dsrun, dsx, a.iters)
            rows.append((name, med, mn, ""))
        except RuntimeError as ex:
            rows.append((name, None, None, str(ex)[-300:]))

    try:
        import torch
        import torch.nn.functional as F
        dev = "cuda"
        g = torch.Generator(device=dev).manual_seed(0)
        # SDPA wants [B, H, T, D]; the transposes are views of dsc's [B, T, H, D].
        q = torch.randn(a.B, a.T, a.HQ, a.DH, device=dev, dtype=torch.bfloat16, generator=g).transpose(1, 2)
        k = torch.randn(a.B, a.T, a.HKV, a.DH, device=dev, dtype=torch.bfloat16, generator=g).transpose(1, 2)
        v = torch.randn(a.B, a.T, a.HKV, a.DH, device=dev, dtype=torch.bfloat16, generator=g).transpose(1, 2)
        from torch.nn.attention import SDPBackend, sdpa_kernel

        def time_sdpa(backend):
            def sdpa():
                return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
            ctx = sdpa_kernel([backend]) if backend is not None else contextlib.nullcontext()
            with ctx:
                return time_cuda(sdpa, a.iters, torch)

        # The default dispatch first, then each backend forced, so the table says
        # which kernel the default is and how the others compare.
        for label, backend in [("default", None), ("flash", SDPBackend.FLASH_ATTENTION),
                               ("cudnn", SDPBackend.CUDNN_ATTENTION),
                               ("efficient", SDPBackend.EFFICIENT_ATTENTION)]:
            name = f"torch {torch.__version__} SDPA {label}"
            try:
                med, mn = time_sdpa(backend)
                rows.append((name, med, mn, ""))
            except Exception as ex:  # a backend that refuses these shapes
                rows.append((name, None, None, repr(ex).splitlines()[0][:160]))
        print("device:", torch.cuda.get_device_name())
    except Exception as ex:  # report, do not crash
        rows.append(("torch SDPA", None, None, repr(ex)[:300]))

    print(f"causal GQA attention B={a.B} T={a.T} HQ={a.HQ} HKV={a.HKV} DH={a.DH} bf16; "
          f"median of {a.iters} after warm-up; TFLOP/s count the whole square ({flops / 1e9:.1f} GFLOP)")
    dsc_ms = rows[0][1]
    print(f"{'implementation':28} {'median ms':>10} {'min ms':>8} {'TFLOP/s':>8} {'time / dsc':>10}")
    for name, med, mn, err in rows:
        if med is None:
            print(f"{name:28} failed: {err}")
            continue
        ratio = f"{med / dsc_ms:.2f}" if dsc_ms else "-"
        print(f"{name:28} {med:10.3f} {mn:8.3f} {flops / med / 1e9:8.1f} {ratio:>10}")
    return 0 if all(r[1] is not None for r in rows[:3]) else 1


if __name__ == "__main__":
    sys.exit(main())
