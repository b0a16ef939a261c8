//===- DscRopeOps.td - split and rotary embedding in one op -*- tablegen -*-===//
//
// The op `dsc-fuse-split-rope` makes of a fused QKV projection's split, the reshapes of its
// pieces to heads and the ropes of q and k: one op, so that codegen runs it as one kernel that
// reads the projection once and writes every piece in the [..., T, H, Dh] layout attention reads.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ROPE_OPS_TD
#define DSC_ROPE_OPS_TD

def Dsc_SplitRopeOp : Dsc_Op<"split_rope"> {
  let summary = "splits the last axis into head-shaped pieces and rotates some of them";
  let description = [{
    `x` is `[..., T, N]`; result `i` is `[..., T, H_i, Dh]` in `x`'s element type, with one
    `Dh` for every result and `sum_i H_i * Dh = N`. Result `i` is the `i`-th run of
    `H_i * Dh` columns of `x` (`dsc.split` on the last axis), reshaped to heads (`dsc.reshape`),
    then, where `rotate[i]`, rotated as `dsc.rope` with `positions`, `theta` and `style`
    (`positions` is `[T]`, or `[B, T]` with `x` of rank 3). The values are exactly those of
    the ops it replaces: the rotation rounds once to the result type, like `dsc.rope`.

    ```mlir
    %q, %k, %v = dsc.split_rope %qkv, %pos {rotate = array<i1: true, true, false>}
        : (tensor<2x16x256xbf16>, tensor<16xi32>)
        -> (tensor<2x16x4x32xbf16>, tensor<2x16x2x32xbf16>, tensor<2x16x2x32xbf16>)
    ```
  }];
  let arguments = (ins Dsc_FloatTensor:$x, Dsc_IndexTensor:$positions,
      DenseBoolArrayAttr:$rotate,
      DefaultValuedAttr<F64Attr, "10000.0">:$theta,
      DefaultValuedAttr<Dsc_RopeStyleAttr, "::dsc::RopeStyle::half">:$style);
  let results = (outs Variadic<Dsc_FloatTensor>:$results);
  let assemblyFormat = "$x `,` $positions attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // DSC_ROPE_OPS_TD
