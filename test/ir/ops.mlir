// Round trip of every dsc op, with its optional operands and attributes, through the custom
// form and through the generic form back to the custom form. Default-valued attributes
// (gelu `none`, rope `half`, `keepdims = false`, softmax `axis = -1`) are elided when printed.
// The discardable `dsc.shard`, `dsc.precision` and `dsc.name` attributes survive both trips.

// RUN: dsc-opt %s --split-input-file | dsc-opt --split-input-file | FileCheck %s
// RUN: dsc-opt %s --split-input-file --mlir-print-op-generic | dsc-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @param_and_constant()
// CHECK-SAME:      -> (tensor<256x256xbf16>, tensor<4xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<i64>) {
// CHECK-NEXT:    %[[WQ:[a-zA-Z0-9_]+]] = dsc.param "layers.0.wq" : tensor<256x256xbf16>
// CHECK-NEXT:    %[[SPLAT:[a-zA-Z0-9_]+]] = dsc.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %[[INTS:[a-zA-Z0-9_]+]] = dsc.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-NEXT:    %[[MASK:[a-zA-Z0-9_]+]] = dsc.constant dense<[true, false, true]> : tensor<3xi1>
// CHECK-NEXT:    %[[BF16:[a-zA-Z0-9_]+]] = dsc.constant dense<[1.500000e+00, -2.000000e+00]> : tensor<2xbf16>
// CHECK-NEXT:    %[[F16:[a-zA-Z0-9_]+]] = dsc.constant dense<[5.000000e-01, 6.550400e+04]> : tensor<2xf16>
// CHECK-NEXT:    %[[E4M3:[a-zA-Z0-9_]+]] = dsc.constant dense<[4.480000e+02, -2.500000e-01]> : tensor<2xf8E4M3FN>
// CHECK-NEXT:    %[[E5M2:[a-zA-Z0-9_]+]] = dsc.constant dense<[5.734400e+04, 0.000000e+00]> : tensor<2xf8E5M2>
// CHECK-NEXT:    %[[SCALAR:[a-zA-Z0-9_]+]] = dsc.constant dense<-9223372036854775808> : tensor<i64>
// CHECK-NEXT:    return %[[WQ]], %[[SPLAT]], %[[INTS]], %[[MASK]], %[[BF16]], %[[F16]], %[[E4M3]], %[[E5M2]], %[[SCALAR]] : tensor<256x256xbf16>, tensor<4xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<i64>
func.func @param_and_constant() -> (tensor<256x256xbf16>, tensor<4xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<i64>) {
  %wq = dsc.param "layers.0.wq" : tensor<256x256xbf16>
  %splat = dsc.constant dense<1.0> : tensor<4xf32>
  %ints = dsc.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  %mask = dsc.constant dense<[true, false, true]> : tensor<3xi1>
  %bf16 = dsc.constant dense<[1.5, -2.0]> : tensor<2xbf16>
  %f16 = dsc.constant dense<[0.5, 65504.0]> : tensor<2xf16>
  %e4m3 = dsc.constant dense<[448.0, -0.25]> : tensor<2xf8E4M3FN>
  %e5m2 = dsc.constant dense<[57344.0, 0.0]> : tensor<2xf8E5M2>
  %scalar = dsc.constant dense<-9223372036854775808> : tensor<i64>
  return %wq, %splat, %ints, %mask, %bf16, %f16, %e4m3, %e5m2, %scalar : tensor<256x256xbf16>, tensor<4xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @iota()
// CHECK-SAME:      -> (tensor<16xi32>, tensor<4x8xi64>, tensor<4x8xbf16>, tensor<2x3xf32>) {
// CHECK-NEXT:    %[[POS:[a-zA-Z0-9_]+]] = dsc.iota {dimension = 0 : i64} : tensor<16xi32>
// CHECK-NEXT:    %[[COLS:[a-zA-Z0-9_]+]] = dsc.iota {dimension = 1 : i64} : tensor<4x8xi64>
// CHECK-NEXT:    %[[ROWS:[a-zA-Z0-9_]+]] = dsc.iota {dimension = 0 : i64} : tensor<4x8xbf16>
// CHECK-NEXT:    %[[F32_COLS:[a-zA-Z0-9_]+]] = dsc.iota {dimension = 1 : i64} : tensor<2x3xf32>
// CHECK-NEXT:    return %[[POS]], %[[COLS]], %[[ROWS]], %[[F32_COLS]] : tensor<16xi32>, tensor<4x8xi64>, tensor<4x8xbf16>, tensor<2x3xf32>
func.func @iota() -> (tensor<16xi32>, tensor<4x8xi64>, tensor<4x8xbf16>, tensor<2x3xf32>) {
  %pos = dsc.iota {dimension = 0 : i64} : tensor<16xi32>
  %cols = dsc.iota {dimension = 1 : i64} : tensor<4x8xi64>
  %rows = dsc.iota {dimension = 0 : i64} : tensor<4x8xbf16>
  %f32_cols = dsc.iota {dimension = 1 : i64} : tensor<2x3xf32>
  return %pos, %cols, %rows, %f32_cols : tensor<16xi32>, tensor<4x8xi64>, tensor<4x8xbf16>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @unary_float(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xbf16>)
// CHECK-SAME:      -> tensor<4x8xbf16> {
// CHECK-NEXT:    %[[NEG:[a-zA-Z0-9_]+]] = dsc.neg %[[X]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[ABS:[a-zA-Z0-9_]+]] = dsc.abs %[[NEG]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[RELU:[a-zA-Z0-9_]+]] = dsc.relu %[[ABS]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[EXP:[a-zA-Z0-9_]+]] = dsc.exp %[[RELU]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[LOG:[a-zA-Z0-9_]+]] = dsc.log %[[EXP]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[SQRT:[a-zA-Z0-9_]+]] = dsc.sqrt %[[LOG]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[RSQRT:[a-zA-Z0-9_]+]] = dsc.rsqrt %[[SQRT]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[TANH:[a-zA-Z0-9_]+]] = dsc.tanh %[[RSQRT]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[SIGMOID:[a-zA-Z0-9_]+]] = dsc.sigmoid %[[TANH]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[SILU:[a-zA-Z0-9_]+]] = dsc.silu %[[SIGMOID]] : tensor<4x8xbf16>
// CHECK-NEXT:    return %[[SILU]] : tensor<4x8xbf16>
func.func @unary_float(%x: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %neg = dsc.neg %x : tensor<4x8xbf16>
  %abs = dsc.abs %neg : tensor<4x8xbf16>
  %relu = dsc.relu %abs : tensor<4x8xbf16>
  %exp = dsc.exp %relu : tensor<4x8xbf16>
  %log = dsc.log %exp : tensor<4x8xbf16>
  %sqrt = dsc.sqrt %log : tensor<4x8xbf16>
  %rsqrt = dsc.rsqrt %sqrt : tensor<4x8xbf16>
  %tanh = dsc.tanh %rsqrt : tensor<4x8xbf16>
  %sigmoid = dsc.sigmoid %tanh : tensor<4x8xbf16>
  %silu = dsc.silu %sigmoid : tensor<4x8xbf16>
  return %silu : tensor<4x8xbf16>
}

// -----

// CHECK-LABEL: func.func @unary_int(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<8xi32>,
// CHECK-SAME:      %[[Y:[a-zA-Z0-9_]+]]: tensor<8xi64>)
// CHECK-SAME:      -> (tensor<8xi32>, tensor<8xi64>, tensor<8xi32>) {
// CHECK-NEXT:    %[[NEG:[a-zA-Z0-9_]+]] = dsc.neg %[[X]] : tensor<8xi32>
// CHECK-NEXT:    %[[ABS:[a-zA-Z0-9_]+]] = dsc.abs %[[Y]] : tensor<8xi64>
// CHECK-NEXT:    %[[RELU:[a-zA-Z0-9_]+]] = dsc.relu %[[NEG]] : tensor<8xi32>
// CHECK-NEXT:    return %[[NEG]], %[[ABS]], %[[RELU]] : tensor<8xi32>, tensor<8xi64>, tensor<8xi32>
func.func @unary_int(%x: tensor<8xi32>, %y: tensor<8xi64>) -> (tensor<8xi32>, tensor<8xi64>, tensor<8xi32>) {
  %neg = dsc.neg %x : tensor<8xi32>
  %abs = dsc.abs %y : tensor<8xi64>
  %relu = dsc.relu %neg : tensor<8xi32>
  return %neg, %abs, %relu : tensor<8xi32>, tensor<8xi64>, tensor<8xi32>
}

// -----

// CHECK-LABEL: func.func @unary_element_types(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<4xf32>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<4xf16>,
// CHECK-SAME:      %[[C:[a-zA-Z0-9_]+]]: tensor<4xf8E4M3FN>,
// CHECK-SAME:      %[[D:[a-zA-Z0-9_]+]]: tensor<4xf8E5M2>)
// CHECK-SAME:      -> (tensor<4xf32>, tensor<4xf16>, tensor<4xf8E4M3FN>, tensor<4xf8E5M2>) {
// CHECK-NEXT:    %[[EXP:[a-zA-Z0-9_]+]] = dsc.exp %[[A]] : tensor<4xf32>
// CHECK-NEXT:    %[[TANH:[a-zA-Z0-9_]+]] = dsc.tanh %[[B]] : tensor<4xf16>
// CHECK-NEXT:    %[[SIGMOID:[a-zA-Z0-9_]+]] = dsc.sigmoid %[[C]] : tensor<4xf8E4M3FN>
// CHECK-NEXT:    %[[SILU:[a-zA-Z0-9_]+]] = dsc.silu %[[D]] : tensor<4xf8E5M2>
// CHECK-NEXT:    return %[[EXP]], %[[TANH]], %[[SIGMOID]], %[[SILU]] : tensor<4xf32>, tensor<4xf16>, tensor<4xf8E4M3FN>, tensor<4xf8E5M2>
func.func @unary_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>, %c: tensor<4xf8E4M3FN>, %d: tensor<4xf8E5M2>) -> (tensor<4xf32>, tensor<4xf16>, tensor<4xf8E4M3FN>, tensor<4xf8E5M2>) {
  %exp = dsc.exp %a : tensor<4xf32>
  %tanh = dsc.tanh %b : tensor<4xf16>
  %sigmoid = dsc.sigmoid %c : tensor<4xf8E4M3FN>
  %silu = dsc.silu %d : tensor<4xf8E5M2>
  return %exp, %tanh, %sigmoid, %silu : tensor<4xf32>, tensor<4xf16>, tensor<4xf8E4M3FN>, tensor<4xf8E5M2>
}

// -----

// CHECK-LABEL: func.func @gelu(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xbf16>)
// CHECK-SAME:      -> (tensor<4x8xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16>) {
// CHECK-NEXT:    %[[EXACT:[a-zA-Z0-9_]+]] = dsc.gelu %[[X]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[EXPLICIT:[a-zA-Z0-9_]+]] = dsc.gelu %[[X]] : tensor<4x8xbf16>
// CHECK-NEXT:    %[[APPROX:[a-zA-Z0-9_]+]] = dsc.gelu %[[X]] {approximate = #dsc.gelu<tanh>} : tensor<4x8xbf16>
// CHECK-NEXT:    return %[[EXACT]], %[[EXPLICIT]], %[[APPROX]] : tensor<4x8xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16>
func.func @gelu(%x: tensor<4x8xbf16>) -> (tensor<4x8xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16>) {
  %exact = dsc.gelu %x : tensor<4x8xbf16>
  %explicit = dsc.gelu %x {approximate = #dsc.gelu<none>} : tensor<4x8xbf16>
  %approx = dsc.gelu %x {approximate = #dsc.gelu<tanh>} : tensor<4x8xbf16>
  return %exact, %explicit, %approx : tensor<4x8xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16>
}

// -----

// CHECK-LABEL: func.func @pow(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-SAME:      -> (tensor<4x8xf32>, tensor<4x8xf32>) {
// CHECK-NEXT:    %[[SQ:[a-zA-Z0-9_]+]] = dsc.pow %[[X]] {exponent = 2.000000e+00 : f64} : tensor<4x8xf32>
// CHECK-NEXT:    %[[INV:[a-zA-Z0-9_]+]] = dsc.pow %[[X]] {exponent = -5.000000e-01 : f64} : tensor<4x8xf32>
// CHECK-NEXT:    return %[[SQ]], %[[INV]] : tensor<4x8xf32>, tensor<4x8xf32>
func.func @pow(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %sq = dsc.pow %x {exponent = 2.0 : f64} : tensor<4x8xf32>
  %inv = dsc.pow %x {exponent = -0.5 : f64} : tensor<4x8xf32>
  return %sq, %inv : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @binary(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>,
// CHECK-SAME:      %[[Y:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-SAME:      -> tensor<4x8xf32> {
// CHECK-NEXT:    %[[SUM:[a-zA-Z0-9_]+]] = dsc.add %[[X]], %[[Y]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[DIFF:[a-zA-Z0-9_]+]] = dsc.sub %[[SUM]], %[[Y]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[PROD:[a-zA-Z0-9_]+]] = dsc.mul %[[DIFF]], %[[Y]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[QUOT:[a-zA-Z0-9_]+]] = dsc.div %[[PROD]], %[[Y]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[HI:[a-zA-Z0-9_]+]] = dsc.max %[[QUOT]], %[[Y]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[LO:[a-zA-Z0-9_]+]] = dsc.min %[[HI]], %[[Y]] : tensor<4x8xf32>
// CHECK-NEXT:    return %[[LO]] : tensor<4x8xf32>
func.func @binary(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %sum = dsc.add %x, %y : tensor<4x8xf32>
  %diff = dsc.sub %sum, %y : tensor<4x8xf32>
  %prod = dsc.mul %diff, %y : tensor<4x8xf32>
  %quot = dsc.div %prod, %y : tensor<4x8xf32>
  %hi = dsc.max %quot, %y : tensor<4x8xf32>
  %lo = dsc.min %hi, %y : tensor<4x8xf32>
  return %lo : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @binary_element_types(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<2xbf16>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<2xf16>,
// CHECK-SAME:      %[[C:[a-zA-Z0-9_]+]]: tensor<2xf8E4M3FN>,
// CHECK-SAME:      %[[D:[a-zA-Z0-9_]+]]: tensor<2xf8E5M2>,
// CHECK-SAME:      %[[E:[a-zA-Z0-9_]+]]: tensor<2xi32>,
// CHECK-SAME:      %[[F:[a-zA-Z0-9_]+]]: tensor<2xi64>)
// CHECK-SAME:      -> (tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<2xi32>, tensor<2xi64>) {
// CHECK-NEXT:    %[[SUM:[a-zA-Z0-9_]+]] = dsc.add %[[A]], %[[A]] : tensor<2xbf16>
// CHECK-NEXT:    %[[PROD:[a-zA-Z0-9_]+]] = dsc.mul %[[B]], %[[B]] : tensor<2xf16>
// CHECK-NEXT:    %[[DIFF:[a-zA-Z0-9_]+]] = dsc.sub %[[C]], %[[C]] : tensor<2xf8E4M3FN>
// CHECK-NEXT:    %[[HI:[a-zA-Z0-9_]+]] = dsc.max %[[D]], %[[D]] : tensor<2xf8E5M2>
// CHECK-NEXT:    %[[QUOT:[a-zA-Z0-9_]+]] = dsc.div %[[E]], %[[E]] : tensor<2xi32>
// CHECK-NEXT:    %[[LO:[a-zA-Z0-9_]+]] = dsc.min %[[F]], %[[F]] : tensor<2xi64>
// CHECK-NEXT:    return %[[SUM]], %[[PROD]], %[[DIFF]], %[[HI]], %[[QUOT]], %[[LO]] : tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<2xi32>, tensor<2xi64>
func.func @binary_element_types(%a: tensor<2xbf16>, %b: tensor<2xf16>, %c: tensor<2xf8E4M3FN>, %d: tensor<2xf8E5M2>, %e: tensor<2xi32>, %f: tensor<2xi64>) -> (tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<2xi32>, tensor<2xi64>) {
  %sum = dsc.add %a, %a : tensor<2xbf16>
  %prod = dsc.mul %b, %b : tensor<2xf16>
  %diff = dsc.sub %c, %c : tensor<2xf8E4M3FN>
  %hi = dsc.max %d, %d : tensor<2xf8E5M2>
  %quot = dsc.div %e, %e : tensor<2xi32>
  %lo = dsc.min %f, %f : tensor<2xi64>
  return %sum, %prod, %diff, %hi, %quot, %lo : tensor<2xbf16>, tensor<2xf16>, tensor<2xf8E4M3FN>, tensor<2xf8E5M2>, tensor<2xi32>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @compare_predicates(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<8xf32>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<8xf32>)
// CHECK-SAME:      -> (tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>) {
// CHECK-NEXT:    %[[EQ:[a-zA-Z0-9_]+]] = dsc.compare %[[A]], %[[B]] {predicate = #dsc.predicate<eq>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
// CHECK-NEXT:    %[[NE:[a-zA-Z0-9_]+]] = dsc.compare %[[A]], %[[B]] {predicate = #dsc.predicate<ne>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
// CHECK-NEXT:    %[[LT:[a-zA-Z0-9_]+]] = dsc.compare %[[A]], %[[B]] {predicate = #dsc.predicate<lt>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
// CHECK-NEXT:    %[[LE:[a-zA-Z0-9_]+]] = dsc.compare %[[A]], %[[B]] {predicate = #dsc.predicate<le>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
// CHECK-NEXT:    %[[GT:[a-zA-Z0-9_]+]] = dsc.compare %[[A]], %[[B]] {predicate = #dsc.predicate<gt>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
// CHECK-NEXT:    %[[GE:[a-zA-Z0-9_]+]] = dsc.compare %[[A]], %[[B]] {predicate = #dsc.predicate<ge>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
// CHECK-NEXT:    return %[[EQ]], %[[NE]], %[[LT]], %[[LE]], %[[GT]], %[[GE]] : tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>
func.func @compare_predicates(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>) {
  %eq = dsc.compare %a, %b {predicate = #dsc.predicate<eq>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
  %ne = dsc.compare %a, %b {predicate = #dsc.predicate<ne>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
  %lt = dsc.compare %a, %b {predicate = #dsc.predicate<lt>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
  %le = dsc.compare %a, %b {predicate = #dsc.predicate<le>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
  %gt = dsc.compare %a, %b {predicate = #dsc.predicate<gt>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
  %ge = dsc.compare %a, %b {predicate = #dsc.predicate<ge>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
  return %eq, %ne, %lt, %le, %gt, %ge : tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>, tensor<8xi1>
}

// -----

// CHECK-LABEL: func.func @compare_int(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<2x3xi64>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<2x3xi64>)
// CHECK-SAME:      -> tensor<2x3xi1> {
// CHECK-NEXT:    %[[M:[a-zA-Z0-9_]+]] = dsc.compare %[[A]], %[[B]] {predicate = #dsc.predicate<lt>} : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi1>
// CHECK-NEXT:    return %[[M]] : tensor<2x3xi1>
func.func @compare_int(%a: tensor<2x3xi64>, %b: tensor<2x3xi64>) -> tensor<2x3xi1> {
  %m = dsc.compare %a, %b {predicate = #dsc.predicate<lt>} : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi1>
  return %m : tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func.func @select(
// CHECK-SAME:      %[[M:[a-zA-Z0-9_]+]]: tensor<8xi1>,
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<8xf32>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<8xf32>,
// CHECK-SAME:      %[[P:[a-zA-Z0-9_]+]]: tensor<8xi1>)
// CHECK-SAME:      -> (tensor<8xf32>, tensor<8xi1>) {
// CHECK-NEXT:    %[[Z:[a-zA-Z0-9_]+]] = dsc.select %[[M]], %[[A]], %[[B]] : tensor<8xi1>, tensor<8xf32>
// CHECK-NEXT:    %[[Q:[a-zA-Z0-9_]+]] = dsc.select %[[M]], %[[P]], %[[M]] : tensor<8xi1>, tensor<8xi1>
// CHECK-NEXT:    return %[[Z]], %[[Q]] : tensor<8xf32>, tensor<8xi1>
func.func @select(%m: tensor<8xi1>, %a: tensor<8xf32>, %b: tensor<8xf32>, %p: tensor<8xi1>) -> (tensor<8xf32>, tensor<8xi1>) {
  %z = dsc.select %m, %a, %b : tensor<8xi1>, tensor<8xf32>
  %q = dsc.select %m, %p, %m : tensor<8xi1>, tensor<8xi1>
  return %z, %q : tensor<8xf32>, tensor<8xi1>
}

// -----

// CHECK-LABEL: func.func @cast(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xbf16>,
// CHECK-SAME:      %[[I:[a-zA-Z0-9_]+]]: tensor<4x8xi1>)
// CHECK-SAME:      -> (tensor<4x8xf32>, tensor<4x8xf8E4M3FN>, tensor<4x8xi32>, tensor<4x8xf16>, tensor<4x8xi64>) {
// CHECK-NEXT:    %[[WIDENED:[a-zA-Z0-9_]+]] = dsc.cast %[[X]] : tensor<4x8xbf16> -> tensor<4x8xf32>
// CHECK-NEXT:    %[[FP8:[a-zA-Z0-9_]+]] = dsc.cast %[[WIDENED]] : tensor<4x8xf32> -> tensor<4x8xf8E4M3FN>
// CHECK-NEXT:    %[[TRUNCATED:[a-zA-Z0-9_]+]] = dsc.cast %[[X]] : tensor<4x8xbf16> -> tensor<4x8xi32>
// CHECK-NEXT:    %[[FROM_BOOL:[a-zA-Z0-9_]+]] = dsc.cast %[[I]] : tensor<4x8xi1> -> tensor<4x8xf16>
// CHECK-NEXT:    %[[BOOL_TO_INT:[a-zA-Z0-9_]+]] = dsc.cast %[[I]] : tensor<4x8xi1> -> tensor<4x8xi64>
// CHECK-NEXT:    return %[[WIDENED]], %[[FP8]], %[[TRUNCATED]], %[[FROM_BOOL]], %[[BOOL_TO_INT]] : tensor<4x8xf32>, tensor<4x8xf8E4M3FN>, tensor<4x8xi32>, tensor<4x8xf16>, tensor<4x8xi64>
func.func @cast(%x: tensor<4x8xbf16>, %i: tensor<4x8xi1>) -> (tensor<4x8xf32>, tensor<4x8xf8E4M3FN>, tensor<4x8xi32>, tensor<4x8xf16>, tensor<4x8xi64>) {
  %widened = dsc.cast %x : tensor<4x8xbf16> -> tensor<4x8xf32>
  %fp8 = dsc.cast %widened : tensor<4x8xf32> -> tensor<4x8xf8E4M3FN>
  %truncated = dsc.cast %x : tensor<4x8xbf16> -> tensor<4x8xi32>
  %from_bool = dsc.cast %i : tensor<4x8xi1> -> tensor<4x8xf16>
  %bool_to_int = dsc.cast %i : tensor<4x8xi1> -> tensor<4x8xi64>
  return %widened, %fp8, %truncated, %from_bool, %bool_to_int : tensor<4x8xf32>, tensor<4x8xf8E4M3FN>, tensor<4x8xi32>, tensor<4x8xf16>, tensor<4x8xi64>
}

// -----

// CHECK-LABEL: func.func @broadcast(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<8xf32>,
// CHECK-SAME:      %[[Y:[a-zA-Z0-9_]+]]: tensor<4x1xi1>,
// CHECK-SAME:      %[[S:[a-zA-Z0-9_]+]]: tensor<f8E5M2>)
// CHECK-SAME:      -> (tensor<4x8xf32>, tensor<2x4x8xi1>, tensor<3x3xf8E5M2>) {
// CHECK-NEXT:    %[[ROWS:[a-zA-Z0-9_]+]] = dsc.broadcast %[[X]] {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
// CHECK-NEXT:    %[[BATCHED:[a-zA-Z0-9_]+]] = dsc.broadcast %[[Y]] {dims = array<i64: 1, 2>} : tensor<4x1xi1> -> tensor<2x4x8xi1>
// CHECK-NEXT:    %[[SPLAT:[a-zA-Z0-9_]+]] = dsc.broadcast %[[S]] {dims = array<i64>} : tensor<f8E5M2> -> tensor<3x3xf8E5M2>
// CHECK-NEXT:    return %[[ROWS]], %[[BATCHED]], %[[SPLAT]] : tensor<4x8xf32>, tensor<2x4x8xi1>, tensor<3x3xf8E5M2>
func.func @broadcast(%x: tensor<8xf32>, %y: tensor<4x1xi1>, %s: tensor<f8E5M2>) -> (tensor<4x8xf32>, tensor<2x4x8xi1>, tensor<3x3xf8E5M2>) {
  %rows = dsc.broadcast %x {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
  %batched = dsc.broadcast %y {dims = array<i64: 1, 2>} : tensor<4x1xi1> -> tensor<2x4x8xi1>
  %splat = dsc.broadcast %s {dims = array<i64>} : tensor<f8E5M2> -> tensor<3x3xf8E5M2>
  return %rows, %batched, %splat : tensor<4x8xf32>, tensor<2x4x8xi1>, tensor<3x3xf8E5M2>
}

// -----

// CHECK-LABEL: func.func @reshape(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<2x16x256xbf16>,
// CHECK-SAME:      %[[S:[a-zA-Z0-9_]+]]: tensor<i64>)
// CHECK-SAME:      -> (tensor<2x16x8x32xbf16>, tensor<1x1xi64>) {
// CHECK-NEXT:    %[[HEADS:[a-zA-Z0-9_]+]] = dsc.reshape %[[X]] : tensor<2x16x256xbf16> -> tensor<2x16x8x32xbf16>
// CHECK-NEXT:    %[[SCALAR_TO_MATRIX:[a-zA-Z0-9_]+]] = dsc.reshape %[[S]] : tensor<i64> -> tensor<1x1xi64>
// CHECK-NEXT:    return %[[HEADS]], %[[SCALAR_TO_MATRIX]] : tensor<2x16x8x32xbf16>, tensor<1x1xi64>
func.func @reshape(%x: tensor<2x16x256xbf16>, %s: tensor<i64>) -> (tensor<2x16x8x32xbf16>, tensor<1x1xi64>) {
  %heads = dsc.reshape %x : tensor<2x16x256xbf16> -> tensor<2x16x8x32xbf16>
  %scalar_to_matrix = dsc.reshape %s : tensor<i64> -> tensor<1x1xi64>
  return %heads, %scalar_to_matrix : tensor<2x16x8x32xbf16>, tensor<1x1xi64>
}

// -----

// CHECK-LABEL: func.func @transpose(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<2x16x8x32xbf16>)
// CHECK-SAME:      -> tensor<2x8x16x32xbf16> {
// CHECK-NEXT:    %[[SWAPPED:[a-zA-Z0-9_]+]] = dsc.transpose %[[X]] {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x16x8x32xbf16> -> tensor<2x8x16x32xbf16>
// CHECK-NEXT:    return %[[SWAPPED]] : tensor<2x8x16x32xbf16>
func.func @transpose(%x: tensor<2x16x8x32xbf16>) -> tensor<2x8x16x32xbf16> {
  %swapped = dsc.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x16x8x32xbf16> -> tensor<2x8x16x32xbf16>
  return %swapped : tensor<2x8x16x32xbf16>
}

// -----

// CHECK-LABEL: func.func @slice(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-SAME:      -> (tensor<4x4xf32>, tensor<2x3xf32>, tensor<0x8xf32>) {
// CHECK-NEXT:    %[[WINDOW:[a-zA-Z0-9_]+]] = dsc.slice %[[X]] {limit = array<i64: 4, 6>, start = array<i64: 0, 2>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4x4xf32>
// CHECK-NEXT:    %[[STRIDED:[a-zA-Z0-9_]+]] = dsc.slice %[[X]] {limit = array<i64: 4, 8>, start = array<i64: 1, 0>, stride = array<i64: 2, 3>} : tensor<4x8xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[EMPTY:[a-zA-Z0-9_]+]] = dsc.slice %[[X]] {limit = array<i64: 2, 8>, start = array<i64: 2, 0>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<0x8xf32>
// CHECK-NEXT:    return %[[WINDOW]], %[[STRIDED]], %[[EMPTY]] : tensor<4x4xf32>, tensor<2x3xf32>, tensor<0x8xf32>
func.func @slice(%x: tensor<4x8xf32>) -> (tensor<4x4xf32>, tensor<2x3xf32>, tensor<0x8xf32>) {
  %window = dsc.slice %x {start = array<i64: 0, 2>, limit = array<i64: 4, 6>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4x4xf32>
  %strided = dsc.slice %x {start = array<i64: 1, 0>, limit = array<i64: 4, 8>, stride = array<i64: 2, 3>} : tensor<4x8xf32> -> tensor<2x3xf32>
  %empty = dsc.slice %x {start = array<i64: 2, 0>, limit = array<i64: 2, 8>, stride = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<0x8xf32>
  return %window, %strided, %empty : tensor<4x4xf32>, tensor<2x3xf32>, tensor<0x8xf32>
}

// -----

// CHECK-LABEL: func.func @concat(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<4x2xf32>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<4x6xf32>,
// CHECK-SAME:      %[[C:[a-zA-Z0-9_]+]]: tensor<4x1xf32>)
// CHECK-SAME:      -> (tensor<4x9xf32>, tensor<4x2xf32>, tensor<8x2xf32>) {
// CHECK-NEXT:    %[[JOINED:[a-zA-Z0-9_]+]] = dsc.concat %[[A]], %[[B]], %[[C]] {axis = 1 : i64} : (tensor<4x2xf32>, tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x9xf32>
// CHECK-NEXT:    %[[SINGLE:[a-zA-Z0-9_]+]] = dsc.concat %[[A]] {axis = 0 : i64} : (tensor<4x2xf32>) -> tensor<4x2xf32>
// CHECK-NEXT:    %[[STACKED:[a-zA-Z0-9_]+]] = dsc.concat %[[A]], %[[A]] {axis = -2 : i64} : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<8x2xf32>
// CHECK-NEXT:    return %[[JOINED]], %[[SINGLE]], %[[STACKED]] : tensor<4x9xf32>, tensor<4x2xf32>, tensor<8x2xf32>
func.func @concat(%a: tensor<4x2xf32>, %b: tensor<4x6xf32>, %c: tensor<4x1xf32>) -> (tensor<4x9xf32>, tensor<4x2xf32>, tensor<8x2xf32>) {
  %joined = dsc.concat %a, %b, %c {axis = 1 : i64} : (tensor<4x2xf32>, tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x9xf32>
  %single = dsc.concat %a {axis = 0 : i64} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %stacked = dsc.concat %a, %a {axis = -2 : i64} : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<8x2xf32>
  return %joined, %single, %stacked : tensor<4x9xf32>, tensor<4x2xf32>, tensor<8x2xf32>
}

// -----

// CHECK-LABEL: func.func @split(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-SAME:      -> (tensor<4x6xf32>, tensor<4x2xf32>, tensor<1x8xf32>, tensor<2x8xf32>, tensor<1x8xf32>, tensor<4x8xf32>) {
// CHECK-NEXT:    %[[QK:[a-zA-Z0-9_]+]]:2 = dsc.split %[[X]] {axis = 1 : i64, sizes = array<i64: 6, 2>} : tensor<4x8xf32> -> tensor<4x6xf32>, tensor<4x2xf32>
// CHECK-NEXT:    %[[THIRDS:[a-zA-Z0-9_]+]]:3 = dsc.split %[[X]] {axis = -2 : i64, sizes = array<i64: 1, 2, 1>} : tensor<4x8xf32> -> tensor<1x8xf32>, tensor<2x8xf32>, tensor<1x8xf32>
// CHECK-NEXT:    %[[ALL:[a-zA-Z0-9_]+]] = dsc.split %[[X]] {axis = 0 : i64, sizes = array<i64: 4>} : tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT:    return %[[QK]]#0, %[[QK]]#1, %[[THIRDS]]#0, %[[THIRDS]]#1, %[[THIRDS]]#2, %[[ALL]] : tensor<4x6xf32>, tensor<4x2xf32>, tensor<1x8xf32>, tensor<2x8xf32>, tensor<1x8xf32>, tensor<4x8xf32>
func.func @split(%x: tensor<4x8xf32>) -> (tensor<4x6xf32>, tensor<4x2xf32>, tensor<1x8xf32>, tensor<2x8xf32>, tensor<1x8xf32>, tensor<4x8xf32>) {
  %qk:2 = dsc.split %x {axis = 1 : i64, sizes = array<i64: 6, 2>} : tensor<4x8xf32> -> tensor<4x6xf32>, tensor<4x2xf32>
  %thirds:3 = dsc.split %x {axis = -2 : i64, sizes = array<i64: 1, 2, 1>} : tensor<4x8xf32> -> tensor<1x8xf32>, tensor<2x8xf32>, tensor<1x8xf32>
  %all = dsc.split %x {axis = 0 : i64, sizes = array<i64: 4>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %qk#0, %qk#1, %thirds#0, %thirds#1, %thirds#2, %all : tensor<4x6xf32>, tensor<4x2xf32>, tensor<1x8xf32>, tensor<2x8xf32>, tensor<1x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @gather(
// CHECK-SAME:      %[[EMBED:[a-zA-Z0-9_]+]]: tensor<1000x256xbf16>,
// CHECK-SAME:      %[[TOKENS:[a-zA-Z0-9_]+]]: tensor<2x16xi32>,
// CHECK-SAME:      %[[IDX:[a-zA-Z0-9_]+]]: tensor<3xi64>)
// CHECK-SAME:      -> (tensor<2x16x256xbf16>, tensor<1000x3xbf16>, tensor<256xbf16>) {
// CHECK-NEXT:    %[[ROWS:[a-zA-Z0-9_]+]] = dsc.gather %[[EMBED]], %[[TOKENS]] : (tensor<1000x256xbf16>, tensor<2x16xi32>) -> tensor<2x16x256xbf16>
// CHECK-NEXT:    %[[COLUMNS:[a-zA-Z0-9_]+]] = dsc.gather %[[EMBED]], %[[IDX]] {axis = -1 : i64} : (tensor<1000x256xbf16>, tensor<3xi64>) -> tensor<1000x3xbf16>
// CHECK-NEXT:    %[[S:[a-zA-Z0-9_]+]] = dsc.constant dense<7> : tensor<i32>
// CHECK-NEXT:    %[[ROW:[a-zA-Z0-9_]+]] = dsc.gather %[[EMBED]], %[[S]] : (tensor<1000x256xbf16>, tensor<i32>) -> tensor<256xbf16>
// CHECK-NEXT:    return %[[ROWS]], %[[COLUMNS]], %[[ROW]] : tensor<2x16x256xbf16>, tensor<1000x3xbf16>, tensor<256xbf16>
func.func @gather(%embed: tensor<1000x256xbf16>, %tokens: tensor<2x16xi32>, %idx: tensor<3xi64>) -> (tensor<2x16x256xbf16>, tensor<1000x3xbf16>, tensor<256xbf16>) {
  %rows = dsc.gather %embed, %tokens : (tensor<1000x256xbf16>, tensor<2x16xi32>) -> tensor<2x16x256xbf16>
  %columns = dsc.gather %embed, %idx {axis = -1 : i64} : (tensor<1000x256xbf16>, tensor<3xi64>) -> tensor<1000x3xbf16>
  %s = dsc.constant dense<7> : tensor<i32>
  %row = dsc.gather %embed, %s {axis = 0 : i64} : (tensor<1000x256xbf16>, tensor<i32>) -> tensor<256xbf16>
  return %rows, %columns, %row : tensor<2x16x256xbf16>, tensor<1000x3xbf16>, tensor<256xbf16>
}

// -----

// CHECK-LABEL: func.func @reductions(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<2x4x8xf32>)
// CHECK-SAME:      -> (tensor<2x4xf32>, tensor<2x1x8xf32>, tensor<f32>, tensor<1x4x1xf32>) {
// CHECK-NEXT:    %[[SUM:[a-zA-Z0-9_]+]] = dsc.reduce_sum %[[X]] {axes = array<i64: 2>} : tensor<2x4x8xf32> -> tensor<2x4xf32>
// CHECK-NEXT:    %[[MAX_KEPT:[a-zA-Z0-9_]+]] = dsc.reduce_max %[[X]] {axes = array<i64: -2>, keepdims = true} : tensor<2x4x8xf32> -> tensor<2x1x8xf32>
// CHECK-NEXT:    %[[MEAN_ALL:[a-zA-Z0-9_]+]] = dsc.reduce_mean %[[X]] {axes = array<i64: 0, 1, 2>} : tensor<2x4x8xf32> -> tensor<f32>
// CHECK-NEXT:    %[[SUM_KEPT:[a-zA-Z0-9_]+]] = dsc.reduce_sum %[[X]] {axes = array<i64: 2, 0>, keepdims = true} : tensor<2x4x8xf32> -> tensor<1x4x1xf32>
// CHECK-NEXT:    return %[[SUM]], %[[MAX_KEPT]], %[[MEAN_ALL]], %[[SUM_KEPT]] : tensor<2x4xf32>, tensor<2x1x8xf32>, tensor<f32>, tensor<1x4x1xf32>
func.func @reductions(%x: tensor<2x4x8xf32>) -> (tensor<2x4xf32>, tensor<2x1x8xf32>, tensor<f32>, tensor<1x4x1xf32>) {
  %sum = dsc.reduce_sum %x {axes = array<i64: 2>} : tensor<2x4x8xf32> -> tensor<2x4xf32>
  %max_kept = dsc.reduce_max %x {axes = array<i64: -2>, keepdims = true} : tensor<2x4x8xf32> -> tensor<2x1x8xf32>
  %mean_all = dsc.reduce_mean %x {axes = array<i64: 0, 1, 2>} : tensor<2x4x8xf32> -> tensor<f32>
  %sum_kept = dsc.reduce_sum %x {axes = array<i64: 2, 0>, keepdims = true} : tensor<2x4x8xf32> -> tensor<1x4x1xf32>
  return %sum, %max_kept, %mean_all, %sum_kept : tensor<2x4xf32>, tensor<2x1x8xf32>, tensor<f32>, tensor<1x4x1xf32>
}

// -----

// CHECK-LABEL: func.func @reductions_int(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xi32>,
// CHECK-SAME:      %[[Y:[a-zA-Z0-9_]+]]: tensor<4x8xf8E4M3FN>)
// CHECK-SAME:      -> (tensor<4xi32>, tensor<4x8xf8E4M3FN>) {
// CHECK-NEXT:    %[[MAX:[a-zA-Z0-9_]+]] = dsc.reduce_max %[[X]] {axes = array<i64: 1>} : tensor<4x8xi32> -> tensor<4xi32>
// CHECK-NEXT:    %[[MEAN_NONE:[a-zA-Z0-9_]+]] = dsc.reduce_mean %[[Y]] {axes = array<i64>} : tensor<4x8xf8E4M3FN> -> tensor<4x8xf8E4M3FN>
// CHECK-NEXT:    return %[[MAX]], %[[MEAN_NONE]] : tensor<4xi32>, tensor<4x8xf8E4M3FN>
func.func @reductions_int(%x: tensor<4x8xi32>, %y: tensor<4x8xf8E4M3FN>) -> (tensor<4xi32>, tensor<4x8xf8E4M3FN>) {
  %max = dsc.reduce_max %x {axes = array<i64: 1>, keepdims = false} : tensor<4x8xi32> -> tensor<4xi32>
  %mean_none = dsc.reduce_mean %y {axes = array<i64>} : tensor<4x8xf8E4M3FN> -> tensor<4x8xf8E4M3FN>
  return %max, %mean_none : tensor<4xi32>, tensor<4x8xf8E4M3FN>
}

// -----

// CHECK-LABEL: func.func @softmax(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-SAME:      -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
// CHECK-NEXT:    %[[LAST:[a-zA-Z0-9_]+]] = dsc.softmax %[[X]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[FIRST:[a-zA-Z0-9_]+]] = dsc.softmax %[[X]] {axis = 0 : i64} : tensor<4x8xf32>
// CHECK-NEXT:    %[[NEG_AXIS:[a-zA-Z0-9_]+]] = dsc.softmax %[[X]] {axis = -2 : i64} : tensor<4x8xf32>
// CHECK-NEXT:    return %[[LAST]], %[[FIRST]], %[[NEG_AXIS]] : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
func.func @softmax(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %last = dsc.softmax %x : tensor<4x8xf32>
  %first = dsc.softmax %x {axis = 0 : i64} : tensor<4x8xf32>
  %neg_axis = dsc.softmax %x {axis = -2 : i64} : tensor<4x8xf32>
  return %last, %first, %neg_axis : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @rms_norm(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<2x16x256xbf16>,
// CHECK-SAME:      %[[W:[a-zA-Z0-9_]+]]: tensor<256xbf16>,
// CHECK-SAME:      %[[WF:[a-zA-Z0-9_]+]]: tensor<256xf32>)
// CHECK-SAME:      -> (tensor<2x16x256xbf16>, tensor<2x16x256xbf16>) {
// CHECK-NEXT:    %[[NORMED:[a-zA-Z0-9_]+]] = dsc.rms_norm %[[X]], %[[W]] : tensor<2x16x256xbf16>, tensor<256xbf16>
// CHECK-NEXT:    %[[NORMED_F32_WEIGHT:[a-zA-Z0-9_]+]] = dsc.rms_norm %[[X]], %[[WF]] {eps = 9.99999974E-6 : f32} : tensor<2x16x256xbf16>, tensor<256xf32>
// CHECK-NEXT:    return %[[NORMED]], %[[NORMED_F32_WEIGHT]] : tensor<2x16x256xbf16>, tensor<2x16x256xbf16>
func.func @rms_norm(%x: tensor<2x16x256xbf16>, %w: tensor<256xbf16>, %wf: tensor<256xf32>) -> (tensor<2x16x256xbf16>, tensor<2x16x256xbf16>) {
  %normed = dsc.rms_norm %x, %w : tensor<2x16x256xbf16>, tensor<256xbf16>
  %normed_f32_weight = dsc.rms_norm %x, %wf {eps = 1.0e-05 : f32} : tensor<2x16x256xbf16>, tensor<256xf32>
  return %normed, %normed_f32_weight : tensor<2x16x256xbf16>, tensor<2x16x256xbf16>
}

// -----

// CHECK-LABEL: func.func @layer_norm(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<2x256xf32>,
// CHECK-SAME:      %[[W:[a-zA-Z0-9_]+]]: tensor<256xf32>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<256xf32>)
// CHECK-SAME:      -> (tensor<2x256xf32>, tensor<2x256xf32>) {
// CHECK-NEXT:    %[[WITH_BIAS:[a-zA-Z0-9_]+]] = dsc.layer_norm %[[X]], %[[W]], %[[B]] {eps = 9.99999997E-7 : f32} : tensor<2x256xf32>, tensor<256xf32>, tensor<256xf32>
// CHECK-NEXT:    %[[NO_BIAS:[a-zA-Z0-9_]+]] = dsc.layer_norm %[[X]], %[[W]] : tensor<2x256xf32>, tensor<256xf32>
// CHECK-NEXT:    return %[[WITH_BIAS]], %[[NO_BIAS]] : tensor<2x256xf32>, tensor<2x256xf32>
func.func @layer_norm(%x: tensor<2x256xf32>, %w: tensor<256xf32>, %b: tensor<256xf32>) -> (tensor<2x256xf32>, tensor<2x256xf32>) {
  %with_bias = dsc.layer_norm %x, %w, %b {eps = 1.0e-06 : f32} : tensor<2x256xf32>, tensor<256xf32>, tensor<256xf32>
  %no_bias = dsc.layer_norm %x, %w : tensor<2x256xf32>, tensor<256xf32>
  return %with_bias, %no_bias : tensor<2x256xf32>, tensor<2x256xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_shared_rhs(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<2x16x256xbf16>,
// CHECK-SAME:      %[[W:[a-zA-Z0-9_]+]]: tensor<256x768xbf16>)
// CHECK-SAME:      -> tensor<2x16x768xbf16> {
// CHECK-NEXT:    %[[Y:[a-zA-Z0-9_]+]] = dsc.matmul %[[X]], %[[W]] : (tensor<2x16x256xbf16>, tensor<256x768xbf16>) -> tensor<2x16x768xbf16>
// CHECK-NEXT:    return %[[Y]] : tensor<2x16x768xbf16>
func.func @matmul_shared_rhs(%x: tensor<2x16x256xbf16>, %w: tensor<256x768xbf16>) -> tensor<2x16x768xbf16> {
  %y = dsc.matmul %x, %w : (tensor<2x16x256xbf16>, tensor<256x768xbf16>) -> tensor<2x16x768xbf16>
  return %y : tensor<2x16x768xbf16>
}

// -----

// CHECK-LABEL: func.func @matmul_batched_rhs(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<8x32x64xbf16>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<8x64x128xbf16>)
// CHECK-SAME:      -> tensor<8x32x128xbf16> {
// CHECK-NEXT:    %[[Y:[a-zA-Z0-9_]+]] = dsc.matmul %[[A]], %[[B]] : (tensor<8x32x64xbf16>, tensor<8x64x128xbf16>) -> tensor<8x32x128xbf16>
// CHECK-NEXT:    return %[[Y]] : tensor<8x32x128xbf16>
func.func @matmul_batched_rhs(%a: tensor<8x32x64xbf16>, %b: tensor<8x64x128xbf16>) -> tensor<8x32x128xbf16> {
  %y = dsc.matmul %a, %b : (tensor<8x32x64xbf16>, tensor<8x64x128xbf16>) -> tensor<8x32x128xbf16>
  return %y : tensor<8x32x128xbf16>
}

// -----

// CHECK-LABEL: func.func @matmul_transposes(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<64x32xf32>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<128x64xf32>)
// CHECK-SAME:      -> (tensor<32x128xf32>, tensor<64x64xf32>, tensor<32x128xf32>) {
// CHECK-NEXT:    %[[TA:[a-zA-Z0-9_]+]] = dsc.matmul %[[A]], %[[B]] {transpose_a = true, transpose_b = true} : (tensor<64x32xf32>, tensor<128x64xf32>) -> tensor<32x128xf32>
// CHECK-NEXT:    %[[TB:[a-zA-Z0-9_]+]] = dsc.matmul %[[A]], %[[A]] {transpose_b = true} : (tensor<64x32xf32>, tensor<64x32xf32>) -> tensor<64x64xf32>
// CHECK-NEXT:    %[[NT:[a-zA-Z0-9_]+]] = dsc.matmul %[[A]], %[[B]] {out_type = f32, transpose_a = true, transpose_b = true} : (tensor<64x32xf32>, tensor<128x64xf32>) -> tensor<32x128xf32>
// CHECK-NEXT:    return %[[TA]], %[[TB]], %[[NT]] : tensor<32x128xf32>, tensor<64x64xf32>, tensor<32x128xf32>
func.func @matmul_transposes(%a: tensor<64x32xf32>, %b: tensor<128x64xf32>) -> (tensor<32x128xf32>, tensor<64x64xf32>, tensor<32x128xf32>) {
  %ta = dsc.matmul %a, %b {transpose_a = true, transpose_b = true} : (tensor<64x32xf32>, tensor<128x64xf32>) -> tensor<32x128xf32>
  %tb = dsc.matmul %a, %a {transpose_b = true} : (tensor<64x32xf32>, tensor<64x32xf32>) -> tensor<64x64xf32>
  %nt = dsc.matmul %a, %b {transpose_a = true, transpose_b = true, out_type = f32} : (tensor<64x32xf32>, tensor<128x64xf32>) -> tensor<32x128xf32>
  return %ta, %tb, %nt : tensor<32x128xf32>, tensor<64x64xf32>, tensor<32x128xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_out_type(
// CHECK-SAME:      %[[A:[a-zA-Z0-9_]+]]: tensor<16x64xf8E4M3FN>,
// CHECK-SAME:      %[[B:[a-zA-Z0-9_]+]]: tensor<64x32xf8E5M2>,
// CHECK-SAME:      %[[I:[a-zA-Z0-9_]+]]: tensor<4x4xi32>)
// CHECK-SAME:      -> (tensor<16x32xbf16>, tensor<16x32xf8E4M3FN>, tensor<4x4xi64>) {
// CHECK-NEXT:    %[[MIXED_FP8_TO_BF16:[a-zA-Z0-9_]+]] = dsc.matmul %[[A]], %[[B]] {out_type = bf16} : (tensor<16x64xf8E4M3FN>, tensor<64x32xf8E5M2>) -> tensor<16x32xbf16>
// CHECK-NEXT:    %[[MIXED_FP8:[a-zA-Z0-9_]+]] = dsc.matmul %[[A]], %[[B]] : (tensor<16x64xf8E4M3FN>, tensor<64x32xf8E5M2>) -> tensor<16x32xf8E4M3FN>
// CHECK-NEXT:    %[[WIDE_INT:[a-zA-Z0-9_]+]] = dsc.matmul %[[I]], %[[I]] {out_type = i64} : (tensor<4x4xi32>, tensor<4x4xi32>) -> tensor<4x4xi64>
// CHECK-NEXT:    return %[[MIXED_FP8_TO_BF16]], %[[MIXED_FP8]], %[[WIDE_INT]] : tensor<16x32xbf16>, tensor<16x32xf8E4M3FN>, tensor<4x4xi64>
func.func @matmul_out_type(%a: tensor<16x64xf8E4M3FN>, %b: tensor<64x32xf8E5M2>, %i: tensor<4x4xi32>) -> (tensor<16x32xbf16>, tensor<16x32xf8E4M3FN>, tensor<4x4xi64>) {
  %mixed_fp8_to_bf16 = dsc.matmul %a, %b {out_type = bf16} : (tensor<16x64xf8E4M3FN>, tensor<64x32xf8E5M2>) -> tensor<16x32xbf16>
  %mixed_fp8 = dsc.matmul %a, %b : (tensor<16x64xf8E4M3FN>, tensor<64x32xf8E5M2>) -> tensor<16x32xf8E4M3FN>
  %wide_int = dsc.matmul %i, %i {out_type = i64} : (tensor<4x4xi32>, tensor<4x4xi32>) -> tensor<4x4xi64>
  return %mixed_fp8_to_bf16, %mixed_fp8, %wide_int : tensor<16x32xbf16>, tensor<16x32xf8E4M3FN>, tensor<4x4xi64>
}

// -----

// CHECK-LABEL: func.func @rope(
// CHECK-SAME:      %[[Q:[a-zA-Z0-9_]+]]: tensor<2x16x8x32xbf16>,
// CHECK-SAME:      %[[POS:[a-zA-Z0-9_]+]]: tensor<16xi32>,
// CHECK-SAME:      %[[BPOS:[a-zA-Z0-9_]+]]: tensor<2x16xi64>,
// CHECK-SAME:      %[[X3:[a-zA-Z0-9_]+]]: tensor<16x4x8xf16>)
// CHECK-SAME:      -> (tensor<2x16x8x32xbf16>, tensor<2x16x8x32xbf16>, tensor<16x4x8xf16>) {
// CHECK-NEXT:    %[[HALF:[a-zA-Z0-9_]+]] = dsc.rope %[[Q]], %[[POS]] : tensor<2x16x8x32xbf16>, tensor<16xi32>
// CHECK-NEXT:    %[[INTERLEAVED:[a-zA-Z0-9_]+]] = dsc.rope %[[Q]], %[[BPOS]] {style = #dsc.rope_style<interleaved>, theta = 5.000000e+05 : f64} : tensor<2x16x8x32xbf16>, tensor<2x16xi64>
// CHECK-NEXT:    %[[UNBATCHED:[a-zA-Z0-9_]+]] = dsc.rope %[[X3]], %[[POS]] : tensor<16x4x8xf16>, tensor<16xi32>
// CHECK-NEXT:    return %[[HALF]], %[[INTERLEAVED]], %[[UNBATCHED]] : tensor<2x16x8x32xbf16>, tensor<2x16x8x32xbf16>, tensor<16x4x8xf16>
func.func @rope(%q: tensor<2x16x8x32xbf16>, %pos: tensor<16xi32>, %bpos: tensor<2x16xi64>, %x3: tensor<16x4x8xf16>) -> (tensor<2x16x8x32xbf16>, tensor<2x16x8x32xbf16>, tensor<16x4x8xf16>) {
  %half = dsc.rope %q, %pos : tensor<2x16x8x32xbf16>, tensor<16xi32>
  %interleaved = dsc.rope %q, %bpos {theta = 5.0e+05 : f64, style = #dsc.rope_style<interleaved>} : tensor<2x16x8x32xbf16>, tensor<2x16xi64>
  %unbatched = dsc.rope %x3, %pos {style = #dsc.rope_style<half>} : tensor<16x4x8xf16>, tensor<16xi32>
  return %half, %interleaved, %unbatched : tensor<2x16x8x32xbf16>, tensor<2x16x8x32xbf16>, tensor<16x4x8xf16>
}

// -----

// CHECK-LABEL: func.func @attention(
// CHECK-SAME:      %[[Q:[a-zA-Z0-9_]+]]: tensor<2x16x8x32xbf16>,
// CHECK-SAME:      %[[K:[a-zA-Z0-9_]+]]: tensor<2x24x2x32xbf16>,
// CHECK-SAME:      %[[V:[a-zA-Z0-9_]+]]: tensor<2x24x2x64xbf16>)
// CHECK-SAME:      -> (tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>) {
// CHECK-NEXT:    %[[PLAIN:[a-zA-Z0-9_]+]] = dsc.attention %[[Q]], %[[K]], %[[V]] : (tensor<2x16x8x32xbf16>, tensor<2x24x2x32xbf16>, tensor<2x24x2x64xbf16>) -> tensor<2x16x8x64xbf16>
// CHECK-NEXT:    %[[CAUSAL:[a-zA-Z0-9_]+]] = dsc.attention %[[Q]], %[[K]], %[[V]] {causal = true} : (tensor<2x16x8x32xbf16>, tensor<2x24x2x32xbf16>, tensor<2x24x2x64xbf16>) -> tensor<2x16x8x64xbf16>
// CHECK-NEXT:    %[[SCALED:[a-zA-Z0-9_]+]] = dsc.attention %[[Q]], %[[K]], %[[V]] {causal = true, scale = 1.250000e-01 : f64} : (tensor<2x16x8x32xbf16>, tensor<2x24x2x32xbf16>, tensor<2x24x2x64xbf16>) -> tensor<2x16x8x64xbf16>
// CHECK-NEXT:    return %[[PLAIN]], %[[CAUSAL]], %[[SCALED]] : tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>
func.func @attention(%q: tensor<2x16x8x32xbf16>, %k: tensor<2x24x2x32xbf16>, %v: tensor<2x24x2x64xbf16>) -> (tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>) {
  %plain = dsc.attention %q, %k, %v : (tensor<2x16x8x32xbf16>, tensor<2x24x2x32xbf16>, tensor<2x24x2x64xbf16>) -> tensor<2x16x8x64xbf16>
  %causal = dsc.attention %q, %k, %v {causal = true} : (tensor<2x16x8x32xbf16>, tensor<2x24x2x32xbf16>, tensor<2x24x2x64xbf16>) -> tensor<2x16x8x64xbf16>
  %scaled = dsc.attention %q, %k, %v {causal = true, scale = 1.250000e-01 : f64} : (tensor<2x16x8x32xbf16>, tensor<2x24x2x32xbf16>, tensor<2x24x2x64xbf16>) -> tensor<2x16x8x64xbf16>
  return %plain, %causal, %scaled : tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>, tensor<2x16x8x64xbf16>
}

// -----

// CHECK-LABEL: func.func @router_topk(
// CHECK-SAME:      %[[LOGITS:[a-zA-Z0-9_]+]]: tensor<64x64xf32>,
// CHECK-SAME:      %[[BIAS:[a-zA-Z0-9_]+]]: tensor<64xf32>,
// CHECK-SAME:      %[[LB:[a-zA-Z0-9_]+]]: tensor<4x8xbf16>)
// CHECK-SAME:      -> (tensor<64x6xf32>, tensor<64x6xi32>, tensor<4x2xf32>, tensor<4x2xi32>) {
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]], %[[IDX:[a-zA-Z0-9_]+]] = dsc.router_topk %[[LOGITS]], %[[BIAS]] {k = 6 : i64, n_groups = 8 : i64, normalize = true, scaling = 2.500000e+00 : f64, topk_groups = 3 : i64} : (tensor<64x64xf32>, tensor<64xf32>) -> (tensor<64x6xf32>, tensor<64x6xi32>)
// CHECK-NEXT:    %[[W2:[a-zA-Z0-9_]+]], %[[IDX2:[a-zA-Z0-9_]+]] = dsc.router_topk %[[LB]] {k = 2 : i64, score = #dsc.score<softmax>} : (tensor<4x8xbf16>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
// CHECK-NEXT:    return %[[W]], %[[IDX]], %[[W2]], %[[IDX2]] : tensor<64x6xf32>, tensor<64x6xi32>, tensor<4x2xf32>, tensor<4x2xi32>
func.func @router_topk(%logits: tensor<64x64xf32>, %bias: tensor<64xf32>, %lb: tensor<4x8xbf16>) -> (tensor<64x6xf32>, tensor<64x6xi32>, tensor<4x2xf32>, tensor<4x2xi32>) {
  %w, %idx = dsc.router_topk %logits, %bias {k = 6 : i64, n_groups = 8 : i64, topk_groups = 3 : i64, normalize = true, scaling = 2.5 : f64} : (tensor<64x64xf32>, tensor<64xf32>) -> (tensor<64x6xf32>, tensor<64x6xi32>)
  %w2, %idx2 = dsc.router_topk %lb {k = 2 : i64, score = #dsc.score<softmax>} : (tensor<4x8xbf16>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return %w, %idx, %w2, %idx2 : tensor<64x6xf32>, tensor<64x6xi32>, tensor<4x2xf32>, tensor<4x2xi32>
}

// -----

// CHECK-LABEL: func.func @moe_dispatch_combine(
// CHECK-SAME:      %[[X:[a-zA-Z0-9_]+]]: tensor<32x64xbf16>,
// CHECK-SAME:      %[[IDX:[a-zA-Z0-9_]+]]: tensor<32x2xi32>,
// CHECK-SAME:      %[[W:[a-zA-Z0-9_]+]]: tensor<32x2xf32>)
// CHECK-SAME:      -> tensor<32x64xbf16> {
// CHECK-NEXT:    %[[BUF:[a-zA-Z0-9_]+]] = dsc.moe_dispatch %[[X]], %[[IDX]] {capacity = 32 : i64, num_experts = 8 : i64} : (tensor<32x64xbf16>, tensor<32x2xi32>) -> tensor<8x32x64xbf16>
// CHECK-NEXT:    %[[Y:[a-zA-Z0-9_]+]] = dsc.moe_combine %[[BUF]], %[[IDX]], %[[W]] : (tensor<8x32x64xbf16>, tensor<32x2xi32>, tensor<32x2xf32>) -> tensor<32x64xbf16>
// CHECK-NEXT:    return %[[Y]] : tensor<32x64xbf16>
func.func @moe_dispatch_combine(%x: tensor<32x64xbf16>, %idx: tensor<32x2xi32>, %w: tensor<32x2xf32>) -> tensor<32x64xbf16> {
  %buf = dsc.moe_dispatch %x, %idx {num_experts = 8 : i64, capacity = 32 : i64} : (tensor<32x64xbf16>, tensor<32x2xi32>) -> tensor<8x32x64xbf16>
  %y = dsc.moe_combine %buf, %idx, %w : (tensor<8x32x64xbf16>, tensor<32x2xi32>, tensor<32x2xf32>) -> tensor<32x64xbf16>
  return %y : tensor<32x64xbf16>
}

// -----

// CHECK-LABEL: func.func @main(
// CHECK-SAME:      %[[TOKENS:[a-zA-Z0-9_]+]]: tensor<2x16xi32> {dsc.name = "tokens", dsc.shard = {dims = {{\[\[}}"dp"], []]}},
// CHECK-SAME:      %[[H:[a-zA-Z0-9_]+]]: tensor<2x16x256xbf16> {dsc.precision = "bf16"})
// CHECK-SAME:      -> (tensor<2x16x768xbf16> {dsc.name = "logits", dsc.shard = {dims = {{\[\[}}], [], ["tp"]], partial = []}}) {
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = dsc.param "wq" {dsc.shard = {dims = {{\[\[}}], ["tp"]]}} : tensor<256x768xbf16>
// CHECK-NEXT:    %[[Y:[a-zA-Z0-9_]+]] = dsc.matmul %[[H]], %[[W]] {dsc.precision = "fp8", dsc.shard = {dims = {{\[\[}}], [], ["tp"]], partial = ["pp", "tp"]}} : (tensor<2x16x256xbf16>, tensor<256x768xbf16>) -> tensor<2x16x768xbf16>
// CHECK-NEXT:    %[[Z:[a-zA-Z0-9_]+]] = dsc.relu %[[Y]] {dsc.precision = "fp32", dsc.shard = {partial = ["tp"]}} : tensor<2x16x768xbf16>
// CHECK-NEXT:    return %[[Z]] : tensor<2x16x768xbf16>
func.func @main(%tokens: tensor<2x16xi32> {dsc.name = "tokens", dsc.shard = {dims = [["dp"], []]}}, %h: tensor<2x16x256xbf16> {dsc.precision = "bf16"}) -> (tensor<2x16x768xbf16> {dsc.name = "logits", dsc.shard = {dims = [[], [], ["tp"]], partial = []}}) {
  %w = dsc.param "wq" {dsc.shard = {dims = [[], ["tp"]]}} : tensor<256x768xbf16>
  %y = dsc.matmul %h, %w {dsc.precision = "fp8", dsc.shard = {dims = [[], [], ["tp"]], partial = ["pp", "tp"]}} : (tensor<2x16x256xbf16>, tensor<256x768xbf16>) -> tensor<2x16x768xbf16>
  %z = dsc.relu %y {dsc.shard = {partial = ["tp"]}, dsc.precision = "fp32"} : tensor<2x16x768xbf16>
  return %z : tensor<2x16x768xbf16>
}

// -----

// A declaration has no entry block; its argument attributes are still verified and kept.
// CHECK-LABEL: func.func private @declaration_attrs(
// CHECK-SAME:      tensor<4x8xf32> {dsc.name = "x", dsc.shard = {dims = {{\[\[}}"dp"], []]}},
// CHECK-SAME:      tensor<8xbf16> {dsc.precision = "fp8"})
// CHECK-SAME:      -> (tensor<4xf32> {dsc.shard = {dims = {{\[\[}}"dp"]]}})
func.func private @declaration_attrs(tensor<4x8xf32> {dsc.name = "x", dsc.shard = {dims = [["dp"], []]}}, tensor<8xbf16> {dsc.precision = "fp8"}) -> (tensor<4xf32> {dsc.shard = {dims = [["dp"]]}})

// -----

// An op without results, and the function itself, may carry dsc.shard: there is no rank to
// check it against (this once dereferenced a null type).
// CHECK-LABEL: func.func @shard_without_result()
// CHECK-SAME:      attributes {dsc.shard = {dims = {{\[\[}}"dp"]]}} {
// CHECK-NEXT:    return {dsc.shard = {dims = {{\[\[}}]], partial = ["tp"]}}
func.func @shard_without_result() attributes {dsc.shard = {dims = [["dp"]]}} {
  return {dsc.shard = {dims = [[]], partial = ["tp"]}}
}
