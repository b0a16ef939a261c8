#!/usr/bin/env python3
"""usage: time_limit.py SECONDS COMMAND...: runs COMMAND (output discarded) and fails if it
fails or takes longer than SECONDS of wall-clock time."""
import subprocess
import sys
import time

limit = float(sys.argv[1])
start = time.monotonic()
run = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL)
elapsed = time.monotonic() - start
print("%.3f s" % elapsed)
if run.returncode != 0:
    sys.exit("command failed with exit code %d" % run.returncode)
if elapsed > limit:
    sys.exit("took %.3f s, over the %.1f s limit" % (elapsed, limit))
