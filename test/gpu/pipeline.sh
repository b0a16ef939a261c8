#!/usr/bin/env bash
# Pipeline stages on the GPU (docs/pipeline.md).
#   bash test/gpu/pipeline.sh prepare   here: compiles into .device/pipeline/
#     - mlp with a pp axis of 1 and 2 micro-batches (no send/recv: slices, two copies of the
#       graph, a concat), with the unpipelined model's interpreter outputs as reference;
#     - llama with 4 layers on pp=2 (1 and 2 micro-batches, and 2 with tp=2; and 2 under
#       --parallel=auto -O2, whose fusions the micro-batch split retypes, with tp=1 and tp=2)
#       and mlp on pp=2 with 2 micro-batches, each with the unpipelined model's interpreter
#       outputs (same weights and inputs) as reference, and each pipeline rank's step count
#       and memory (dsrun --info: a rank allocates only its stages' params and buffers).
#   bash test/gpu/pipeline.sh run       on the GPU machine (after scripts/pack-device.sh):
#     1. dsrun on the pp=1 artifact, checked against the interpreter;
#     2. `dsrun -n R` on each pipelined artifact (R = its mesh's ranks), as a CUDA graph, checked
#        against the interpreter (the last stage's first rank checks and prints the outputs);
#     3. llama pp=2 with 2 micro-batches step by step (--nograph) and traced (--trace): one
#        slice per step of each rank, Send slices on stage 0's trace, Recv on stage 1's.
#     Cases 2 and 3 need one GPU per rank (NCCL refuses two ranks on one GPU): with fewer GPUs
#     each prints a SKIP line, as test/gpu/dist.sh does.
# Prints `pipeline: N passed, M failed, K skipped`.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=.device/pipeline
case ${1:-} in
prepare)
  set -e
  rm -rf "$out" && mkdir -p "$out/pp1"
  build/bin/dsc examples/mlp.dsg --mesh pp=1 --microbatches 2 -o "$out/pp1/model.dsx"
  build/bin/dsc-interp examples/mlp.dsg --random-weights 1 --seed 7 \
    --save-inputs "$out/pp1/inputs" --out "$out/pp1/ref" >/dev/null
  # name | model | -D overrides | mesh | micro-batches | tolerances (test/gpu/prepare.sh says
  # why: f32 element-wise, bf16 by the relative Frobenius error) | other dsc flags
  f32tol="--rtol=1e-2 --atol=1e-3"
  lowtol="--rtol=0.1 --atol=0.1 --max_rel_l2=2e-2"
  cases=(
    "mlp_pp2_mb2|examples/mlp.dsg||pp=2|2|$f32tol"
    "llama_pp2_mb1|examples/llama.dsg|-D L=4|pp=2,dp=1,tp=1|1|$lowtol"
    "llama_pp2_mb2|examples/llama.dsg|-D L=4|pp=2,dp=1,tp=1|2|$lowtol"
    "llama_pp2_tp2_mb2|examples/llama.dsg|-D L=4|pp=2,dp=1,tp=2|2|$lowtol"
    "llama_pp2_auto_mb2|examples/llama.dsg|-D L=4|pp=2,dp=1,tp=1|2|$lowtol|--parallel=auto"
    "llama_pp2_tp2_auto_mb2|examples/llama.dsg|-D L=4|pp=2,dp=1,tp=2|2|$lowtol|--parallel=auto"
  )
  for c in "${cases[@]}"; do
    IFS='|' read -r name model defs mesh microbatches tol flags <<<"$c"
    dir="$out/$name"
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    build/bin/dsc "$model" $defs --mesh "$mesh" --microbatches "$microbatches" $flags \
      -o "$dir/model.dsx"
    # shellcheck disable=SC2086
    build/bin/dsc-interp "$model" $defs --random-weights 1 --seed 7 --save-inputs "$dir/inputs" \
      --out "$dir/ref" >/dev/null
    build/bin/dsrun "$dir/model.dsx" --info >"$dir/info"
    ranks=1
    for size in $(sed -n 's/^mesh: //p' "$dir/info" | tr ',' '\n' | sed 's/.*=//'); do
      ranks=$((ranks * size))
    done
    echo "$ranks" >"$dir/ranks"
    # "  pp=0: 69 steps, ...": the steps of each pipeline rank, in pp order.
    sed -n 's/^  pp=[0-9]*: \([0-9]*\) steps.*/\1/p' "$dir/info" >"$dir/steps"
    echo "--random_weights=1 $tol" >"$dir/run_args"
  done
  echo "prepared $out"
  ;;
run)
  export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  if ! ldconfig -p | grep -q libnccl.so.2 && [[ ! -e /usr/local/cuda/lib64/libnccl.so.2 ]]; then
    nccl=$(python3 -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__) + "/lib")' 2>/dev/null)
    [[ -n $nccl ]] && export LD_LIBRARY_PATH=$nccl:$LD_LIBRARY_PATH
  fi
  export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
  source scripts/cudnn-env.sh # llama's attention runs on cuDNN where it can
  dsrun=.device/bin/dsrun
  log=${OUT:-.device/pipeline-out}
  mkdir -p "$log"
  passed=0 failed=0 skipped=0
  if timeout 120 "$dsrun" "$out/pp1/model.dsx" --random_weights=1 \
      --inputs="$out/pp1/inputs" --check="$out/pp1/ref" --rtol=1e-3 --atol=1e-4; then
    echo "ok    pipeline pp=1 microbatches=2 (mlp) equals the interpreter"
    passed=$((passed + 1))
  else
    echo "FAIL  pipeline pp=1 microbatches=2 (mlp)"
    failed=$((failed + 1))
  fi
  gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU')
  # case name, extra dsrun flags, what it shows
  runs=(
    "mlp_pp2_mb2||graph"
    "llama_pp2_mb1||graph"
    "llama_pp2_mb2||graph"
    "llama_pp2_tp2_mb2||graph"
    "llama_pp2_auto_mb2||graph, --parallel=auto"
    "llama_pp2_tp2_auto_mb2||graph, --parallel=auto"
    "llama_pp2_mb2|--nograph --trace=$log/llama_pp2_mb2.trace.json|nograph, traced"
  )
  for r in "${runs[@]}"; do
    IFS='|' read -r name extra what <<<"$r"
    dir="$out/$name"
    ranks=$(cat "$dir/ranks")
    if [[ $gpus -lt $ranks ]]; then
      echo "SKIP  pipeline $name ($what): dsrun -n $ranks needs $ranks GPUs, this machine has $gpus"
      skipped=$((skipped + 1))
      continue
    fi
    read -r -a args <"$dir/run_args"
    # shellcheck disable=SC2086
    NCCL_DEBUG=WARN timeout 180 "$dsrun" -n "$ranks" "$dir/model.dsx" --inputs="$dir/inputs" \
      --check="$dir/ref" "${args[@]}" --timeout=60 $extra >"$log/pipeline-$name.log" 2>&1
    rc=$?
    grep '^  pp=' "$dir/info" | sed 's/: [RF].*//' # each pipeline rank's steps and memory
    cat "$log/pipeline-$name.log"
    ok=$([[ $rc -eq 0 ]] && grep -q "^check " "$log/pipeline-$name.log" && echo 1)
    if [[ -n $ok && $extra == *--trace* ]]; then
      # Each rank's trace: one slice per step it runs; stage 0 sends, stage 1 receives.
      python3 - "$log/llama_pp2_mb2.trace.json" "$dir/steps" <<'EOF' || ok=
import json, sys
base, steps = sys.argv[1], [int(s) for s in open(sys.argv[2]).read().split()]
for rank, (count, kind) in enumerate(zip(steps, ["Send", "Recv"])):
    events = json.load(open(base.replace(".json", f".rank{rank}.json")))["traceEvents"]
    slices = [e for e in events if e["ph"] == "X"]
    moved = [e for e in slices if e["cat"] == "communication" and e["name"].startswith(kind)]
    print(f"trace rank {rank}: {len(slices)} slices (expected {count}), {len(moved)} {kind}")
    if len(slices) != count or not moved:
        sys.exit(1)
EOF
    fi
    if [[ -n $ok ]]; then
      echo "ok    pipeline $name ($what) equals the interpreter"
      passed=$((passed + 1))
    else
      echo "FAIL  pipeline $name ($what) (rc=$rc)"
      failed=$((failed + 1))
    fi
  done
  echo "pipeline: $passed passed, $failed failed, $skipped skipped"
  [[ $failed == 0 ]]
  ;;
*)
  echo "usage: $0 prepare|run" >&2
  exit 2
  ;;
esac
