#!/usr/bin/env bash
# dsrun with and without GEMM tuning at load (runtime/exec/GemmTuning.h) on the bench
# artifacts (bench/prepare.sh), in one process each: `--bench` medians of CUDA graph replays.
#   bash bench/gemm_tune.sh [ITERS]     on the GPU machine, after scripts/pack-device.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
iters=${1:-100}
for dsx in llama_layer llama_layer_fp8 llama_layer_fp8_tensor moe_layer-v3; do
  for tune in 0 5; do
    line=$(.device/bin/dsrun ".device/bench/$dsx.dsx" --random_weights=1 --seed=7 \
      --bench="$iters" --gemm_tune=$tune 2>&1 | grep -E "^(bench|gemm tuning|dsrun)")
    echo "$dsx --gemm_tune=$tune: $line"
  done
done
