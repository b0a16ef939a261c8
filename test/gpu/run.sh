#!/usr/bin/env bash
# GPU side of the GPU suite. Run from the repo root on the GPU machine with
# .device/ carried (test/gpu/prepare.sh and scripts/pack-device.sh fill it):
# for each case under .device/gpu/<case>/ (model.dsx, inputs/, ref/), runs
#   dsrun model.dsx --random_weights=1 --inputs=inputs --check=ref --bench=N
# (the interpreter drew its weights with --random-weights 1 from the same
# generator, runtime/support/Random.h, so the weights are bit-identical),
# prints a table and `gpu-suite: N passed, M failed`, and exits 1 if any
# case failed. Logs go under $OUT (the device machine's returned folder) or
# .device/gpu-out; outputs to a scratch folder that is removed at the end.
#
# Large shapes (.device/gpu-large/<case>/): model.dsx is checked against the
# outputs of fp32.dsx, the same model built -O0 --precision=fp32, and against
# the interpreter's ref/ where prepare.sh made one.
#
# Environment: RTOL, ATOL (defaults 1e-2, 1e-3: f32 GEMMs on cuBLASLt vs the
# interpreter's f32 sums, in a different order), BENCH (replays, default 50),
# SANITIZE=1 (run every case under compute-sanitizer's memcheck, no replays;
# any report fails the case), CASES="a b" (run only the cases of these names,
# small or large; default all).
set -uo pipefail
cd "$(dirname "$0")/../.."
export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# cuDNN for the cases with cuDNN attention steps.
source scripts/cudnn-env.sh
dsrun=.device/bin/dsrun
rtol=${RTOL:-1e-2}
atol=${ATOL:-1e-3}
bench=${BENCH:-50}
sanitize=${SANITIZE:-0}
runner=()
if [[ $sanitize == 1 ]]; then
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  runner=("$sanitizer" --tool memcheck --error-exitcode 3 --print-limit 20)
  bench=0
fi
out=${OUT:-.device/gpu-out}/gpu-suite
mkdir -p "$out"

if [[ ! -x $dsrun ]]; then
  echo "gpu-suite: $dsrun is missing (run scripts/pack-device.sh here first)" >&2
  exit 1
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader

# Adds a table row for case $1 from its exit code $2 and log $3.
record() {
  local name=$1 rc=$2 log=$3 status errors timing
  if [[ $rc -eq 0 ]]; then
    status=pass
    passed=$((passed + 1))
  else
    status="FAIL(rc=$rc)"
    failed=$((failed + 1))
  fi
  # "check y: ok max abs err 1e-06, max rel err 2e-05, rel l2 err 3e-06"
  #   -> "y 1e-06/3e-06"
  errors=$(sed -n 's/^check \([^:]*\): [A-Za-z]* max abs err \([^,]*\), max rel err [^,]*, rel l2 err \([^ ]*\).*/\1 \2\/\3/p' "$log" | paste -sd' ')
  # The last bench line is the model's (a large case also times its fp32 build).
  timing=$(sed -n 's/^bench: [0-9]* replays: median \([^ ]*\) ms.*; \(.*\)$/\1 ms, \2/p' "$log" | tail -n 1)
  rows+=("$name|$status|${errors:--}|${timing:--}")
  if [[ $rc -ne 0 ]]; then
    echo "--- $name (exit $rc), last lines of $log:" >&2
    tail -n 5 "$log" >&2
  fi
}

passed=0
failed=0
rows=()
# Outputs go to a scratch folder, not $OUT (only logs come back).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# CASES: the names to run (all when empty).
selected() { [[ -z ${CASES:-} || " $CASES " == *" $1 "* ]]; }
for dir in .device/gpu/*/; do
  name=$(basename "$dir")
  [[ -f $dir/model.dsx ]] && selected "$name" || continue
  log=$out/$name.log
  # The case's tolerances (prepare.sh says why), else RTOL/ATOL.
  tol=(--rtol="$rtol" --atol="$atol")
  [[ -s $dir/check_args ]] && read -r -a tol <"$dir/check_args"
  # Cases with state that outlives a run are checked at their last run (prepare.sh).
  runs=()
  [[ -s $dir/run_args ]] && read -r -a runs <"$dir/run_args"
  "${runner[@]}" "$dsrun" "$dir/model.dsx" --random_weights=1 --inputs="$dir/inputs" \
    "${runs[@]}" --check="$dir/ref" "${tol[@]}" --out="$scratch/$name" \
    --bench="$bench" >"$log" 2>&1
  record "$name" "$?" "$log"
done

# Large shapes: the -O0 fp32 build's outputs are the reference (LARGE=0 skips;
# under the sanitizer they are skipped unless LARGE=1).
if [[ ${LARGE:-$((1 - sanitize))} == 1 ]]; then
  for dir in .device/gpu-large/*/; do
    name=$(basename "$dir")
    [[ -f $dir/model.dsx && -f $dir/fp32.dsx ]] && selected "$name" || continue
    log=$out/large-$name.log
    # Saved inputs when the case has them (interpreter reference), else random ones.
    inputs=(--seed=7)
    [[ -d $dir/inputs ]] && inputs=(--inputs="$dir/inputs")
    read -r -a tol <"$dir/check_args_fp32"
    {
      echo "== fp32 -O0 reference build"
      "${runner[@]}" "$dsrun" "$dir/fp32.dsx" --random_weights=1 "${inputs[@]}" \
        --out="$scratch/$name-ref" --bench="$bench" &&
        echo "== model, checked against the fp32 build" &&
        "${runner[@]}" "$dsrun" "$dir/model.dsx" --random_weights=1 "${inputs[@]}" \
          --check="$scratch/$name-ref" "${tol[@]}" --bench="$bench" &&
        if [[ -d $dir/ref ]]; then
          read -r -a tol <"$dir/check_args"
          echo "== model, checked against the interpreter" &&
            "${runner[@]}" "$dsrun" "$dir/model.dsx" --random_weights=1 "${inputs[@]}" \
              --check="$dir/ref" "${tol[@]}"
        fi
    } >"$log" 2>&1
    record "$name (large)" "$?" "$log"
    rm -rf "${scratch:?}/$name-ref"
  done
fi

printf '%-20s %-12s %-34s %s\n' case result "max abs / rel l2 error" "median time, throughput"
for row in "${rows[@]}"; do
  IFS='|' read -r name status errors timing <<<"$row"
  printf '%-20s %-12s %-34s %s\n' "$name" "$status" "$errors" "$timing"
done
echo "gpu-suite: $passed passed, $failed failed${runner:+ (under compute-sanitizer memcheck)}"
[[ $failed -eq 0 ]]
