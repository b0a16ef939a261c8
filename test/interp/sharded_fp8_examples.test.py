"""FP8 under a mesh: each example compiled with --precision=fp8 (every recipe) and sharded on
simulated ranks equals the same model compiled with --precision=fp8 unsharded, through
dsc-interp on the same random weights and inputs (sharded_examples.test.py's comparison).

Each rank quantizes its slice of a split weight when the weights load (docs/precision.md,
"On a mesh"). Blockwise: slices cut on 128 boundaries, so every weight block and activation
tile, and so every fp8 value and scale, is the unsharded one; what differs is what the
bf16 sharded model differs by (partial sums rounded to bf16 before the all_reduce, another
summation order): 2e-2, the bf16 tolerance. Tensor and delayed: a rank's per-tensor scales
are those of its slice (of a row-parallel GEMM's activation too), not of the whole tensor,
so values round differently: 5e-2, the GPU suite's fp8 tolerance (test/gpu/prepare.sh).
The worst error is printed. A case also checks that the sharded IR holds fp8 GEMMs on split
weights (gemms=N: the number of dsc.scaled_matmul on a quantized_param with split_axes).
"""
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("sharded",
                                               os.path.join(HERE, "sharded_examples.test.py"))
se = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(se)

# llama_layer with heads of 128 (D=256, H=2): on tp=2 every K and N slice is 128 or 256.
LAYER = ("llama_layer", "examples/llama_layer.dsg",
         ["-D", "B=2", "-D", "T=8", "-D", "D=256", "-D", "H=2", "-D", "HKV=2", "-D", "F=256"],
         2e-2)
# The MLP at widths the tensor recipe takes (no 128 rule): column- and row-parallel f32.
MLP = ("mlp", "examples/mlp.dsg", ["-D", "B=8", "-D", "D=16"], 5e-2)
# moe_layer-v3 on ep (and ep x tp): the shared expert and the dense GEMMs in fp8.
MOE_V3 = ("moe_layer-v3", "examples/moe_layer-v3.dsg",
          ["-D", "B=2", "-D", "T=16", "-D", "D=64", "-D", "FE=32", "-D", "E=16", "-D", "G=4",
           "-D", "TG=2", "-D", "K=4"], 5e-2)

# How much further from the model as written (bf16/f32, no fp8) the sharded fp8 outputs may
# be than the unsharded fp8 ones: per-rank scales must not cost accuracy.
ACCURACY_SLACK = 1.25

# Blockwise: the quantization of every GEMM whose input is the unsharded one is identical, but
# an all_reduce's bf16 rounding downstream flips some fp8 roundings: the GPU suite's fp8
# tolerance (test/gpu/prepare.sh). Per-tensor recipes round each rank's slice with its own
# scale, two independent fp8 roundings of one model: sqrt(2) times it.
TOLERANCE = {"blockwise": 5e-2, "tensor": 7e-2, "delayed": 7e-2}

RECIPES = {"blockwise": [], "tensor": ["--fp8-recipe=tensor"],
           "delayed": ["--fp8-recipe=delayed", "--fp8-amax-history=4"]}

# (example, mesh, parallel mode, recipe)
CASES = [
    (LAYER, "tp=2", "auto", "blockwise"), (LAYER, "tp=2", "auto", "tensor"),
    (LAYER, "tp=2", "auto", "delayed"), (LAYER, "dp=2,tp=2", "auto", "blockwise"),
    (LAYER, "tp=2", "hints", "blockwise"), (LAYER, "dp=2,tp=2", "auto", "tensor"),
    (LAYER, "tp=2", "auto+sp", "blockwise"),
    (MLP, "tp=2", "auto", "tensor"), (MLP, "dp=2,tp=4", "auto", "delayed"),
    (MOE_V3, "dp=1,ep=2,tp=1", "auto", "tensor"), (MOE_V3, "dp=1,ep=2,tp=2", "auto", "tensor"),
]


def run_one(args, case, work):
    example, mesh, mode, recipe = case
    name, model, dims, tolerance = example
    tolerance = TOLERANCE[recipe]
    flags = ["--precision=fp8", *RECIPES[recipe]]
    path = os.path.join(se.SRC, model)

    def reference(inputs, ref):
        """The unsharded fp8 model, and the inputs it drew."""
        unsharded = os.path.join(work, "unsharded.mlir")
        se.run([args.dsc, path, *dims, *flags, "-O0", "--emit=mlir", "-o", unsharded])
        se.run([args.dsc_interp, unsharded, "--random-weights", "1", "--seed", "5",
                "--save-inputs", inputs, "--out", ref])

    ok, detail = se.run_case(args, (name, model, dims, tolerance), mesh, mode, work, flags,
                             reference)
    if ok:
        ok, accuracy = compare_accuracy(args, path, dims, mesh, work)
        detail += " " + accuracy
    ir = open(os.path.join(work, "sharded.mlir")).read()
    split = set(re.findall(r"(%[\w#]+), (%[\w#]+) = dsc\.quantized_param \"[^\"]+\" \{[^}]*"
                           r"split_axes", ir))
    gemms = sum(1 for a, b in re.findall(r"dsc\.scaled_matmul [^,]+, [^,]+, (%[\w#]+), "
                                         r"(%[\w#]+)", ir) if (a, b) in split)
    return ok, f"{detail} gemms={gemms}"


def compare_accuracy(args, path, dims, mesh, work):
    """Both fp8 runs against the model as written on the same inputs: the sharded run's worst
    relative Frobenius error must stay within ACCURACY_SLACK of the unsharded run's."""
    exact = os.path.join(work, "as_written")
    se.run([args.dsc_interp, path, *dims, "--random-weights", "1",
            "--inputs", os.path.join(work, "in"), "--out", exact])
    world = 1
    for axis in mesh.split(","):
        world *= int(axis.split("=")[1])
    worst_unsharded = worst_sharded = 0.0
    for ref_file in sorted(os.listdir(exact)):
        expected = se.read_npy(os.path.join(exact, ref_file))[1]
        err, _ = se.compare(os.path.join(work, "ref", ref_file), expected, 1.0, ref_file)
        worst_unsharded = max(worst_unsharded, err)
        for r in range(world):
            got = os.path.join(work, "out", ref_file[:-4] + f".rank{r}.npy")
            err, _ = se.compare(got, expected, 1.0, ref_file)
            worst_sharded = max(worst_sharded, err)
    text = f"fp8_error={worst_sharded:.3g} (unsharded {worst_unsharded:.3g})"
    if worst_sharded > ACCURACY_SLACK * worst_unsharded:
        return False, text + f" > {ACCURACY_SLACK}x"
    return True, text


if __name__ == "__main__":
    sys.exit(se.run_all("sharded fp8", CASES,
                        lambda c: f"{c[0][0]} mesh={c[1]} parallel={c[2]} recipe={c[3]}",
                        run_one))
