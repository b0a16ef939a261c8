"""Runs each example pipelined over simulated ranks and compares the last stage's outputs with
the unpipelined model's, all through dsc-interp on the same random weights and inputs.

As sharded_examples.test.py (whose helpers it uses), with `--mesh` holding a `pp` axis and
`--microbatches M`: `dsc ... --emit=mlir` gives the pipelined IR (stages, shard.send/recv,
micro-batches), `dsc-interp` runs it on every rank. The ranks of the last stage must hold
outputs equal to the reference within the model's tolerance; the others must hold none.
Each line also prints the stage count, the cut kind (layers or cost) and the number of
send/recv pairs, so that a test can check the split.

Prints one line per case and 'pipelined: N passed, M failed'; exits 1 on any failure.
"""
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("sharded", os.path.join(HERE, "sharded_examples.test.py"))
sharded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sharded)

LLAMA4 = ("llama", "examples/llama.dsg",
          ["-D", "L=4", "-D", "T=16", "-D", "V=256", "-D", "F=256", "-D", "D=128"], 2e-2)
LLAMA4_B4 = ("llama", LLAMA4[1], LLAMA4[2] + ["-D", "B=4"], LLAMA4[3])

# (example, mesh, parallel mode, micro-batches, optimization level). With dp, sharding
# gathers the batch in the middle of mlp (auto) and, with hints, after llama's embedding:
# micro-batches over that are refused (docs/pipeline.md), so those cases run one micro-batch.
CASES = [
    (sharded.MLP, "pp=2", "hints", 1, "-O0"), (sharded.MLP, "pp=2", "hints", 4, "-O0"),
    (sharded.MLP, "pp=4", "hints", 2, "-O0"), (sharded.MLP, "pp=2", "hints", 2, "-O2"),
    (sharded.MLP, "pp=2,dp=2", "auto", 1, "-O0"), (sharded.MLP, "dp=2,tp=2,pp=2", "auto", 1, "-O0"),
    (LLAMA4, "pp=2,dp=1,tp=1", "hints", 1, "-O0"), (LLAMA4, "pp=2,dp=1,tp=1", "hints", 2, "-O2"),
    (LLAMA4, "pp=4,dp=1,tp=1", "hints", 2, "-O0"), (LLAMA4, "pp=2,dp=2,tp=1", "hints", 1, "-O0"),
    (LLAMA4, "pp=2,dp=2,tp=2", "hints", 1, "-O2"),
    (LLAMA4, "pp=2,dp=1,tp=2", "hints", 2, "-O0"),
    # TP pairs chunked (dsc-chunk-collective-matmul) along the tokens, the batch left to the
    # micro-batches.
    (LLAMA4, "pp=2,dp=1,tp=2", "hints", 2, "-O0 --tp-comm-chunks=2"),
    # --parallel=auto at -O2: fusion bodies hold splat constants and broadcasts of the batch's
    # shape, which the micro-batch split retypes with the values that carry the batch.
    (LLAMA4, "pp=2,dp=1,tp=2", "auto", 2, "-O2"),
    (LLAMA4, "pp=2,dp=1,tp=2", "auto", 2, "-O2 --sequence-parallel"),
    (LLAMA4_B4, "pp=2,dp=2,tp=2", "auto", 2, "-O2"),
    # positions[T] beside x[B, T, D]: every micro-batch reads it whole.
    (sharded.LAYER, "pp=2,tp=2", "auto", 2, "-O2"),
]


def run_case(args, example, mesh, mode, microbatches, opt, work):
    name, model, dims, tolerance = example
    model = os.path.join(sharded.SRC, model)
    inputs, ref, out = (os.path.join(work, d) for d in ("in", "ref", "out"))
    sharded.run([args.dsc_interp, model, *dims, "--random-weights", "1", "--seed", "5",
                 "--save-inputs", inputs, "--out", ref])
    piped = os.path.join(work, "pipelined.mlir")
    sharded.run([args.dsc, model, *dims, "--mesh", mesh, "--parallel=" + mode, *opt.split(),
                 "--microbatches", str(microbatches), "--emit=mlir", "-o", piped])
    ir = open(piped).read()
    axes = [(a.split("=")[0], int(a.split("=")[1])) for a in mesh.split(",")]
    names, sizes = [a for a, _ in axes], [s for _, s in axes]
    world = 1
    for s in sizes:
        world *= s
    signature = re.search(r"func\.func @main\((.*?)\) ->", ir).group(1)
    for shape, input_name in re.findall(r"tensor<([0-9x]+)x\w+> \{dsc\.name = \"(\w+)\"", signature):
        full = os.path.join(inputs, input_name + ".npy")
        rows = int(shape.split("x")[0])
        total = sharded.read_npy(full)[1].shape[0]
        if rows == total:
            continue
        for r in range(world):
            sharded.copy_npy_slice(full, os.path.join(inputs, f"{input_name}.rank{r}.npy"),
                                   sharded.coordinates(r, sizes)[names.index("dp")], total // rows)
    sharded.run([args.dsc_interp, piped, "--random-weights", "1", "--inputs", inputs, "--out", out])
    pp, stages = names.index("pp"), sizes[names.index("pp")]
    cuts = re.search(r'cuts = "(\w+)"', ir).group(1)
    sends = len(re.findall(r"shard\.send ", ir))
    worst = 0.0
    for ref_file in sorted(os.listdir(ref)):
        expected = sharded.read_npy(os.path.join(ref, ref_file))[1]
        for r in range(world):
            got_file = os.path.join(out, ref_file[:-4] + f".rank{r}.npy")
            last = sharded.coordinates(r, sizes)[pp] == stages - 1
            if os.path.exists(got_file) != last:
                return False, f"{ref_file} rank {r}: outputs {'missing' if last else 'on a stage before the last'}"
            if not last:
                continue
            err, problem = sharded.compare(got_file, expected, tolerance, f"{ref_file} rank {r}")
            if problem:
                return False, problem
            worst = max(worst, err)
    return True, f"rel_fro<={worst:.3g} stages={stages} cuts={cuts} sends={sends}"


def main():
    return sharded.run_all(
        "pipelined", CASES,
        lambda c: f"{c[0][0]} mesh={c[1]} parallel={c[2]} microbatches={c[3]} {c[4]}",
        lambda args, c, work: run_case(args, *c, work), separator="  ")


if __name__ == "__main__":
    sys.exit(main())
