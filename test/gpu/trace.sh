#!/usr/bin/env bash
# dsrun --trace on one GPU.
#   bash test/gpu/trace.sh prepare   here: compiles llama_layer (small shapes) into .device/trace/
#   bash test/gpu/trace.sh run       on the GPU machine (after scripts/pack-device.sh): runs it
#     with --trace and --bench, checks that the trace parses and has one slice per step
#     (test/gpu/check_trace.py), then the same with --nograph (step by step, no CUDA graph).
# Prints `trace: N passed, M failed`. The traces stay in $OUT (else .device/trace-out).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=.device/trace
shape=(-D B=2 -D T=80 -D D=256 -D H=4 -D HKV=2 -D F=512)
case ${1:-} in
prepare)
  set -e
  rm -rf "$out" && mkdir -p "$out"
  build/bin/dsc examples/llama_layer.dsg "${shape[@]}" -o "$out/llama_layer.dsx"
  build/bin/dsrun "$out/llama_layer.dsx" --info | sed -n 's/^steps: \([0-9]*\) .*/\1/p' \
    >"$out/llama_layer.steps"
  echo "prepared $out ($(cat "$out/llama_layer.steps") steps)"
  ;;
run)
  export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  source scripts/cudnn-env.sh
  dsrun=.device/bin/dsrun
  log=${OUT:-.device/trace-out}
  mkdir -p "$log"
  passed=0
  failed=0
  steps=$(cat "$out/llama_layer.steps")
  for mode in graph nograph; do
    flag=--graph
    [[ $mode == nograph ]] && flag=--nograph
    trace=$log/llama_layer.$mode.trace.json
    timeout 120 "$dsrun" "$out/llama_layer.dsx" --random_weights=1 --seed=7 --bench=20 "$flag" \
      --trace="$trace" >"$log/trace-$mode.log" 2>&1
    rc=$?
    cat "$log/trace-$mode.log"
    if [[ $rc -eq 0 ]] && grep -q "of communication hidden" "$log/trace-$mode.log" &&
      python3 test/gpu/check_trace.py "$trace" "$steps"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "trace $mode: FAIL (rc=$rc)"
    fi
  done
  echo "trace: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  ;;
*)
  echo "usage: bash test/gpu/trace.sh prepare|run" >&2
  exit 2
  ;;
esac
