#!/usr/bin/env bash
# The main job: set up, build, compile examples/llama.dsg and print a summary of its IR.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
echo "== dsc examples/llama.dsg --emit=summary"
build/bin/dsc examples/llama.dsg --emit=summary
