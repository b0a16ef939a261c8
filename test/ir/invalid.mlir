// Every diagnostic of the dsc dialect: ODS type constraints, the hand-written verifiers, type
// inference (reported at verification, followed by "failed to infer returned types") and the
// discardable attributes. One error per case.

// RUN: dsc-opt %s --split-input-file --verify-diagnostics

//===----------------------------------------------------------------------===//
// ODS constraints
//===----------------------------------------------------------------------===//

func.func @element_type_f64(%x: tensor<4xf64>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf64>'}}
  %y = dsc.neg %x : tensor<4xf64>
  return
}

// -----

func.func @element_type_i1_arith(%x: tensor<4xi1>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xi1>'}}
  %y = dsc.add %x, %x : tensor<4xi1>
  return
}

// -----

func.func @element_type_int_to_float_op(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type values, but got 'tensor<4xi32>'}}
  %y = dsc.exp %x : tensor<4xi32>
  return
}

// -----

func.func @element_type_i8_param() {
  // expected-error @+1 {{result #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 1-bit signless integer or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xi8>'}}
  %w = dsc.param "w" : tensor<4xi8>
  return
}

// -----

func.func @constant_f64() {
  // expected-error @+1 {{result #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 1-bit signless integer or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf64>'}}
  %c = dsc.constant dense<1.0> : tensor<4xf64>
  return
}

// -----

func.func @dynamic_shape(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?x8xf32>'}}
  %y = dsc.relu %x : tensor<?x8xf32>
  return
}

// -----

func.func @dynamic_shape_inferred_op(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 1-bit signless integer or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?x8xf32>'}}
  %y = "dsc.transpose"(%x) <{permutation = array<i64: 1, 0>}> : (tensor<?x8xf32>) -> tensor<8x?xf32>
  return
}

// -----

func.func @unranked_operand(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type values, but got 'tensor<*xf32>'}}
  %y = "dsc.softmax"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @scalar_operand_to_inferred_op(%x: f32) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 32-bit signless integer or 64-bit signless integer values, but got 'f32'}}
  %y = dsc.matmul %x, %x : (f32, f32) -> f32
  return
}

// -----

func.func @scalar_custom_form(%x: f32) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'f32'}}
  %y = dsc.add %x, %x : f32
  return
}

// -----

func.func @float_indices(%t: tensor<8x4xf32>, %i: tensor<2xf32>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xf32>'}}
  %y = dsc.gather %t, %i : (tensor<8x4xf32>, tensor<2xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @float_positions(%x: tensor<4x2x8xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf32>'}}
  %y = dsc.rope %x, %p : tensor<4x2x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @int_select_cond(%c: tensor<4xi32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xi32>'}}
  %y = dsc.select %c, %x, %x : tensor<4xi32>, tensor<4xf32>
  return
}

// -----

func.func @router_bias_not_f32(%l: tensor<4x8xf32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit float values, but got 'tensor<8xbf16>'}}
  %w, %i = dsc.router_topk %l, %b {k = 2 : i64} : (tensor<4x8xf32>, tensor<8xbf16>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @binary_operand_types_differ(%x: tensor<4xf32>, %y: tensor<4xf16>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %z = "dsc.add"(%x, %y) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @compare_operand_types_differ(%x: tensor<4xf32>, %y: tensor<4xf16>) {
  // expected-error @+1 {{failed to verify that all of {lhs, rhs} have same type}}
  %m = dsc.compare %x, %y {predicate = #dsc.predicate<eq>} : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xi1>
  return
}

// -----

func.func @compare_without_predicate(%x: tensor<4xf32>) {
  // expected-error @+1 {{requires attribute 'predicate'}}
  %m = dsc.compare %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return
}

// -----

func.func @compare_unknown_predicate(%x: tensor<4xf32>) {
  // expected-error @+2 {{failed to parse Dsc_ComparePredicateAttr parameter 'value'}}
  // expected-error @+1 {{expected ::dsc::ComparePredicate to be one of: eq, ne, lt, le, gt, ge}}
  %m = dsc.compare %x, %x {predicate = #dsc.predicate<lte>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return
}

// -----

func.func @select_branch_types_differ(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xbf16>) {
  // expected-error @+1 {{failed to verify that all of {on_true, on_false, result} have same type}}
  %z = "dsc.select"(%c, %x, %y) : (tensor<4xi1>, tensor<4xf32>, tensor<4xbf16>) -> tensor<4xf32>
  return
}

// -----

func.func @layer_norm_extra_operand(%x: tensor<4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{operand group starting at #2 requires 0 or 1 element, but found 2}}
  %y = "dsc.layer_norm"(%x, %w, %w, %w) : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_one_operand(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected 2 or more operands, but found 1}}
  %y = "dsc.matmul"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @router_without_k(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{requires attribute 'k'}}
  %w:2 = "dsc.router_topk"(%l) : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @split_result_count(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4x4xf32>', 'tensor<4x4xf32>' are incompatible with return type(s) of operation 'tensor<4x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = "dsc.split"(%x) <{axis = 1 : i64, sizes = array<i64: 4, 4>}> : (tensor<4x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @constant_not_elements() {
  // expected-error @+1 {{Invalid attribute `value` in property conversion: 1 : i32}}
  %c = "dsc.constant"() <{value = 1 : i32}> : () -> tensor<4xf32>
  return
}

// -----

func.func @constant_type_mismatch() {
  // expected-error @+2 {{inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = "dsc.constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Leaves
//===----------------------------------------------------------------------===//

func.func @param_empty_name() {
  // expected-error @+1 {{'dsc.param' op needs a non-empty name}}
  %w = dsc.param "" : tensor<4xf32>
  return
}

// -----

func.func @iota_rank0() {
  // expected-error @+1 {{'dsc.iota' op result must have rank at least 1}}
  %i = dsc.iota {dimension = 0 : i64} : tensor<i32>
  return
}

// -----

func.func @iota_dimension_out_of_range() {
  // expected-error @+1 {{'dsc.iota' op dimension 2 is out of range for rank 2}}
  %i = dsc.iota {dimension = 2 : i64} : tensor<4x8xi32>
  return
}

// -----

// The accessor is unsigned: -1 was once printed as 18446744073709551615.
func.func @iota_negative_dimension() {
  // expected-error @+1 {{'dsc.iota' op dimension -1 is out of range for rank 2}}
  %i = dsc.iota {dimension = -1 : i64} : tensor<4x8xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

func.func @compare_result_shape(%x: tensor<4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4xi1>' are incompatible with return type(s) of operation 'tensor<8xi1>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %m = dsc.compare %x, %x {predicate = #dsc.predicate<eq>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<8xi1>
  return
}

// -----

func.func @select_cond_shape(%c: tensor<8xi1>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.select' op condition shape [8] does not match the value shape [4]}}
  %y = dsc.select %c, %x, %x : tensor<8xi1>, tensor<4xf32>
  return
}

// -----

func.func @cast_changes_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dsc.cast' op changes the shape from [4, 8] to [32]; cast converts elements only}}
  %y = dsc.cast %x : tensor<4x8xf32> -> tensor<32xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Broadcast and shape
//===----------------------------------------------------------------------===//

func.func @broadcast_element_type(%x: tensor<8xf32>) {
  // expected-error @+1 {{'dsc.broadcast' op changes the element type; use dsc.cast}}
  %y = dsc.broadcast %x {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xbf16>
  return
}

// -----

func.func @broadcast_dims_count(%x: tensor<8xf32>) {
  // expected-error @+1 {{'dsc.broadcast' op has 2 dims for an operand of rank 1}}
  %y = dsc.broadcast %x {dims = array<i64: 0, 1>} : tensor<8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @broadcast_dim_out_of_range(%x: tensor<8xf32>) {
  // expected-error @+1 {{'dsc.broadcast' op dims[0] = 2 is out of range for result rank 2}}
  %y = dsc.broadcast %x {dims = array<i64: 2>} : tensor<8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @broadcast_negative_dim(%x: tensor<8xf32>) {
  // expected-error @+1 {{'dsc.broadcast' op dims[0] = -1 is out of range for result rank 2}}
  %y = dsc.broadcast %x {dims = array<i64: -1>} : tensor<8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @broadcast_dims_not_increasing(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dsc.broadcast' op dims must be strictly increasing}}
  %y = dsc.broadcast %x {dims = array<i64: 2, 1>} : tensor<4x8xf32> -> tensor<2x8x4xf32>
  return
}

// -----

func.func @broadcast_size_mismatch(%x: tensor<3xf32>) {
  // expected-error @+1 {{'dsc.broadcast' op operand dimension 0 of size 3 cannot broadcast to result dimension 1 of size 8}}
  %y = dsc.broadcast %x {dims = array<i64: 1>} : tensor<3xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dsc.reshape' op changes the element type; use dsc.cast}}
  %y = dsc.reshape %x : tensor<4x8xf32> -> tensor<32xf16>
  return
}

// -----

func.func @reshape_element_count(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dsc.reshape' op cannot reshape [4, 8] (32 elements) to [2, 8] (16 elements)}}
  %y = dsc.reshape %x : tensor<4x8xf32> -> tensor<2x8xf32>
  return
}

// -----

// The element count once wrapped to 0 and this reshape was accepted.
func.func @reshape_element_count_overflow(%x: tensor<4611686018427387904x4xf32>) {
  // expected-error @+1 {{'dsc.reshape' op element count of [4611686018427387904, 4] overflows int64}}
  %y = dsc.reshape %x : tensor<4611686018427387904x4xf32> -> tensor<0xf32>
  return
}

// -----

func.func @transpose_permutation_length(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{permutation has 3 entries for an operand of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.transpose %x {permutation = array<i64: 1, 0, 2>} : tensor<4x8xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @transpose_repeated_entry(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{permutation [1, 1] is not a permutation of 0..1}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.transpose %x {permutation = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<8x8xf32>
  return
}

// -----

func.func @transpose_entry_out_of_range(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{permutation [0, -1] is not a permutation of 0..1}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.transpose %x {permutation = array<i64: 0, -1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @transpose_result_type(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<8x4xf32>' are incompatible with return type(s) of operation 'tensor<4x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.transpose %x {permutation = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @slice_entry_count(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{start, limit and stride need 2 entries each (the operand rank)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.slice %x {start = array<i64: 0>, limit = array<i64: 4, 8>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @slice_negative_start(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{dimension 1: need 0 <= start (-1) <= limit (8) <= size (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.slice %x {start = array<i64: 0, -1>, limit = array<i64: 4, 8>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4x9xf32>
  return
}

// -----

func.func @slice_start_after_limit(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{dimension 0: need 0 <= start (3) <= limit (2) <= size (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.slice %x {start = array<i64: 3, 0>, limit = array<i64: 2, 8>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<0x8xf32>
  return
}

// -----

func.func @slice_limit_past_end(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{dimension 1: need 0 <= start (0) <= limit (9) <= size (8)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.slice %x {start = array<i64: 0, 0>, limit = array<i64: 4, 9>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4x9xf32>
  return
}

// -----

func.func @slice_zero_stride(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{dimension 0: stride 0 must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.slice %x {start = array<i64: 0, 0>, limit = array<i64: 4, 8>, stride = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

// A huge stride once overflowed `limit - start + stride - 1` and inferred 0 rows instead of 1.
func.func @slice_huge_stride_result(%x: tensor<4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1xf32>' are incompatible with return type(s) of operation 'tensor<0xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.slice %x {start = array<i64: 0>, limit = array<i64: 4>, stride = array<i64: 9223372036854775807>} : tensor<4xf32> -> tensor<0xf32>
  return
}

// -----

func.func @concat_no_operands() {
  // expected-error @+2 {{needs at least one operand}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.concat {axis = 0 : i64} : () -> tensor<4xf32>
  return
}

// -----

func.func @concat_axis_out_of_range(%a: tensor<4x2xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2 (valid: -2 to 1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.concat %a, %a {axis = 2 : i64} : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @concat_rank0(%a: tensor<f32>) {
  // expected-error @+2 {{axis 0 is out of range for rank 0 (valid: 0 to -1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.concat %a, %a {axis = 0 : i64} : (tensor<f32>, tensor<f32>) -> tensor<2xf32>
  return
}

// -----

func.func @concat_element_type(%a: tensor<4x2xf32>, %b: tensor<4x2xbf16>) {
  // expected-error @+2 {{operand 1 has type 'tensor<4x2xbf16>', incompatible with operand 0 of type 'tensor<4x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.concat %a, %b {axis = 1 : i64} : (tensor<4x2xf32>, tensor<4x2xbf16>) -> tensor<4x4xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<4x2xf32>, %b: tensor<4x2x1xf32>) {
  // expected-error @+2 {{operand 2 has type 'tensor<4x2x1xf32>', incompatible with operand 0 of type 'tensor<4x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.concat %a, %a, %b {axis = 1 : i64} : (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2x1xf32>) -> tensor<4x6xf32>
  return
}

// -----

func.func @concat_other_dim(%a: tensor<4x2xf32>, %b: tensor<3x2xf32>) {
  // expected-error @+2 {{operand 1 has size 3 in dimension 0 but operand 0 has 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.concat %a, %b {axis = -1 : i64} : (tensor<4x2xf32>, tensor<3x2xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @concat_size_overflow(%a: tensor<4611686018427387904xi1>) {
  // expected-error @+2 {{the concatenated size of dimension 0 overflows int64}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.concat %a, %a {axis = 0 : i64} : (tensor<4611686018427387904xi1>, tensor<4611686018427387904xi1>) -> tensor<1xi1>
  return
}

// -----

func.func @split_rank0(%x: tensor<f32>) {
  // expected-error @+2 {{cannot split a rank-0 tensor}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.split %x {axis = 0 : i64, sizes = array<i64: 1>} : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @split_axis_out_of_range(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{axis -3 is out of range for rank 2 (valid: -2 to 1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.split %x {axis = -3 : i64, sizes = array<i64: 4>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @split_no_sizes(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{needs at least one size}}
  // expected-error @+1 {{failed to infer returned types}}
  "dsc.split"(%x) <{axis = 0 : i64, sizes = array<i64>}> : (tensor<4x8xf32>) -> ()
  return
}

// -----

func.func @split_zero_size(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{split sizes must be >= 1, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %y:2 = dsc.split %x {axis = 0 : i64, sizes = array<i64: 4, 0>} : tensor<4x8xf32> -> tensor<4x8xf32>, tensor<0x8xf32>
  return
}

// -----

func.func @split_sizes_short(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{split sizes [3, 4] sum to 7 but dimension 1 has size 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %y:2 = dsc.split %x {axis = 1 : i64, sizes = array<i64: 3, 4>} : tensor<4x8xf32> -> tensor<4x3xf32>, tensor<4x4xf32>
  return
}

// -----

func.func @split_sizes_exceed(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{split sizes [6, 6] exceed dimension 1 of size 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %y:2 = dsc.split %x {axis = 1 : i64, sizes = array<i64: 6, 6>} : tensor<4x8xf32> -> tensor<4x6xf32>, tensor<4x6xf32>
  return
}

// -----

// The sizes once summed with wrap-around to the dimension and the op was accepted.
func.func @split_sizes_overflow(%x: tensor<4xf32>) {
  // expected-error @+2 {{split sizes [9223372036854775807, 9223372036854775807, 6] exceed dimension 0 of size 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %y:3 = dsc.split %x {axis = 0 : i64, sizes = array<i64: 9223372036854775807, 9223372036854775807, 6>} : tensor<4xf32> -> tensor<9223372036854775807xf32>, tensor<9223372036854775807xf32>, tensor<6xf32>
  return
}

// -----

func.func @gather_rank0_table(%t: tensor<f32>, %i: tensor<2xi32>) {
  // expected-error @+2 {{table must have rank at least 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.gather %t, %i : (tensor<f32>, tensor<2xi32>) -> tensor<2xf32>
  return
}

// -----

func.func @gather_axis_out_of_range(%t: tensor<8x4xf32>, %i: tensor<2xi32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2 (valid: -2 to 1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.gather %t, %i {axis = 2 : i64} : (tensor<8x4xf32>, tensor<2xi32>) -> tensor<8x2xf32>
  return
}

// -----

func.func @gather_result_shape(%t: tensor<8x4xf32>, %i: tensor<2x3xi32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x3x4xf32>' are incompatible with return type(s) of operation 'tensor<6x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.gather %t, %i : (tensor<8x4xf32>, tensor<2x3xi32>) -> tensor<6x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Reductions and softmax
//===----------------------------------------------------------------------===//

func.func @reduce_axis_out_of_range(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2 (valid: -2 to 1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.reduce_sum %x {axes = array<i64: 2>} : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_axis_twice(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{axis -1 is listed twice}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.reduce_max %x {axes = array<i64: 1, -1>} : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_keepdims_result(%x: tensor<4x8xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4x1xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @softmax_rank0(%x: tensor<f32>) {
  // expected-error @+1 {{'dsc.softmax' op operand must have rank at least 1}}
  %y = dsc.softmax %x : tensor<f32>
  return
}

// -----

func.func @softmax_axis_out_of_range(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2 (valid: -2 to 1)}}
  %y = dsc.softmax %x {axis = 2 : i64} : tensor<4x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

func.func @rms_norm_rank0(%x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{'dsc.rms_norm' op x must have rank at least 1}}
  %y = dsc.rms_norm %x, %w : tensor<f32>, tensor<1xf32>
  return
}

// -----

func.func @rms_norm_negative_eps(%x: tensor<4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'dsc.rms_norm' op eps must be >= 0}}
  %y = dsc.rms_norm %x, %w {eps = -1.0e-06 : f32} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_nan_eps(%x: tensor<4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'dsc.rms_norm' op eps must be >= 0}}
  %y = dsc.rms_norm %x, %w {eps = 0x7FC00000 : f32} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_weight_shape(%x: tensor<4x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.rms_norm' op weight must have shape [8] (the last dimension of x), got [4]}}
  %y = dsc.rms_norm %x, %w : tensor<4x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @layer_norm_rank0(%x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{'dsc.layer_norm' op x must have rank at least 1}}
  %y = dsc.layer_norm %x, %w : tensor<f32>, tensor<1xf32>
  return
}

// -----

func.func @layer_norm_negative_eps(%x: tensor<4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'dsc.layer_norm' op eps must be >= 0}}
  %y = dsc.layer_norm %x, %w {eps = -1.0 : f32} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_weight_rank(%x: tensor<4x8xf32>, %w: tensor<1x8xf32>) {
  // expected-error @+1 {{'dsc.layer_norm' op weight must have shape [8] (the last dimension of x), got [1, 8]}}
  %y = dsc.layer_norm %x, %w : tensor<4x8xf32>, tensor<1x8xf32>
  return
}

// -----

func.func @layer_norm_bias_shape(%x: tensor<4x8xf32>, %w: tensor<8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.layer_norm' op bias must have shape [8] (the last dimension of x), got [4]}}
  %y = dsc.layer_norm %x, %w, %b : tensor<4x8xf32>, tensor<8xf32>, tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

func.func @matmul_rank1(%a: tensor<8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+2 {{operands need rank >= 2, got [8] and [8, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<4x8xbf16>, %b: tensor<8x4xf32>) {
  // expected-error @+2 {{operand element types differ: 'bf16' and 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b : (tensor<4x8xbf16>, tensor<8x4xf32>) -> tensor<4x4xbf16>
  return
}

// -----

func.func @matmul_fp8_with_bf16(%a: tensor<4x8xf8E4M3FN>, %b: tensor<8x4xbf16>) {
  // expected-error @+2 {{operand element types differ: 'f8E4M3FN' and 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b {out_type = bf16} : (tensor<4x8xf8E4M3FN>, tensor<8x4xbf16>) -> tensor<4x4xbf16>
  return
}

// -----

func.func @matmul_batch_mismatch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x4xf32>) {
  // expected-error @+2 {{b's batch dimensions [3] must equal a's [2] (or b must be a rank-2 matrix)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x4xf32>) -> tensor<2x4x4xf32>
  return
}

// -----

func.func @matmul_batched_rhs_rank2_lhs(%a: tensor<4x8xf32>, %b: tensor<2x8x4xf32>) {
  // expected-error @+2 {{b's batch dimensions [2] must equal a's [] (or b must be a rank-2 matrix)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b : (tensor<4x8xf32>, tensor<2x8x4xf32>) -> tensor<2x4x4xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) {
  // expected-error @+2 {{contraction sizes differ: a [4, 8] gives K=8, b [4, 8] gives K=4}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_contraction_transpose_a(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+2 {{contraction sizes differ: a [4, 8] gives K=4, b [8, 4] gives K=8}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b {transpose_a = true} : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_out_type_not_element(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+2 {{out_type must be an element type, got 'tensor<4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b {out_type = tensor<4xf32>} : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @matmul_out_type_index(%a: tensor<4x8xi32>, %b: tensor<8x4xi32>) {
  // expected-error @+2 {{out_type must be an element type, got 'index'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b {out_type = index} : (tensor<4x8xi32>, tensor<8x4xi32>) -> tensor<4x4xi32>
  return
}

// -----

func.func @matmul_out_type_mixes(%a: tensor<4x8xbf16>, %b: tensor<8x4xbf16>) {
  // expected-error @+2 {{out_type 'i32' mixes integer and float with 'bf16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b {out_type = i32} : (tensor<4x8xbf16>, tensor<8x4xbf16>) -> tensor<4x4xi32>
  return
}

// -----

func.func @matmul_out_type_f64(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{result #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4x4xf64>'}}
  %y = dsc.matmul %a, %b {out_type = f64} : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf64>
  return
}

// -----

func.func @matmul_result_type(%a: tensor<4x8xbf16>, %b: tensor<8x4xbf16>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4x4xbf16>' are incompatible with return type(s) of operation 'tensor<4x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.matmul %a, %b : (tensor<4x8xbf16>, tensor<8x4xbf16>) -> tensor<4x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Rope and attention
//===----------------------------------------------------------------------===//

func.func @rope_rank2(%x: tensor<16x32xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'dsc.rope' op x must be [..., T, H, Dh], got [16, 32]}}
  %y = dsc.rope %x, %p : tensor<16x32xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_odd_head_dim(%x: tensor<16x4x7xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'dsc.rope' op head dimension 7 must be even}}
  %y = dsc.rope %x, %p : tensor<16x4x7xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_zero_theta(%x: tensor<16x4x8xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'dsc.rope' op theta must be > 0}}
  %y = dsc.rope %x, %p {theta = 0.0 : f64} : tensor<16x4x8xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_positions_length(%x: tensor<2x16x4x8xf32>, %p: tensor<8xi32>) {
  // expected-error @+1 {{'dsc.rope' op positions must be [16] or [B, 16] for x [2, 16, 4, 8], got [8]}}
  %y = dsc.rope %x, %p : tensor<2x16x4x8xf32>, tensor<8xi32>
  return
}

// -----

func.func @rope_batched_positions_batch(%x: tensor<2x16x4x8xf32>, %p: tensor<3x16xi32>) {
  // expected-error @+1 {{'dsc.rope' op positions must be [16] or [B, 16] for x [2, 16, 4, 8], got [3, 16]}}
  %y = dsc.rope %x, %p : tensor<2x16x4x8xf32>, tensor<3x16xi32>
  return
}

// -----

func.func @rope_batched_positions_rank3_x(%x: tensor<16x4x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'dsc.rope' op positions must be [16] or [B, 16] for x [16, 4, 8], got [1, 16]}}
  %y = dsc.rope %x, %p : tensor<16x4x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_scalar_positions(%x: tensor<16x4x8xf32>, %p: tensor<i32>) {
  // expected-error @+1 {{'dsc.rope' op positions must be [16] or [B, 16] for x [16, 4, 8], got []}}
  %y = dsc.rope %x, %p : tensor<16x4x8xf32>, tensor<i32>
  return
}

// -----

func.func @attention_rank3(%q: tensor<16x8x32xf32>) {
  // expected-error @+2 {{q, k and v must be [B, T, H, D]; got [16, 8, 32], [16, 8, 32], [16, 8, 32]}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %q, %q : (tensor<16x8x32xf32>, tensor<16x8x32xf32>, tensor<16x8x32xf32>) -> tensor<16x8x32xf32>
  return
}

// -----

func.func @attention_element_types(%q: tensor<1x4x2x8xbf16>, %k: tensor<1x4x2x8xf32>) {
  // expected-error @+2 {{q, k and v must share an element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %k : (tensor<1x4x2x8xbf16>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xbf16>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x4x2x8xf32>, %k: tensor<1x4x2x8xf32>) {
  // expected-error @+2 {{batch sizes differ: q 2, k 1, v 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %k : (tensor<2x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) -> tensor<2x4x2x8xf32>
  return
}

// -----

func.func @attention_kv_length(%q: tensor<1x4x2x8xf32>, %k: tensor<1x6x2x8xf32>, %v: tensor<1x5x2x8xf32>) {
  // expected-error @+2 {{k [1, 6, 2, 8] and v [1, 5, 2, 8] must agree in key length and heads}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %v : (tensor<1x4x2x8xf32>, tensor<1x6x2x8xf32>, tensor<1x5x2x8xf32>) -> tensor<1x4x2x8xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<1x4x2x8xf32>, %k: tensor<1x6x2x8xf32>, %v: tensor<1x6x1x8xf32>) {
  // expected-error @+2 {{k [1, 6, 2, 8] and v [1, 6, 1, 8] must agree in key length and heads}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %v : (tensor<1x4x2x8xf32>, tensor<1x6x2x8xf32>, tensor<1x6x1x8xf32>) -> tensor<1x4x2x8xf32>
  return
}

// -----

func.func @attention_head_size(%q: tensor<1x4x2x16xf32>, %k: tensor<1x6x2x8xf32>) {
  // expected-error @+2 {{q head size 16 differs from k head size 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %k : (tensor<1x4x2x16xf32>, tensor<1x6x2x8xf32>, tensor<1x6x2x8xf32>) -> tensor<1x4x2x8xf32>
  return
}

// -----

func.func @attention_group_size(%q: tensor<1x4x6x8xf32>, %k: tensor<1x4x4x8xf32>) {
  // expected-error @+2 {{query heads (6) must be a multiple of key/value heads (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %k : (tensor<1x4x6x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x6x8xf32>
  return
}

// -----

// Zero key/value heads once divided by zero (SIGFPE) in type inference.
func.func @attention_zero_kv_heads(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x0x8xf32>) {
  // expected-error @+2 {{query heads (2) must be a multiple of key/value heads (0)}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %k : (tensor<1x4x2x8xf32>, tensor<1x4x0x8xf32>, tensor<1x4x0x8xf32>) -> tensor<1x4x2x8xf32>
  return
}

// -----

func.func @attention_zero_scale(%q: tensor<1x4x2x8xf32>) {
  // expected-error @+2 {{scale must be > 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %q, %q {scale = 0.0 : f64} : (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32>
  return
}

// -----

func.func @attention_result_dv(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x16xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x4x2x16xf32>' are incompatible with return type(s) of operation 'tensor<1x4x2x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %o = dsc.attention %q, %k, %v : (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x16xf32>) -> tensor<1x4x2x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

func.func @router_logits_rank(%l: tensor<8xf32>) {
  // expected-error @+2 {{logits must be [N, E], got [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 2 : i64} : (tensor<8xf32>) -> (tensor<2xf32>, tensor<2xi32>)
  return
}

// -----

func.func @router_bias_shape(%l: tensor<4x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{bias must be [8], got [4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l, %b {k = 2 : i64} : (tensor<4x8xf32>, tensor<4xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @router_groups_do_not_divide(%l: tensor<4x8xf32>) {
  // expected-error @+2 {{n_groups (3) must divide the 8 experts}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 2 : i64, n_groups = 3 : i64} : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @router_zero_groups(%l: tensor<4x8xf32>) {
  // expected-error @+2 {{n_groups (0) must divide the 8 experts}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 2 : i64, n_groups = 0 : i64} : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @router_topk_groups_too_many(%l: tensor<4x8xf32>) {
  // expected-error @+2 {{topk_groups (5) must be in 1..n_groups (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 2 : i64, n_groups = 4 : i64, topk_groups = 5 : i64} : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @router_topk_groups_zero(%l: tensor<4x8xf32>) {
  // expected-error @+2 {{topk_groups (0) must be in 1..n_groups (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 2 : i64, n_groups = 4 : i64, topk_groups = 0 : i64} : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return
}

// -----

func.func @router_k_too_large(%l: tensor<4x8xf32>) {
  // expected-error @+2 {{k (5) must be in 1..4 (the experts in the top 2 groups)}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 5 : i64, n_groups = 4 : i64, topk_groups = 2 : i64} : (tensor<4x8xf32>) -> (tensor<4x5xf32>, tensor<4x5xi32>)
  return
}

// -----

func.func @router_k_zero(%l: tensor<4x8xf32>) {
  // expected-error @+2 {{k (0) must be in 1..8 (the experts in the top 1 groups)}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 0 : i64} : (tensor<4x8xf32>) -> (tensor<4x0xf32>, tensor<4x0xi32>)
  return
}

// -----

func.func @router_result_types(%l: tensor<4x8xbf16>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4x2xf32>', 'tensor<4x2xi32>' are incompatible with return type(s) of operation 'tensor<4x3xf32>', 'tensor<4x3xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %w, %i = dsc.router_topk %l {k = 2 : i64} : (tensor<4x8xbf16>) -> (tensor<4x3xf32>, tensor<4x3xi32>)
  return
}

// -----

func.func @dispatch_x_rank(%x: tensor<2x16x64xf32>, %i: tensor<32x2xi32>) {
  // expected-error @+2 {{x must be [N, D] and indices [N, k]; got [2, 16, 64] and [32, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %b = dsc.moe_dispatch %x, %i {num_experts = 8 : i64, capacity = 32 : i64} : (tensor<2x16x64xf32>, tensor<32x2xi32>) -> tensor<8x32x64xf32>
  return
}

// -----

func.func @dispatch_token_count(%x: tensor<32x64xf32>, %i: tensor<16x2xi32>) {
  // expected-error @+2 {{x must be [N, D] and indices [N, k]; got [32, 64] and [16, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %b = dsc.moe_dispatch %x, %i {num_experts = 8 : i64, capacity = 32 : i64} : (tensor<32x64xf32>, tensor<16x2xi32>) -> tensor<8x32x64xf32>
  return
}

// -----

func.func @dispatch_zero_capacity(%x: tensor<32x64xf32>, %i: tensor<32x2xi32>) {
  // expected-error @+2 {{num_experts and capacity must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %b = dsc.moe_dispatch %x, %i {num_experts = 8 : i64, capacity = 0 : i64} : (tensor<32x64xf32>, tensor<32x2xi32>) -> tensor<8x0x64xf32>
  return
}

// -----

// I64Attr reads back unsigned: -8 once passed the check and made tensor<-8x32x64xf32>.
func.func @dispatch_negative_experts(%x: tensor<32x64xf32>, %i: tensor<32x2xi32>) {
  // expected-error @+2 {{num_experts and capacity must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %b = dsc.moe_dispatch %x, %i {num_experts = -8 : i64, capacity = 32 : i64} : (tensor<32x64xf32>, tensor<32x2xi32>) -> tensor<8x32x64xf32>
  return
}

// -----

func.func @combine_buffer_rank(%b: tensor<8x64xf32>, %i: tensor<32x2xi32>, %w: tensor<32x2xf32>) {
  // expected-error @+2 {{buffer must be [E, C, D], got [8, 64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.moe_combine %b, %i, %w : (tensor<8x64xf32>, tensor<32x2xi32>, tensor<32x2xf32>) -> tensor<32x64xf32>
  return
}

// -----

func.func @combine_weights_shape(%b: tensor<8x32x64xf32>, %i: tensor<32x2xi32>, %w: tensor<32x1xf32>) {
  // expected-error @+2 {{indices and weights must both be [N, k]; got [32, 2] and [32, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.moe_combine %b, %i, %w : (tensor<8x32x64xf32>, tensor<32x2xi32>, tensor<32x1xf32>) -> tensor<32x64xf32>
  return
}

// -----

func.func @combine_indices_rank(%b: tensor<8x32x64xf32>, %i: tensor<64xi32>, %w: tensor<64xf32>) {
  // expected-error @+2 {{indices and weights must both be [N, k]; got [64] and [64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = dsc.moe_combine %b, %i, %w : (tensor<8x32x64xf32>, tensor<64xi32>, tensor<64xf32>) -> tensor<64x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Discardable attributes
//===----------------------------------------------------------------------===//

func.func @shard_not_dictionary(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.shard' must be a dictionary {dims = [...], partial = [...]}}}
  %y = dsc.relu %x {dsc.shard = ["tp"]} : tensor<4xf32>
  return
}

// -----

func.func @shard_unknown_key(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.shard' has unknown key 'axes'; expected 'dims' or 'partial'}}
  %y = dsc.relu %x {dsc.shard = {axes = [["tp"]]}} : tensor<4xf32>
  return
}

// -----

func.func @shard_partial_not_strings(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.shard' partial must be a list of mesh axis names}}
  %y = dsc.relu %x {dsc.shard = {partial = [1]}} : tensor<4xf32>
  return
}

// -----

func.func @shard_partial_not_list(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.shard' partial must be a list of mesh axis names}}
  %y = dsc.relu %x {dsc.shard = {partial = "tp"}} : tensor<4xf32>
  return
}

// -----

func.func @shard_dims_flat(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.shard' dims must be a list, per tensor dimension, of mesh axis names}}
  %y = dsc.relu %x {dsc.shard = {dims = ["tp"]}} : tensor<4xf32>
  return
}

// -----

func.func @shard_dims_not_list(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.shard' dims must be a list, per tensor dimension, of mesh axis names}}
  %y = dsc.relu %x {dsc.shard = {dims = 0}} : tensor<4xf32>
  return
}

// -----

func.func @shard_dims_rank(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'dsc.shard' lists 1 dimensions but the value has rank 2}}
  %y = dsc.relu %x {dsc.shard = {dims = [["tp"]]}} : tensor<4x8xf32>
  return
}

// -----

// expected-error @+1 {{argument 1: 'dsc.shard' lists 3 dimensions but the value has rank 2}}
func.func @shard_argument_rank(%x: tensor<4xf32>, %y: tensor<4x8xf32> {dsc.shard = {dims = [[], [], []]}}) {
  return
}

// -----

// A declaration has no entry block; its argument types come from the function type.
// expected-error @+1 {{argument 0: 'dsc.shard' lists 1 dimensions but the value has rank 2}}
func.func private @shard_declaration_argument_rank(tensor<4x8xf32> {dsc.shard = {dims = [["dp"]]}})

// -----

// expected-error @+1 {{result 0: 'dsc.shard' lists 2 dimensions but the value has rank 1}}
func.func private @shard_declaration_result_rank() -> (tensor<4xf32> {dsc.shard = {dims = [[], []]}})

// -----

// expected-error @+1 {{result 0: 'dsc.shard' has unknown key 'dim'; expected 'dims' or 'partial'}}
func.func @shard_result_unknown_key(%x: tensor<4xf32>) -> (tensor<4xf32> {dsc.shard = {dim = [[]]}}) {
  return %x : tensor<4xf32>
}

// -----

func.func @precision_unknown(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.precision' must be one of "fp32", "tf32", "bf16", "fp16", "fp8"}}
  %y = dsc.relu %x {dsc.precision = "int8"} : tensor<4xf32>
  return
}

// -----

// expected-error @+1 {{argument 0: 'dsc.precision' must be one of "fp32", "tf32", "bf16", "fp16", "fp8"}}
func.func @precision_argument_not_string(%x: tensor<4xf32> {dsc.precision = 8 : i32}) {
  return
}

// -----

func.func @name_on_op(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dsc.name' belongs on function arguments and results}}
  %y = dsc.relu %x {dsc.name = "y"} : tensor<4xf32>
  return
}

// -----

// expected-error @+1 {{argument 0: 'dsc.name' must be a non-empty string}}
func.func @name_empty(%x: tensor<4xf32> {dsc.name = ""}) {
  return
}

// -----

// expected-error @+1 {{result 0: 'dsc.name' must be a non-empty string}}
func.func @name_not_string(%x: tensor<4xf32>) -> (tensor<4xf32> {dsc.name = 3 : i64}) {
  return %x : tensor<4xf32>
}

// -----

func.func @unknown_dsc_attribute(%x: tensor<4xf32>) {
  // expected-error @+1 {{unknown dsc attribute 'dsc.layout'}}
  %y = dsc.relu %x {dsc.layout = "row_major"} : tensor<4xf32>
  return
}

// -----

// expected-error @+1 {{argument 0: unknown dsc attribute 'dsc.shards'}}
func.func @unknown_dsc_argument_attribute(%x: tensor<4xf32> {dsc.shards = {}}) {
  return
}

// -----

func.func @matmul_addend_type(%a: tensor<4x8xbf16>, %b: tensor<8x8xbf16>, %c: tensor<4x8xf32>) -> tensor<4x8xbf16> {
  // expected-error @+1 {{'dsc.matmul' op addend must have the result's type 'tensor<4x8xbf16>', got 'tensor<4x8xf32>'}}
  %y = dsc.matmul %a, %b, %c : (tensor<4x8xbf16>, tensor<8x8xbf16>, tensor<4x8xf32>) -> tensor<4x8xbf16>
  return %y : tensor<4x8xbf16>
}

// -----

func.func @matmul_addend_int(%a: tensor<4x8xi32>, %b: tensor<8x8xi32>, %c: tensor<4x8xi32>) -> tensor<4x8xi32> {
  // expected-error @+1 {{'dsc.matmul' op an addend needs a floating-point result}}
  %y = dsc.matmul %a, %b, %c : (tensor<4x8xi32>, tensor<8x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}
