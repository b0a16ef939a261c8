#!/usr/bin/env python3
"""Checks a `dsrun --trace` file: it parses as trace-event JSON, every plan step has exactly one
complete slice with a non-negative duration on its rank's track, and streams have thread names.

  python3 test/gpu/check_trace.py TRACE.json STEPS [--streams N] [--communication M]

STEPS: the plan's step count (`dsrun --info` prints it); --streams: how many tracks (streams)
rank 0 must have; --communication: how many slices must be communication."""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("steps", type=int)
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--communication", type=int, default=0)
    args = parser.parse_args()
    with open(args.trace) as f:
        events = json.load(f)["traceEvents"]
    slices = [e for e in events if e["ph"] == "X"]
    names = {(e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    problems = []
    steps = sorted(int(s["args"]["step"]) for s in slices)
    if steps != list(range(args.steps)):
        problems.append(f"slices for steps {steps}, expected 0..{args.steps - 1}")
    for s in slices:
        if s["dur"] < 0 or s["ts"] < 0:
            problems.append(f"step {s['args']['step']}: ts {s['ts']} dur {s['dur']}")
        if (s["pid"], s["tid"]) not in names:
            problems.append(f"step {s['args']['step']}: track {s['pid']}/{s['tid']} has no name")
    tracks = {(s["pid"], s["tid"]) for s in slices}
    if len(tracks) < args.streams:
        problems.append(f"{len(tracks)} tracks, expected {args.streams}")
    comm = sum(1 for s in slices if s["cat"] == "communication")
    if comm != args.communication:
        problems.append(f"{comm} communication slices, expected {args.communication}")
    for p in problems:
        print(f"{args.trace}: {p}")
    busy = sum(s["dur"] for s in slices)
    print(f"{args.trace}: {len(slices)} slices on {len(tracks)} tracks, {busy:.1f} us of steps: "
          + ("ok" if not problems else "FAILED"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
