//===- PlanOps.td - plan dialect operations ----------------*- tablegen -*-===//
//
// Buffers (bindings, allocations, constants, views) and steps (launch, gemm, attention,
// memset, copy, collective). Each step maps one to one onto a `Step` of
// runtime/schema/Artifact.fbs; `plan.wait` (the end of an async collective) is no step but
// an event the next step of its stream waits for.
//
// Pipelined plans (docs/pipeline.md) tag each step and plan.wait with the discardable
// attributes `plan.stage` and `plan.microbatch`, and each plan.param with `plan.stages`
// (PlanDialect's kStageAttr, kMicrobatchAttr, kStagesAttr): a rank runs its stage's steps only.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PLAN_OPS_TD
#define DSC_PLAN_OPS_TD

include "ir/PlanBase.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

def Plan_Buffer : Type<CPred<"::dsc::plan::isPlanBuffer($_self)">,
    "statically shaped, row-major memref of a dsc element type", "::mlir::MemRefType">;

class Plan_Op<string mnemonic, list<Trait> traits = []> : Op<Plan_Dialect, mnemonic, traits>;

// A fresh buffer: MemAlloc (not Pure), so that two identical allocations are never merged.
class Plan_BufferOp<string mnemonic, list<Trait> traits = []> : Plan_Op<mnemonic, traits> {
  let results = (outs Res<Plan_Buffer, "", [MemAlloc]>:$result);
}

def Plan_ParamOp : Plan_BufferOp<"param"> {
  let summary = "binds a named weight";
  let description = [{
    The weight `name` (its safetensors key) in the parameter region, loaded once before any
    run. One `plan.param` per name. `dsc-plan-memory` sets `offset`, in bytes from the start
    of the parameter region.

    ```mlir
    %wq = plan.param "layers.0.wq" {offset = 0 : i64} : memref<256x256xbf16>
    ```

    A weight quantized to fp8 when the weights load (`dsc.quantized_param`) is two params:
    its e4m3 values (`[N, K]`) and its f32 scales (`fp8_scales`), both made from the weight
    `source` of type `source_type` (`[K, N]`, as the weights file holds it) with `fp8_recipe`
    (runtime/support/Fp8Quant.h). Their own names only have to be unique.

    ```mlir
    %w = plan.param "w.fp8" {source = "w", source_type = tensor<256x384xbf16>,
        fp8_recipe = "blockwise"} : memref<384x256xf8E4M3FN>
    %ws = plan.param "w.fp8_scales" {source = "w", source_type = tensor<256x384xbf16>,
        fp8_recipe = "blockwise", fp8_scales = true} : memref<3x2xf32>
    ```

    With `state`, the buffer is no weight but state that outlives a run: zeroed when the
    weights load, then only written by the plan's steps (the amax history of a delayed-scaling
    `dsc.quantize`: the amaxes, then the next slot and a count of finished blocks as u32
    bits). It lives in the parameter region, which no run reuses.

    ```mlir
    %h = plan.param "amax_history.0" {state = true} : memref<19xf32>
    ```

    In an SPMD plan (module attribute `plan.mesh`), `split_axes` lists per dimension the
    mesh axes it is split over (outermost first): the type is this rank's slice, the weights
    file holds the whole. Schema: `TensorInfo.split_axes`.

    ```mlir
    %wq = plan.param "wq" {split_axes = [array<i32>, array<i32: 1>]} : memref<256x64xbf16>
    ```

    With `mesh_coords`, the buffer is no weight but this rank's coordinates on the mesh, one
    i64 per mesh axis, written when the weights load (zeros on one GPU): how the one SPMD plan
    computes rank-dependent values (a `dsc.iota` split over the mesh starts at the rank's
    block) without a step of its own per rank. Schema: `TensorInfo.mesh_coords`.

    ```mlir
    %coords = plan.param "mesh.coords" {mesh_coords} : memref<2xi64>
    ```

    An fp8 param (`source`) of an SPMD plan is made from the rank's part of its source, as
    `dsc.quantized_param` says: `source_start` is where the box starts in `source_type` and
    `split_axes` lists per dim of `source_type` (not of the param's own type) the mesh axes
    that cut the box. The rank quantizes its slice when the weights load; its scales are its
    own (schema: `Fp8Weight.split_axes`, `Fp8Weight.source_start`).

    ```mlir
    %w = plan.param "wo.fp8" {source = "wo", source_type = tensor<256x256xbf16>,
        fp8_recipe = "blockwise", split_axes = [array<i32: 0>, array<i32>]}
        : memref<256x128xf8E4M3FN>
    ```
  }];
  let arguments = (ins StrAttr:$name, OptionalAttr<I64Attr>:$offset,
      OptionalAttr<StrAttr>:$source, OptionalAttr<TypeAttr>:$source_type,
      OptionalAttr<StrAttr>:$fp8_recipe, DefaultValuedAttr<BoolAttr, "false">:$fp8_scales,
      DefaultValuedAttr<BoolAttr, "false">:$state,
      OptionalAttr<ArrayAttr>:$split_axes, UnitAttr:$mesh_coords,
      OptionalAttr<DenseI64ArrayAttr>:$source_start);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Plan_InputOp : Plan_BufferOp<"input"> {
  let summary = "binds a named input of the graph";
  let description = [{
    The user's input `name`, copied into the arena before each run. Inputs get arena space
    of their own that is never reused (`offset` set by `dsc-plan-memory`).

    ```mlir
    %tokens = plan.input "tokens" : memref<2x16xi32>
    ```

    In an SPMD plan, `split_axes` (as on `plan.param`) says the type is this rank's slice of
    the user's whole input, which the runtime cuts for each rank (data parallelism).

    ```mlir
    %x = plan.input "x" {split_axes = [array<i32: 0>, array<i32>]} : memref<4x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, OptionalAttr<I64Attr>:$offset,
      OptionalAttr<ArrayAttr>:$split_axes);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Plan_OutputOp : Plan_BufferOp<"output"> {
  let summary = "binds a named output of the graph";
  let description = [{
    The buffer the graph's output `name` is written to and copied out of after each run; the
    step that produces it writes here directly. Like inputs, outputs are never reused.

    ```mlir
    %logits = plan.output "logits" : memref<2x16x1000xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, OptionalAttr<I64Attr>:$offset);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Plan_AllocOp : Plan_BufferOp<"alloc"> {
  let summary = "a buffer in the arena, placed by liveness";
  let description = [{
    An `activation` (a dsc value) or `workspace` (scratch of a step) buffer. `dsc-plan-memory`
    sets `offset` (bytes into the arena, a multiple of 256); an `offset` already present is
    kept and only checked.

    ```mlir
    %h = plan.alloc activation {offset = 512 : i64} : memref<2x16x256xbf16>
    ```
  }];
  let arguments = (ins Plan_BufferKindAttr:$kind, OptionalAttr<I64Attr>:$offset);
  let assemblyFormat = "$kind attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Plan_ConstantOp : Plan_BufferOp<"constant"> {
  let summary = "a buffer initialized from a literal";
  let description = [{
    A read-only buffer holding `value`, placed in the parameter region after the weights and
    written once at load, like a weight. (Splat zeros are not constants: the lowering gives them
    an `alloc` and a `memset`.)

    ```mlir
    %c = plan.constant dense<[1.0, 2.0]> : tensor<2xf32> -> memref<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value, OptionalAttr<I64Attr>:$offset);
  let assemblyFormat = "$value attr-dict `->` type($result)";
  let hasVerifier = 1;
}

def Plan_ViewOp : Plan_Op<"view", [Pure]> {
  let summary = "reinterprets bytes of a buffer with another type";
  let description = [{
    The result is `source`'s bytes from `byte_offset` on, read as the result type: a reshape of
    a dense buffer, or a contiguous piece of one, costs no copy. The result's bytes must fit in
    the source. A view is never placed: it lives where its root buffer does and keeps that
    buffer alive.

    ```mlir
    %q = plan.view %qkv : memref<2x16x256xbf16> to memref<2x16x8x32xbf16>
    %row = plan.view %x {byte_offset = 512 : i64} : memref<4x256xbf16> to memref<256xbf16>
    ```
  }];
  let arguments = (ins Plan_Buffer:$source, DefaultValuedAttr<I64Attr, "0">:$byte_offset);
  let results = (outs Plan_Buffer:$result);
  let assemblyFormat = "$source attr-dict `:` type($source) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

// Every step names its stream and the events it waits for and records (Artifact.fbs `Step`):
// steps on one stream run in block order; a step first waits for each event in `wait_events`
// (recorded by an earlier step), then records `record_event` after it.
defvar Plan_StepArgs = (ins DefaultValuedAttr<ConfinedAttr<I32Attr, [IntNonNegative]>, "0">:$stream,
    OptionalAttr<DenseI32ArrayAttr>:$wait_events,
    OptionalAttr<ConfinedAttr<I32Attr, [IntNonNegative]>>:$record_event);

class Plan_StepOp<string mnemonic, list<Trait> traits = []> : Plan_Op<mnemonic, traits>;

def Plan_LaunchOp : Plan_StepOp<"launch", [AttrSizedOperandSegments]> {
  let summary = "launches a generated kernel";
  let description = [{
    Runs the kernel the kernel emitter generates for `kernel` (a `KernelKind` of
    codegen/KernelSpec.h in its lower-case spelling: `unary`, `binary`, `rms_norm`, ...) from
    the dsc op `op` (`"dsc.silu"`) with that op's attributes `op_attrs`. The kernel reads
    `inputs` and writes `outputs`, passed in that order (the kernel ABI). `scalars` are extra
    by-value arguments (integer or float attributes), after the buffers.

    A `fused` kernel (from a `dsc.fusion`, op `"dsc.fusion"`) carries its body in `op_attrs`:
    `body` lists its steps, `results` numbers the value each output is written from. Values
    are numbered inputs first, then one per step; a step is a dictionary of `kernel` (the kind
    its op lowers to alone, or `constant`), `op`, `operands` (value numbers, all defined
    before it), `type` (its result tensor type) and `attrs` (the op's attributes).

    `grid`, `block` and `shared_bytes` are the launch sizes; the lowering leaves them unset
    and the emitter, which chooses them with the kernel, fills them in.

    ```mlir
    plan.launch "unary" (%x : memref<4x8xbf16>) -> (%y : memref<4x8xbf16>) {op = "dsc.silu"}
    plan.launch "rms_norm" (%x, %w : memref<4x8xbf16>, memref<8xbf16>) -> (%y : memref<4x8xbf16>)
        {op = "dsc.rms_norm", op_attrs = {eps = 1.0e-05 : f32}, grid = array<i32: 4, 1, 1>,
         block = array<i32: 32, 1, 1>, stream = 1 : i32, record_event = 0 : i32}
    plan.launch "fused" (%g, %u : memref<4x8xbf16>, memref<4x8xbf16>) -> (%y : memref<4x8xbf16>)
        {op = "dsc.fusion", op_attrs = {results = array<i64: 3>, body = [
           {kernel = "unary", op = "dsc.silu", operands = array<i64: 0>, type = tensor<4x8xbf16>, attrs = {}},
           {kernel = "binary", op = "dsc.mul", operands = array<i64: 2, 1>, type = tensor<4x8xbf16>, attrs = {}}]}}
    ```
  }];
  let arguments = !con((ins StrAttr:$kernel, StrAttr:$op,
      DefaultValuedAttr<DictionaryAttr, "{}">:$op_attrs,
      Variadic<Plan_Buffer>:$inputs, Variadic<Plan_Buffer>:$outputs,
      OptionalAttr<DenseI32ArrayAttr>:$grid, OptionalAttr<DenseI32ArrayAttr>:$block,
      DefaultValuedAttr<ConfinedAttr<I32Attr, [IntNonNegative]>, "0">:$shared_bytes,
      OptionalAttr<ArrayAttr>:$scalars), Plan_StepArgs);
  let assemblyFormat = [{
    $kernel `(` ($inputs^ `:` type($inputs))? `)` `->` `(` $outputs `:` type($outputs) `)`
    attr-dict
  }];
  let hasVerifier = 1;
}

def Plan_GemmOp : Plan_StepOp<"gemm", [AttrSizedOperandSegments]> {
  let summary = "a (batched) cuBLASLt matrix product in column-major BLAS terms";
  let description = [{
    `C[i] = alpha * op(A[i]) * op(B[i]) + beta * C[i]` for `i < batch`, column-major: `op(A)`
    is `m x k`, `op(B)` is `k x n`, `C` is `m x n`; `op(X)` is `X^T` when `transX`. Leading
    dimensions and batch strides are in elements; a stride of 0 shares the matrix across the
    batch. Element types are the operands' (`a`, `b`, `c` dtypes), accumulation is
    `compute_type`. These are exactly the fields of the schema's `Gemm`; the row-major
    product of dsc is encoded by `dsc-lower-to-plan` (C^T = B^T A^T), never at run time.
    The `bias` operand is read by the `bias*` epilogues only (reserved for fusion). With `d`,
    the product goes to `d` (same type and layout as `c`) and `c` is only read:
    `D = alpha op(A) op(B) + beta C`; that is how a residual add rides on the GEMM.

    With `tf32`, f32 operands run on tensor cores in TF32 (`CUBLAS_COMPUTE_32F_FAST_TF32`).

    FP8: with `fp8_recipe`, `a` and `b` are f8E4M3FN in the TN layout (`transa`, not `transb`)
    and `a_scale` / `b_scale` hold their f32 scales (runtime/support/Fp8Quant.h): `"tensor"`,
    one scale each (cuBLASLt `SCALAR_32F`); `"blockwise"`, `a` (the weight) per 128 x 128
    block (`BLK128x128_32F`, `[m/128, k/128]`) and `b` (the activations) per 1 x 128 tile
    (`VEC128_32F`, `[k/128, n]`).

    The verifier checks `ld >= rows` of each stored matrix and that the last element every
    batch reads or writes lies inside its buffer.

    ```mlir
    // dsc: [32, 256] x [256, 768] row-major -> cuBLAS C^T = W^T X^T: A = %w, B = %x.
    plan.gemm %w, %x, %y {m = 768 : i64, n = 32 : i64, k = 256 : i64, lda = 768 : i64,
        ldb = 256 : i64, ldc = 768 : i64}
        : memref<256x768xbf16>, memref<32x256xbf16>, memref<32x768xbf16>
    ```
  }];
  let arguments = !con((ins Plan_Buffer:$a, Plan_Buffer:$b, Plan_Buffer:$c,
      Optional<Plan_Buffer>:$bias, Optional<Plan_Buffer>:$a_scale,
      Optional<Plan_Buffer>:$b_scale, Optional<Plan_Buffer>:$d,
      OptionalAttr<StrAttr>:$fp8_recipe,
      I64Attr:$m, I64Attr:$n, I64Attr:$k, DefaultValuedAttr<I64Attr, "1">:$batch,
      I64Attr:$lda, I64Attr:$ldb, I64Attr:$ldc,
      DefaultValuedAttr<I64Attr, "0">:$stride_a, DefaultValuedAttr<I64Attr, "0">:$stride_b,
      DefaultValuedAttr<I64Attr, "0">:$stride_c,
      DefaultValuedAttr<BoolAttr, "false">:$transa, DefaultValuedAttr<BoolAttr, "false">:$transb,
      DefaultValuedAttr<TypeAttr, "::mlir::Float32Type::get($_builder.getContext())">:$compute_type,
      DefaultValuedAttr<F64Attr, "1.0">:$alpha, DefaultValuedAttr<F64Attr, "0.0">:$beta,
      DefaultValuedAttr<Plan_EpilogueAttr, "::dsc::plan::Epilogue::none">:$epilogue,
      DefaultValuedAttr<BoolAttr, "false">:$tf32),
      Plan_StepArgs);
  let assemblyFormat = [{
    $a `,` $b `,` $c (`bias` $bias^)? (`scales` `(` $a_scale^ `,` $b_scale `)`)?
    (`into` $d^)? attr-dict `:`
    type($a) `,` type($b) `,` type($c) (`,` type($bias)^)?
    (`scales` `(` type($a_scale)^ `,` type($b_scale) `)`)? (`into` type($d)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::LogicalResult verifyFp8Scales();
  }];
  let hasVerifier = 1;
}

def Plan_AttentionOp : Plan_StepOp<"attention"> {
  let summary = "fused scaled dot-product attention with grouped KV heads";
  let description = [{
    Dense `[batch, T, H, D]` layouts: `q[batch, tq, hq, dh]`, `k[batch, tk, hkv, dh]`,
    `v[batch, tk, hkv, dv]`, `out[batch, tq, hq, dv]`, all of one element type; `hq` is a
    multiple of `hkv` and query head `h` reads kv head `h / (hq / hkv)`. With `causal`, query
    `i` sees keys `j <= i + (tk - tq)`. The sizes are explicit (the schema's `Attention`) and
    checked against the buffers' element counts, so any view of the right size will do.

    `backend` says what runs it: `"generated"` (the default), the flash-attention kernel the
    emitter generates; `"cudnn"`, cuDNN's fused flash attention at run time (the artifact's
    `Attention` step; no kernel is generated). cuDNN takes bf16 and f16 only, `dh == dv`, head
    sizes that are multiples of 8 up to 128 and, when causal with `tq != tk`, `tq <= tk` with
    both multiples of 64 (`cudnnAttentionUnsupported` in PlanDialect.h, which the verifier
    applies).

    ```mlir
    plan.attention %q, %k, %v, %o {batch = 2 : i64, tq = 16 : i64, tk = 16 : i64, hq = 8 : i64,
        hkv = 2 : i64, dh = 32 : i64, dv = 32 : i64, causal = true, scale = 0.17677669 : f64}
        : memref<2x16x8x32xbf16>, memref<2x16x2x32xbf16>, memref<2x16x2x32xbf16>,
          memref<2x16x8x32xbf16>
    ```
  }];
  let arguments = !con((ins Plan_Buffer:$q, Plan_Buffer:$k, Plan_Buffer:$v, Plan_Buffer:$out,
      I64Attr:$batch, I64Attr:$tq, I64Attr:$tk, I64Attr:$hq, I64Attr:$hkv, I64Attr:$dh,
      I64Attr:$dv, DefaultValuedAttr<BoolAttr, "false">:$causal, F64Attr:$scale,
      DefaultValuedAttr<StrAttr, "\"generated\"">:$backend),
      Plan_StepArgs);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $out attr-dict `:` type($q) `,` type($k) `,` type($v) `,` type($out)
  }];
  let hasVerifier = 1;
}

def Plan_MemsetOp : Plan_StepOp<"memset"> {
  let summary = "sets every byte of a buffer";
  let description = [{
    `cudaMemsetAsync` of the whole of `dst` to the byte `value`.

    ```mlir
    plan.memset %acc {value = 0 : i32} : memref<4x8xf32>
    ```
  }];
  let arguments = !con((ins Plan_Buffer:$dst,
      DefaultValuedAttr<ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<255>]>, "0">:$value),
      Plan_StepArgs);
  let assemblyFormat = "$dst attr-dict `:` type($dst)";
  let hasVerifier = 1;
}

def Plan_CopyOp : Plan_StepOp<"copy"> {
  let summary = "copies one buffer's bytes into another";
  let description = [{
    A device-to-device `cudaMemcpyAsync` of all of `src` into `dst`; both hold the same number
    of bytes (their shapes may differ) and must not overlap (checked by `dsc-plan-memory`).

    ```mlir
    plan.copy %h, %out : memref<4x8xbf16>, memref<32xbf16>
    ```
  }];
  let arguments = !con((ins Plan_Buffer:$src, Plan_Buffer:$dst), Plan_StepArgs);
  let assemblyFormat = "$src `,` $dst attr-dict `:` type($src) `,` type($dst)";
  let hasVerifier = 1;
}

def Plan_CollectiveOp : Plan_StepOp<"collective", [AttrSizedOperandSegments]> {
  let summary = "an NCCL collective over axes of the device mesh";
  let description = [{
    Runs among the ranks that differ only in their coordinates along `mesh_axes` (indices
    into the module's `plan.mesh`); the group's size G is the product of those axes' sizes.
    The layouts are NCCL's, with the rank-major blocks outermost (the schema's `Collective`):
    `all_reduce` and `broadcast` (root `peer`) keep the size; `all_gather` makes G times the
    elements of `send` (block i from in-group rank i); `reduce_scatter` the reverse;
    `all_to_all` sends block j of `send` to rank j and receives block i from rank i; `send`
    and `recv` (no result buffer / no source buffer) move a whole buffer to or from in-group
    rank `peer`. Both buffers have one element type; `reduction` is required for
    `all_reduce` and `reduce_scatter` only. A send and recv buffer may be the same
    (in place) for `all_reduce` and `broadcast`.

    ```mlir
    plan.collective all_reduce sum send %partial : memref<4x8xf32>
        recv %sum : memref<4x8xf32> {mesh_axes = array<i32: 1>}
    plan.collective all_gather send %x : memref<4x8xbf16>
        recv %all : memref<2x4x8xbf16> {mesh_axes = array<i32: 0>}
    ```
  }];
  let arguments = !con((ins Plan_CollectiveKindAttr:$kind,
      OptionalAttr<Plan_ReductionAttr>:$reduction,
      Optional<Plan_Buffer>:$send, Optional<Plan_Buffer>:$recv,
      DenseI32ArrayAttr:$mesh_axes, OptionalAttr<I32Attr>:$peer), Plan_StepArgs);
  let assemblyFormat = [{
    $kind ($reduction^)? (`send` $send^ `:` type($send))? (`recv` $recv^ `:` type($recv))?
    attr-dict
  }];
  let extraClassDeclaration = [{
    /// The number of ranks in this collective's group, from the module's mesh.
    ::mlir::FailureOr<int64_t> groupSize();
  }];
  let hasVerifier = 1;
}

def Plan_WaitOp : Plan_Op<"wait"> {
  let summary = "the end of an async collective: a stream waits for its event";
  let description = [{
    A collective on a communication stream (`stream` other than 0) runs beside the compute
    stream: it starts where it stands in the block (after waiting for its `wait_events`,
    which order it after the steps that produced its send buffer) and records `event` when
    it is done. `plan.wait` marks where the compute stream `stream` (default 0) needs the
    collective's results: every step on that stream after it runs after the event. Its
    operands are the collective's buffers, which must stay alive and untouched until here:
    `dsc-plan-memory` sees them used at the wait and reuses none of their bytes before it.

    Not a step of its own in the artifact: the writer adds `event` to the `wait_events` of
    the next step on `stream` (a run ends by joining every stream, so a wait with no step
    after it needs nothing). `dsc-schedule-collectives` makes these pairs.

    ```mlir
    plan.collective all_reduce sum send %p : memref<16x128xbf16> recv %y : memref<16x128xbf16>
        {mesh_axes = array<i32: 1>, stream = 1 : i32, wait_events = array<i32: 0>,
         record_event = 1 : i32}
    plan.launch "unary" (%x : memref<4x8xbf16>) -> (%z : memref<4x8xbf16>) {op = "dsc.silu"}
    plan.wait 1 (%p, %y : memref<16x128xbf16>, memref<16x128xbf16>)
    ```
  }];
  let arguments = (ins ConfinedAttr<I32Attr, [IntNonNegative]>:$event,
      Variadic<Plan_Buffer>:$buffers,
      DefaultValuedAttr<ConfinedAttr<I32Attr, [IntNonNegative]>, "0">:$stream);
  let assemblyFormat = [{
    $event (`(` $buffers^ `:` type($buffers) `)`)? attr-dict
  }];
}

#endif // DSC_PLAN_OPS_TD
