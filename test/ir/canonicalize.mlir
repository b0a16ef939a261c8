// The dsc folders under --canonicalize: algebraic identities that hold for every value
// (including -0.0 and NaN), splat-constant arithmetic rounded once to the result type, and
// shape no-ops. Each fold has a neighbour that must stay, where the identity does not hold.

// RUN: dsc-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @constant_dedup
// CHECK-NEXT:    %[[ONES:.+]] = dsc.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    return %[[ONES]], %[[ONES]]
func.func @constant_dedup() -> (tensor<4xf32>, tensor<4xf32>) {
  %a = dsc.constant dense<1.0> : tensor<4xf32>
  %b = dsc.constant dense<1.0> : tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @unused_constant_erased
// CHECK-NEXT:    return
func.func @unused_constant_erased() {
  %a = dsc.constant dense<[1, 2]> : tensor<2xi32>
  return
}

// -----

// CHECK-LABEL: func.func @neg_neg(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @neg_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = dsc.neg %x : tensor<4xf32>
  %b = dsc.neg %a : tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @neg_neg_int(
// CHECK-SAME:      %[[X:.+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]]
func.func @neg_neg_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  %a = dsc.neg %x : tensor<4xi32>
  %b = dsc.neg %a : tensor<4xi32>
  return %b : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @single_neg_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[NEG:.+]] = dsc.neg %[[X]]
// CHECK-NEXT:    return %[[NEG]]
func.func @single_neg_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = dsc.neg %x : tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @abs_abs_not_folded(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[ABS:.+]] = dsc.abs %[[X]]
// CHECK-NEXT:    %[[ABS_ABS:.+]] = dsc.abs %[[ABS]]
// CHECK-NEXT:    return %[[ABS_ABS]]
func.func @abs_abs_not_folded(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = dsc.abs %x : tensor<4xf32>
  %b = dsc.abs %a : tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @pow_one(
// CHECK-SAME:      %[[X:.+]]: tensor<4xbf16>)
// CHECK-NEXT:    return %[[X]]
func.func @pow_one(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %y = dsc.pow %x {exponent = 1.0 : f64} : tensor<4xbf16>
  return %y : tensor<4xbf16>
}

// -----

// CHECK-LABEL: func.func @pow_two_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xbf16>)
// CHECK-NEXT:    %[[SQ:.+]] = dsc.pow %[[X]] {exponent = 2.000000e+00 : f64}
// CHECK-NEXT:    return %[[SQ]]
func.func @pow_two_kept(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %y = dsc.pow %x {exponent = 2.0 : f64} : tensor<4xbf16>
  return %y : tensor<4xbf16>
}

// -----

// x + (-0.0) == x for every x, -0.0 included.
// CHECK-LABEL: func.func @add_negative_zero(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @add_negative_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = dsc.constant dense<-0.0> : tensor<4xf32>
  %y = dsc.add %x, %z : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// add is commutative: the constant moves to the right and the fold applies.
// CHECK-LABEL: func.func @add_negative_zero_on_left(
// CHECK-SAME:      %[[X:.+]]: tensor<4xbf16>)
// CHECK-NEXT:    return %[[X]]
func.func @add_negative_zero_on_left(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %z = dsc.constant dense<-0.0> : tensor<4xbf16>
  %y = dsc.add %z, %x : tensor<4xbf16>
  return %y : tensor<4xbf16>
}

// -----

// x + (+0.0) turns -0.0 into +0.0, so it is not x.
// CHECK-LABEL: func.func @add_positive_zero_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[ZERO:.+]] = dsc.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %[[SUM:.+]] = dsc.add %[[X]], %[[ZERO]]
// CHECK-NEXT:    return %[[SUM]]
func.func @add_positive_zero_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = dsc.constant dense<0.0> : tensor<4xf32>
  %y = dsc.add %x, %z : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @add_int_zero(
// CHECK-SAME:      %[[X:.+]]: tensor<4xi64>)
// CHECK-NEXT:    return %[[X]]
func.func @add_int_zero(%x: tensor<4xi64>) -> tensor<4xi64> {
  %z = dsc.constant dense<0> : tensor<4xi64>
  %y = dsc.add %x, %z : tensor<4xi64>
  return %y : tensor<4xi64>
}

// -----

// A zero that is not a splat is not recognised.
// CHECK-LABEL: func.func @add_non_splat_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<2xi32>)
// CHECK-NEXT:    %[[C:.+]] = dsc.constant dense<[0, 1]> : tensor<2xi32>
// CHECK-NEXT:    %[[SUM:.+]] = dsc.add %[[X]], %[[C]]
// CHECK-NEXT:    return %[[SUM]]
func.func @add_non_splat_kept(%x: tensor<2xi32>) -> tensor<2xi32> {
  %c = dsc.constant dense<[0, 1]> : tensor<2xi32>
  %y = dsc.add %x, %c : tensor<2xi32>
  return %y : tensor<2xi32>
}

// -----

// CHECK-LABEL: func.func @sub_zero(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf16>,
// CHECK-SAME:      %[[I:.+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]], %[[I]]
func.func @sub_zero(%x: tensor<4xf16>, %i: tensor<4xi32>) -> (tensor<4xf16>, tensor<4xi32>) {
  %z = dsc.constant dense<0.0> : tensor<4xf16>
  %y = dsc.sub %x, %z : tensor<4xf16>
  %zi = dsc.constant dense<0> : tensor<4xi32>
  %j = dsc.sub %i, %zi : tensor<4xi32>
  return %y, %j : tensor<4xf16>, tensor<4xi32>
}

// -----

// (-0.0) - (-0.0) is +0.0, so x - (-0.0) is not x.
// CHECK-LABEL: func.func @sub_negative_zero_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[NEG_ZERO:.+]] = dsc.constant dense<-0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %[[DIFF:.+]] = dsc.sub %[[X]], %[[NEG_ZERO]]
// CHECK-NEXT:    return %[[DIFF]]
func.func @sub_negative_zero_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = dsc.constant dense<-0.0> : tensor<4xf32>
  %y = dsc.sub %x, %z : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// 0 - x is not x.
// CHECK-LABEL: func.func @zero_minus_x_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xi32>)
// CHECK-NEXT:    %[[ZERO:.+]] = dsc.constant dense<0> : tensor<4xi32>
// CHECK-NEXT:    %[[DIFF:.+]] = dsc.sub %[[ZERO]], %[[X]]
// CHECK-NEXT:    return %[[DIFF]]
func.func @zero_minus_x_kept(%x: tensor<4xi32>) -> tensor<4xi32> {
  %z = dsc.constant dense<0> : tensor<4xi32>
  %y = dsc.sub %z, %x : tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @mul_one(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf8E4M3FN>,
// CHECK-SAME:      %[[I:.+]]: tensor<4xi64>)
// CHECK-NEXT:    return %[[X]], %[[I]]
func.func @mul_one(%x: tensor<4xf8E4M3FN>, %i: tensor<4xi64>) -> (tensor<4xf8E4M3FN>, tensor<4xi64>) {
  %one = dsc.constant dense<1.0> : tensor<4xf8E4M3FN>
  %y = dsc.mul %one, %x : tensor<4xf8E4M3FN>
  %onei = dsc.constant dense<1> : tensor<4xi64>
  %j = dsc.mul %i, %onei : tensor<4xi64>
  return %y, %j : tensor<4xf8E4M3FN>, tensor<4xi64>
}

// -----

// x * 0 is not 0 for NaN, inf or -x; it stays.
// CHECK-LABEL: func.func @mul_zero_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[ZERO:.+]] = dsc.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %[[PROD:.+]] = dsc.mul %[[X]], %[[ZERO]]
// CHECK-NEXT:    return %[[PROD]]
func.func @mul_zero_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = dsc.constant dense<0.0> : tensor<4xf32>
  %y = dsc.mul %x, %z : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @div_one(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf8E5M2>,
// CHECK-SAME:      %[[I:.+]]: tensor<4xi32>)
// CHECK-NEXT:    return %[[X]], %[[I]]
func.func @div_one(%x: tensor<4xf8E5M2>, %i: tensor<4xi32>) -> (tensor<4xf8E5M2>, tensor<4xi32>) {
  %one = dsc.constant dense<1.0> : tensor<4xf8E5M2>
  %y = dsc.div %x, %one : tensor<4xf8E5M2>
  %onei = dsc.constant dense<1> : tensor<4xi32>
  %j = dsc.div %i, %onei : tensor<4xi32>
  return %y, %j : tensor<4xf8E5M2>, tensor<4xi32>
}

// -----

// div is not commutative: 1 / x stays.
// CHECK-LABEL: func.func @one_over_x_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[ONE:.+]] = dsc.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %[[RECIP:.+]] = dsc.div %[[ONE]], %[[X]]
// CHECK-NEXT:    return %[[RECIP]]
func.func @one_over_x_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %one = dsc.constant dense<1.0> : tensor<4xf32>
  %y = dsc.div %one, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @splat_float_arith
// CHECK-DAG:     %[[SUM:.+]] = dsc.constant dense<3.750000e+00> : tensor<4xf32>
// CHECK-DAG:     %[[DIFF:.+]] = dsc.constant dense<-7.500000e-01> : tensor<4xf32>
// CHECK-DAG:     %[[PROD:.+]] = dsc.constant dense<3.375000e+00> : tensor<4xf32>
// CHECK-DAG:     %[[QUOT:.+]] = dsc.constant dense<1.500000e+00> : tensor<4xf32>
// CHECK-NOT:     dsc.add
// CHECK-NOT:     dsc.sub
// CHECK-NOT:     dsc.mul
// CHECK-NOT:     dsc.div
// CHECK:         return %[[SUM]], %[[DIFF]], %[[PROD]], %[[QUOT]]
func.func @splat_float_arith() -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %a = dsc.constant dense<1.5> : tensor<4xf32>
  %b = dsc.constant dense<2.25> : tensor<4xf32>
  %sum = dsc.add %a, %b : tensor<4xf32>
  %diff = dsc.sub %a, %b : tensor<4xf32>
  %prod = dsc.mul %a, %b : tensor<4xf32>
  %quot = dsc.div %b, %a : tensor<4xf32>
  return %sum, %diff, %prod, %quot : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// 1.0078125 + 0.00390625 = 1.01171875 exactly in f32, halfway between the bf16 neighbours
// 1.0078125 (odd mantissa) and 1.015625 (even): round to nearest even gives 1.015625.
// CHECK-LABEL: func.func @splat_bf16_rounds_to_even
// CHECK-NEXT:    %[[SUM:.+]] = dsc.constant dense<1.015630e+00> : tensor<2xbf16>
// CHECK-NEXT:    return %[[SUM]]
func.func @splat_bf16_rounds_to_even() -> tensor<2xbf16> {
  %a = dsc.constant dense<1.0078125> : tensor<2xbf16>
  %b = dsc.constant dense<0.00390625> : tensor<2xbf16>
  %y = dsc.add %a, %b : tensor<2xbf16>
  return %y : tensor<2xbf16>
}

// -----

// More ties: 257 sits between 256 (even mantissa) and 258, and 3 * 1.0078125 = 3.0234375
// between 3.015625 and 3.03125 (even); both round to the even neighbour.
// CHECK-LABEL: func.func @splat_bf16_rounds_once
// CHECK-DAG:     %[[SUM:.+]] = dsc.constant dense<2.560000e+02> : tensor<2xbf16>
// CHECK-DAG:     %[[PROD:.+]] = dsc.constant dense<3.031250e+00> : tensor<2xbf16>
// CHECK:         return %[[SUM]], %[[PROD]]
func.func @splat_bf16_rounds_once() -> (tensor<2xbf16>, tensor<2xbf16>) {
  %a = dsc.constant dense<256.0> : tensor<2xbf16>
  %one = dsc.constant dense<1.0> : tensor<2xbf16>
  %sum = dsc.add %a, %one : tensor<2xbf16>
  %three = dsc.constant dense<3.0> : tensor<2xbf16>
  %b = dsc.constant dense<1.0078125> : tensor<2xbf16>
  %prod = dsc.mul %three, %b : tensor<2xbf16>
  return %sum, %prod : tensor<2xbf16>, tensor<2xbf16>
}

// -----

// f8E4M3FN has no infinity: an overflowing fold saturates to +-448 (docs/ops.md), f8E5M2 and
// f16 overflow to infinity.
// CHECK-LABEL: func.func @splat_overflow
// CHECK-DAG:     %[[E4M3:.+]] = dsc.constant dense<4.480000e+02> : tensor<2xf8E4M3FN>
// CHECK-DAG:     %[[E4M3_NEG:.+]] = dsc.constant dense<-4.480000e+02> : tensor<2xf8E4M3FN>
// CHECK-DAG:     %[[E5M2:.+]] = dsc.constant dense<0x7C> : tensor<2xf8E5M2>
// CHECK-DAG:     %[[F16:.+]] = dsc.constant dense<0x7C00> : tensor<2xf16>
// CHECK:         return %[[E4M3]], %[[E4M3_NEG]], %[[E5M2]], %[[F16]]
func.func @splat_overflow() -> (tensor<2xf8E4M3FN>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<2xf16>) {
  %a = dsc.constant dense<448.0> : tensor<2xf8E4M3FN>
  %e4m3 = dsc.add %a, %a : tensor<2xf8E4M3FN>
  %na = dsc.constant dense<-448.0> : tensor<2xf8E4M3FN>
  %e4m3_neg = dsc.mul %na, %a : tensor<2xf8E4M3FN>
  %b = dsc.constant dense<57344.0> : tensor<2xf8E5M2>
  %e5m2 = dsc.add %b, %b : tensor<2xf8E5M2>
  %h = dsc.constant dense<60000.0> : tensor<2xf16>
  %f16 = dsc.add %h, %h : tensor<2xf16>
  return %e4m3, %e4m3_neg, %e5m2, %f16 : tensor<2xf8E4M3FN>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<2xf16>
}

// -----

// NaN stays NaN in f8E4M3FN: 0 / 0 folds to its one NaN encoding, not to 448.
// CHECK-LABEL: func.func @splat_nan_e4m3
// CHECK-NEXT:    %[[NAN:.+]] = dsc.constant dense<0x7F> : tensor<2xf8E4M3FN>
// CHECK-NEXT:    return %[[NAN]]
func.func @splat_nan_e4m3() -> tensor<2xf8E4M3FN> {
  %z = dsc.constant dense<0.0> : tensor<2xf8E4M3FN>
  %y = dsc.div %z, %z : tensor<2xf8E4M3FN>
  return %y : tensor<2xf8E4M3FN>
}

// -----

// Integer arithmetic wraps; division truncates toward zero.
// CHECK-LABEL: func.func @splat_int_arith
// CHECK-DAG:     %[[WRAPPED:.+]] = dsc.constant dense<-2147483648> : tensor<3xi32>
// CHECK-DAG:     %[[QUOT:.+]] = dsc.constant dense<-3> : tensor<3xi32>
// CHECK-DAG:     %[[PROD:.+]] = dsc.constant dense<-14> : tensor<3xi32>
// CHECK:         return %[[WRAPPED]], %[[QUOT]], %[[PROD]]
func.func @splat_int_arith() -> (tensor<3xi32>, tensor<3xi32>, tensor<3xi32>) {
  %max = dsc.constant dense<2147483647> : tensor<3xi32>
  %one = dsc.constant dense<1> : tensor<3xi32>
  %wrapped = dsc.add %max, %one : tensor<3xi32>
  %a = dsc.constant dense<-7> : tensor<3xi32>
  %b = dsc.constant dense<2> : tensor<3xi32>
  %quot = dsc.div %a, %b : tensor<3xi32>
  %prod = dsc.mul %a, %b : tensor<3xi32>
  return %wrapped, %quot, %prod : tensor<3xi32>, tensor<3xi32>, tensor<3xi32>
}

// -----

// Integer division by zero is left to run time.
// CHECK-LABEL: func.func @splat_int_div_by_zero_kept
// CHECK-DAG:     %[[SEVEN:.+]] = dsc.constant dense<7> : tensor<4xi64>
// CHECK-DAG:     %[[ZERO:.+]] = dsc.constant dense<0> : tensor<4xi64>
// CHECK:         %[[QUOT:.+]] = dsc.div %[[SEVEN]], %[[ZERO]]
// CHECK-NEXT:    return %[[QUOT]]
func.func @splat_int_div_by_zero_kept() -> tensor<4xi64> {
  %a = dsc.constant dense<7> : tensor<4xi64>
  %z = dsc.constant dense<0> : tensor<4xi64>
  %y = dsc.div %a, %z : tensor<4xi64>
  return %y : tensor<4xi64>
}

// -----

// Float division by zero folds to infinity, as IEEE division does.
// CHECK-LABEL: func.func @splat_float_div_by_zero
// CHECK-NEXT:    %[[INF:.+]] = dsc.constant dense<0x7F800000> : tensor<4xf32>
// CHECK-NEXT:    return %[[INF]]
func.func @splat_float_div_by_zero() -> tensor<4xf32> {
  %a = dsc.constant dense<7.0> : tensor<4xf32>
  %z = dsc.constant dense<0.0> : tensor<4xf32>
  %y = dsc.div %a, %z : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Only splats fold; a dense constant and an unfolded op stay.
// CHECK-LABEL: func.func @non_splat_not_folded
// CHECK-DAG:     %[[VEC:.+]] = dsc.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[TWO:.+]] = dsc.constant dense<2.000000e+00> : tensor<2xf32>
// CHECK:         %[[SUM:.+]] = dsc.add %[[VEC]], %[[TWO]]
// CHECK-NEXT:    %[[MAX:.+]] = dsc.max %[[TWO]], %[[TWO]]
// CHECK-NEXT:    return %[[SUM]], %[[MAX]]
func.func @non_splat_not_folded() -> (tensor<2xf32>, tensor<2xf32>) {
  %v = dsc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %two = dsc.constant dense<2.0> : tensor<2xf32>
  %sum = dsc.add %v, %two : tensor<2xf32>
  %max = dsc.max %two, %two : tensor<2xf32>
  return %sum, %max : tensor<2xf32>, tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @select_same_operands(
// CHECK-SAME:      %[[COND:.+]]: tensor<4xi1>,
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @select_same_operands(%c: tensor<4xi1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %y = dsc.select %c, %x, %x : tensor<4xi1>, tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @select_splat_cond(
// CHECK-SAME:      %[[A:.+]]: tensor<4xf32>,
// CHECK-SAME:      %[[B:.+]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[A]], %[[B]]
func.func @select_splat_cond(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %t = dsc.constant dense<true> : tensor<4xi1>
  %f = dsc.constant dense<false> : tensor<4xi1>
  %x = dsc.select %t, %a, %b : tensor<4xi1>, tensor<4xf32>
  %y = dsc.select %f, %a, %b : tensor<4xi1>, tensor<4xf32>
  return %x, %y : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @select_mixed_cond_kept(
// CHECK-SAME:      %[[A:.+]]: tensor<2xf32>,
// CHECK-SAME:      %[[B:.+]]: tensor<2xf32>)
// CHECK-NEXT:    %[[MASK:.+]] = dsc.constant dense<[true, false]> : tensor<2xi1>
// CHECK-NEXT:    %[[SEL:.+]] = dsc.select %[[MASK]], %[[A]], %[[B]]
// CHECK-NEXT:    return %[[SEL]]
func.func @select_mixed_cond_kept(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  %m = dsc.constant dense<[true, false]> : tensor<2xi1>
  %y = dsc.select %m, %a, %b : tensor<2xi1>, tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @cast_same_type(
// CHECK-SAME:      %[[X:.+]]: tensor<4xbf16>)
// CHECK-NEXT:    return %[[X]]
func.func @cast_same_type(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %y = dsc.cast %x : tensor<4xbf16> -> tensor<4xbf16>
  return %y : tensor<4xbf16>
}

// -----

// Rounding through bf16 loses bits: a round trip of casts is not the identity.
// CHECK-LABEL: func.func @cast_round_trip_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT:    %[[NARROW:.+]] = dsc.cast %[[X]] : tensor<4xf32> -> tensor<4xbf16>
// CHECK-NEXT:    %[[WIDE:.+]] = dsc.cast %[[NARROW]] : tensor<4xbf16> -> tensor<4xf32>
// CHECK-NEXT:    return %[[WIDE]]
func.func @cast_round_trip_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = dsc.cast %x : tensor<4xf32> -> tensor<4xbf16>
  %b = dsc.cast %a : tensor<4xbf16> -> tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_same_type(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @broadcast_same_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = dsc.broadcast %x {dims = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<1x8xf32>)
// CHECK-NEXT:    %[[ROWS:.+]] = dsc.broadcast %[[X]] {dims = array<i64: 0, 1>} : tensor<1x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT:    return %[[ROWS]]
func.func @broadcast_kept(%x: tensor<1x8xf32>) -> tensor<4x8xf32> {
  %y = dsc.broadcast %x {dims = array<i64: 0, 1>} : tensor<1x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_same_type(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @reshape_same_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = dsc.reshape %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_reshape(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[FLAT:.+]] = dsc.reshape %[[X]] : tensor<4x8xf32> -> tensor<2x16xf32>
// CHECK-NEXT:    return %[[FLAT]]
func.func @reshape_of_reshape(%x: tensor<4x8xf32>) -> tensor<2x16xf32> {
  %a = dsc.reshape %x : tensor<4x8xf32> -> tensor<32xf32>
  %b = dsc.reshape %a : tensor<32xf32> -> tensor<2x16xf32>
  return %b : tensor<2x16xf32>
}

// -----

// The inner reshape keeps its other use; the outer one reads the source directly.
// CHECK-LABEL: func.func @reshape_of_reshape_shared(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[FLAT:.+]] = dsc.reshape %[[X]] : tensor<4x8xf32> -> tensor<32xf32>
// CHECK-NEXT:    %[[SQUARE:.+]] = dsc.reshape %[[X]] : tensor<4x8xf32> -> tensor<2x16xf32>
// CHECK-NEXT:    return %[[FLAT]], %[[SQUARE]]
func.func @reshape_of_reshape_shared(%x: tensor<4x8xf32>) -> (tensor<32xf32>, tensor<2x16xf32>) {
  %a = dsc.reshape %x : tensor<4x8xf32> -> tensor<32xf32>
  %b = dsc.reshape %a : tensor<32xf32> -> tensor<2x16xf32>
  return %a, %b : tensor<32xf32>, tensor<2x16xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_round_trip(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @reshape_round_trip(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %a = dsc.reshape %x : tensor<4x8xf32> -> tensor<32xf32>
  %b = dsc.reshape %a : tensor<32xf32> -> tensor<4x8xf32>
  return %b : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity(
// CHECK-SAME:      %[[X:.+]]: tensor<2x4x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @transpose_identity(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %y = dsc.transpose %x {permutation = array<i64: 0, 1, 2>} : tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// A permutation that swaps two equal dimensions keeps the type but moves elements.
// CHECK-LABEL: func.func @transpose_same_type_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4x4xf32>)
// CHECK-NEXT:    %[[T:.+]] = dsc.transpose %[[X]] {permutation = array<i64: 1, 0>}
// CHECK-NEXT:    return %[[T]]
func.func @transpose_same_type_kept(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %y = dsc.transpose %x {permutation = array<i64: 1, 0>} : tensor<4x4xf32> -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// Result dim i of the pair is x's dim p1[p2[i]]: p1 = [1, 2, 0], p2 = [1, 0, 2] give [2, 1, 0].
// CHECK-LABEL: func.func @transpose_compose(
// CHECK-SAME:      %[[X:.+]]: tensor<2x4x8xf32>)
// CHECK-NEXT:    %[[T:.+]] = dsc.transpose %[[X]] {permutation = array<i64: 2, 1, 0>} : tensor<2x4x8xf32> -> tensor<8x4x2xf32>
// CHECK-NEXT:    return %[[T]]
func.func @transpose_compose(%x: tensor<2x4x8xf32>) -> tensor<8x4x2xf32> {
  %a = dsc.transpose %x {permutation = array<i64: 1, 2, 0>} : tensor<2x4x8xf32> -> tensor<4x8x2xf32>
  %b = dsc.transpose %a {permutation = array<i64: 1, 0, 2>} : tensor<4x8x2xf32> -> tensor<8x4x2xf32>
  return %b : tensor<8x4x2xf32>
}

// -----

// [1, 2, 0] followed by its inverse [2, 0, 1] is the identity.
// CHECK-LABEL: func.func @transpose_compose_to_identity(
// CHECK-SAME:      %[[X:.+]]: tensor<2x4x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @transpose_compose_to_identity(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %a = dsc.transpose %x {permutation = array<i64: 1, 2, 0>} : tensor<2x4x8xf32> -> tensor<4x8x2xf32>
  %b = dsc.transpose %a {permutation = array<i64: 2, 0, 1>} : tensor<4x8x2xf32> -> tensor<2x4x8xf32>
  return %b : tensor<2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @slice_full(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @slice_full(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = dsc.slice %x {start = array<i64: 0, 0>, limit = array<i64: 4, 8>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @slice_part_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[EVEN_COLS:.+]] = dsc.slice %[[X]] {limit = array<i64: 4, 8>, start = array<i64: 0, 0>, stride = array<i64: 1, 2>} : tensor<4x8xf32> -> tensor<4x4xf32>
// CHECK-NEXT:    return %[[EVEN_COLS]]
func.func @slice_part_kept(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  %y = dsc.slice %x {start = array<i64: 0, 0>, limit = array<i64: 4, 8>, stride = array<i64: 1, 2>} : tensor<4x8xf32> -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// CHECK-LABEL: func.func @concat_single(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @concat_single(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = dsc.concat %x {axis = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @concat_two_kept(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[TWICE:.+]] = dsc.concat %[[X]], %[[X]] {axis = 1 : i64}
// CHECK-NEXT:    return %[[TWICE]]
func.func @concat_two_kept(%x: tensor<4x8xf32>) -> tensor<4x16xf32> {
  %y = dsc.concat %x, %x {axis = 1 : i64} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Ops without folders are left alone, and pure ops without uses are erased.
// CHECK-LABEL: func.func @dead_ops_erased(
// CHECK-SAME:      %[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[P:.+]] = dsc.softmax %[[X]]
// CHECK-NEXT:    return %[[P]]
func.func @dead_ops_erased(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %unused = dsc.exp %x : tensor<4x8xf32>
  %p = dsc.softmax %x : tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}
