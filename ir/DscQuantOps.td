//===- DscQuantOps.td - FP8 quantization and scaled matmul -*- tablegen -*-===//
//
// The ops `dsc-precision` introduces for FP8 (docs/precision.md): a weight
// quantized when the weights load, activations quantized on the fly, and the
// product of two scaled fp8 operands. Values are f8E4M3FN; scales are f32 in
// the layouts cuBLASLt's scale modes read (runtime/support/Fp8Quant.h).
// Recipes: "blockwise" (DeepSeek-V3: 1 x 128 tiles of activations, 128 x 128
// blocks of weights) and "tensor" (one scale per tensor, from its amax, or for
// activations with `amax_history`, from the amaxes of previous runs).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_QUANT_OPS_TD
#define DSC_QUANT_OPS_TD

def Dsc_QuantizedParamOp : Dsc_Op<"quantized_param"> {
  let summary = "a weight stored in fp8, quantized when the weights load";
  let description = [{
    The weight `name` as the weights file holds it (`source_type`, a `[K, N]` float matrix),
    quantized with `recipe` once, when the weights load: `values` is the weight transposed to
    `[N, K]` in f8E4M3FN, `scales` is `[N/128, K/128]` (blockwise) or `[1]` (tensor) f32.

    ```mlir
    %w, %ws = dsc.quantized_param "w" {recipe = "blockwise", source_type = tensor<256x384xbf16>}
        : tensor<384x256xf8E4M3FN>, tensor<3x2xf32>
    ```

    On a device mesh a rank quantizes only the part of the weight it reads (docs/precision.md,
    "On a mesh"): the box of `source_type` that starts at `source_start` (zeros if absent; a
    piece of a fused weight) and is `[K, N]` times the group sizes of `split_axes`, cut over
    the mesh axes `split_axes` lists per dim of `[K, N]` (outermost first, as `dsc.split_axes`
    on a param). `values` and `scales` are then the rank's `[N, K]` and its scales, computed
    from its slice alone.

    ```mlir
    %w, %ws = dsc.quantized_param "wqkv" {recipe = "blockwise", source_start = array<i64: 0, 256>,
        source_type = tensor<256x512xbf16>, split_axes = [array<i32>, array<i32: 0>]}
        : tensor<64x256xf8E4M3FN>, tensor<1x2xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, TypeAttr:$source_type, StrAttr:$recipe,
      OptionalAttr<ArrayAttr>:$split_axes, OptionalAttr<DenseI64ArrayAttr>:$source_start);
  let results = (outs Dsc_Tensor:$values, Dsc_Tensor:$scales);
  let assemblyFormat = "$name attr-dict `:` type($values) `,` type($scales)";
  let hasVerifier = 1;
}

def Dsc_QuantizeOp : Dsc_Op<"quantize"> {
  let summary = "activations to fp8 values and scales";
  let description = [{
    `x` is `[..., K]`, read as `[rows, K]`. `values` has `x`'s shape in f8E4M3FN; `scales` is
    `[K/128, rows]` (blockwise: one per 1 x 128 tile, rows contiguous) or `[1]` (tensor).
    Each group's scale is `amax / 448` (1 for an all-zero group) and each value
    `e4m3(x / scale)`, rounded to nearest even with saturation.

    With `amax_history = N` (the tensor recipe only: `--fp8-recipe=delayed`) the op has
    state that outlives a run: the amaxes of x in its last N runs, zero before the first.
    The scale is `max(history) / 448`, or, while the history holds no positive finite
    amax (the first run), the current `amax / 448`; values beyond the delayed range
    saturate to +-448. Then this run's amax replaces the oldest one
    (runtime/support/Fp8Quant.h).

    ```mlir
    %q, %s = dsc.quantize %x {recipe = "blockwise"}
        : tensor<2x16x256xbf16> -> tensor<2x16x256xf8E4M3FN>, tensor<2x32xf32>
    %d, %ds = dsc.quantize %x {recipe = "tensor", amax_history = 16 : i64}
        : tensor<2x16x256xbf16> -> tensor<2x16x256xf8E4M3FN>, tensor<1xf32>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, StrAttr:$recipe,
      OptionalAttr<I64Attr>:$amax_history);
  let results = (outs Dsc_Tensor:$values, Dsc_Tensor:$scales);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($values) `,` type($scales)";
  let hasVerifier = 1;
}

def Dsc_ScaledMatmulOp : Dsc_Op<"scaled_matmul"> {
  let fusionKind = "matmul";
  let summary = "product of an fp8 activation and an fp8 weight, each with its scales";
  let description = [{
    `a` `[..., K]` with `a_scales` as `dsc.quantize` makes them, `b` `[N, K]` (the weight
    transposed) with `b_scales` as `dsc.quantized_param` makes them, both under `recipe`.
    The result `[..., N]` (bf16, f16 or f32) is `sum_k a[r, k] b[n, k] sa sb` with each
    product scaled by its groups' scales and f32 accumulation, plus `addend` (of the
    result's type) when given, rounded once.

    ```mlir
    %y = dsc.scaled_matmul %q, %s, %w, %ws {recipe = "blockwise"}
        : (tensor<32x256xf8E4M3FN>, tensor<2x32xf32>, tensor<384x256xf8E4M3FN>,
           tensor<3x2xf32>) -> tensor<32x384xbf16>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$a, Dsc_Tensor:$a_scales, Dsc_Tensor:$b,
      Dsc_Tensor:$b_scales, Optional<Dsc_FloatTensor>:$addend, StrAttr:$recipe);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = [{
    $a `,` $a_scales `,` $b `,` $b_scales (`,` $addend^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // DSC_QUANT_OPS_TD
