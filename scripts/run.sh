#!/usr/bin/env bash
# The main job: set up, build, compile examples/llama.dsg to an artifact and run it, with dsrun
# on the GPU when there is one, otherwise through the reference interpreter, and say which.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
model=examples/llama.dsg
echo "== dsc $model --emit=summary"
build/bin/dsc "$model" --emit=summary
# A GPU is there when the driver answers and dsrun was built (it needs the CUDA toolkit).
if [[ -x build/bin/dsrun ]] && command -v nvidia-smi >/dev/null 2>&1 &&
  nvidia-smi -L >/dev/null 2>&1; then
  echo "== GPU found: dsc $model -o build/llama.dsx; dsrun on $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"
  build/bin/dsc "$model" -o build/llama.dsx
  build/bin/dsrun build/llama.dsx --random_weights=1 --seed=7 --out=build/llama-out --bench=20
  echo "== ran on the GPU with dsrun; outputs in build/llama-out/"
else
  echo "== no GPU here: running $model through the reference interpreter (dsc-interp)"
  build/bin/dsc-interp "$model" --random-weights 1 --seed 7 --out build/llama-out
  echo "== ran on the CPU with dsc-interp; outputs in build/llama-out/"
fi
