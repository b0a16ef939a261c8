//===- DscBase.td - the dsc dialect and its attributes ----*- tablegen -*-===//
//
// The dialect definition and the enum attributes that several ops share.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_BASE_TD
#define DSC_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Dsc_Dialect : Dialect {
  let name = "dsc";
  let cppNamespace = "::dsc";
  let summary = "A tensor dataflow-graph dialect for transformer and MoE models";
  let description = [{
    Ops on static-shaped builtin tensors that describe a model's forward graph: elementwise
    math, explicit broadcasts, shape manipulation, reductions, matmul, and transformer building
    blocks (RMSNorm, RoPE, attention, DeepSeek-V3 MoE routing, dispatch and combine). The
    semantics of each op, including rounding and accumulation, are in docs/ops.md.

    Discardable attributes `dsc.shard` and `dsc.precision` carry user hints for later passes;
    `dsc.name` names the entry function's inputs and outputs.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    static constexpr llvm::StringLiteral kNameAttr = "dsc.name";
    static constexpr llvm::StringLiteral kShardAttr = "dsc.shard";
    static constexpr llvm::StringLiteral kPrecisionAttr = "dsc.precision";
    /// On a `dsc.param` after SPMD partitioning: its type is this rank's slice and entry d
    /// (an array<i32> of grid axes) says which grid axes the weight's dimension d is split
    /// over, outermost first, as shard.sharding's split_axes. dsc-lower-to-plan carries it
    /// to `plan.param`.
    static constexpr llvm::StringLiteral kSplitAxesAttr = "dsc.split_axes";
    /// On the `shard.grid` of the device mesh: its axis names, outermost first (the shard
    /// dialect numbers grid axes; dsc.shard hints name them).
    static constexpr llvm::StringLiteral kMeshAxesAttr = "dsc.mesh_axes";
    /// The symbol of the mesh's grid that the frontend declares.
    static constexpr llvm::StringLiteral kMeshGridName = "mesh";
    /// After dsc-partition-pipeline, on each op of a pipelined function: the pipeline stage
    /// (the `pp` coordinate of the ranks that run it) and, for per-micro-batch ops, the
    /// micro-batch (docs/pipeline.md).
    static constexpr llvm::StringLiteral kStageAttr = "dsc.stage";
    static constexpr llvm::StringLiteral kMicrobatchAttr = "dsc.microbatch";
    /// On a pipelined function: its schedule and the cost model's prediction (a dictionary,
    /// docs/pipeline.md).
    static constexpr llvm::StringLiteral kPipelineAttr = "dsc.pipeline";
  }];
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
}

class Dsc_EnumAttr<EnumAttrInfo info, string mnemonic>
    : EnumAttr<Dsc_Dialect, info, mnemonic> {
  let assemblyFormat = "`<` $value `>`";
}

def Dsc_ComparePredicate : I32EnumAttr<"ComparePredicate", "comparison predicate", [
    I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>, I32EnumAttrCase<"lt", 2>,
    I32EnumAttrCase<"le", 3>, I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::dsc";
  let genSpecializedAttr = 0;
}
def Dsc_ComparePredicateAttr : Dsc_EnumAttr<Dsc_ComparePredicate, "predicate">;

def Dsc_GeluApproximation : I32EnumAttr<"GeluApproximation", "gelu approximation", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"tanh", 1>]> {
  let cppNamespace = "::dsc";
  let genSpecializedAttr = 0;
}
def Dsc_GeluApproximationAttr : Dsc_EnumAttr<Dsc_GeluApproximation, "gelu">;

def Dsc_RopeStyle : I32EnumAttr<"RopeStyle", "rotary embedding pairing", [
    I32EnumAttrCase<"half", 0>, I32EnumAttrCase<"interleaved", 1>]> {
  let cppNamespace = "::dsc";
  let genSpecializedAttr = 0;
}
def Dsc_RopeStyleAttr : Dsc_EnumAttr<Dsc_RopeStyle, "rope_style">;

def Dsc_RouterScore : I32EnumAttr<"RouterScore", "router score function", [
    I32EnumAttrCase<"sigmoid", 0>, I32EnumAttrCase<"softmax", 1>]> {
  let cppNamespace = "::dsc";
  let genSpecializedAttr = 0;
}
def Dsc_RouterScoreAttr : Dsc_EnumAttr<Dsc_RouterScore, "score">;

#endif // DSC_BASE_TD
