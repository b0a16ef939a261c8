"""Runs hand-written shard-dialect collective IR through dsc-interp on 2, 4 and 8 simulated
ranks and checks every rank's output against values computed here from each rank's input.

Rank r's input holds r * 100 + i (distinct per rank and element), so a wrong group, order or
slice shows up as a wrong value. Prints one line per case and 'collectives: N passed, M failed'.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

CASES = []  # (name, grid shape, shard op text, input shape, expected(inputs, rank, grid) -> array)


def case(name, grid, shape, op, expected):
    CASES.append((name, grid, shape, op, expected))


def coords(rank, grid):
    out = []
    for d in reversed(grid):
        out.append(rank % d)
        rank //= d
    return list(reversed(out))


def rank_of(c, grid):
    r = 0
    for x, d in zip(c, grid):
        r = r * d + x
    return r


def group(rank, grid, axes):
    """Ranks of `rank`'s group along `axes`, in in-group order (last listed axis fastest)."""
    c = coords(rank, grid)
    size = int(np.prod([grid[a] for a in axes]))
    members = []
    for index in range(size):
        cc = list(c)
        rest = index
        for a in reversed(axes):
            cc[a] = rest % grid[a]
            rest //= grid[a]
        members.append(rank_of(cc, grid))
    return members


def in_group_index(rank, grid, axes):
    c = coords(rank, grid)
    idx = 0
    for a in axes:
        idx = idx * grid[a] + c[a]
    return idx


def tensor_type(shape):
    return "tensor<" + "x".join(str(d) for d in shape) + "xf32>"


for n in (2, 4, 8):
    g = [n]
    case(f"all_reduce_sum_{n}", g, [4, 2],
         "shard.all_reduce %x on @grid grid_axes = [0] reduction = sum",
         lambda xs, r, g: sum(xs))
    case(f"all_reduce_max_{n}", g, [4, 2],
         "shard.all_reduce %x on @grid grid_axes = [0] reduction = max",
         lambda xs, r, g: np.max(np.stack(xs), axis=0))
    case(f"all_gather_{n}", g, [2, 3],
         "shard.all_gather %x on @grid grid_axes = [0] gather_axis = 1",
         lambda xs, r, g: np.concatenate(xs, axis=1))
    case(f"reduce_scatter_{n}", g, [8, 2],
         "shard.reduce_scatter %x on @grid grid_axes = [0] scatter_axis = 0",
         lambda xs, r, g: np.split(sum(xs), len(xs), axis=0)[r])
    case(f"all_to_all_{n}", g, [8, 2],
         "shard.all_to_all %x on @grid grid_axes = [0] split_axis = 0 concat_axis = 1",
         lambda xs, r, g: np.concatenate([np.split(x, len(xs), axis=0)[r] for x in xs], axis=1))
    case(f"all_slice_{n}", g, [8, 2],
         "shard.all_slice %x on @grid grid_axes = [0] slice_axis = 0",
         lambda xs, r, g: np.split(xs[r], len(xs), axis=0)[r])
    case(f"broadcast_{n}", g, [2, 2],
         "shard.broadcast %x on @grid grid_axes = [0] root = [1]",
         lambda xs, r, g: xs[1])

# Two-axis grids: groups are rows, columns or the whole grid, in listed axis order.
case("all_reduce_2x4_axis1", [2, 4], [2],
     "shard.all_reduce %x on @grid grid_axes = [1] reduction = sum",
     lambda xs, r, g: sum(xs[m] for m in group(r, g, [1])))
case("all_gather_2x4_axes10", [2, 4], [1, 2],
     "shard.all_gather %x on @grid grid_axes = [1, 0] gather_axis = 0",
     lambda xs, r, g: np.concatenate([xs[m] for m in group(r, g, [1, 0])], axis=0))
case("reduce_scatter_2x2x2_axis2", [2, 2, 2], [4],
     "shard.reduce_scatter %x on @grid grid_axes = [2] scatter_axis = 0",
     lambda xs, r, g: np.split(sum(xs[m] for m in group(r, g, [2])), 2)[in_group_index(r, g, [2])])
case("all_to_all_2x4_axis0", [2, 4], [2, 3],
     "shard.all_to_all %x on @grid grid_axes = [0] split_axis = 0 concat_axis = 0",
     lambda xs, r, g: np.concatenate(
         [np.split(xs[m], 2, axis=0)[in_group_index(r, g, [0])] for m in group(r, g, [0])], axis=0))


def run_case(dsc_interp, tmp, name, grid, shape, op, expected):
    ranks = int(np.prod(grid))
    xs = [(r * 100 + np.arange(np.prod(shape))).reshape(shape).astype(np.float32)
          for r in range(ranks)]
    want = [np.asarray(expected(xs, r, grid), dtype=np.float32) for r in range(ranks)]
    grid_text = "x".join(str(d) for d in grid)
    # shard.broadcast prints a function type; the other collectives print `in -> out`.
    arrow = f"{tensor_type(shape)} -> {tensor_type(want[0].shape)}"
    signature = f"({tensor_type(shape)}) -> {tensor_type(want[0].shape)}" \
        if op.startswith("shard.broadcast") else arrow
    mlir = (f"shard.grid @grid(shape = {grid_text})\n"
            f"func.func @main(%x: {tensor_type(shape)} {{dsc.name = \"x\"}}) -> "
            f"({tensor_type(want[0].shape)} {{dsc.name = \"y\"}}) {{\n"
            f"  %y = {op} : {signature}\n"
            f"  return %y : {tensor_type(want[0].shape)}\n}}\n")
    case_dir = os.path.join(tmp, name)
    os.makedirs(os.path.join(case_dir, "in"))
    path = os.path.join(case_dir, "model.mlir")
    with open(path, "w") as f:
        f.write(mlir)
    for r, x in enumerate(xs):
        np.save(os.path.join(case_dir, "in", f"x.rank{r}.npy"), x)
    proc = subprocess.run([dsc_interp, path, "--inputs", os.path.join(case_dir, "in"),
                           "--out", os.path.join(case_dir, "out")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return f"dsc-interp failed ({proc.returncode}): {proc.stderr.strip()}"
    for r in range(ranks):
        got = np.load(os.path.join(case_dir, "out", f"y.rank{r}.npy"))
        if got.shape != want[r].shape or not np.array_equal(got, want[r]):
            return f"rank {r}: expected {want[r].tolist()}, got {got.tolist()}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsc-interp", default="dsc-interp")
    args = parser.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, grid, shape, op, expected in CASES:
            error = run_case(args.dsc_interp, tmp, name, grid, shape, op, expected)
            print(("ok    " if error is None else "FAIL  ") + name + ("" if error is None else ": " + error))
            passed += error is None
            failed += error is not None
    print(f"collectives: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
