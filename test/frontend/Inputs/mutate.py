#!/usr/bin/env python3
"""Runs dsc on damaged copies of .dsg files: truncations, random byte flips and token edits.

Every run must either succeed or fail with exit code 1 and at least one located
`file:line:col: error:` diagnostic. A crash (a signal, exit code >= 128), an assertion, a
stack dump, a hang, or a failure without a located error fails the test; the offending input
is written next to the report so that it can be rerun by hand.

usage: mutate.py DSC OUTDIR FILE.dsg... [--seed N] [--flips N] [--cuts N] [--edits N]
"""
import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys

LOCATED = re.compile(r"^\S+\.dsg:\d+:\d+: error: ", re.M)
CRASH = re.compile(r"Stack dump|Assertion|LLVM ERROR|PLEASE submit|Sanitizer|runtime error")
# Bytes that change the meaning of .dsg text the most, besides random ones.
SPECIAL = b"()[]{},:=@#\"\n-+*/%_0123456789 \t\x00\xff"
TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:e-?\d+)?|\S")


def mutants(name, data, rng, args):
    """Yields (label, bytes) pairs."""
    for k in range(1, args.cuts + 1):
        pos = len(data) * k // (args.cuts + 1)
        yield "%s cut at byte %d" % (name, pos), data[:pos]
    for _ in range(args.flips):
        pos = rng.randrange(len(data))
        value = rng.choice(SPECIAL) if rng.random() < 0.5 else rng.randrange(256)
        mutant = bytearray(data)
        mutant[pos] = value
        yield "%s byte %d set to 0x%02x" % (name, pos, value), bytes(mutant)
    tokens = [m for m in TOKEN.finditer(data)]
    words = sorted({m.group() for m in tokens if m.group()[:1].isalnum()})
    for _ in range(args.edits):
        tok = rng.choice(tokens)
        kind = rng.randrange(3)
        if kind == 0:  # delete a token
            replacement = b""
        elif kind == 1:  # swap in another word of the file: wrong names, ops, dims, types
            replacement = rng.choice(words)
        else:  # a different number
            replacement = str(rng.choice([0, 1, 3, 7, -1, 65536, 2**40, 10**30])).encode()
        mutant = data[: tok.start()] + replacement + data[tok.end():]
        yield "%s token %r at byte %d -> %r" % (name, tok.group(), tok.start(), replacement), mutant


def check(dsc, path, label, mutant):
    with open(path, "wb") as f:
        f.write(mutant)
    try:
        run = subprocess.run([dsc, path, "--emit=mlir", "-o", os.devnull],
                             capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "hang (over 30 s)"
    err = run.stderr.decode(errors="replace")
    if run.returncode < 0 or run.returncode >= 128:
        return "crashed with exit code %d:\n%s" % (run.returncode, err[-2000:])
    if CRASH.search(err):
        return "crash report:\n" + err[-2000:]
    if run.returncode == 0:
        return None
    if run.returncode != 1:
        return "exit code %d (want 0 or 1):\n%s" % (run.returncode, err[-2000:])
    if not LOCATED.search(err):
        return "failed without a located error:\n" + err[-2000:]
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dsc")
    parser.add_argument("outdir")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flips", type=int, default=40)
    parser.add_argument("--cuts", type=int, default=25)
    parser.add_argument("--edits", type=int, default=25)
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    rng = random.Random(args.seed)
    jobs = []
    for file in args.files:
        with open(file, "rb") as f:
            data = f.read()
        name = os.path.basename(file)
        jobs += list(mutants(name, data, rng, args))
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        paths = [os.path.join(args.outdir, "mutant%d.dsg" % i) for i in range(len(jobs))]
        results = pool.map(lambda j: check(args.dsc, j[0], j[1][0], j[1][1]), zip(paths, jobs))
        for path, (label, _), problem in zip(paths, jobs, results):
            if problem:
                failures += 1
                print("FAIL: %s (input: %s): %s" % (label, path, problem))
            else:
                os.remove(path)
    print("%d mutants, %d failures" % (len(jobs), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
