//===- Passes.td - dsc passes ------------------------------*- tablegen -*-===//
//
// Every dsc pass, one definition each, named dsc-<verb>-<object> (CONVENTIONS.md). The test of
// a pass is test/passes/<verb>_<object>.mlir.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PASSES_TD
#define DSC_PASSES_TD

include "mlir/Pass/PassBase.td"

def AnnotateShardingsPass : Pass<"dsc-annotate-shardings", "mlir::ModuleOp"> {
  let summary = "Turns dsc.shard hints into shard.shard annotations on the mesh grid";
  let description = [{
    Reads the module's mesh (the `shard.grid` carrying `dsc.mesh_axes`, which the frontend
    declares for `mesh ...` or `--mesh`) and replaces every `dsc.shard` hint by upstream
    `shard.shard` annotations, ready for `sharding-propagation` and `shard-partition`:
    * entry inputs get their hint, or replicated; entry outputs are used replicated (gathered
      whole) unless they have a hint;
    * params, constants and iotas are produced replicated and, with a hint, used split, which
      partitioning turns into a local `shard.all_slice`;
    * an op result with a hint is used with it (the op produces it so where it can;
      partitioning reshards otherwise). `partial` axes are checked and dropped:
      MLIR 22's shardings have no partial state, a row-parallel matmul reduces its own sums.
    With `auto-parallel`, values without a hint first get Megatron defaults: column-parallel
    projections (a fused projection followed by a split is rewritten to split the weight),
    row-parallel where a matmul reads a value split along its last dim, heads split through
    reshape, rope and attention, inputs of rank >= 2 split over `dp` on their first dim, and
    the values derived from their batch that are whole over `tp` (residual stream, norms,
    row-parallel sums) produced and used split over `dp` on dim 0, so that propagation keeps
    the batch split through every layer instead of gathering it after the inputs.
    Without `auto-parallel`, a batch that the model's hints split over `dp` on the inputs
    is kept split the same way: the values derived from it that the hints leave whole over
    every other axis (row-parallel sums, norms, residual adds) are produced and used split
    over `dp` on dim 0.
    With `sequence-parallel` (needs `auto-parallel` and a `tp` axis), the residual stream
    between the TP regions (what a row-parallel matmul or a vocabulary-parallel embedding
    sums, and the elementwise ops and norms that follow it or read an entry input only they
    read) is split on its token dim (the second-to-last) over `tp`, the batch keeping its `dp`
    split; any other reader (a column-parallel matmul above all) takes it whole over `tp`
    (all_gather). Partitioning then slices the reduced sums, which `dsc-form-reduce-scatters`
    turns into reduce_scatters.
    Errors: no mesh, an axis the mesh does not have, a dim the axes do not divide,
    `sequence-parallel` without `auto-parallel` or without a `tp` axis.
    `dsc` runs it (then propagation, partition, canonicalize: the `dsc-shard` pipeline) when
    the model has a mesh of more than one rank.
  }];
  let options = [
    Option<"autoParallel", "auto-parallel", "bool", /*default=*/"false",
           "Add Megatron-style hints (tp, dp) where the model gives none">,
    Option<"sequenceParallel", "sequence-parallel", "bool", /*default=*/"false",
           "With auto-parallel: split the residual stream, norms and residual adds on "
           "tokens over tp (Megatron-LM's sequence parallelism)">,
  ];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

def SplitReshardingsPass : Pass<"dsc-split-reshardings", "mlir::func::FuncOp"> {
  let summary = "Breaks a resharding into steps that upstream shard-partition can make";
  let description = [{
    Between two chained `shard.shard` ops whose shardings differ by more than one mesh axis
    added to, removed from or moved between tensor dims, inserts intermediate annotations:
    axes come off one at a time (last first) until the value is replicated, then go on one at
    a time. Each step then becomes one upstream collective (all_gather, all_slice); without
    this, shard-partition finds no pattern for the change. Part of the `dsc-shard` pipeline,
    after sharding-propagation.
  }];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

def FormReduceScattersPass : Pass<"dsc-form-reduce-scatters", "mlir::func::FuncOp"> {
  let summary = "Rewrites an all_reduce whose only user slices it into a reduce_scatter";
  let description = [{
    After shard-partition: a `shard.all_reduce` whose one user is a `shard.all_slice` over the
    same grid and mesh axes becomes one `shard.reduce_scatter` (same reduction, scattered
    along the slice's dim). Sequence parallelism makes these pairs (a row-parallel matmul's
    partial sums, used split on tokens); the reduce_scatter moves half the bytes of the
    all_reduce. An all_reduce with other users, or a slice over other axes, is left alone.
    Part of the `dsc-shard` pipeline, after shard-partition.
  }];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

def PinEntryShardingsPass : Pass<"dsc-pin-entry-shardings", "mlir::func::FuncOp"> {
  let summary = "Records the split of entry inputs and makes split entry outputs whole";
  let description = [{
    Between sharding-propagation and shard-partition (part of `dsc-shard`): an entry input
    produced split (`shard.shard %arg`) gets a `dsc.split_axes` argument attribute, which
    partitioning keeps while it gives the argument this rank's type, so that the runtime
    slices the user's whole input for each rank. A return operand annotated split is
    re-annotated replicated: partitioning gathers it and every rank returns the whole output,
    which is what the runtime writes (once, from rank 0). Nothing else changes.
  }];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

def FoldParamSlicesPass : Pass<"dsc-fold-param-slices", "mlir::func::FuncOp"> {
  let summary = "Folds dsc.param + shard.all_slice chains into a param of this rank's slice";
  let description = [{
    After shard-partition, a weight is a whole `dsc.param` followed by `shard.all_slice`s,
    whose offsets depend on the rank. This folds each such chain into one `dsc.param` of the
    local type with `dsc.split_axes` (per dim, the mesh axes it is split over, outermost
    first), which dsc-lower-to-plan turns into plan.param `split_axes`: the runtime loads
    only this rank's slice. Entry arguments sliced right away are folded the same way (the
    argument takes the local type and `dsc.split_axes`). Errors: a weight read both whole and
    sliced, or sliced two ways (an input read two ways stays whole, its slices all_slices).
    An iota sliced over the mesh (expert parallelism's token and expert ids) becomes one
    `dsc.iota` of the local type with `dsc.split_axes`, which dsc-lower-to-plan starts at the
    rank's block from its mesh coordinates; an all_gather of it over the innermost axes of its
    dimension makes it less split. Other `all_slice`s of computed values are left alone.
    The dsc driver runs it after `dsc-shard` when it lowers to a plan; `--emit=mlir` keeps
    the upstream form that dsc-interp runs.
  }];
}

def FuseElementwisePass : Pass<"dsc-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuses chains of elementwise ops (and a row-wise op after them) into dsc.fusion";
  let description = [{
    Groups producer-consumer chains of ops of fusion kind `elementwise` (docs/ops.md) that share
    one shape, and replaces each group by a `dsc.fusion` whose body holds them; codegen runs a
    fusion as one kernel with the intermediates in registers.
    * Broadcasts and splat constants that feed a group are copied into its body (read through
      an index map, never materialized); the broadcast's source becomes an operand.
    * A group value used outside the group becomes an extra result of the fusion: nothing is
      computed twice.
    * With `rowwise` (the default), a group may end in one row-wise op that reads it
      (`dsc.rms_norm`, `dsc.layer_norm`, or `dsc.softmax` over the last axis), e.g. the
      residual `add` before a norm: one kernel writes both the sum and the normalized rows.
      No member may read the row-wise op's result; its weight and bias are operands.
    * Groups never form a cycle: two groups merge only if no path leaves their union and
      comes back into it (through a matmul, say).
    * A group of one op that reads nothing through its body stays as it is.
    Matmul, attention, reductions, shape ops, rope and MoE ops are never fused here; a GEMM
    epilogue pass, which runs before this one, takes what belongs to a GEMM. `dsc` runs the
    pass at `-O2` only (after canonicalize and CSE); `-O1` and `-O0` do not fuse.
  }];
  let options = [
    Option<"rowwise", "rowwise", "bool", /*default=*/"true",
           "Let a group end in a row-wise op (one block per row)">,
  ];
  let dependentDialects = ["::dsc::DscDialect"];
}

def FuseQuantizePass : Pass<"dsc-fuse-quantize", "mlir::ModuleOp"> {
  let summary = "Moves blockwise dsc.quantize into the dsc.fusion that produces its input";
  let description = [{
    For each `dsc.quantize` of the blockwise recipe (1 x 128 tiles) whose input is a result of
    a `dsc.fusion`, or of a lone elementwise or row-wise op (which first becomes a fusion of
    its own), moves the quantize into that fusion: one kernel computes the producer and writes
    the e4m3 values and the tile scales, with no round trip of the bf16 tensor through memory.
    The fusion keeps the quantized tensor as a result only while another op reads it.
    * Row-wise fusions (`dsc.rms_norm`, `dsc.layer_norm`, `dsc.softmax` over the last axis)
      take the quantize of the row-wise op's result only.
    * At most one quantize per fusion; bodies with values wider than 32 bits stay as they are.
    * The per-tensor recipe is never fused: its scale needs the whole tensor's amax first.
    The values and scales equal the standalone quantize's bit for bit. `dsc` runs the pass at
    `-O2`, after `dsc-fuse-elementwise`.
  }];
  let dependentDialects = ["::dsc::DscDialect"];
}

def LowerToPlanPass : Pass<"dsc-lower-to-plan", "mlir::ModuleOp"> {
  let summary = "Lowers the dsc graph to an execution plan (plan dialect)";
  let description = [{
    Rewrites each function of dsc ops on tensors into plan steps on buffers, in the order of
    the graph (that order is the schedule):
    * function arguments and results become `plan.input` / `plan.output` bindings named by
      their `dsc.name` (`argN` / `resultN` without one); the op producing a result writes into
      its output buffer, a result that is an argument, a weight, a constant or a view is copied
      there. The function ends up with no arguments and no results.
    * `dsc.param` becomes one `plan.param` per name; `dsc.constant` a `plan.constant`, or an
      `alloc` plus a zero `memset` for an all-zero splat.
    * `dsc.matmul` becomes a cuBLASLt `plan.gemm` (row-major to column-major:
      C^T = B^T A^T; see LowerToPlan.cpp for the argument mapping), `dsc.attention` a
      `plan.attention`, `dsc.reshape` a `plan.view` (no copy). With `attention=auto` (the
      default) the attention's `backend` is `cudnn` (cuDNN's fused flash attention at run
      time) where cuDNN can take it (bf16/f16, `dh == dv`, ...: `cudnnAttentionUnsupported` in
      ir/PlanDialect.h), else `generated`; `attention=generated` always generates the kernel;
      `attention=cudnn` makes an attention cuDNN cannot take an error. With `explain`, a remark
      at each attention says which it got and why.
    * `dsc.fusion` becomes one `plan.launch` of a `fused` kernel that carries its body as a
      list of steps in `op_attrs` (see `plan.launch`).
    * every other dsc op becomes a `plan.launch` of the kernel kind the emitter generates for
      it, with the op's name and attributes; `dsc.split` one slice launch per piece, MoE
      dispatch and combine a slot-assignment launch into workspace buffers before their own.
    * shard-dialect collectives (`all_reduce`, `all_gather`, `reduce_scatter`, `all_to_all`,
      `broadcast`, after SPMD partitioning) become `plan.collective` steps over the same grid
      axes, with a transpose launch around them where the gathered, scattered or split
      dimension is not the outermost (NCCL works on rank-major blocks); the module's
      `shard.grid` becomes the `plan.mesh` module attribute, and a `dsc.param`'s
      `dsc.split_axes` its `plan.param`'s `split_axes` (LowerCollectives.cpp).
    Every value that is not bound gets a `plan.alloc activation`; offsets are left to
    `dsc-plan-memory`. An op with no lowering (integer matmul, fp8 GEMMs outside cuBLASLt's
    TN layout, ops of other dialects) is an error at its location.
  }];
  let options = [
    Option<"attention", "attention", "std::string", /*default=*/"\"auto\"",
           "Attention backend: auto, cudnn or generated">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "A remark at each attention naming its backend and why">,
  ];
  let dependentDialects = ["::dsc::plan::PlanDialect"];
}

def ScheduleCollectivesPass : Pass<"dsc-schedule-collectives", "mlir::ModuleOp"> {
  let summary = "Runs collectives on a communication stream behind independent compute";
  let description = [{
    A latency-hiding scheduler for the plan (after `dsc-lower-to-plan`, before
    `dsc-plan-memory`). Each `plan.collective` with compute steps it does not depend on becomes
    an async start/wait pair: the collective moves to stream 1, as early in the block as its
    buffers allow (not above a step that writes its send buffer or touches its recv buffer,
    another collective or a wait), waiting for an event recorded by the last compute step
    before it; a `plan.wait` on the event it records goes before the first step that reads its
    results or overwrites its input or the next collective (one NCCL call in flight), or earlier, as soon as the compute between start and wait
    is predicted (CostModel.h, on `device`'s ceilings) to take as long as the collective. The
    wait holds the collective's buffers, so memory planning reuses none of their bytes before
    it. When the first step that needs the results comes before enough compute, independent
    compute steps from below it (up to the next collective; touching neither the collective's
    buffers nor the steps they pass) are pulled up into the window: a shared expert written
    after the routed experts' combine runs under the combine's all_to_all. Collectives with
    nothing to run under stay synchronous on stream 0.

    Produces: `stream`, `wait_events` and `record_event` on collectives and on the compute
    steps they wait for, and `plan.wait` ops. Leaves plans without collectives unchanged;
    `dsc -O1` does not run it.
  }];
  let options = [
    Option<"device", "device", "std::string", /*default=*/"\"h100\"",
           "Device whose ceilings the cost model uses (CostModel.h)">,
  ];
  let dependentDialects = ["::dsc::plan::PlanDialect"];
}

def ChunkCollectiveMatmulPass : Pass<"dsc-chunk-collective-matmul", "mlir::ModuleOp"> {
  let summary = "Splits TP GEMM + collective pairs into chunks whose transfers overlap GEMMs";
  let description = [{
    On partitioned IR (after `dsc-shard`): a `dsc.matmul` whose only user is a
    `shard.all_reduce` or `shard.reduce_scatter` (rows), or a `shard.all_gather` of rows read
    only as the `a` of `dsc.matmul`s, is split along the token rows into N chunks: N GEMMs
    and N collectives interleaved so that each chunk's transfer can run under another
    chunk's GEMM (after lowering, `dsc-schedule-collectives` makes them async), the results
    concatenated back in row order. With `chunks` = 0 the cost model (CostModel.h) picks N in
    2, 4, 8 per pair, or leaves it whole unless chunking is predicted to save 5%; `chunks` =
    1 turns the pass off; N >= 2 chunks every pair whose rows N divides. Left alone:
    transposed `a`, batched weights, fp8 scaled matmuls, gathers or scatters of the GEMM's
    contraction or column dim. `dsc` runs it at -O2 after the fusions (an addend folded by
    `dsc-fuse-gemm-epilogue` is split with the rows), or at any level with
    `--tp-comm-chunks=N`. With `explain`, a remark at each pair gives N and the predicted
    times.
  }];
  let options = [
    Option<"chunks", "chunks", "int64_t", /*default=*/"0",
           "Chunks per pair: 0 = chosen by the cost model, 1 = off, 2 to 64 = fixed">,
    Option<"device", "device", "std::string", /*default=*/"\"h100\"",
           "Device whose ceilings the cost model uses (CostModel.h)">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "A remark at each GEMM + collective pair: its chunks and predicted times">,
  ];
  let dependentDialects = ["::dsc::DscDialect", "::mlir::shard::ShardDialect"];
}

def FoldContiguousCopiesPass : Pass<"dsc-fold-contiguous-copies", "mlir::ModuleOp"> {
  let summary = "Makes contiguous slices views and writes contiguous concats in place";
  let description = [{
    On the plan right after `dsc-lower-to-plan`: a `slice` launch whose elements are one
    contiguous run of its input becomes a `plan.view` at the run's byte offset; a `concat`
    launch along a dim with only size-1 dims before it is removed and each input's
    allocation becomes a view of the result at its offset, so the producers write the result
    in place. Offsets must be multiples of 256 bytes (the buffer alignment). Row chunks of
    `dsc-chunk-collective-matmul` and splits of rows cost no copy after it. `dsc` runs it at
    -O1 and above.
  }];
  let dependentDialects = ["::dsc::plan::PlanDialect"];
}

def PlanMemoryPass : Pass<"dsc-plan-memory", "mlir::ModuleOp"> {
  let summary = "Places plan buffers: one arena by liveness, a parameter region";
  let description = [{
    Gives every buffer of a plan its byte offset, aligned to 256:
    * weights (`plan.param`) and constants (`plan.constant`) one after the other in the
      parameter region;
    * inputs and outputs first in the arena, each its own bytes for the whole run (the user
      fills and reads them, so they are never reused);
    * activations and workspaces (`plan.alloc`) after them by liveness over the linear
      schedule: a buffer lives from its first to its last use (through views), and is placed,
      largest first, in the smallest gap that fits between the buffers already placed whose
      lifetimes overlap its own (greedy by size, best fit). An `offset` already present is
      kept as is.
    Then every pair of buffers that are live together is checked for overlapping bytes, and so
    is every `plan.copy`: an overlap is an error naming both buffers.

    Writes `plan.arena_bytes`, `plan.param_bytes` and `plan.peak_activation_bytes` (the most
    activation and workspace bytes live at one step: the bound the placement is measured
    against) on the module; with `report`, a remark per function lists them.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark with the arena, parameter and peak activation bytes">,
  ];
}

def PromoteToF32Pass : Pass<"dsc-promote-to-f32", "mlir::ModuleOp"> {
  let summary = "Computes every bf16/f16/fp8 value in f32; weights, inputs and outputs keep their types";
  let description = [{
    Builds the fp32 reference of a low-precision model (`dsc --precision=fp32`): the same
    weights and inputs, f32 arithmetic, outputs rounded once to their declared types, so the
    normal build can be checked against it on the GPU at shapes the interpreter cannot run.
    * every function argument and `dsc.param` result of a non-f32 float type gets a
      `dsc.cast` to f32 that all its users read instead;
    * every other op's non-f32 float results become f32: a `dsc.cast` to such a type becomes
      a cast to f32 (removed when its input is f32 already), a `dsc.matmul` `out_type` becomes
      f32, a `dsc.constant` is converted exactly, a `dsc.precision` hint other than `"fp32"`
      (on an op, an argument or a result) becomes `"fp32"`; shard collectives are retyped
      like dsc ops;
    * each returned value is cast back to the function's declared result type.
    Integer, i1 and f32 tensors are untouched. What cannot be promoted is an error at its
    location, reported before anything changes, never a silent partial promotion: an op of
    another dialect on low-precision tensors (a `func.call`, whose callee keeps its
    signature), a low-precision constant that is not dense elements, any other attribute
    holding a low-precision type. `dsc` runs the pass first, before canonicalization, with
    `--precision=fp32`; it is off by default (`--precision=as-written`).
  }];
  let dependentDialects = ["::dsc::DscDialect"];
}

def PrecisionPass : Pass<"dsc-precision", "mlir::ModuleOp"> {
  let summary = "Chooses the arithmetic precision of every op (the policy of docs/precision.md)";
  let description = [{
    Applies a mixed-precision policy, like AMP's autocast, to a model as written:
    * `precision=fp8`: every `dsc.matmul` of an activation `[..., K]` by a weight
      (`dsc.param`, `[K, N]`, no transposes) becomes `dsc.quantize` of the activation,
      `dsc.quantized_param` of the weight (quantized once, when the weights load) and
      `dsc.scaled_matmul` (f32 accumulation, output in the matmul's type), with
      `fp8-recipe=blockwise` (DeepSeek-V3's 1 x 128 / 128 x 128 scales; K and N multiples of
      128), `tensor` (one scale per tensor from its current amax) or `delayed` (as
      `tensor`, but each activation's scale is the largest amax of its last
      `fp8-amax-history` runs, kept in state that outlives a run: the quantize gets
      `amax_history`; the first run, with no history, scales by its current amax). Router logits (a
      matmul read by `dsc.router_topk`), products of two activations, transposed operands
      and attention stay as written.
    * `precision=bf16` / `fp16`: GEMMs and attention on f32 tensors read bf16/f16 copies of
      their operands; GEMMs give f32 back (f32 accumulation), attention's result is cast
      back to f32. Norms, softmax, reductions and the router stay f32.
    * `precision=tf32`: GEMMs on f32 operands run on tensor cores in TF32 (inputs rounded to
      10 mantissa bits, f32 accumulation and output): the op gets `dsc.precision = "tf32"`,
      which the lowering turns into cuBLASLt's `CUBLAS_COMPUTE_32F_FAST_TF32`.
    * `precision=as-written` (the default): only the ops that carry a `dsc.precision` hint
      (`@precision(...)` in .dsg) change.
    `op-precision=KIND=PRECISION,...` (`dsc --precision-override`) sets the precision of
    every op of a kind the policy decides (`matmul`, `attention`), in place of `precision`.
    A `dsc.precision` hint on an op overrides both for that op: `"fp8"` quantizes a
    GEMM that qualifies, any other value keeps it out of fp8 / autocast. With
    `explain=true` every op gets a remark at its location saying in which type it computes
    and why (`dsc --explain`).
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"as-written\"",
           "as-written, tf32, bf16, fp16 or fp8">,
    Option<"fp8Recipe", "fp8-recipe", "std::string", /*default=*/"\"blockwise\"",
           "blockwise (1x128 / 128x128 scales), tensor (per-tensor current scaling) or "
           "delayed (per-tensor, activation scales from an amax history of previous runs)">,
    Option<"fp8AmaxHistory", "fp8-amax-history", "int64_t", /*default=*/"16",
           "with fp8-recipe=delayed: the number of previous runs whose amaxes scale an "
           "activation (1 to 1024)">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "a remark per op: the type it computes in and why">,
    ListOption<"opPrecision", "op-precision", "std::string",
               "per op kind: KIND=PRECISION (KIND matmul or attention), in place of "
               "`precision` for the ops of that kind">,
  ];
  let dependentDialects = ["::dsc::DscDialect"];
}

def FuseGemmEpiloguePass : Pass<"dsc-fuse-gemm-epilogue", "mlir::ModuleOp"> {
  let summary = "Folds a residual add into the GEMM before it (cuBLASLt's beta * C)";
  let description = [{
    `dsc.add(x, dsc.matmul(a, b))` (either operand order; also `dsc.scaled_matmul`) becomes
    `dsc.matmul(a, b, x)`: the GEMM reads `x` as C with beta = 1 and writes the sum, so the
    sum is one rounding of the f32 result and the separate add kernel (three passes over the
    tensor) disappears. Only when the product has no other use, has no addend yet, is
    floating point, and `x` has the product's type and is not a `dsc.broadcast` (a bias is
    cheaper read as a vector by the fused kernel after the GEMM). `dsc` runs it at -O2,
    after canonicalization and before elementwise fusion.
  }];
  let dependentDialects = ["::dsc::DscDialect"];
}

def FuseSplitRopePass : Pass<"dsc-fuse-split-rope", "mlir::ModuleOp"> {
  let summary = "Folds a QKV split, the reshapes to heads and the ropes into dsc.split_rope";
  let description = [{
    `dsc.split` of `[..., T, N]` on its last axis, whose every piece is reshaped to
    `[..., T, H_i, Dh]` (and read through that reshape only), with some reshaped pieces read
    only by a `dsc.rope`, becomes one `dsc.split_rope` that yields the rotated pieces (q, k)
    and the merely reshaped ones (v). Codegen runs it as one kernel: the fused projection is
    read once and each piece written once, in the layout attention reads, where the split's
    slices and the ropes made two passes over q and k. The ropes must share positions
    (defined before the split), theta and style; a piece read in its `[..., T, N]` form, a
    reshape that is not a split of the last axis into heads, or head sizes that differ leave
    the split as it is. `dsc` runs the pass at -O2, after elementwise fusion.
  }];
  let dependentDialects = ["::dsc::DscDialect"];
}

def PartitionPipelinePass : Pass<"dsc-partition-pipeline", "mlir::ModuleOp"> {
  let summary = "Cuts @main into pipeline stages over the mesh's pp axis, with micro-batches";
  let description = [{
    With a `pp` axis in the mesh (`--mesh pp=2,tp=2`), cuts @main into one stage per pp
    coordinate where the predicted stage times (ir/CostModel.h: FLOPs and bytes per op, plus
    the transfer of the values alive across the cut) are most even, between layers when the
    params carry layer numbers (`layers.3.wq`), and among near-equal cuts the one that sends
    the fewest bytes. Each op gets `dsc.stage`; values crossing a cut go through `shard.send`
    / `shard.recv` over the pp axis; params, constants and iotas are copied into the stages
    that use them. With `microbatches` M > 1, inputs are sliced into M pieces along dim 0,
    each stage is unrolled per micro-batch (`dsc.microbatch`) and the outputs are joined.
    The function gets `dsc.pipeline`: the fill-and-drain schedule per rank, the stage times
    and the predicted bubble (docs/pipeline.md). `explain` adds a remark per stage and one
    for the schedule. Without a pp axis it changes nothing (and rejects M > 1).
    `dsc` runs it after fusion, before lowering to the plan.
  }];
  let options = [
    Option<"microbatches", "microbatches", "int64_t", /*default=*/"1",
           "Micro-batches the batch (dim 0 of every input) is split into">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Remarks: each stage's ops, predicted time and cut; the bubble">,
  ];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

#endif // DSC_PASSES_TD
