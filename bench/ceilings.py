"""Measures the two ceilings every dsc benchmark is judged against, on the GPU at hand:
device-to-device copy bandwidth (bytes read + bytes written) and dense GEMM throughput through
cuBLAS (PyTorch) in bf16, fp16 and fp32 with TF32. Median of many timed runs after warm-up,
timed with CUDA events, on random data (never zeros). Prints a table; --json FILE saves it.
"""
import argparse
import json
import statistics

import torch


def time_ms(fn, warmup=5, iters=30):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times), min(times), max(times)


def copy_bandwidth(nbytes):
    src = torch.randn(nbytes // 4, device="cuda")
    dst = torch.empty_like(src)
    med, lo, hi = time_ms(lambda: dst.copy_(src))
    return {"what": f"d2d copy {nbytes / 2**30:.0f} GiB", "median_ms": med, "min_ms": lo,
            "max_ms": hi, "rate": 2 * nbytes / (med * 1e-3) / 1e12, "unit": "TB/s"}


def gemm(n, dtype, label):
    torch.backends.cuda.matmul.allow_tf32 = dtype == torch.float32
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    med, lo, hi = time_ms(lambda: a @ b)
    return {"what": f"gemm {label} {n}^3", "median_ms": med, "min_ms": lo, "max_ms": hi,
            "rate": 2 * n**3 / (med * 1e-3) / 1e12, "unit": "TFLOP/s"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    args = parser.parse_args()
    props = torch.cuda.get_device_properties(0)
    rows = [copy_bandwidth(2**31),
            gemm(8192, torch.bfloat16, "bf16"),
            gemm(8192, torch.float16, "fp16"),
            gemm(8192, torch.float32, "tf32")]
    print(f"device: {props.name}, {props.multi_processor_count} SMs, "
          f"{props.total_memory / 2**30:.0f} GiB; torch {torch.__version__}")
    print(f"{'measurement':<24}{'median ms':>10}{'min':>8}{'max':>8}{'rate':>10}")
    for r in rows:
        print(f"{r['what']:<24}{r['median_ms']:>10.3f}{r['min_ms']:>8.3f}{r['max_ms']:>8.3f}"
              f"{r['rate']:>10.1f} {r['unit']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": props.name, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
