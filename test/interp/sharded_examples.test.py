"""Runs each example sharded on simulated ranks and compares every rank's outputs with the
unsharded model's, all through dsc-interp on the same random weights and inputs.

For each case: `dsc-interp model.dsg -D... --save-inputs IN --out REF` gives the reference;
`dsc model.dsg -D... --mesh M [--parallel=auto] -O0 --emit=mlir` gives the partitioned IR
(per-rank shapes and shard-dialect collectives); `dsc-interp sharded.mlir --inputs IN` runs it
on every rank of the mesh in lockstep. An input that partitioning split (DP over the batch)
is given to each rank as its slice (IN/<name>.rank<r>.npy), cut here along dim 0 over `dp`.
Every rank's outputs must match the reference within the model's tolerance: a relative
Frobenius error of 1e-5 for f32 models and 2e-2 for bf16 ones (partial sums are rounded to
bf16 before the all-reduce, and the reduction order differs). The collectives found in the IR are printed
so that a test can check which ones each strategy chose.

Prints one line per case and 'sharded: N passed, M failed'; exits 1 on any failure.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# (name, model, -D flags, tolerance): the relative Frobenius error allowed, by the type the
# model computes in (llama's f32 logits come from bf16 activations).
MLP = ("mlp", "examples/mlp.dsg", ["-D", "B=8", "-D", "D=16"], 1e-5)
LAYER = ("llama_layer", "examples/llama_layer.dsg",
         ["-D", "B=2", "-D", "T=8", "-D", "D=128", "-D", "H=8", "-D", "HKV=4", "-D", "F=128"],
         2e-2)

LLAMA = ("llama", "examples/llama.dsg", ["-D", "T=16", "-D", "V=256", "-D", "F=256"], 2e-2)
# Llama-7B's graph (32 kv heads, no GQA) at a small size, two layers.
LLAMA_7B = ("llama-7b", "examples/llama-7b.dsg",
            ["-D", "B=2", "-D", "T=8", "-D", "V=128", "-D", "L=2", "-D", "D=128", "-D", "H=8",
             "-D", "HKV=8", "-D", "F=128"], 2e-2)

# Hints that split the batch over dp and, on one value, leave it whole (split over tp).
MIXED = ("hints_dp_mixed", "test/interp/Inputs/hints_dp_mixed.dsg", [], 1e-5)

MOE = ("moe_layer", "examples/moe_layer.dsg", [], 2e-2)
# Capacity 1.25x the mean load: 10 rows per expert for 32 tokens x 4 choices, so choices drop.
MOE_V3 = ("moe_layer-v3", "examples/moe_layer-v3.dsg",
          ["-D", "B=2", "-D", "T=16", "-D", "D=64", "-D", "FE=32", "-D", "E=16", "-D", "G=4",
           "-D", "TG=2", "-D", "K=4"], 2e-2)

# (example, mesh, parallel mode)
CASES = [
    (MLP, "tp=2", "auto"), (MLP, "tp=4", "auto"), (MLP, "tp=8", "auto"),
    (MLP, "dp=2,tp=2", "auto"), (MLP, "dp=2,tp=4", "auto"), (MLP, "dp=2", "auto"),
    (LAYER, "tp=2", "hints"), (LAYER, "tp=4", "hints"),
    (LAYER, "tp=2", "auto"), (LAYER, "tp=4", "auto"), (LAYER, "tp=8", "auto"),
    (LAYER, "dp=2,tp=2", "auto"), (LAYER, "dp=2,tp=4", "auto"),
    (LLAMA, "dp=1,tp=2", "hints"), (LLAMA, "dp=2,tp=2", "hints"), (LLAMA, "dp=2,tp=4", "hints"),
    (LLAMA, "dp=2,tp=4", "auto"), (MIXED, "dp=2,tp=2", "hints"),
    (LLAMA, "dp=1,tp=2", "auto"), (LLAMA, "dp=1,tp=8", "auto"),
    (LLAMA_7B, "dp=1,tp=4", "auto"), (LLAMA_7B, "dp=2,tp=4", "auto"),
    (MOE, "ep=2", "hints"), (MOE, "ep=2", "auto"), (MOE, "ep=4", "auto"), (MOE, "ep=8", "auto"),
    (MOE, "dp=2,ep=2", "auto"), (MOE, "dp=2,ep=4", "auto"),
    # moe_layer-v3's hints name dp, ep and tp: axes of size 1 where a strategy is off.
    (MOE_V3, "dp=1,ep=2,tp=1", "hints"), (MOE_V3, "dp=2,ep=2,tp=2", "hints"),
    (MOE_V3, "dp=1,ep=4,tp=1", "auto"), (MOE_V3, "dp=1,ep=8,tp=1", "auto"),
    (MOE_V3, "dp=1,ep=2,tp=2", "auto"), (MOE_V3, "dp=2,ep=2,tp=2", "auto"),
    # Sequence parallelism (--parallel=auto --sequence-parallel): the residual stream split on
    # tokens over tp between the TP regions.
    (MLP, "tp=2", "auto+sp"), (MLP, "tp=8", "auto+sp"), (MLP, "dp=2,tp=4", "auto+sp"),
    (LAYER, "tp=2", "auto+sp"), (LAYER, "tp=4", "auto+sp"), (LAYER, "tp=8", "auto+sp"),
    (LAYER, "dp=2,tp=2", "auto+sp"),
    (LLAMA, "dp=1,tp=2", "auto+sp"), (LLAMA, "dp=2,tp=4", "auto+sp"), (LLAMA, "dp=1,tp=8", "auto+sp"),
    (LLAMA_7B, "dp=2,tp=4", "auto+sp"),
    (MOE_V3, "dp=2,ep=2,tp=2", "auto+sp"),
]

# The dsc flags of each parallel mode.
MODES = {"hints": ["--parallel=hints"], "auto": ["--parallel=auto"],
         "auto+sp": ["--parallel=auto", "--sequence-parallel"]}


def read_npy(path):
    """Reads f32 and bf16 .npy files (dsc writes bf16 with the descr 'bfloat16')."""
    with open(path, "rb") as f:
        data = f.read()
    header_len = int.from_bytes(data[8:10], "little")
    header = eval(data[10:10 + header_len].decode("latin1"))  # a dict literal, numpy's format
    shape, descr = header["shape"], header["descr"]
    body = data[10 + header_len:]
    if descr in ("bfloat16", "<V2", "|V2"):
        bits = np.frombuffer(body, dtype="<u2").astype(np.uint32) << 16
        return "bf16", bits.view(np.float32).reshape(shape).astype(np.float64)
    return "f32" if descr == "<f4" else descr, np.frombuffer(body, dtype=descr).reshape(shape)


def copy_npy_slice(src, dst, index, parts):
    """Writes the index-th of `parts` equal slices along dim 0 of the .npy file `src`."""
    with open(src, "rb") as f:
        data = f.read()
    header_len = int.from_bytes(data[8:10], "little")
    header = eval(data[10:10 + header_len].decode("latin1"))
    shape = list(header["shape"])
    body = data[10 + header_len:]
    row = len(body) // shape[0]
    rows = shape[0] // parts
    shape[0] = rows
    header["shape"] = tuple(shape)
    text = repr(header).encode("latin1")
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    with open(dst, "wb") as f:
        f.write(data[:8] + len(text).to_bytes(2, "little") + text +
                body[index * rows * row:(index + 1) * rows * row])


def compare(got_file, expected, tolerance, label):
    """The relative Frobenius error of the .npy file against `expected`, and a message when
    the shapes differ or the error is beyond `tolerance` (else None)."""
    got = read_npy(got_file)[1]
    if got.shape != expected.shape:
        return 0.0, f"{label}: shape {got.shape}, expected {expected.shape}"
    err = np.linalg.norm(got - expected) / max(np.linalg.norm(expected), 1e-30)
    if not err <= tolerance:
        return err, f"{label}: rel_fro={err:.3g} > {tolerance}"
    return err, None


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(" ".join(cmd) + "\n" + result.stderr)
    return result.stdout


def coordinates(rank, sizes):
    coords = []
    for size in reversed(sizes):
        coords.append(rank % size)
        rank //= size
    return list(reversed(coords))


def run_case(args, example, mesh, mode, work, flags=(), reference=None):
    """`flags`: more dsc options for the sharded build (chunked_examples.test.py's);
    `reference(inputs, ref)`: writes the inputs and the expected outputs into those folders
    (default: the unsharded model through dsc-interp)."""
    name, model, dims, tolerance = example
    model = os.path.join(SRC, model)
    inputs, ref, out = (os.path.join(work, d) for d in ("in", "ref", "out"))
    if reference:
        reference(inputs, ref)
    else:
        run([args.dsc_interp, model, *dims, "--random-weights", "1", "--seed", "5",
             "--save-inputs", inputs, "--out", ref])
    sharded = os.path.join(work, "sharded.mlir")
    run([args.dsc, model, *dims, "--mesh", mesh, *MODES[mode], "-O0", "--emit=mlir",
         *flags, "-o", sharded])
    ir = open(sharded).read()
    axes = [(a.split("=")[0], int(a.split("=")[1])) for a in mesh.split(",")]
    sizes = [s for _, s in axes]
    world = int(np.prod(sizes))
    # Inputs that partitioning split: each rank's slice along dim 0 over dp.
    signature = re.search(r"func\.func @main\((.*?)\) ->", ir).group(1)
    for shape, input_name in re.findall(r"tensor<([0-9x]+)x\w+> \{dsc\.name = \"(\w+)\"", signature):
        full = os.path.join(inputs, input_name + ".npy")
        rows = int(shape.split("x")[0])
        total = read_npy(full)[1].shape[0]
        if rows == total:
            continue
        dp = [a for a, _ in axes].index("dp")
        for r in range(world):
            copy_npy_slice(full, os.path.join(inputs, f"{input_name}.rank{r}.npy"),
                           coordinates(r, sizes)[dp], total // rows)
    run([args.dsc_interp, sharded, "--random-weights", "1", "--inputs", inputs, "--out", out])
    collectives = sorted(set(re.findall(r"shard\.(all_reduce|all_gather|reduce_scatter|"
                                        r"all_to_all|all_slice)", ir)))
    worst = 0.0
    for ref_file in sorted(os.listdir(ref)):
        expected = read_npy(os.path.join(ref, ref_file))[1]
        for r in range(world):
            got_file = os.path.join(out, ref_file[:-4] + f".rank{r}.npy")
            err, problem = compare(got_file, expected, tolerance, f"{ref_file} rank {r}")
            if problem:
                return False, problem
            worst = max(worst, err)
    return True, f"rel_fro<={worst:.3g} collectives={','.join(collectives)}"


def run_all(kind, cases, label_of, run_one, separator=" "):
    """Parses --dsc, --dsc-interp and --filter, runs `run_one(args, case, work)` for each case
    whose `label_of(case)` contains the filter (in a fresh folder), prints one ok/FAIL line per
    case and a `KIND: N passed, M failed` total; returns the exit code."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsc", default="dsc")
    parser.add_argument("--dsc-interp", default="dsc-interp")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    passed = failed = 0
    for case in cases:
        label = label_of(case)
        if args.filter not in label:
            continue
        with tempfile.TemporaryDirectory() as work:
            try:
                ok, detail = run_one(args, case, work)
            except RuntimeError as e:
                ok, detail = False, str(e)
        print(("ok    " if ok else "FAIL  ") + label + separator + detail, flush=True)
        passed += ok
        failed += not ok
    print(f"{kind}: {passed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    return run_all("sharded", CASES,
                   lambda c: f"{c[0][0]} mesh={c[1]} parallel={c[2]}",
                   lambda args, c, work: run_case(args, *c, work))


if __name__ == "__main__":
    sys.exit(main())
