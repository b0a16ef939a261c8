//===- DscOps.td - dsc dialect operations ------------------*- tablegen -*-===//
//
// The ops of the dsc graph dialect. docs/ops.md states the numerics (rounding, accumulation)
// that every op shares; each description here states the op's own semantics.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_OPS_TD
#define DSC_OPS_TD

include "ir/DscBase.td"
include "ir/DscInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Dsc_FloatTensor : StaticShapeTensorOf<[F32, BF16, F16, F8E4M3FN, F8E5M2]>;
def Dsc_NumTensor : StaticShapeTensorOf<[F32, BF16, F16, F8E4M3FN, F8E5M2, I32, I64]>;
def Dsc_Tensor : StaticShapeTensorOf<[F32, BF16, F16, F8E4M3FN, F8E5M2, I1, I32, I64]>;
def Dsc_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def Dsc_BoolTensor : StaticShapeTensorOf<[I1]>;
def Dsc_F32Tensor : StaticShapeTensorOf<[F32]>;
def Dsc_I32Tensor : StaticShapeTensorOf<[I32]>;

class Dsc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Dsc_Dialect, mnemonic, !listconcat(traits, [Pure, Dsc_FusionKindOpInterface])> {
  // A case of Dsc_FusionKind (ir/DscInterfaces.td); each op family sets its own.
  string fusionKind = "opaque";
  let extraClassDeclaration = "::dsc::FusionKind getFusionKind() { return ::dsc::FusionKind::"
      # fusionKind # "; }";
}

//===----------------------------------------------------------------------===//
// Graph leaves
//===----------------------------------------------------------------------===//

def Dsc_ParamOp : Dsc_Op<"param"> {
  let summary = "a named weight of the model";
  let description = [{
    A model parameter. `name` is the key of the tensor in a safetensors file; two `dsc.param`
    ops with the same name denote one shared tensor and must have the same type.

    ```mlir
    %wq = dsc.param "layers.0.wq" : tensor<256x256xbf16>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Dsc_ConstantOp : Dsc_Op<"constant", [ConstantLike, InferTypeOpAdaptor]> {
  let fusionKind = "injective";
  let summary = "a literal tensor";
  let description = [{
    ```mlir
    %c = dsc.constant dense<1.0> : tensor<4xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Dsc_IotaOp : Dsc_Op<"iota"> {
  let fusionKind = "injective";
  let summary = "indices along one dimension";
  let description = [{
    The element at index `(i0, ..., in)` is `i_dimension`.

    ```mlir
    %pos = dsc.iota {dimension = 0 : i64} : tensor<16xi32>
    ```
  }];
  let arguments = (ins I64Attr:$dimension);
  let results = (outs Dsc_NumTensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Dsc_UnaryOp<string mnemonic, Type operandType, string formula, list<Trait> traits = []>
    : Dsc_Op<mnemonic, !listconcat(traits, [SameOperandsAndResultType])> {
  let fusionKind = "elementwise";
  let summary = "elementwise " # mnemonic;
  let description = "Elementwise `" # formula # "`.\n\n```mlir\n%y = dsc." # mnemonic #
      " %x : tensor<4x8xbf16>\n```";
  let arguments = (ins operandType:$x);
  let results = (outs operandType:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def Dsc_NegOp : Dsc_UnaryOp<"neg", Dsc_NumTensor, "-x"> { let hasFolder = 1; }
def Dsc_AbsOp : Dsc_UnaryOp<"abs", Dsc_NumTensor, "|x|">;
def Dsc_ReluOp : Dsc_UnaryOp<"relu", Dsc_NumTensor, "max(x, 0)">;
def Dsc_ExpOp : Dsc_UnaryOp<"exp", Dsc_FloatTensor, "e^x">;
def Dsc_LogOp : Dsc_UnaryOp<"log", Dsc_FloatTensor, "ln(x)">;
def Dsc_SqrtOp : Dsc_UnaryOp<"sqrt", Dsc_FloatTensor, "sqrt(x)">;
def Dsc_RsqrtOp : Dsc_UnaryOp<"rsqrt", Dsc_FloatTensor, "1 / sqrt(x)">;
def Dsc_TanhOp : Dsc_UnaryOp<"tanh", Dsc_FloatTensor, "tanh(x)">;
def Dsc_SigmoidOp : Dsc_UnaryOp<"sigmoid", Dsc_FloatTensor, "1 / (1 + e^-x)">;
def Dsc_SiluOp : Dsc_UnaryOp<"silu", Dsc_FloatTensor, "x * sigmoid(x)">;

def Dsc_GeluOp : Dsc_Op<"gelu", [SameOperandsAndResultType]> {
  let fusionKind = "elementwise";
  let summary = "elementwise GELU, exact or tanh-approximated";
  let description = [{
    `none`: `0.5 x (1 + erf(x / sqrt(2)))`; `tanh`: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.

    ```mlir
    %y = dsc.gelu %x {approximate = #dsc.gelu<tanh>} : tensor<4x8xbf16>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x,
      DefaultValuedAttr<Dsc_GeluApproximationAttr, "::dsc::GeluApproximation::none">:$approximate);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def Dsc_PowOp : Dsc_Op<"pow", [SameOperandsAndResultType]> {
  let fusionKind = "elementwise";
  let summary = "elementwise power by a constant exponent";
  let description = [{
    ```mlir
    %y = dsc.pow %x {exponent = 2.0 : f64} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, F64Attr:$exponent);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let hasFolder = 1;
}

class Dsc_BinaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Dsc_Op<mnemonic, !listconcat(traits, [SameOperandsAndResultType])> {
  let fusionKind = "elementwise";
  let summary = "elementwise " # mnemonic;
  let description = "Elementwise `" # formula # "` of two tensors of one type; broadcast "
      "explicitly with `dsc.broadcast`.\n\n```mlir\n%z = dsc." # mnemonic #
      " %x, %y : tensor<4x8xf32>\n```";
  let arguments = (ins Dsc_NumTensor:$lhs, Dsc_NumTensor:$rhs);
  let results = (outs Dsc_NumTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Dsc_AddOp : Dsc_BinaryOp<"add", "lhs + rhs", [Commutative]> { let hasFolder = 1; }
def Dsc_SubOp : Dsc_BinaryOp<"sub", "lhs - rhs"> { let hasFolder = 1; }
def Dsc_MulOp : Dsc_BinaryOp<"mul", "lhs * rhs", [Commutative]> { let hasFolder = 1; }
def Dsc_DivOp : Dsc_BinaryOp<"div", "lhs / rhs"> { let hasFolder = 1; }
def Dsc_MaxOp : Dsc_BinaryOp<"max", "max(lhs, rhs), NaN-propagating", [Commutative]>;
def Dsc_MinOp : Dsc_BinaryOp<"min", "min(lhs, rhs), NaN-propagating", [Commutative]>;

def Dsc_CompareOp : Dsc_Op<"compare", [InferTypeOpAdaptor, AllTypesMatch<["lhs", "rhs"]>]> {
  let fusionKind = "elementwise";
  let summary = "elementwise comparison to i1";
  let description = [{
    Ordered comparison; NaN compares false except under `ne`.

    ```mlir
    %m = dsc.compare %a, %b {predicate = #dsc.predicate<lt>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
    ```
  }];
  let arguments = (ins Dsc_NumTensor:$lhs, Dsc_NumTensor:$rhs,
      Dsc_ComparePredicateAttr:$predicate);
  let results = (outs Dsc_BoolTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Dsc_SelectOp : Dsc_Op<"select", [AllTypesMatch<["on_true", "on_false", "result"]>]> {
  let fusionKind = "elementwise";
  let summary = "elementwise choice by an i1 mask";
  let description = [{
    ```mlir
    %z = dsc.select %m, %a, %b : tensor<8xi1>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Dsc_BoolTensor:$cond, Dsc_Tensor:$on_true, Dsc_Tensor:$on_false);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$cond `,` $on_true `,` $on_false attr-dict `:` type($cond) `,` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dsc_CastOp : Dsc_Op<"cast"> {
  let fusionKind = "elementwise";
  let summary = "elementwise element-type conversion";
  let description = [{
    Float to float rounds to nearest even (f8E4M3FN saturates); float to int truncates toward
    zero and saturates (NaN becomes 0); int to float rounds.

    ```mlir
    %y = dsc.cast %x : tensor<4x8xbf16> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$x);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Broadcast and shape
//===----------------------------------------------------------------------===//

def Dsc_BroadcastOp : Dsc_Op<"broadcast"> {
  let fusionKind = "broadcast";
  let summary = "explicit broadcast to a larger shape";
  let description = [{
    Operand dimension `i` maps to result dimension `dims[i]` (strictly increasing); each
    operand dimension is 1 or equal to its result dimension.

    ```mlir
    %y = dsc.broadcast %x {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$x, DenseI64ArrayAttr:$dims);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dsc_ReshapeOp : Dsc_Op<"reshape"> {
  let fusionKind = "injective";
  let summary = "row-major reinterpretation with the same element count";
  let description = [{
    ```mlir
    %y = dsc.reshape %x : tensor<2x16x256xbf16> -> tensor<2x16x8x32xbf16>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$x);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dsc_TransposeOp : Dsc_Op<"transpose", [InferTypeOpAdaptor]> {
  let fusionKind = "injective";
  let summary = "permutes dimensions";
  let description = [{
    Result dimension `i` is operand dimension `permutation[i]`.

    ```mlir
    %y = dsc.transpose %x {permutation = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$x, DenseI64ArrayAttr:$permutation);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

def Dsc_SliceOp : Dsc_Op<"slice", [InferTypeOpAdaptor]> {
  let fusionKind = "injective";
  let summary = "strided static slice";
  let description = [{
    Per dimension, `0 <= start <= limit <= size` and `stride >= 1`; the result dimension is
    `ceil((limit - start) / stride)`.

    ```mlir
    %y = dsc.slice %x {start = array<i64: 0, 2>, limit = array<i64: 4, 6>, stride = array<i64: 1, 1>}
        : tensor<4x8xf32> -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$x, DenseI64ArrayAttr:$start, DenseI64ArrayAttr:$limit,
      DenseI64ArrayAttr:$stride);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

def Dsc_ConcatOp : Dsc_Op<"concat", [InferTypeOpAdaptor]> {
  let fusionKind = "injective";
  let summary = "joins tensors along one axis";
  let description = [{
    ```mlir
    %y = dsc.concat %a, %b {axis = 1 : i64} : (tensor<4x2xf32>, tensor<4x6xf32>) -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Dsc_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasFolder = 1;
}

def Dsc_SplitOp : Dsc_Op<"split", [InferTypeOpAdaptor]> {
  let fusionKind = "injective";
  let summary = "cuts a tensor into pieces along one axis";
  let description = [{
    One result per entry of `sizes`, which sum to the size of `axis`.

    ```mlir
    %q, %k = dsc.split %x {axis = 1 : i64, sizes = array<i64: 6, 2>} : tensor<4x8xf32> -> tensor<4x6xf32>, tensor<4x2xf32>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$x, I64Attr:$axis, DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Dsc_Tensor>:$results);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($results)";
}

def Dsc_GatherOp : Dsc_Op<"gather", [InferTypeOpAdaptor]> {
  let fusionKind = "injective";
  let summary = "takes rows of a table by index (embedding lookup)";
  let description = [{
    `numpy.take(table, indices, axis)`: the result shape is
    `table.shape[:axis] ++ indices.shape ++ table.shape[axis+1:]`. Out-of-range indices are
    clamped to the valid range.

    ```mlir
    %x = dsc.gather %embed, %tokens : (tensor<1000x256xbf16>, tensor<2x16xi32>) -> tensor<2x16x256xbf16>
    ```
  }];
  let arguments = (ins Dsc_Tensor:$table, Dsc_IndexTensor:$indices,
      DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Dsc_Tensor:$result);
  let assemblyFormat = "$table `,` $indices attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Reductions and row-wise ops
//===----------------------------------------------------------------------===//

class Dsc_ReduceOp<string mnemonic, string what>
    : Dsc_Op<mnemonic, [InferTypeOpAdaptor]> {
  let fusionKind = "reduction";
  let summary = what # " over axes";
  let description = "The " # what # " over `axes` (unique), accumulated in f32; `keepdims` "
      "keeps each reduced axis as size 1.\n\n```mlir\n%s = dsc." # mnemonic #
      " %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>\n```";
  let arguments = (ins Dsc_NumTensor:$x, DenseI64ArrayAttr:$axes,
      DefaultValuedAttr<BoolAttr, "false">:$keepdims);
  let results = (outs Dsc_NumTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def Dsc_ReduceSumOp : Dsc_ReduceOp<"reduce_sum", "sum">;
def Dsc_ReduceMaxOp : Dsc_ReduceOp<"reduce_max", "maximum">;
def Dsc_ReduceMeanOp : Dsc_ReduceOp<"reduce_mean", "mean">;

def Dsc_SoftmaxOp : Dsc_Op<"softmax", [SameOperandsAndResultType]> {
  let fusionKind = "rowwise";
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis`, in f32.

    ```mlir
    %p = dsc.softmax %x {axis = -1 : i64} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let hasVerifier = 1;
}

def Dsc_RmsNormOp : Dsc_Op<"rms_norm", [AllTypesMatch<["x", "result"]>]> {
  let fusionKind = "rowwise";
  let summary = "RMS normalization over the last axis";
  let description = [{
    `x * rsqrt(mean(x^2, last axis) + eps) * weight`, with `weight` of shape `[D]`.

    ```mlir
    %y = dsc.rms_norm %x, %w {eps = 1.0e-05 : f32} : tensor<2x16x256xbf16>, tensor<256xbf16>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, Dsc_FloatTensor:$weight,
      DefaultValuedAttr<F32Attr, "1.0e-6">:$eps);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$x `,` $weight attr-dict `:` type($x) `,` type($weight)";
  let hasVerifier = 1;
}

def Dsc_LayerNormOp : Dsc_Op<"layer_norm", [AllTypesMatch<["x", "result"]>]> {
  let fusionKind = "rowwise";
  let summary = "layer normalization over the last axis";
  let description = [{
    `(x - mean) * rsqrt(var + eps) * weight + bias` with the biased variance; `bias` is optional.

    ```mlir
    %y = dsc.layer_norm %x, %w, %b {eps = 1.0e-05 : f32} : tensor<2x256xf32>, tensor<256xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, Dsc_FloatTensor:$weight,
      Optional<Dsc_FloatTensor>:$bias, DefaultValuedAttr<F32Attr, "1.0e-5">:$eps);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $weight (`,` $bias^)? attr-dict `:` type($x) `,` type($weight) (`,` type($bias)^)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Matmul and transformer blocks
//===----------------------------------------------------------------------===//

def Dsc_MatmulOp : Dsc_Op<"matmul", [InferTypeOpAdaptor]> {
  let fusionKind = "matmul";
  let summary = "batched matrix product with optional transposes";
  let description = [{
    `a` is `[batch..., M, K]` (`[batch..., K, M]` with `transpose_a`), `b` is `[batch..., K, N]`
    (`[batch..., N, K]` with `transpose_b`) or a rank-2 matrix shared by every batch. The result
    is `[batch..., M, N]` of element type `out_type`, else `a`'s. Accumulation is f32; two fp8
    operand types may mix. With `addend` (of the result's type), the result is
    `a b + addend`, summed in f32 and rounded once (a GEMM epilogue: `dsc-fuse-gemm-epilogue`
    folds a residual `dsc.add` into it).

    ```mlir
    %y = dsc.matmul %x, %w : (tensor<2x16x256xbf16>, tensor<256x768xbf16>) -> tensor<2x16x768xbf16>
    %z = dsc.matmul %x, %w, %r : (tensor<2x16x256xbf16>, tensor<256x768xbf16>,
        tensor<2x16x768xbf16>) -> tensor<2x16x768xbf16>
    ```
  }];
  let arguments = (ins Dsc_NumTensor:$a, Dsc_NumTensor:$b, Optional<Dsc_NumTensor>:$addend,
      DefaultValuedAttr<BoolAttr, "false">:$transpose_a,
      DefaultValuedAttr<BoolAttr, "false">:$transpose_b,
      OptionalAttr<TypeAttr>:$out_type);
  let results = (outs Dsc_NumTensor:$result);
  let assemblyFormat = "$a `,` $b (`,` $addend^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Dsc_RopeOp : Dsc_Op<"rope", [AllTypesMatch<["x", "result"]>]> {
  let summary = "rotary position embedding";
  let description = [{
    `x` is `[..., T, H, Dh]` with even `Dh`; `positions` is `[T]` or `[B, T]` (then `x` is
    `[B, T, H, Dh]`). Pair `i < Dh/2` rotates by `pos * theta^(-2i/Dh)`; pairs are
    `(x_i, x_{i+Dh/2})` for `half` and `(x_{2i}, x_{2i+1})` for `interleaved`.

    ```mlir
    %q2 = dsc.rope %q, %pos {theta = 1.0e+04 : f64} : tensor<2x16x8x32xbf16>, tensor<16xi32>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, Dsc_IndexTensor:$positions,
      DefaultValuedAttr<F64Attr, "10000.0">:$theta,
      DefaultValuedAttr<Dsc_RopeStyleAttr, "::dsc::RopeStyle::half">:$style);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$x `,` $positions attr-dict `:` type($x) `,` type($positions)";
  let hasVerifier = 1;
}

def Dsc_AttentionOp : Dsc_Op<"attention", [InferTypeOpAdaptor]> {
  let fusionKind = "matmul";
  let summary = "scaled dot-product attention with grouped-query heads";
  let description = [{
    `q[B, Tq, Hq, Dh]`, `k[B, Tk, Hkv, Dh]`, `v[B, Tk, Hkv, Dv]` give `[B, Tq, Hq, Dv]` in q's
    element type. `Hq % Hkv == 0`; query head `h` reads kv head `h / (Hq / Hkv)`. `scale`
    defaults to `1/sqrt(Dh)`. With `causal`, query `i` sees keys `j <= i + (Tk - Tq)`.
    Softmax is computed in f32.

    ```mlir
    %o = dsc.attention %q, %k, %v {causal = true}
        : (tensor<2x16x8x32xbf16>, tensor<2x16x2x32xbf16>, tensor<2x16x2x32xbf16>) -> tensor<2x16x8x32xbf16>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$q, Dsc_FloatTensor:$k, Dsc_FloatTensor:$v,
      DefaultValuedAttr<BoolAttr, "false">:$causal, OptionalAttr<F64Attr>:$scale);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$q `,` $k `,` $v attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

def Dsc_RouterTopkOp : Dsc_Op<"router_topk", [InferTypeOpAdaptor]> {
  let summary = "DeepSeek-V3 group-limited top-k expert routing";
  let description = [{
    `logits[N, E]` and an optional selection bias `bias[E]` give `weights f32[N, k]` and
    `indices i32[N, k]`: scores are `sigmoid` or `softmax` of the logits; with `n_groups > 1`
    only the `topk_groups` groups with the largest sum of their two best biased scores stay
    eligible; the `k` best biased scores are chosen (ties to the lower index); the weights are
    the unbiased scores, divided by their sum when `normalize`, times `scaling`.
    docs/ops.md spells out every step.

    ```mlir
    %w, %idx = dsc.router_topk %logits, %bias {k = 6 : i64, n_groups = 8 : i64, topk_groups = 3 : i64, normalize = true, scaling = 2.5 : f64}
        : (tensor<64x64xf32>, tensor<64xf32>) -> (tensor<64x6xf32>, tensor<64x6xi32>)
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$logits, Optional<Dsc_F32Tensor>:$bias, I64Attr:$k,
      DefaultValuedAttr<I64Attr, "1">:$n_groups, DefaultValuedAttr<I64Attr, "1">:$topk_groups,
      DefaultValuedAttr<Dsc_RouterScoreAttr, "::dsc::RouterScore::sigmoid">:$score,
      DefaultValuedAttr<BoolAttr, "false">:$normalize,
      DefaultValuedAttr<F64Attr, "1.0">:$scaling);
  let results = (outs Dsc_F32Tensor:$weights, Dsc_I32Tensor:$indices);
  let assemblyFormat = "$logits (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
}

def Dsc_MoeDispatchOp : Dsc_Op<"moe_dispatch", [InferTypeOpAdaptor]> {
  let summary = "scatters tokens into per-expert buffers of fixed capacity";
  let description = [{
    `x[N, D]` and `indices[N, k]` give `[num_experts, capacity, D]`. Token `n`'s `j`-th choice
    takes the next free row of its expert, in order of `n` then `j`; choices past `capacity`
    are dropped; unfilled rows are zero. `capacity = N` never drops.

    ```mlir
    %buf = dsc.moe_dispatch %x, %idx {num_experts = 8 : i64, capacity = 32 : i64}
        : (tensor<32x64xbf16>, tensor<32x2xi32>) -> tensor<8x32x64xbf16>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, Dsc_IndexTensor:$indices, I64Attr:$num_experts,
      I64Attr:$capacity);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$x `,` $indices attr-dict `:` functional-type(operands, results)";
}

def Dsc_MoeCombineOp : Dsc_Op<"moe_combine", [InferTypeOpAdaptor]> {
  let summary = "weighted sum of expert outputs back to tokens";
  let description = [{
    `buffer[E, C, D]`, `indices[N, k]`, `weights[N, k]` give `[N, D]`:
    `y[n] = sum_j weights[n, j] * buffer[indices[n, j], slot(n, j)]` over the choices that
    `dsc.moe_dispatch` with the same indices did not drop. Accumulation is f32.

    ```mlir
    %y = dsc.moe_combine %buf, %idx, %w
        : (tensor<8x32x64xbf16>, tensor<32x2xi32>, tensor<32x2xf32>) -> tensor<32x64xbf16>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$buffer, Dsc_IndexTensor:$indices,
      Dsc_FloatTensor:$weights);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$buffer `,` $indices `,` $weights attr-dict `:` functional-type(operands, results)";
}

def Dsc_MoeDispatchLocalOp : Dsc_Op<"moe_dispatch_local", [InferTypeOpAdaptor]> {
  let summary = "the rows of a moe_dispatch buffer that some tokens fill for some experts";
  let description = [{
    Expert parallelism's local dispatch (docs/sharding.md). A batch of `N` tokens chose
    `indices[N, k]`; `x[n, D]` holds its tokens `token_ids[n]`. The result `[e, capacity, D]`
    is `dsc.moe_dispatch` of the whole batch (`num_experts`, `capacity`: the same slots and
    drops) restricted to the experts `experts[e]` (its rows, in that order) and to the rows
    the tokens of `x` fill; every other row is zero. With `token_ids = 0..N-1` and
    `experts = 0..E-1` it is `dsc.moe_dispatch` itself.

    ```mlir
    %part = dsc.moe_dispatch_local %x, %idx_all, %ids, %experts {num_experts = 8 : i64, capacity = 32 : i64}
        : (tensor<32x64xbf16>, tensor<32x2xi32>, tensor<32xi32>, tensor<4xi32>) -> tensor<4x32x64xbf16>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, Dsc_IndexTensor:$indices, Dsc_IndexTensor:$token_ids,
      Dsc_IndexTensor:$experts, I64Attr:$num_experts, I64Attr:$capacity);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$x `,` $indices `,` $token_ids `,` $experts attr-dict `:` functional-type(operands, results)";
}

def Dsc_MoeCombineLocalOp : Dsc_Op<"moe_combine_local", [InferTypeOpAdaptor]> {
  let summary = "the part of moe_combine that some experts contribute to some tokens";
  let description = [{
    Expert parallelism's local combine (docs/sharding.md). A batch of `N` tokens chose
    `indices[N, k]` among `num_experts` experts; `buffer[e, C, D]` holds the rows of the
    experts `experts[e]`; `weights[n, k]` are the weights of the tokens `token_ids[n]`. Row
    `i` of the `[n, D]` result is `sum_j weights[i, j] * buffer[e(t, j), slot(t, j)]`,
    `t = token_ids[i]`, over the choices of `t` that `dsc.moe_dispatch` of the batch kept and
    that went to one of `experts`. With every expert it is `dsc.moe_combine`; the results for
    disjoint expert sets add up to it. Accumulation is f32, rounded once to buffer's type.

    ```mlir
    %y = dsc.moe_combine_local %buf, %idx_all, %w, %ids, %experts {num_experts = 8 : i64}
        : (tensor<4x32x64xf32>, tensor<32x2xi32>, tensor<32x2xf32>, tensor<32xi32>, tensor<4xi32>) -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$buffer, Dsc_IndexTensor:$indices,
      Dsc_FloatTensor:$weights, Dsc_IndexTensor:$token_ids, Dsc_IndexTensor:$experts,
      I64Attr:$num_experts);
  let results = (outs Dsc_FloatTensor:$result);
  let assemblyFormat = "$buffer `,` $indices `,` $weights `,` $token_ids `,` $experts attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

def Dsc_FusionOp : Dsc_Op<"fusion", [IsolatedFromAbove, SingleBlock]> {
  let summary = "a group of elementwise and row-wise ops run as one kernel";
  let description = [{
    Made by `dsc-fuse-elementwise`. The body computes the results from the block arguments,
    which are the operands in order, with dsc ops of fusion kind `elementwise` or `broadcast`,
    splat `dsc.constant`s and at most one `rowwise` op (`dsc.rms_norm`, `dsc.layer_norm`, or
    `dsc.softmax` over the last axis) whose result only the yield reads, and ends in a
    `dsc.yield` of the results. The semantics are the body's: every op inside rounds to its
    result type as it would outside, so fusing never changes a value. Every result and every
    value the body computes, but for the weight of the row-wise op and the operands of
    broadcasts, has the shape of the first result: the kernel's iteration domain.
    `dsc-fuse-quantize` may add one blockwise `dsc.quantize` of a computed value (of the
    row-wise op's result, if there is one), read by the yield only; its scales are the one
    result of another shape.

    ```mlir
    %x2, %h = dsc.fusion (%x, %a, %w) : (tensor<4x8xbf16>, tensor<4x8xbf16>, tensor<8xbf16>)
        -> (tensor<4x8xbf16>, tensor<4x8xbf16>) {
    ^bb0(%x0: tensor<4x8xbf16>, %a0: tensor<4x8xbf16>, %w0: tensor<8xbf16>):
      %s = dsc.add %x0, %a0 : tensor<4x8xbf16>
      %n = dsc.rms_norm %s, %w0 : tensor<4x8xbf16>, tensor<8xbf16>
      dsc.yield %s, %n : tensor<4x8xbf16>, tensor<4x8xbf16>
    }
    ```
  }];
  let arguments = (ins Variadic<Dsc_Tensor>:$inputs);
  let results = (outs Variadic<Dsc_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "`(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body";
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Dsc_YieldOp : Dsc_Op<"yield", [Terminator, HasParent<"FusionOp">]> {
  let summary = "the results of a dsc.fusion body";
  let description = [{
    ```mlir
    dsc.yield %s, %n : tensor<4x8xbf16>, tensor<4x8xbf16>
    ```
  }];
  let arguments = (ins Variadic<Dsc_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

include "ir/DscQuantOps.td"
include "ir/DscRopeOps.td"

#endif // DSC_OPS_TD
