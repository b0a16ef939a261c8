#!/usr/bin/env bash
# The NCCL path of dsrun on whatever GPUs the machine has.
#   bash test/gpu/dist.sh prepare   here: compiles test/gpu/models/{collectives,all_reduce_2}.mlir
#                                   into .device/dist/ with the interpreter's inputs and rank-0
#                                   outputs as the reference
#   bash test/gpu/dist.sh run       on the GPU machine (after scripts/pack-device.sh):
#     1. dsrun -n 1 on the collectives model: world communicator, one split, all_reduce,
#        all_gather, reduce_scatter, all_to_all and a split weight, checked against the
#        interpreter;
#     2. dsrun -n 2 on the two-rank model with one GPU: rank 1 cannot open GPU 1, and every
#        rank must end non-zero within 60 s, naming rank 1;
#     3. the collectives model again, its collectives async on stream 1 (dsc-schedule-
#        collectives at -O2), replayed as a CUDA graph with --bench and traced with --trace
#        (test/gpu/check_trace.py: one slice per step, two streams, four collectives), then
#        step by step with --nograph; both checked against the interpreter.
# Prints `dist: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=.device/dist
case ${1:-} in
prepare)
  set -e
  rm -rf "$out" && mkdir -p "$out/collectives" "$out/fault"
  build/bin/dsc test/gpu/models/collectives.mlir -o "$out/collectives/model.dsx"
  build/bin/dsc-interp test/gpu/models/collectives.mlir --random-weights 1 --seed 7 \
    --save-inputs "$out/collectives/inputs" --out "$out/collectives/ref" >/dev/null
  build/bin/dsc test/gpu/models/all_reduce_2.mlir -o "$out/fault/model.dsx"
  build/bin/dsrun "$out/collectives/model.dsx" --info | sed -n 's/^steps: \([0-9]*\) .*/\1/p' \
    >"$out/collectives/steps"
  grep -q "on 2 streams" <(build/bin/dsrun "$out/collectives/model.dsx" --info)
  echo "prepared $out"
  ;;
run)
  export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  # NCCL: the toolkit's, else the one PyTorch ships.
  if ! ldconfig -p | grep -q libnccl.so.2 && [[ ! -e /usr/local/cuda/lib64/libnccl.so.2 ]]; then
    nccl=$(python3 -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__) + "/lib")' 2>/dev/null)
    [[ -n $nccl ]] && export LD_LIBRARY_PATH=$nccl:$LD_LIBRARY_PATH
  fi
  export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
  dsrun=.device/bin/dsrun
  log=${OUT:-.device/dist-out}
  mkdir -p "$log"
  passed=0
  failed=0
  c=$out/collectives
  NCCL_DEBUG=WARN timeout 120 "$dsrun" -n 1 "$c/model.dsx" --random_weights=1 \
    --inputs="$c/inputs" --check="$c/ref" --rtol=1e-2 --atol=1e-3 --timeout=60 \
    >"$log/dist-collectives.log" 2>&1
  rc=$?
  cat "$log/dist-collectives.log"
  if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "collectives: FAIL (rc=$rc)"; fi
  start=$(date +%s)
  timeout 90 "$dsrun" -n 2 "$out/fault/model.dsx" --seed=1 --timeout=60 >"$log/dist-fault.log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  cat "$log/dist-fault.log"
  echo "fault run: exit $rc after ${took}s"
  if [[ $rc -ne 0 && $rc -ne 124 && $took -le 60 ]] && grep -q "rank 1 failed" "$log/dist-fault.log"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "fault: FAIL"
  fi
  for mode in graph nograph; do
    flag=--graph
    [[ $mode == nograph ]] && flag=--nograph
    trace=$log/collectives.$mode.trace.json
    NCCL_DEBUG=WARN timeout 120 "$dsrun" -n 1 "$c/model.dsx" --random_weights=1 \
      --inputs="$c/inputs" --check="$c/ref" --rtol=1e-2 --atol=1e-3 --timeout=60 \
      --bench=20 "$flag" --trace="$trace" >"$log/dist-async-$mode.log" 2>&1
    rc=$?
    cat "$log/dist-async-$mode.log"
    if [[ $rc -eq 0 ]] && grep -q "^bench:" "$log/dist-async-$mode.log" &&
      python3 test/gpu/check_trace.py "$trace" "$(cat "$c/steps")" --streams 2 --communication 4; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "async $mode: FAIL (rc=$rc)"
    fi
  done
  echo "dist: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  ;;
*)
  echo "usage: bash test/gpu/dist.sh prepare|run" >&2
  exit 2
  ;;
esac
