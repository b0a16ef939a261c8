"""What the benchmark scripts share: timing an artifact with `dsrun --bench`, and timing a
Python callable on the GPU with CUDA events."""
import os
import re
import statistics
import subprocess
import time


def dsrun_bench(dsrun, dsx, iters):
    """(median ms, min ms) of `dsrun DSX --bench ITERS` (CUDA graph replays after warm-up,
    random weights and inputs); raises RuntimeError with dsrun's output if it fails."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.path.abspath(".device/lib") + ":" + env.get("LD_LIBRARY_PATH", "")
    r = subprocess.run([dsrun, dsx, "--random_weights=1", "--seed=7", f"--bench={iters}"],
                       capture_output=True, text=True, env=env)
    m = re.search(r"bench: \d+ replays: median ([0-9.]+) ms \(min ([0-9.]+)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError((r.stdout + r.stderr).strip()[-400:])
    return float(m.group(1)), float(m.group(2))


def time_cuda(fn, iters, torch, warmup_ms=200.0):
    """(median ms, min ms) of `fn()`: warm-up calls for at least `warmup_ms` (and at least 10;
    dsrun's --bench_warmup_ms does the same, so both are timed at settled clocks), then each call
    between CUDA events."""
    start, n = time.perf_counter(), 0
    while n < 10 or (time.perf_counter() - start) * 1e3 < warmup_ms:
        fn()
        torch.cuda.synchronize()
        n += 1
    times = []
    for _ in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    return statistics.median(times), min(times)
