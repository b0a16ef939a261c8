#!/usr/bin/env python3
"""usage: time_limit.py SECONDS COMMAND...: runs COMMAND (output discarded) and fails if it
fails or takes more than SECONDS of CPU time (user + system, its own and its children's).
CPU time rather than wall-clock time, so that a loaded machine (a CI runner, lit's parallel
tests) does not fail the check; the wall-clock time is printed beside it."""
import resource
import subprocess
import sys
import time

limit = float(sys.argv[1])
start = time.monotonic()
run = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print("%.3f s CPU, %.3f s wall" % (cpu, wall))
if run.returncode != 0:
    sys.exit("command failed with exit code %d" % run.returncode)
if cpu > limit:
    sys.exit("took %.3f s of CPU time, over the %.1f s limit" % (cpu, limit))
