#!/usr/bin/env python3
"""A DeepSeek-V3-style MoE layer (examples/moe_layer-v3.dsg at its default sizes: 4096
tokens, D=2048, 64 routed experts of width 1408 with 6 per token in 8 groups keeping 3,
one shared expert of width 2816, capacity 1.25x the mean load): dsc against PyTorch eager
and torch.compile, bf16, in one process on one GPU.

Run on the GPU machine from the repo root with `.device/` carried (bench/prepare.sh
compiles .device/bench/moe_layer-v3.dsx here first):

    python3 bench/moe_layer.py [--iters 30]

The PyTorch layer follows docs/ops.md's semantics: RMSNorm, the shared SwiGLU expert, f32
router logits, sigmoid scores, group-limited top-k on the bias-corrected scores (groups
ranked by the sum of their two best), weights normalized and scaled by 2.5, dispatch into
[E, C, D] with each expert's tokens in token order and the ones past capacity dropped,
batched expert GEMMs (torch.bmm), combine. Timing as bench/llama_layer.py: dsrun --bench
(CUDA graph replays) for dsc; CUDA events around each call after 10 warm-up calls for torch.
"""
import argparse
import sys

from benchutil import dsrun_bench, time_cuda

N, D, FE, FS, E, G, TG, K = 4096, 2048, 1408, 2816, 64, 8, 3, 6
C = N * K * 5 // (4 * E)


def make(torch):
    g = torch.Generator(device="cuda").manual_seed(0)
    bf = torch.bfloat16

    def w(*shape):
        return (torch.randn(*shape, device="cuda", generator=g) / shape[-2] ** 0.5).to(bf)

    p = dict(norm=torch.ones(D, device="cuda", dtype=bf), shared_gate=w(D, FS), shared_up=w(D, FS),
             shared_down=w(FS, D), router=w(D, E),
             router_bias=0.01 * torch.randn(E, device="cuda", generator=g),
             experts_gate=w(E, D, FE), experts_up=w(E, D, FE), experts_down=w(E, FE, D))
    x = torch.randn(N, D, device="cuda", generator=g).to(bf)
    return x, p


def layer(torch, x, p):
    F = torch.nn.functional
    xf = x.float()
    h = (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-6) * p["norm"].float()).to(x.dtype)
    s = (F.silu(h @ p["shared_gate"]) * (h @ p["shared_up"])) @ p["shared_down"]
    scores = torch.sigmoid(h.float() @ p["router"].float())
    biased = scores + p["router_bias"]
    grouped = biased.view(N, G, E // G)
    group_score = grouped.topk(2, dim=-1).values.sum(-1)
    keep = torch.zeros_like(group_score).scatter_(1, group_score.topk(TG, dim=-1).indices, 1.0)
    masked = (grouped.masked_fill(keep[..., None] == 0, float("-inf"))).view(N, E)
    idx = masked.topk(K, dim=-1).indices                      # [N, K]
    wts = scores.gather(1, idx)
    wts = wts / wts.sum(-1, keepdim=True) * 2.5
    flat = idx.reshape(-1)                                     # token-major order
    onehot = F.one_hot(flat, E)
    slot = ((onehot.cumsum(0) - 1) * onehot).sum(-1)          # position within its expert
    kept = slot < C
    tok = torch.arange(N, device="cuda").repeat_interleave(K)
    buf = torch.zeros(E, C, D, device="cuda", dtype=x.dtype)
    buf[flat[kept], slot[kept]] = h[tok[kept]]
    eo = torch.bmm(F.silu(torch.bmm(buf, p["experts_gate"])) * torch.bmm(buf, p["experts_up"]),
                   p["experts_down"])
    contrib = torch.zeros(N * K, D, device="cuda", dtype=torch.float32)
    contrib[kept] = eo[flat[kept], slot[kept]].float() * wts.reshape(-1)[kept, None]
    r = contrib.view(N, K, D).sum(1).to(x.dtype)
    return x + (s + r)


def time_torch(fn, args, iters, torch):
    with torch.inference_mode():
        return time_cuda(lambda: fn(*args), iters, torch)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsx", default=".device/bench/moe_layer-v3.dsx")
    ap.add_argument("--dsrun", default=".device/bin/dsrun")
    ap.add_argument("--iters", type=int, default=30)
    a = ap.parse_args()
    rows = []

    def attempt(name, f):
        try:
            med, mn = f()
            rows.append((name, med, mn, ""))
        except Exception as ex:  # a failing implementation is a row, not a crash
            rows.append((name, None, None, repr(ex).splitlines()[0][:300]))

    attempt("dsc (dsrun)", lambda: dsrun_bench(a.dsrun, a.dsx, a.iters))
    import torch
    x, p = make(torch)
    attempt(f"torch {torch.__version__} eager", lambda: time_torch(lambda x, p: layer(torch, x, p), (x, p), a.iters, torch))
    compiled = torch.compile(lambda x, p: layer(torch, x, p))
    attempt("torch.compile (default)", lambda: time_torch(compiled, (x, p), a.iters, torch))
    print(f"moe_layer-v3 N={N} D={D} E={E} K={K} G={G}/{TG} FE={FE} FS={FS} C={C} bf16 on "
          f"{torch.cuda.get_device_name()}; median of {a.iters} after warm-up")
    print(f"{'implementation':28} {'median ms':>9} {'min ms':>8} {'time / dsc':>10}")
    dsc = rows[0][1]
    for name, med, mn, err in rows:
        if med is None:
            print(f"{name:28} failed: {err}")
        else:
            print(f"{name:28} {med:9.3f} {mn:8.3f} {med / dsc if dsc else float('nan'):10.2f}")
    return 0 if all(r[1] is not None for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
