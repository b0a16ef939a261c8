"""Writes different random f32 inputs for every simulated rank: DIR/NAME.rankR.npy.

Usage: rank_inputs.py DIR RANKS NAME=2x4x32 [NAME=...]. dsc-interp's own random inputs are
equal on every rank, which would hide a gathered block put in another rank's place."""
import sys

import numpy as np

out, ranks = sys.argv[1], int(sys.argv[2])
for spec in sys.argv[3:]:
    name, shape = spec.split("=")
    for r in range(ranks):
        rng = np.random.default_rng(1000 * r + len(name))
        data = rng.standard_normal([int(d) for d in shape.split("x")]).astype(np.float32)
        np.save(f"{out}/{name}.rank{r}.npy", data)
