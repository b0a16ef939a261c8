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
m=test/gpu/models
# Tolerances of `dsrun --check` against the interpreter. Both round every op's
# result to its type, so they differ only where a sum runs in another order
# (cuBLASLt, warp reductions, the attention kernel's online softmax and its P
# rounded to bf16/f16, as FlashAttention does) and a rounding then flips.
# f32 models: element-wise, rtol 1e-2 atol 1e-3. bf16/f16 models: one flip is
# 2^-8 relative, and flips propagate from layer to layer, so near-zero elements
# (residual sums that cancel) carry their neighbours' absolute error; these are
# checked with the relative Frobenius error (at most 2e-2, a wrong kernel gives
# O(1)) plus a loose element-wise bound that still catches a wrong element.
f32tol="--rtol=1e-2 --atol=1e-3"
lowtol="--rtol=0.1 --atol=0.1 --max_rel_l2=2e-2"
fp8tol="--rtol=1 --atol=1 --max_rel_l2=5e-2"
# FP8 (--precision=fp8): the interpreter runs the model as dsc compiled it (--emit=mlir), so
# both sides quantize with the same code (runtime/support/Fp8Quant.h) and get the same e4m3
# values and scales; they differ where cuBLASLt sums in another order, a bf16 rounding flips
# and a later quantization then rounds that element to a neighbouring e4m3 value: a step of
# 2^-3 relative (2^-8 for bf16), more still for small values under one per-tensor scale.
# Measured on the H100: 0.0285 for the per-tensor case; a wrong scale layout gave 0.73. So
# the relative Frobenius bound is 0.05.
# Delayed scaling (--fp8-recipe=delayed) is checked at run 3 (field 6: runs): run 0 reads an
# input x with an outlier (x.run0.npy: x[0, 0, 0] = 1000), so the amax histories of runs 1
# and 2 hold a larger amax than their own and their scales are delayed ones, not current.
# name | model | -D overrides (small shapes, so the interpreter's reference is quick) |
# tolerances | dsc flags | runs
cases=(
  "mlp|examples/mlp.dsg||$f32tol"
  "moe_layer|examples/moe_layer.dsg||$lowtol"
  "llama|examples/llama.dsg||$lowtol"
  "llama_layer|examples/llama_layer.dsg|-D B=2 -D T=80 -D D=256 -D H=4 -D HKV=2 -D F=512|$lowtol"
  "llama-7b|examples/llama-7b.dsg|-D B=1 -D T=128 -D V=512 -D L=2 -D D=256 -D H=2 -D HKV=2 -D F=688|$lowtol"
  "moe_layer-v3|examples/moe_layer-v3.dsg|-D B=2 -D T=32 -D D=128 -D FE=64 -D E=16 -D G=4 -D TG=2 -D K=4|$lowtol"
  # The generated attention kernels (--attention=generated; the examples above take cuDNN's
  # where it can run them): tensor cores (bf16, f16; head sizes 64 and 128, DV != DH), the f32
  # one, causal with TK > TQ, and TQ > TK where early queries see no key.
  "attn_bf16|$m/attention.dsg||$lowtol|--attention=generated"
  "attn_bf16_d128|$m/attention.dsg|-D B=1 -D TQ=256 -D TK=256 -D HQ=4 -D HKV=4 -D DH=128 -D DV=128|$lowtol|--attention=generated"
  "attn_bf16_tq_gt_tk|$m/attention.dsg|-D TQ=70 -D TK=50 -D DV=32|$lowtol|--attention=generated"
  "attn_f16|$m/attention_f16.dsg|-D DH=128|$lowtol|--attention=generated"
  "attn_f32|$m/attention_f32.dsg|-D DH=48 -D DV=40|$f32tol"
  # cuDNN's fused flash attention (--attention=cudnn; runtime/exec/CudnnAttention.h): causal
  # grouped-query bf16 (head sizes 64 and 128), causal with TQ < TK (bottom-right aligned),
  # f16 without the mask with TQ < TK and TQ > TK, sizes that are not multiples of 64.
  "attn_cudnn_bf16|$m/attention.dsg|-D TQ=128 -D TK=128|$lowtol|--attention=cudnn"
  "attn_cudnn_bf16_d128|$m/attention.dsg|-D B=1 -D TQ=256 -D TK=256 -D HQ=4 -D HKV=4 -D DH=128 -D DV=128|$lowtol|--attention=cudnn"
  "attn_cudnn_bf16_tq_lt_tk|$m/attention.dsg|-D TQ=64 -D TK=192 -D DH=128 -D DV=128|$lowtol|--attention=cudnn"
  "attn_cudnn_f16|$m/attention_f16.dsg|-D DH=128 -D DV=128|$lowtol|--attention=cudnn"
  "attn_cudnn_f16_tq_gt_tk|$m/attention_f16.dsg|-D TQ=130 -D TK=70|$lowtol|--attention=cudnn"
  # The fused kernels (dsc-fuse-elementwise): row kernels with a prologue and two outputs,
  # broadcasts along rows and columns, a masked softmax, odd extents.
  "fusion|$m/fusion.dsg||$lowtol"
  # Rope kernels: splits folded with their ropes (dsc-fuse-split-rope), interleaved pairs,
  # per-batch positions, more units than threads, plain ropes with scalar accesses. The angles
  # are f32 on both sides (sincosf here, std::sin/cos there): a bf16 flip is 2^-8 relative.
  "rope|$m/rope.dsg||$f32tol"
  # Expert parallelism's dispatch and combine kernels (moe_local_rows, moe_dispatch_local,
  # moe_combine_local) on one GPU with rank 1 of ep=2's token and expert ids, capacity below
  # the mean load: buf is copied rows (exact), y sums in the interpreter's choice order in f32.
  "moe_local|$m/moe_local.mlir||$f32tol"
  # TF32: the interpreter rounds the GEMM inputs to 10 mantissa bits (to nearest even) as the
  # f32 model is compiled; cuBLASLt's own conversion may differ in a last bit.
  "mlp_tf32|examples/mlp.dsg||$f32tol|--precision=tf32"
  "llama_layer_fp8|examples/llama_layer.dsg|-D B=2 -D T=80 -D D=256 -D H=4 -D HKV=2 -D F=512|$fp8tol|--precision=fp8"
  "llama_layer_fp8_tensor|examples/llama_layer.dsg|-D B=2 -D T=80 -D D=256 -D H=4 -D HKV=2 -D F=320|$fp8tol|--precision=fp8 --fp8-recipe=tensor"
  "llama_layer_fp8_delayed|examples/llama_layer.dsg|-D B=2 -D T=80 -D D=256 -D H=4 -D HKV=2 -D F=320|$fp8tol|--precision=fp8 --fp8-recipe=delayed --fp8-amax-history=4|3"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name model defs tol flags runs <<<"$c"
  dir="$out/$name"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  build/bin/dsc "$model" $defs $flags -o "$dir/model.dsx"
  interp=("$model" $defs)
  if [[ -n $flags ]]; then
    # shellcheck disable=SC2086
    build/bin/dsc "$model" $defs $flags --emit=mlir -o "$dir/model.mlir"
    interp=("$dir/model.mlir")
  fi
  build/bin/dsc-interp "${interp[@]}" --random-weights 1 --seed 7 \
    --save-inputs "$dir/inputs" --out "$dir/ref" >/dev/null
  if [[ -n $runs ]]; then
    python3 test/gpu/with_outlier.py "$dir/inputs/x.run0.npy" "$dir/inputs/x.npy"
    build/bin/dsc-interp "${interp[@]}" --random-weights 1 --inputs "$dir/inputs" \
      --runs "$runs" --out "$dir/ref" >/dev/null
    echo "--runs=$runs" >"$dir/run_args"
  fi
  echo "$tol" >"$dir/check_args"
  echo "prepared $name"
done

# Large shapes: each model is also built at -O0 with --precision=fp32 (f32 compute on the same
# bf16 weights and inputs, outputs in the model's own types), and run.sh checks the normal
# build against that build's outputs on the GPU, with the low-precision tolerances above.
# An MoE layer routes each token by a top-k over scores computed from bf16 activations in
# one build and f32 ones in the other: near-ties pick other experts for some tokens, and
# those tokens' outputs differ by O(1). So the MoE case is checked against the interpreter
# at full size as well (same bf16 semantics; about 30 s here), and its fp32 comparison only
# bounds the relative Frobenius error at 0.1. Even against the interpreter, a score that
# ties to within f32 summation order can route one token elsewhere (measured on the H100,
# 2026-11-24: 1493 elements, under one 2048-wide row, off by up to 1.65, relative Frobenius
# error 0.0072), so MoE outputs are held to the relative Frobenius bound alone.
# Field 4: "interp" for that; "fp8" builds the model with --precision=fp8, "fp8-tensor" and
# "fp8-delayed" with the other two recipes as well (their times are compared in bench/RESULTS.md);
# "O1" makes the reference build (fp32.dsx) the same model at -O1 instead, and the check exact.
large=.device/gpu-large
rm -rf "$large" && mkdir -p "$large"
# llama_layer_fp8: fp8 e4m3 GEMMs (blockwise recipe) against the same fp32 build: each
# product carries about 5% relative error (3 mantissa bits on both operands; the
# interpreter measures 0.061 for this layer at small shapes), so the bound is 0.1.
large_cases=(
  "llama_layer|examples/llama_layer.dsg||"
  "llama_layer_fp8|examples/llama_layer.dsg||fp8"
  "llama_layer_fp8_tensor|examples/llama_layer.dsg||fp8-tensor"
  "llama_layer_fp8_delayed|examples/llama_layer.dsg||fp8-delayed"
  "llama-7b_L2|examples/llama-7b.dsg|-D B=1 -D L=2|"
  "moe_layer-v3|examples/moe_layer-v3.dsg||interp"
  # Quantization fused into rms_norm, softmax and silu*mul kernels (-O2) against the quantize
  # kernels of their own (-O1): the same values and scales, bit for bit.
  "fused_quantize|$m/fused_quantize.mlir||O1"
)
for c in "${large_cases[@]}"; do
  IFS='|' read -r name model defs ref <<<"$c"
  dir="$large/$name"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  flags=()
  [[ $ref == fp8* ]] && flags=(--precision=fp8)
  [[ $ref == fp8-* ]] && flags+=(--fp8-recipe="${ref#fp8-}")
  # shellcheck disable=SC2086
  build/bin/dsc "$model" $defs "${flags[@]}" -o "$dir/model.dsx"
  ref_flags=(-O0 --precision=fp32)
  [[ $ref == O1 ]] && ref_flags=(-O1)
  # shellcheck disable=SC2086
  build/bin/dsc "$model" $defs "${ref_flags[@]}" -o "$dir/fp32.dsx"
  if [[ $ref == O1 ]]; then
    echo "--rtol=0 --atol=0" >"$dir/check_args_fp32"
  elif [[ $ref == fp8* ]]; then
    echo "--rtol=1e9 --atol=1e9 --max_rel_l2=0.1" >"$dir/check_args_fp32"
  elif [[ $ref == interp ]]; then
    # shellcheck disable=SC2086
    build/bin/dsc-interp "$model" $defs --random-weights 1 --seed 7 \
      --save-inputs "$dir/inputs" --out "$dir/ref" >/dev/null
    echo "--rtol=1e9 --atol=1e9 --max_rel_l2=2e-2" >"$dir/check_args"
    echo "--rtol=1e9 --atol=1e9 --max_rel_l2=0.1" >"$dir/check_args_fp32"
  else
    echo "$lowtol" >"$dir/check_args_fp32"
  fi
  extra=""
  [[ $ref == interp ]] && extra=" and an interpreter reference"
  [[ $ref == fp8* ]] && extra=" (the model built with ${flags[*]})"
  [[ $ref == O1 ]] && extra=" (the reference build is -O1, not -O0 fp32)"
  echo "prepared $name (large): the model, its -O0 fp32 build$extra"
done
