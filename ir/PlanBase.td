//===- PlanBase.td - the plan dialect and its attributes ---*- tablegen -*-===//
//
// The execution-plan dialect: what dsc lowers to before the artifact is written. Its ops are
// the steps of runtime/schema/Artifact.fbs (KernelLaunch, Gemm, Attention, Memset, Copy,
// later Collective) and the buffers they read and write.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PLAN_BASE_TD
#define DSC_PLAN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Plan_Dialect : Dialect {
  let name = "plan";
  let cppNamespace = "::dsc::plan";
  let summary = "The execution plan: buffers, kernel launches, library calls, streams, events";
  let description = [{
    A plan is the body of `func.func @main`: a linear schedule of steps (`plan.launch`,
    `plan.gemm`, `plan.attention`, `plan.memset`, `plan.copy`) over buffers that are bound by
    name (`plan.param`, `plan.input`, `plan.output`), allocated (`plan.alloc`), initialized
    (`plan.constant`) or reinterpreted (`plan.view`). Steps run in block order on their
    `stream` (default 0); `wait_events` / `record_event` order steps across streams exactly as
    `Step` does in the artifact schema.

    Buffers are builtin memrefs with a static shape and the identity (dense row-major) layout,
    not a type of our own, because:
    * the memory planner needs only a byte size, which shape and element type give;
    * the artifact writer needs dtype and shape for the `TensorInfo` tables and the kernel
      emitter needs them for each `KernelSpec` tensor: the type already carries both;
    * placement is an attribute (`offset`) on the defining op, so planning memory never changes
      a type and never rewrites a use. A view is its root buffer plus a byte offset, which is
      what the schema's `BufferRef` is.
    Memrefs here are only names for byte ranges: no memref dialect op is used on them.

    The planner writes module attributes `plan.arena_bytes`, `plan.param_bytes` and
    `plan.peak_activation_bytes`. An SPMD plan (one per rank of a device mesh) has the module
    attribute `plan.mesh = {axes = [names], shape = array<i64: sizes>}` (ranks row-major,
    the last axis fastest); its collectives and sharded params name mesh axes by index.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// The device mesh of an SPMD plan, on the module:
    /// `plan.mesh = {axes = ["dp", "tp"], shape = array<i64: 2, 4>}`.
    static constexpr llvm::StringLiteral kMeshAttr = "plan.mesh";
    static constexpr llvm::StringLiteral kArenaBytesAttr = "plan.arena_bytes";
    static constexpr llvm::StringLiteral kParamBytesAttr = "plan.param_bytes";
    static constexpr llvm::StringLiteral kPeakActivationBytesAttr = "plan.peak_activation_bytes";
    /// Pipelined plans (docs/pipeline.md): on a step (and a plan.wait), the pipeline stage
    /// whose ranks run it and the micro-batch it works on; on a plan.param, the stages that
    /// read it (`plan.stages = array<i64: 0, 1>`).
    static constexpr llvm::StringLiteral kStageAttr = "plan.stage";
    static constexpr llvm::StringLiteral kMicrobatchAttr = "plan.microbatch";
    static constexpr llvm::StringLiteral kStagesAttr = "plan.stages";
  }];
}

// A plain integer enum attribute: it prints as a bare keyword in `plan.alloc activation`.
def Plan_BufferKindAttr : I32EnumAttr<"BufferKind", "what an allocated buffer holds", [
    I32EnumAttrCase<"activation", 0>, I32EnumAttrCase<"workspace", 1>]> {
  let cppNamespace = "::dsc::plan";
}

// Value for value the schema's `Epilogue` (cuBLASLt epilogues).
def Plan_Epilogue : I32EnumAttr<"Epilogue", "GEMM epilogue", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"bias", 1>, I32EnumAttrCase<"relu", 2>,
    I32EnumAttrCase<"gelu", 3>, I32EnumAttrCase<"bias_relu", 4>,
    I32EnumAttrCase<"bias_gelu", 5>]> {
  let cppNamespace = "::dsc::plan";
  let genSpecializedAttr = 0;
}
// Value for value the schema's `CollectiveKind` and `ReduceOp`.
def Plan_CollectiveKindAttr : I32EnumAttr<"CollectiveKind", "an NCCL collective", [
    I32EnumAttrCase<"all_reduce", 0>, I32EnumAttrCase<"all_gather", 1>,
    I32EnumAttrCase<"reduce_scatter", 2>, I32EnumAttrCase<"all_to_all", 3>,
    I32EnumAttrCase<"broadcast", 4>, I32EnumAttrCase<"send", 5>, I32EnumAttrCase<"recv", 6>]> {
  let cppNamespace = "::dsc::plan";
}
def Plan_ReductionAttr : I32EnumAttr<"Reduction", "the reduction of a collective", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"prod", 1>, I32EnumAttrCase<"max", 2>,
    I32EnumAttrCase<"min", 3>, I32EnumAttrCase<"avg", 4>]> {
  let cppNamespace = "::dsc::plan";
}

def Plan_EpilogueAttr : EnumAttr<Plan_Dialect, Plan_Epilogue, "epilogue"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // DSC_PLAN_BASE_TD
