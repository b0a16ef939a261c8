#!/usr/bin/env bash
# CPU side of the GPU suite: compiles each model to a .dsx, runs the reference interpreter on
# it with the same random weights (--random-weights 1) and saves its inputs and outputs, all
# under .device/gpu/<case>/ (ignored by git, carried to the GPU machine; scripts/pack-device.sh
# packs dsrun and its libraries beside it). test/gpu/run.sh runs the cases there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.device/gpu
rm -rf "$out" && mkdir -p "$out"
# name | model | -D overrides (small shapes, so the interpreter's reference is quick)
cases=(
  "mlp|examples/mlp.dsg|"
  "moe_layer|examples/moe_layer.dsg|"
  "llama|examples/llama.dsg|"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name model defs <<<"$c"
  dir="$out/$name"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  build/bin/dsc "$model" $defs -o "$dir/model.dsx"
  # shellcheck disable=SC2086
  build/bin/dsc-interp "$model" $defs --random-weights 1 --seed 7 \
    --save-inputs "$dir/inputs" --out "$dir/ref" >/dev/null
  echo "prepared $name"
done
