#!/usr/bin/env python3
"""One Llama decoder layer (examples/llama_layer.dsg): dsc (bf16, and fp8 with the
blockwise and per-tensor recipes) against PyTorch eager, torch.compile and JAX/XLA in bf16,
same shapes, in one process on one GPU.

Run on the GPU machine from the repo root with `.device/` carried; bench/prepare.sh
compiles the artifact here first:

    python3 bench/llama_layer.py [--dsx .device/bench/llama_layer.dsx] [--iters 50]

How each is timed (median of --iters after warm-up):
  dsc: `dsrun --bench N`: the plan captured once as a CUDA graph, replayed N times after
       3 warm-up replays, each replay timed with CUDA events.
  torch eager / torch.compile (default mode): each call timed with CUDA events after 10
       warm-up calls (compilation happens in warm-up), under torch.inference_mode().
  JAX: jax.jit, each call timed with time.perf_counter around block_until_ready() after
       10 warm-up calls.
With --rounds R > 1 every implementation is timed R times, in turn (dsc, then torch, then
dsc again...), so that clock and power drift during the call reach all of them alike; each row
is the median of the R rounds' medians (min: the least of all), and the ratio line gives
dsc bf16 / torch.compile round by round.
The layer is written to dsc's op semantics (docs/ops.md): RMSNorm in f32, fused QKV,
rotary embeddings (half style, theta 1e4), causal grouped-query attention with scale
1/sqrt(DH), output projection, residual, SwiGLU MLP, residual. FLOPs are dsc's count:
every matmul plus attention's two products over the whole TxT square (4*B*H*T*T*DH).
"""
import argparse
import datetime
import os
import statistics
import sys
import time

from benchutil import dsrun_bench, time_cuda

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")


def shapes(a):
    dh = a.D // a.H
    return dh, a.HKV * dh


def flops(a):
    dh, kvd = shapes(a)
    n = a.B * a.T
    gemm = 2 * n * a.D * (a.D + 2 * kvd) + 2 * n * a.D * a.D + 3 * 2 * n * a.D * a.F
    attn = 4 * a.B * a.H * a.T * a.T * dh
    return gemm + attn


def torch_layer(a, torch):
    F = torch.nn.functional
    dh, kvd = shapes(a)

    def rope(x, cos, sin):  # half style: pairs (i, i + DH/2)
        x1, x2 = x[..., : dh // 2].float(), x[..., dh // 2:].float()
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1).to(x.dtype)

    def rms(x, w, eps=1e-5):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps) * w.float()).to(x.dtype)

    def layer(x, cos, sin, p):
        h = rms(x, p["attn_norm"])
        q, k, v = (h @ p["wqkv"]).split([a.D, kvd, kvd], dim=-1)
        q = rope(q.view(a.B, a.T, a.H, dh), cos, sin)
        k = rope(k.view(a.B, a.T, a.HKV, dh), cos, sin)
        v = v.view(a.B, a.T, a.HKV, dh)
        o = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                           is_causal=True, enable_gqa=True)
        x = x + o.transpose(1, 2).reshape(a.B, a.T, a.D) @ p["wo"]
        h = rms(x, p["mlp_norm"])
        return x + (F.silu(h @ p["w_gate"]) * (h @ p["w_up"])) @ p["w_down"]

    return layer


def make_inputs(a, torch):
    dh, kvd = shapes(a)
    g = torch.Generator(device="cuda").manual_seed(0)
    bf = torch.bfloat16

    def w(i, o):
        return (torch.randn(i, o, device="cuda", generator=g) / i ** 0.5).to(bf)

    p = {"attn_norm": torch.ones(a.D, device="cuda", dtype=bf), "wqkv": w(a.D, a.D + 2 * kvd),
         "wo": w(a.D, a.D), "mlp_norm": torch.ones(a.D, device="cuda", dtype=bf),
         "w_gate": w(a.D, a.F), "w_up": w(a.D, a.F), "w_down": w(a.F, a.D)}
    x = torch.randn(a.B, a.T, a.D, device="cuda", generator=g).to(bf)
    pos = torch.arange(a.T, device="cuda", dtype=torch.float32)
    inv = 10000.0 ** (-torch.arange(0, dh // 2, device="cuda", dtype=torch.float32) * 2 / dh)
    ang = (pos[:, None] * inv[None, :])[None, :, None, :]  # [1, T, 1, DH/2]
    return x, torch.cos(ang), torch.sin(ang), p


def time_torch(fn, args, iters, torch):
    with torch.inference_mode():
        return time_cuda(lambda: fn(*args), iters, torch)


def run_jax(a, x, cos, sin, p):
    import jax
    import jax.numpy as jnp
    import numpy as np
    dh, kvd = shapes(a)

    jp = {k: jnp.asarray(v.float().cpu().numpy()).astype(jnp.bfloat16) for k, v in p.items()}
    jx = jnp.asarray(x.float().cpu().numpy()).astype(jnp.bfloat16)
    jcos = jnp.asarray(cos.cpu().numpy())
    jsin = jnp.asarray(sin.cpu().numpy())

    def rope(t):
        t1, t2 = t[..., : dh // 2].astype(jnp.float32), t[..., dh // 2:].astype(jnp.float32)
        return jnp.concatenate([t1 * jcos - t2 * jsin, t2 * jcos + t1 * jsin], -1).astype(t.dtype)

    def rms(t, w, eps=1e-5):
        tf = t.astype(jnp.float32)
        return (tf * jax.lax.rsqrt(jnp.mean(tf * tf, -1, keepdims=True) + eps) * w.astype(jnp.float32)).astype(t.dtype)

    @jax.jit
    def layer(x, p):
        h = rms(x, p["attn_norm"])
        qkv = h @ p["wqkv"]
        q, k, v = qkv[..., : a.D], qkv[..., a.D: a.D + kvd], qkv[..., a.D + kvd:]
        q = rope(q.reshape(a.B, a.T, a.H, dh))
        k = rope(k.reshape(a.B, a.T, a.HKV, dh))
        v = v.reshape(a.B, a.T, a.HKV, dh)
        o = jax.nn.dot_product_attention(q, k, v, is_causal=True)  # [B, T, N, H] layout, GQA
        x = x + o.reshape(a.B, a.T, a.D) @ p["wo"]
        h = rms(x, p["mlp_norm"])
        return x + (jax.nn.silu(h @ p["w_gate"]) * (h @ p["w_up"])) @ p["w_down"]

    for _ in range(10):
        layer(jx, jp).block_until_ready()
    times = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        layer(jx, jp).block_until_ready()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times), f"jax {jax.__version__} ({jax.devices()[0].device_kind})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsx", default=".device/bench/llama_layer.dsx")
    ap.add_argument("--dsx-fp8", default=".device/bench/llama_layer_fp8.dsx")
    ap.add_argument("--dsx-fp8-tensor", default=".device/bench/llama_layer_fp8_tensor.dsx")
    ap.add_argument("--dsrun", default=".device/bin/dsrun")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=1,
                    help="time every implementation this many times, taking turns")
    ap.add_argument("--no-jax", action="store_true", help="skip the JAX row (saves its compile time)")
    for k, v in dict(B=4, T=2048, D=4096, H=32, HKV=8, F=11008).items():
        ap.add_argument(f"--{k}", type=int, default=v)
    a = ap.parse_args()
    fl = flops(a)
    runs = {}  # name -> [(median, min)] one per round, or the error
    order, labels = [], {}

    def attempt(name, f):
        if name not in runs:
            order.append(name)
            runs[name] = []
        if isinstance(runs[name], str):
            return  # failed in an earlier round
        try:
            med, mn, *label = f()
            runs[name].append((med, mn))
            if label:
                labels[name] = label[0]
        except Exception as ex:  # a failing implementation is a row, not a crash
            runs[name] = repr(ex)[:300]

    device = "?"
    try:
        import torch
        x, cos, sin, p = make_inputs(a, torch)
        layer = torch_layer(a, torch)
        compiled = torch.compile(layer)
        device = torch.cuda.get_device_name()
        torch_name = f"torch {torch.__version__} eager"
    except Exception as ex:
        runs["torch"], torch = repr(ex)[:300], None
        order.append("torch")
    for _ in range(max(1, a.rounds)):
        attempt("dsc bf16 (dsrun)", lambda: dsrun_bench(a.dsrun, a.dsx, a.iters))
        attempt("dsc fp8 blockwise (dsrun)", lambda: dsrun_bench(a.dsrun, a.dsx_fp8, a.iters))
        attempt("dsc fp8 tensor (dsrun)", lambda: dsrun_bench(a.dsrun, a.dsx_fp8_tensor, a.iters))
        if torch is not None:
            attempt(torch_name, lambda: time_torch(layer, (x, cos, sin, p), a.iters, torch))
            attempt("torch.compile (default)",
                    lambda: time_torch(compiled, (x, cos, sin, p), a.iters, torch))
    if torch is not None and not a.no_jax:
        attempt("jax.jit", lambda: run_jax(a, x, cos, sin, p))
    rows = []
    for name in order:
        r = runs[name]
        if isinstance(r, str) or not r:
            rows.append((name, None, None, r if isinstance(r, str) else "no run"))
        else:
            rows.append((labels.get(name, name), statistics.median(m for m, _ in r),
                          min(n for _, n in r), ""))

    print(f"llama_layer B={a.B} T={a.T} D={a.D} H={a.H} HKV={a.HKV} F={a.F} bf16 on {device}, "
          f"{datetime.date.today()}; {fl / 1e12:.2f} TFLOP per forward (attention as the full square)")
    print(f"median of {a.iters} after warm-up ({a.rounds} round(s)); '/ dsc' = time / dsc bf16 time (>1: dsc is faster); "
          "'dsc / compile' = dsc time / torch.compile bf16 time (issue 5 targets: bf16 <= 0.90, "
          "fp8 blockwise <= 0.65)")
    dsc_ms = next((r[1] for r in rows if r[0].startswith("dsc bf16")), None)
    tc = next((r[1] for r in rows if r[0].startswith("torch.compile") and r[1]), None)
    print(f"{'implementation':34} {'median ms':>9} {'min ms':>8} {'TFLOP/s':>8} {'/ dsc':>6} {'dsc / compile':>13}")
    for name, med, mn, err in rows:
        if med is None:
            print(f"{name:34} failed: {err}")
            continue
        r = f"{med / dsc_ms:.2f}" if dsc_ms else "-"
        c = f"{med / tc:.2f}" if (tc and name.startswith("dsc")) else ""
        print(f"{name:34} {med:9.3f} {mn:8.3f} {fl / med / 1e9:8.1f} {r:>6} {c:>13}")
    bf16, tcr = runs.get("dsc bf16 (dsrun)"), runs.get("torch.compile (default)")
    if a.rounds > 1 and isinstance(bf16, list) and isinstance(tcr, list) and bf16 and tcr:
        ratios = sorted(d[0] / t[0] for d, t in zip(bf16, tcr))
        print(f"dsc bf16 / torch.compile by round ({len(ratios)} rounds): median "
              f"{statistics.median(ratios):.3f}, min {ratios[0]:.3f}, max {ratios[-1]:.3f}; "
              "rounds: " + " ".join(f"{d[0]:.3f}/{t[0]:.3f}" for d, t in zip(bf16, tcr)))
    return 0 if all(r[1] is not None for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
