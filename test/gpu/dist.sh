#!/usr/bin/env bash
# The NCCL path of dsrun on whatever GPUs the machine has.
#   bash test/gpu/dist.sh prepare   here: compiles test/gpu/models/{collectives,all_reduce_2}.mlir
#                                   into .device/dist/ with the interpreter's inputs and rank-0
#                                   outputs as the reference
#   bash test/gpu/dist.sh run       on the GPU machine (after scripts/pack-device.sh):
#     1. dsrun -n 1 on the collectives model: world communicator, one split, all_reduce,
#        all_gather, reduce_scatter, all_to_all and a split weight, checked against the
#        interpreter;
#     2. dsrun -n 2 on the two-rank model with one GPU visible (CUDA_VISIBLE_DEVICES=0): rank 1
#        cannot open GPU 1, and every rank must end non-zero within 60 s, naming rank 1;
#     3. end to end, with >= 2 GPUs (else one SKIP line per case): `dsrun -n 2` on examples
#        compiled with `dsc --mesh ...` (tp=2 Megatron MLP and llama_layer, dp=2 MLP with each
#        rank slicing the user's input, and a tp=2 MLP reading its slices from a safetensors
#        file; sequence parallelism on tp=2: --parallel=auto --sequence-parallel, the MLP and
#        llama_layer with reduce_scatter / all_gather on the tokens; expert parallelism:
#        moe_layer-v3 on ep=2 with its hints, its experts' ids from each rank's mesh
#        coordinates, and moe_layer on ep=2 under --parallel=auto, tokens split over ep,
#        all_to_all combine; llama on dp=2 with its hints, each rank running the layers on its
#        row of the batch and the logits gathered over dp; fp8 under a mesh: llama_layer on
#        tp=2 with --precision=fp8, each rank quantizing its slices of the weights at load,
#        blockwise and per-tensor), each checked against the unsharded model (with the same
#        --precision) in the interpreter.
#     4. the collectives model again, its collectives async on stream 1 (dsc-schedule-
#        collectives at -O2), replayed as a CUDA graph with --bench and traced with --trace
#        (test/gpu/check_trace.py: one slice per step, two streams, four collectives), then
#        step by step with --nograph; both checked against the interpreter.
# Prints `dist: N passed, M failed, K skipped`.
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
  # End to end: name | model | -D overrides | mesh | --parallel (auto+sp: auto with
  # --sequence-parallel) | tolerances (test/gpu/prepare.sh
  # says why: f32 element-wise, bf16 by the relative Frobenius error) | weights (random, or the
  # f32 shapes of a safetensors file written here, from which each rank reads its slices) |
  # more dsc flags for both the sharded artifact and the unsharded reference (optional)
  f32tol="--rtol=1e-2 --atol=1e-3"
  lowtol="--rtol=0.1 --atol=0.1 --max_rel_l2=2e-2"
  fp8tol="--rtol=1 --atol=1 --max_rel_l2=5e-2"
  layer="-D B=2 -D T=80 -D D=256 -D H=4 -D HKV=2 -D F=512"
  # Heads of 128 so that every tp=2 slice of a weight cuts on 128 (blockwise fp8).
  layer128="-D B=2 -D T=80 -D D=256 -D H=2 -D HKV=2 -D F=512"
  # Capacity 10, 1.25x the mean load of 8 choices per expert: the busiest experts drop some.
  v3="-D B=2 -D T=16 -D D=64 -D FE=32 -D E=16 -D G=4 -D TG=2 -D K=4"
  e2e=(
    "mlp_tp2|examples/mlp.dsg||tp=2|auto|$f32tol|random"
    "mlp_dp2|examples/mlp.dsg||dp=2|auto|$f32tol|random"
    "mlp_tp2_file|examples/mlp.dsg||tp=2|auto|$f32tol|w1=64,256 b1=256 w2=256,10 b2=10"
    "llama_layer_tp2|examples/llama_layer.dsg|$layer|tp=2|hints|$lowtol|random"
    "llama_layer_tp2_auto|examples/llama_layer.dsg|$layer|tp=2|auto|$lowtol|random"
    "moe_layer-v3_ep2|examples/moe_layer-v3.dsg|$v3|dp=1,ep=2,tp=1|hints|$lowtol|random"
    "moe_layer_ep2_auto|examples/moe_layer.dsg||ep=2|auto|$lowtol|random"
    "mlp_tp2_sp|examples/mlp.dsg||tp=2|auto+sp|$f32tol|random"
    "llama_layer_tp2_sp|examples/llama_layer.dsg|$layer|tp=2|auto+sp|$lowtol|random"
    "llama_dp2_hints|examples/llama.dsg|-D T=16 -D V=256 -D F=256|dp=2,tp=1|hints|$lowtol|random"
    "llama_layer_tp2_fp8|examples/llama_layer.dsg|$layer128|tp=2|auto|$fp8tol|random|--precision=fp8"
    "llama_layer_tp2_fp8_tensor|examples/llama_layer.dsg|$layer128|tp=2|auto|$fp8tol|random|--precision=fp8 --fp8-recipe=tensor"
  )
  for c in "${e2e[@]}"; do
    IFS='|' read -r name model defs mesh parallel tol weights extra <<<"$c"
    dir="$out/e2e/$name"
    mkdir -p "$dir"
    flags=(--parallel="$parallel")
    [[ $parallel == auto+sp ]] && flags=(--parallel=auto --sequence-parallel)
    # shellcheck disable=SC2086
    build/bin/dsc "$model" $defs --mesh "$mesh" "${flags[@]}" $extra -o "$dir/model.dsx"
    source=(--random-weights 1)
    run=(--random_weights=1)
    if [[ $weights != random ]]; then # f32 weights of these shapes, in a safetensors file
      # shellcheck disable=SC2086
      python3 test/gpu/random_safetensors.py "$dir/weights.safetensors" $weights
      source=(--weights "$dir/weights.safetensors")
      run=(--weights="$dir/weights.safetensors")
    fi
    reference=$model
    if [[ -n $extra ]]; then # the unsharded model compiled with the same flags
      # shellcheck disable=SC2086
      build/bin/dsc "$model" $defs $extra -O0 --emit=mlir -o "$dir/unsharded.mlir"
      reference=$dir/unsharded.mlir
      defs=
    fi
    # shellcheck disable=SC2086
    build/bin/dsc-interp "$reference" $defs "${source[@]}" --seed 7 --save-inputs "$dir/inputs" \
      --out "$dir/ref" >/dev/null
    echo "${run[*]} $tol" >"$dir/run_args"
  done
  echo "prepared $out"
  ;;
run)
  source scripts/nccl-env.sh
  # cuDNN for llama_layer's attention (--attention=auto picks cuDNN where it can).
  source scripts/cudnn-env.sh
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
  CUDA_VISIBLE_DEVICES=0 timeout 90 "$dsrun" -n 2 "$out/fault/model.dsx" --seed=1 --timeout=60 \
    >"$log/dist-fault.log" 2>&1
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
  skipped=0
  gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU')
  for dir in "$out"/e2e/*/; do
    name=$(basename "$dir")
    if [[ $gpus -lt 2 ]]; then
      echo "SKIP e2e $name: dsrun -n 2 needs 2 GPUs, this machine has $gpus"
      skipped=$((skipped + 1))
      continue
    fi
    read -r -a args <"$dir/run_args"
    NCCL_DEBUG=WARN timeout 180 "$dsrun" -n 2 "$dir/model.dsx" --inputs="$dir/inputs" \
      --check="$dir/ref" "${args[@]}" --timeout=60 >"$log/dist-e2e-$name.log" 2>&1
    rc=$?
    cat "$log/dist-e2e-$name.log"
    if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "e2e $name: FAIL (rc=$rc)"; fi
  done
  echo "dist: $passed passed, $failed failed, $skipped skipped"
  [[ $failed -eq 0 ]]
  ;;
*)
  echo "usage: bash test/gpu/dist.sh prepare|run" >&2
  exit 2
  ;;
esac
