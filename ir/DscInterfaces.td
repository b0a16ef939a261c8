//===- DscInterfaces.td - dsc op interfaces ----------------*- tablegen -*-===//
//
// Interfaces that passes query instead of listing op names: today the fusion kind, which says
// how an op's output elements depend on its input elements (docs/ops.md, "Fusion kinds").
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERFACES_TD
#define DSC_INTERFACES_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def Dsc_FusionKind : I32EnumAttr<"FusionKind", "how an op's outputs depend on its inputs", [
    I32EnumAttrCase<"elementwise", 0>, I32EnumAttrCase<"broadcast", 1>,
    I32EnumAttrCase<"injective", 2>, I32EnumAttrCase<"reduction", 3>,
    I32EnumAttrCase<"rowwise", 4>, I32EnumAttrCase<"matmul", 5>,
    I32EnumAttrCase<"opaque", 6>]> {
  let cppNamespace = "::dsc";
  let genSpecializedAttr = 0;
}

def Dsc_FusionKindOpInterface : OpInterface<"FusionKindOpInterface"> {
  let cppNamespace = "::dsc";
  let description = [{
    Classifies a dsc op for fusion:
    * `elementwise`: output element `i` reads input element `i` of same-shaped operands only;
    * `broadcast`: output element `i` reads the input element its index maps to (many to one);
    * `injective`: every output element is one input element moved (reshape, transpose, slice,
      concat, split, gather, iota, leaves);
    * `reduction`: an output element combines many input elements along axes;
    * `rowwise`: a reduction over the last axis followed by elementwise math on the same row
      (rms_norm, layer_norm, softmax);
    * `matmul`: a contraction left to a library or its own kernel (matmul, attention);
    * `opaque`: anything else (rope, MoE routing, dispatch and combine, region ops).
    Every dsc op implements it: `Dsc_Op` declares the kind (`opaque` unless an op says
    otherwise) and the op class returns it.
  }];
  let methods = [
    InterfaceMethod<"How this op's outputs depend on its inputs.", "::dsc::FusionKind",
                    "getFusionKind">,
  ];
}

#endif // DSC_INTERFACES_TD
