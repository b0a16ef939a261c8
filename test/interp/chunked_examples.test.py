"""Runs sharded examples with the TP GEMM + collective pairs chunked (--tp-comm-chunks=N,
dsc-chunk-collective-matmul) on simulated ranks, against the unsharded model through
dsc-interp: sharded_examples.test.py's comparison, same tolerances, with the chunking flag.
Also prints how many collectives the chunked IR holds against the unchunked one, so a test
can check that chunking happened (N all_reduces where there was one)."""
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("sharded",
                                               os.path.join(HERE, "sharded_examples.test.py"))
se = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(se)

# (example, mesh, parallel mode, chunks)
CASES = [
    (se.MLP, "tp=2", "auto", 2), (se.MLP, "dp=2,tp=2", "auto", 4),
    (se.LAYER, "tp=2", "auto", 2), (se.LAYER, "tp=4", "auto", 4),
    (se.LAYER, "dp=2,tp=2", "auto", 4), (se.LAYER, "tp=2", "hints", 8),
    (se.LLAMA, "dp=1,tp=2", "auto", 2), (se.LLAMA, "dp=2,tp=2", "hints", 4),
    (se.LLAMA, "dp=1,tp=4", "auto", 8),
]


def count_collectives(args, example, mesh, mode, flags):
    _, model, dims, _ = example
    ir = se.run([args.dsc, os.path.join(se.SRC, model), *dims, "--mesh", mesh,
                 "--parallel=" + mode, "-O0", "--emit=mlir", *flags])
    return len(re.findall(r"= shard\.all_reduce ", ir))


def run_one(args, case, work):
    example, mesh, mode, chunks = case
    flags = [f"--tp-comm-chunks={chunks}"]
    ok, detail = se.run_case(args, example, mesh, mode, work, flags)
    before = count_collectives(args, example, mesh, mode, [])
    after = count_collectives(args, example, mesh, mode, flags)
    return ok, f"{detail} all_reduces={before}->{after}"


if __name__ == "__main__":
    sys.exit(se.run_all("chunked", CASES,
                        lambda c: f"{c[0][0]} mesh={c[1]} parallel={c[2]} chunks={c[3]}",
                        run_one))
