#!/usr/bin/env bash
# CPU side of the benchmarks: compiles the artifacts that bench/*.py run with dsrun on the GPU
# machine into .device/bench/ (carried with .device/; scripts/pack-device.sh packs dsrun).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .device/bench
build/bin/dsc examples/llama_layer.dsg -o .device/bench/llama_layer.dsx
build/bin/dsc examples/llama_layer.dsg --precision=fp8 -o .device/bench/llama_layer_fp8.dsx
build/bin/dsc examples/llama_layer.dsg --precision=fp8 --fp8-recipe=tensor \
  -o .device/bench/llama_layer_fp8_tensor.dsx
# bench/fp8_accuracy.py: B=1, the same widths.
build/bin/dsc examples/llama_layer.dsg -D B=1 -o .device/bench/acc_bf16.dsx
build/bin/dsc examples/llama_layer.dsg -D B=1 --precision=fp8 -o .device/bench/acc_fp8.dsx
build/bin/dsc examples/llama_layer.dsg -D B=1 --precision=fp8 --fp8-recipe=tensor \
  -o .device/bench/acc_fp8_tensor.dsx
build/bin/dsc examples/llama_layer.dsg -D B=1 --precision=fp8 --fp8-recipe=delayed \
  -o .device/bench/acc_fp8_delayed.dsx
build/bin/dsc examples/moe_layer-v3.dsg -o .device/bench/moe_layer-v3.dsx
# bench/attention.py: cuDNN's fused attention (--attention=auto picks it here) and the
# generated kernel, on the same shapes.
attn=(test/gpu/models/attention.dsg -D B=4 -D TQ=2048 -D TK=2048 -D HQ=32 -D HKV=8 -D DH=128
  -D DV=128)
build/bin/dsc "${attn[@]}" --attention=cudnn -o .device/bench/attention.dsx
build/bin/dsc "${attn[@]}" --attention=generated -o .device/bench/attention_generated.dsx
build/bin/dsc examples/llama_layer.dsg --attention=generated \
  -o .device/bench/llama_layer_generated.dsx
echo "bench artifacts in .device/bench/"
