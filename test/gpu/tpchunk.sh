#!/usr/bin/env bash
# TP communication chunked under the GEMMs (dsc-chunk-collective-matmul, --tp-comm-chunks).
#   bash test/gpu/tpchunk.sh prepare   here: compiles into .device/tpchunk/
#     single/  test/gpu/models/tp_chunks_1.mlir (one rank: all_reduce, reduce_scatter and
#              all_gather pairs) whole (--tp-comm-chunks=1) and in 4 chunks, with the
#              interpreter's outputs as the reference;
#     e2e/     llama_layer (small) on tp=2, whole and in 4 chunks, against the unsharded model
#              in the interpreter;
#     bench/   llama_layer at its own size on tp=2: whole, and as the cost model chunks it
#              (-O2's default) for timing.
#   bash test/gpu/tpchunk.sh run       on the GPU machine (after scripts/pack-device.sh):
#     1. single/ with `dsrun -n 1` (NCCL over a world of one), each checked against the
#        interpreter, as a graph with --bench and traced (check_trace.py: one slice per step,
#        two streams, the collectives counted), then step by step with --nograph;
#     2. e2e/ and bench/ with `dsrun -n 2` (--check, then --bench=50 and --trace, whose
#        "% of communication hidden" line shows what chunking hid); one SKIP line per case
#        where the machine has fewer than 2 GPUs.
# Prints `tpchunk: N passed, M failed, K skipped`. Logs and traces stay in $OUT (else
# .device/tpchunk-out).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=.device/tpchunk
small=(-D B=2 -D T=80 -D D=256 -D H=4 -D HKV=2 -D F=512)
collectivesOf() { # the plan's collective steps
  build/bin/dsc "$@" --emit=plan | grep -c "plan.collective"
}
case ${1:-} in
prepare)
  set -e
  rm -rf "$out" && mkdir -p "$out/single" "$out/e2e" "$out/bench"
  model=test/gpu/models/tp_chunks_1.mlir
  build/bin/dsc-interp "$model" --random-weights 1 --seed 7 --save-inputs "$out/single/inputs" \
    --out "$out/single/ref" >/dev/null
  for n in 1 4; do
    build/bin/dsc "$model" --tp-comm-chunks=$n -o "$out/single/chunks$n.dsx"
    build/bin/dsrun "$out/single/chunks$n.dsx" --info |
      sed -n 's/^steps: \([0-9]*\) .*/\1/p' >"$out/single/chunks$n.steps"
    collectivesOf "$model" --tp-comm-chunks=$n >"$out/single/chunks$n.collectives"
  done
  # Whole: 3 collectives; in 4 chunks: 4 per pair.
  [[ $(cat "$out/single/chunks1.collectives") == 3 && $(cat "$out/single/chunks4.collectives") == 12 ]]
  build/bin/dsc-interp examples/llama_layer.dsg "${small[@]}" --random-weights 1 --seed 7 \
    --save-inputs "$out/e2e/inputs" --out "$out/e2e/ref" >/dev/null
  for n in 1 4; do
    build/bin/dsc examples/llama_layer.dsg "${small[@]}" --mesh tp=2 --parallel=auto \
      --tp-comm-chunks=$n -o "$out/e2e/chunks$n.dsx"
  done
  build/bin/dsc examples/llama_layer.dsg --mesh tp=2 --parallel=auto --tp-comm-chunks=1 \
    -o "$out/bench/whole.dsx"
  build/bin/dsc examples/llama_layer.dsg --mesh tp=2 --parallel=auto --explain \
    -o "$out/bench/auto.dsx" 2>&1 | grep "chunks along" >"$out/bench/auto.chunks"
  cat "$out/bench/auto.chunks"
  echo "prepared $out (single: $(cat "$out/single/chunks1.steps") and" \
    "$(cat "$out/single/chunks4.steps") steps)"
  ;;
run)
  source scripts/nccl-env.sh
  source scripts/cudnn-env.sh
  dsrun=.device/bin/dsrun
  log=${OUT:-.device/tpchunk-out}
  mkdir -p "$log"
  passed=0 failed=0 skipped=0
  result() { # name rc
    if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "$1: FAIL (rc=$2)"; fi
  }
  s=$out/single
  for n in 1 4; do
    for mode in graph nograph; do
      flag=--graph
      [[ $mode == nograph ]] && flag=--nograph
      trace=$log/single.chunks$n.$mode.trace.json
      NCCL_DEBUG=WARN timeout 120 "$dsrun" -n 1 "$s/chunks$n.dsx" --random_weights=1 \
        --inputs="$s/inputs" --check="$s/ref" --rtol=1e-2 --atol=1e-3 --timeout=60 \
        --bench=20 "$flag" --trace="$trace" >"$log/single-chunks$n-$mode.log" 2>&1
      rc=$?
      cat "$log/single-chunks$n-$mode.log"
      if [[ $rc -eq 0 ]] && ! python3 test/gpu/check_trace.py "$trace" "$(cat "$s/chunks$n.steps")" \
        --streams 2 --communication "$(cat "$s/chunks$n.collectives")"; then
        rc=1
      fi
      result "single chunks=$n $mode" $rc
    done
  done
  gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU')
  for n in 1 4; do
    if [[ $gpus -lt 2 ]]; then
      echo "SKIP e2e llama_layer tp=2 chunks=$n: dsrun -n 2 needs 2 GPUs, this machine has $gpus"
      skipped=$((skipped + 1))
      continue
    fi
    NCCL_DEBUG=WARN timeout 180 "$dsrun" -n 2 "$out/e2e/chunks$n.dsx" --random_weights=1 \
      --inputs="$out/e2e/inputs" --check="$out/e2e/ref" --rtol=0.1 --atol=0.1 \
      --max_rel_l2=2e-2 --timeout=60 --trace="$log/e2e.chunks$n.trace.json" \
      >"$log/e2e-chunks$n.log" 2>&1
    rc=$?
    cat "$log/e2e-chunks$n.log"
    result "e2e chunks=$n" $rc
  done
  for name in whole auto; do
    if [[ $gpus -lt 2 ]]; then
      echo "SKIP bench llama_layer tp=2 $name: dsrun -n 2 needs 2 GPUs, this machine has $gpus"
      skipped=$((skipped + 1))
      continue
    fi
    NCCL_DEBUG=WARN timeout 300 "$dsrun" -n 2 "$out/bench/$name.dsx" --random_weights=1 \
      --seed=7 --bench=50 --trace="$log/bench.$name.trace.json" --timeout=120 \
      >"$log/bench-$name.log" 2>&1
    rc=$?
    grep -E "^bench:|hidden|busy" "$log/bench-$name.log"
    result "bench $name" $rc
  done
  echo "tpchunk: $passed passed, $failed failed, $skipped skipped"
  [[ $failed -eq 0 ]]
  ;;
*)
  echo "usage: bash test/gpu/tpchunk.sh prepare|run" >&2
  exit 2
  ;;
esac
