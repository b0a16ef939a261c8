// dsc-promote-to-f32 (dsc --precision=fp32): bf16/f16/fp8 values computed in f32, with the
// arguments, weights and results keeping their declared types. Refusals are in
// promote_to_f32_invalid.mlir, the `dsc --precision` flag in promote_to_f32_driver.test.

// RUN: dsc-opt %s --split-input-file --dsc-promote-to-f32 | FileCheck %s

// Arguments and weights are cast once; every op computes in f32; the result is cast back.
// CHECK-LABEL: func.func @args_params_return
// CHECK-SAME:    (%[[X:.*]]: tensor<4x8xbf16>) -> tensor<4x8xbf16>
// CHECK-NEXT:    %[[X_F32:.*]] = dsc.cast %[[X]] : tensor<4x8xbf16> -> tensor<4x8xf32>
// CHECK-NEXT:    %[[W:.*]] = dsc.param "w" : tensor<8xbf16>
// CHECK-NEXT:    %[[W_F32:.*]] = dsc.cast %[[W]] : tensor<8xbf16> -> tensor<8xf32>
// CHECK-NEXT:    %[[NORM:.*]] = dsc.rms_norm %[[X_F32]], %[[W_F32]] {{.*}}: tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT:    %[[SILU:.*]] = dsc.silu %[[NORM]] : tensor<4x8xf32>
// CHECK-NEXT:    %[[Y:.*]] = dsc.cast %[[SILU]] : tensor<4x8xf32> -> tensor<4x8xbf16>
// CHECK-NEXT:    return %[[Y]]
func.func @args_params_return(%x: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %w = dsc.param "w" : tensor<8xbf16>
  %n = dsc.rms_norm %x, %w {eps = 1.0e-5 : f32} : tensor<4x8xbf16>, tensor<8xbf16>
  %s = dsc.silu %n : tensor<4x8xbf16>
  return %s : tensor<4x8xbf16>
}

// -----

// An argument returned as is is cast there and back.
// CHECK-LABEL: func.func @passthrough
// CHECK-NEXT:    %[[X_F32:.*]] = dsc.cast %{{.*}} : tensor<2xf16> -> tensor<2xf32>
// CHECK-NEXT:    %[[Y:.*]] = dsc.cast %[[X_F32]] : tensor<2xf32> -> tensor<2xf16>
// CHECK-NEXT:    return %[[Y]]
func.func @passthrough(%x: tensor<2xf16>) -> tensor<2xf16> {
  return %x : tensor<2xf16>
}

// -----

// An f32 model is left exactly as it was: no cast anywhere.
// CHECK-LABEL: func.func @f32_unchanged
// CHECK-NOT:     dsc.cast
// CHECK:         dsc.param "w" : tensor<8xf32>
// CHECK-NOT:     dsc.cast
// CHECK:         return
func.func @f32_unchanged(%x: tensor<8xf32>) -> tensor<8xf32> {
  %w = dsc.param "w" : tensor<8xf32>
  %y = dsc.mul %x, %w : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// A matmul's low-precision out_type becomes f32; an f32 out_type stays.
// CHECK-LABEL: func.func @matmul_out_type
// CHECK:         dsc.matmul %{{.*}}, %{{.*}} {out_type = f32} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK:         dsc.matmul %{{.*}}, %{{.*}} {out_type = f32} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK:         dsc.matmul %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
func.func @matmul_out_type(%a: tensor<2x4xf16>, %b: tensor<4x3xf16>) -> (tensor<2x3xbf16>, tensor<2x3xf32>, tensor<2x3xf16>) {
  %c = dsc.matmul %a, %b {out_type = bf16} : (tensor<2x4xf16>, tensor<4x3xf16>) -> tensor<2x3xbf16>
  %d = dsc.matmul %a, %b {out_type = f32} : (tensor<2x4xf16>, tensor<4x3xf16>) -> tensor<2x3xf32>
  %e = dsc.matmul %a, %b : (tensor<2x4xf16>, tensor<4x3xf16>) -> tensor<2x3xf16>
  return %c, %d, %e : tensor<2x3xbf16>, tensor<2x3xf32>, tensor<2x3xf16>
}

// -----

// Two fp8 operand types (which a matmul may mix) both become f32.
// CHECK-LABEL: func.func @matmul_fp8
// CHECK-SAME:    (%[[A:.*]]: tensor<2x4xf8E4M3FN>, %[[B:.*]]: tensor<3x4xf8E5M2>) -> tensor<2x3xbf16>
// CHECK-NEXT:    %[[A_F32:.*]] = dsc.cast %[[A]] : tensor<2x4xf8E4M3FN> -> tensor<2x4xf32>
// CHECK-NEXT:    %[[B_F32:.*]] = dsc.cast %[[B]] : tensor<3x4xf8E5M2> -> tensor<3x4xf32>
// CHECK-NEXT:    %[[C:.*]] = dsc.matmul %[[A_F32]], %[[B_F32]] {out_type = f32, transpose_b = true} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    dsc.cast %[[C]] : tensor<2x3xf32> -> tensor<2x3xbf16>
func.func @matmul_fp8(%a: tensor<2x4xf8E4M3FN>, %b: tensor<3x4xf8E5M2>) -> tensor<2x3xbf16> {
  %c = dsc.matmul %a, %b {transpose_b = true, out_type = bf16} : (tensor<2x4xf8E4M3FN>, tensor<3x4xf8E5M2>) -> tensor<2x3xbf16>
  return %c : tensor<2x3xbf16>
}

// -----

// Casts between float types inside the graph vanish; casts to integers stay.
// CHECK-LABEL: func.func @casts
// CHECK-SAME:    (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[E:.*]] = dsc.exp %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[I:.*]] = dsc.cast %[[E]] : tensor<4xf32> -> tensor<4xi32>
// CHECK-NEXT:    %[[H:.*]] = dsc.cast %[[E]] : tensor<4xf32> -> tensor<4xf16>
// CHECK-NEXT:    return %[[I]], %[[H]]
func.func @casts(%x: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xf16>) {
  %a = dsc.cast %x : tensor<4xf32> -> tensor<4xbf16>
  %e = dsc.exp %a : tensor<4xbf16>
  %i = dsc.cast %e : tensor<4xbf16> -> tensor<4xi32>
  %h = dsc.cast %e : tensor<4xbf16> -> tensor<4xf16>
  return %i, %h : tensor<4xi32>, tensor<4xf16>
}

// -----

// An explicit widening of an argument folds into the argument's own cast; an integer cast to
// bf16 becomes a cast to f32.
// CHECK-LABEL: func.func @casts_from_arguments
// CHECK-SAME:    (%[[X:.*]]: tensor<4xbf16>, %[[N:.*]]: tensor<4xi32>)
// CHECK-NEXT:    %[[X_F32:.*]] = dsc.cast %[[X]] : tensor<4xbf16> -> tensor<4xf32>
// CHECK-NEXT:    %[[N_F32:.*]] = dsc.cast %[[N]] : tensor<4xi32> -> tensor<4xf32>
// CHECK-NEXT:    %[[SUM:.*]] = dsc.add %[[X_F32]], %[[N_F32]] : tensor<4xf32>
// CHECK-NEXT:    return %[[SUM]] : tensor<4xf32>
func.func @casts_from_arguments(%x: tensor<4xbf16>, %n: tensor<4xi32>) -> tensor<4xf32> {
  %xf = dsc.cast %x : tensor<4xbf16> -> tensor<4xf32>
  %nb = dsc.cast %n : tensor<4xi32> -> tensor<4xbf16>
  %nf = dsc.cast %nb : tensor<4xbf16> -> tensor<4xf32>
  %s = dsc.add %xf, %nf : tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// Constants are converted exactly (bf16 0.1 is 0.10009765625, not f32 0.1).
// CHECK-LABEL: func.func @constants
// CHECK-DAG:     dsc.constant dense<[1.000000e+00, 1.250000e+00, -3.000000e+00]> : tensor<3xf32>
// CHECK-DAG:     dsc.constant dense<0.100097656> : tensor<2x2xf32>
// CHECK-DAG:     dsc.constant dense<6.550400e+04> : tensor<2xf32>
func.func @constants() -> (tensor<3xbf16>, tensor<2x2xbf16>, tensor<2xf16>) {
  %c = dsc.constant dense<[1.0, 1.25, -3.0]> : tensor<3xbf16>
  %s = dsc.constant dense<0.1> : tensor<2x2xbf16>
  %h = dsc.constant dense<65504.0> : tensor<2xf16>
  return %c, %s, %h : tensor<3xbf16>, tensor<2x2xbf16>, tensor<2xf16>
}

// -----

// Integer and i1 tensors keep their types; a comparison of promoted floats still gives i1.
// CHECK-LABEL: func.func @integers_untouched
// CHECK-SAME:    (%[[X:.*]]: tensor<8xbf16>, %[[N:.*]]: tensor<8xi64>)
// CHECK:         %[[POS:.*]] = dsc.iota {dimension = 0 : i64} : tensor<8xi64>
// CHECK:         %[[IDX:.*]] = dsc.add %[[N]], %[[POS]] : tensor<8xi64>
// CHECK:         %[[MASK:.*]] = dsc.compare %{{.*}}, %{{.*}} {predicate = #dsc.predicate<lt>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
// CHECK:         %[[SEL:.*]] = dsc.select %[[MASK]], %{{.*}}, %{{.*}} : tensor<8xi1>, tensor<8xf32>
// CHECK:         %[[SUM:.*]] = dsc.reduce_sum %[[IDX]] {axes = array<i64: 0>} : tensor<8xi64> -> tensor<i64>
// CHECK:         return %[[MASK]], %{{.*}}, %[[SUM]] : tensor<8xi1>, tensor<8xbf16>, tensor<i64>
func.func @integers_untouched(%x: tensor<8xbf16>, %n: tensor<8xi64>) -> (tensor<8xi1>, tensor<8xbf16>, tensor<i64>) {
  %pos = dsc.iota {dimension = 0 : i64} : tensor<8xi64>
  %idx = dsc.add %n, %pos : tensor<8xi64>
  %zero = dsc.constant dense<0.0> : tensor<8xbf16>
  %mask = dsc.compare %x, %zero {predicate = #dsc.predicate<lt>} : (tensor<8xbf16>, tensor<8xbf16>) -> tensor<8xi1>
  %neg = dsc.neg %x : tensor<8xbf16>
  %abs = dsc.select %mask, %neg, %x : tensor<8xi1>, tensor<8xbf16>
  %sum = dsc.reduce_sum %idx {axes = array<i64: 0>} : tensor<8xi64> -> tensor<i64>
  return %mask, %abs, %sum : tensor<8xi1>, tensor<8xbf16>, tensor<i64>
}

// -----

// A float iota counts in f32 (exact to 2^24, where bf16 stops at 256).
// CHECK-LABEL: func.func @iota_float
// CHECK-NEXT:    %[[POS:.*]] = dsc.iota {dimension = 1 : i64} : tensor<2x300xf32>
// CHECK-NEXT:    dsc.cast %[[POS]] : tensor<2x300xf32> -> tensor<2x300xbf16>
func.func @iota_float() -> tensor<2x300xbf16> {
  %pos = dsc.iota {dimension = 1 : i64} : tensor<2x300xbf16>
  return %pos : tensor<2x300xbf16>
}

// -----

// An embedding lookup: the table is a weight (cast once), the token ids stay i32.
// CHECK-LABEL: func.func @gather
// CHECK-SAME:    (%[[TOKENS:.*]]: tensor<2x5xi32>)
// CHECK-NEXT:    %[[EMBED:.*]] = dsc.param "embed" : tensor<100x16xbf16>
// CHECK-NEXT:    %[[EMBED_F32:.*]] = dsc.cast %[[EMBED]] : tensor<100x16xbf16> -> tensor<100x16xf32>
// CHECK-NEXT:    %[[ROWS:.*]] = dsc.gather %[[EMBED_F32]], %[[TOKENS]] : (tensor<100x16xf32>, tensor<2x5xi32>) -> tensor<2x5x16xf32>
// CHECK-NEXT:    dsc.cast %[[ROWS]] : tensor<2x5x16xf32> -> tensor<2x5x16xbf16>
func.func @gather(%tokens: tensor<2x5xi32>) -> tensor<2x5x16xbf16> {
  %embed = dsc.param "embed" : tensor<100x16xbf16>
  %x = dsc.gather %embed, %tokens : (tensor<100x16xbf16>, tensor<2x5xi32>) -> tensor<2x5x16xbf16>
  return %x : tensor<2x5x16xbf16>
}

// -----

// Several results: every piece of a split is f32.
// CHECK-LABEL: func.func @split
// CHECK:         %[[Q:.*]]:3 = dsc.split %{{.*}} {axis = 2 : i64, sizes = array<i64: 2, 1, 1>} : tensor<1x4x4x8xf32> -> tensor<1x4x2x8xf32>, tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32>
// CHECK:         dsc.cast %[[Q]]#0 : tensor<1x4x2x8xf32> -> tensor<1x4x2x8xbf16>
// CHECK:         dsc.cast %[[Q]]#2 : tensor<1x4x1x8xf32> -> tensor<1x4x1x8xbf16>
func.func @split(%x: tensor<1x4x4x8xbf16>) -> (tensor<1x4x2x8xbf16>, tensor<1x4x1x8xbf16>) {
  %q, %k, %v = dsc.split %x {axis = 2 : i64, sizes = array<i64: 2, 1, 1>} : tensor<1x4x4x8xbf16> -> tensor<1x4x2x8xbf16>, tensor<1x4x1x8xbf16>, tensor<1x4x1x8xbf16>
  return %q, %v : tensor<1x4x2x8xbf16>, tensor<1x4x1x8xbf16>
}

// -----

// Rotary embedding and grouped-query attention, as llama_layer.dsg writes them; the positions
// stay i32.
// CHECK-LABEL: func.func @rope_attention
// CHECK-SAME:    %[[POS:[a-zA-Z0-9_]+]]: tensor<4xi32>
// CHECK:         %[[Q:.*]] = dsc.rope %{{.*}}, %[[POS]] {theta = 5.000000e+05 : f64} : tensor<1x4x4x8xf32>, tensor<4xi32>
// CHECK:         %[[K:.*]] = dsc.rope %{{.*}}, %[[POS]] {style = #dsc.rope_style<interleaved>} : tensor<1x4x2x8xf32>, tensor<4xi32>
// CHECK:         %[[O:.*]] = dsc.attention %[[Q]], %[[K]], %{{.*}} {causal = true} : (tensor<1x4x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK:         dsc.cast %[[O]] : tensor<1x4x4x8xf32> -> tensor<1x4x4x8xbf16>
func.func @rope_attention(%q: tensor<1x4x4x8xbf16>, %k: tensor<1x4x2x8xbf16>, %v: tensor<1x4x2x8xbf16>, %pos: tensor<4xi32>) -> tensor<1x4x4x8xbf16> {
  %qr = dsc.rope %q, %pos {theta = 5.0e+05 : f64} : tensor<1x4x4x8xbf16>, tensor<4xi32>
  %kr = dsc.rope %k, %pos {style = #dsc.rope_style<interleaved>} : tensor<1x4x2x8xbf16>, tensor<4xi32>
  %o = dsc.attention %qr, %kr, %v {causal = true} : (tensor<1x4x4x8xbf16>, tensor<1x4x2x8xbf16>, tensor<1x4x2x8xbf16>) -> tensor<1x4x4x8xbf16>
  return %o : tensor<1x4x4x8xbf16>
}

// -----

// Row-wise ops, reductions and elementwise ops with attributes keep those attributes.
// CHECK-LABEL: func.func @rowwise
// CHECK:         dsc.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f32} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
// CHECK:         dsc.softmax %{{.*}} {axis = 0 : i64} : tensor<4x8xf32>
// CHECK:         dsc.gelu %{{.*}} {approximate = #dsc.gelu<tanh>} : tensor<4x8xf32>
// CHECK:         dsc.pow %{{.*}} {exponent = 2.000000e+00 : f64} : tensor<4x8xf32>
// CHECK:         dsc.reduce_max %{{.*}} {axes = array<i64: 1>, keepdims = true} : tensor<4x8xf32> -> tensor<4x1xf32>
// CHECK:         dsc.reduce_mean %{{.*}} {axes = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<f32>
// CHECK:         return %{{.*}}, %{{.*}} : tensor<4x1xf16>, tensor<f16>
func.func @rowwise(%x: tensor<4x8xf16>, %w: tensor<8xf16>, %b: tensor<8xf16>) -> (tensor<4x1xf16>, tensor<f16>) {
  %n = dsc.layer_norm %x, %w, %b {eps = 1.0e-3 : f32} : tensor<4x8xf16>, tensor<8xf16>, tensor<8xf16>
  %p = dsc.softmax %n {axis = 0 : i64} : tensor<4x8xf16>
  %g = dsc.gelu %p {approximate = #dsc.gelu<tanh>} : tensor<4x8xf16>
  %s = dsc.pow %g {exponent = 2.0 : f64} : tensor<4x8xf16>
  %m = dsc.reduce_max %s {axes = array<i64: 1>, keepdims = true} : tensor<4x8xf16> -> tensor<4x1xf16>
  %a = dsc.reduce_mean %s {axes = array<i64: 0, 1>} : tensor<4x8xf16> -> tensor<f16>
  return %m, %a : tensor<4x1xf16>, tensor<f16>
}

// -----

// Data movement: broadcast, reshape, transpose, slice, concat.
// CHECK-LABEL: func.func @shapes
// CHECK:         dsc.broadcast %{{.*}} {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
// CHECK:         dsc.reshape %{{.*}} : tensor<4x8xf32> -> tensor<2x16xf32>
// CHECK:         dsc.transpose %{{.*}} {permutation = array<i64: 1, 0>} : tensor<2x16xf32> -> tensor<16x2xf32>
// CHECK:         dsc.slice %{{.*}} {limit = array<i64: 8, 2>, start = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<16x2xf32> -> tensor<8x2xf32>
// CHECK:         dsc.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<8x2xf32>, tensor<16x2xf32>) -> tensor<24x2xf32>
func.func @shapes(%x: tensor<8xbf16>) -> tensor<24x2xbf16> {
  %b = dsc.broadcast %x {dims = array<i64: 1>} : tensor<8xbf16> -> tensor<4x8xbf16>
  %r = dsc.reshape %b : tensor<4x8xbf16> -> tensor<2x16xbf16>
  %t = dsc.transpose %r {permutation = array<i64: 1, 0>} : tensor<2x16xbf16> -> tensor<16x2xbf16>
  %s = dsc.slice %t {start = array<i64: 0, 0>, limit = array<i64: 8, 2>, stride = array<i64: 1, 1>} : tensor<16x2xbf16> -> tensor<8x2xbf16>
  %c = dsc.concat %s, %t {axis = 0 : i64} : (tensor<8x2xbf16>, tensor<16x2xbf16>) -> tensor<24x2xbf16>
  return %c : tensor<24x2xbf16>
}

// -----

// Mixture of experts, as moe_layer.dsg writes it: the router's logits, routing weights
// (always f32) and expert ids (i32) keep their types, the expert buffers become f32.
// CHECK-LABEL: func.func @moe
// CHECK:         %[[LOGITS:.*]] = dsc.matmul %[[H:.*]], %{{.*}} {out_type = f32} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
// CHECK:         %[[W:.*]], %[[IDX:.*]] = dsc.router_topk %[[LOGITS]], %{{.*}} {k = 2 : i64, n_groups = 2 : i64, normalize = true} : (tensor<8x4xf32>, tensor<4xf32>) -> (tensor<8x2xf32>, tensor<8x2xi32>)
// CHECK:         %[[BUF:.*]] = dsc.moe_dispatch %[[H]], %[[IDX]] {capacity = 8 : i64, num_experts = 4 : i64} : (tensor<8x16xf32>, tensor<8x2xi32>) -> tensor<4x8x16xf32>
// CHECK:         %[[OUT:.*]] = dsc.matmul %[[BUF]], %{{.*}} : (tensor<4x8x16xf32>, tensor<4x16x16xf32>) -> tensor<4x8x16xf32>
// CHECK:         %[[Y:.*]] = dsc.moe_combine %[[OUT]], %[[IDX]], %[[W]] : (tensor<4x8x16xf32>, tensor<8x2xi32>, tensor<8x2xf32>) -> tensor<8x16xf32>
// CHECK:         dsc.cast %[[Y]] : tensor<8x16xf32> -> tensor<8x16xbf16>
func.func @moe(%h: tensor<8x16xbf16>) -> tensor<8x16xbf16> {
  %router = dsc.param "router" : tensor<16x4xbf16>
  %bias = dsc.param "router_bias" : tensor<4xf32>
  %experts = dsc.param "experts" : tensor<4x16x16xbf16>
  %logits = dsc.matmul %h, %router {out_type = f32} : (tensor<8x16xbf16>, tensor<16x4xbf16>) -> tensor<8x4xf32>
  %w, %idx = dsc.router_topk %logits, %bias {k = 2 : i64, n_groups = 2 : i64, topk_groups = 1 : i64, normalize = true} : (tensor<8x4xf32>, tensor<4xf32>) -> (tensor<8x2xf32>, tensor<8x2xi32>)
  %buf = dsc.moe_dispatch %h, %idx {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<8x16xbf16>, tensor<8x2xi32>) -> tensor<4x8x16xbf16>
  %out = dsc.matmul %buf, %experts : (tensor<4x8x16xbf16>, tensor<4x16x16xbf16>) -> tensor<4x8x16xbf16>
  %y = dsc.moe_combine %out, %idx, %w : (tensor<4x8x16xbf16>, tensor<8x2xi32>, tensor<8x2xf32>) -> tensor<8x16xbf16>
  return %y : tensor<8x16xbf16>
}

// -----

// Routing straight from bf16 logits, with softmax scores and no bias.
// CHECK-LABEL: func.func @router_bf16_logits
// CHECK:         dsc.router_topk %{{.*}} {k = 1 : i64, score = #dsc.score<softmax>} : (tensor<8x4xf32>) -> (tensor<8x1xf32>, tensor<8x1xi32>)
func.func @router_bf16_logits(%logits: tensor<8x4xbf16>) -> (tensor<8x1xf32>, tensor<8x1xi32>) {
  %w, %idx = dsc.router_topk %logits {k = 1 : i64, score = #dsc.score<softmax>} : (tensor<8x4xbf16>) -> (tensor<8x1xf32>, tensor<8x1xi32>)
  return %w, %idx : tensor<8x1xf32>, tensor<8x1xi32>
}

// -----

// Precision hints below fp32 would ask later passes for low-precision arithmetic: they become
// "fp32" on ops, arguments and results; sharding hints stay.
// CHECK-LABEL: func.func @precision_hints
// CHECK-SAME:    {dsc.precision = "fp32"}
// CHECK-SAME:    -> (tensor<4x4xbf16> {dsc.name = "y", dsc.precision = "fp32"})
// CHECK:         dsc.param "w" {dsc.precision = "fp32", dsc.shard = {dims = {{\[\[}}"tp"], []]}} : tensor<4x4xbf16>
// CHECK:         dsc.matmul %{{.*}}, %{{.*}} {dsc.precision = "fp32"} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
// CHECK:         dsc.relu %{{.*}} {dsc.precision = "fp32"} : tensor<4x4xf32>
func.func @precision_hints(%x: tensor<4x4xbf16> {dsc.precision = "fp8"}) -> (tensor<4x4xbf16> {dsc.name = "y", dsc.precision = "bf16"}) {
  %w = dsc.param "w" {dsc.precision = "fp8", dsc.shard = {dims = [["tp"], []]}} : tensor<4x4xbf16>
  %y = dsc.matmul %x, %w {dsc.precision = "tf32"} : (tensor<4x4xbf16>, tensor<4x4xbf16>) -> tensor<4x4xbf16>
  %z = dsc.relu %y {dsc.precision = "fp32"} : tensor<4x4xbf16>
  return %z : tensor<4x4xbf16>
}

// -----

// Shard collectives move elements of any type: they are retyped like dsc ops.
shard.grid @grid(shape = 2)
// CHECK-LABEL: func.func @collective
// CHECK:         %[[SUM:.*]] = shard.all_reduce %{{.*}} on @grid grid_axes = [0] reduction = max : tensor<4xf32> -> tensor<4xf32>
// CHECK:         dsc.cast %[[SUM]] : tensor<4xf32> -> tensor<4xbf16>
func.func @collective(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %s = shard.all_reduce %x on @grid grid_axes = [0] reduction = max : tensor<4xbf16> -> tensor<4xbf16>
  return %s : tensor<4xbf16>
}

// Differential: the examples through the interpreter, with the same weights and inputs, before
// and after the pass (dsc --precision=fp32 runs it before canonicalize and CSE, so does the
// pipeline here). The error is the bf16 model's own distance from f32 arithmetic (about 1%
// on llama's logits), so the tolerance is 5% relative Frobenius error, not f32's 1e-5. The
// output keeps its dtype (the comparison fails on any dtype or shape change).
// RUN: dsc-interp %dsc_src/examples/llama.dsg --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32,canonicalize,cse)' | FileCheck %s --check-prefix=LLAMA
// LLAMA: ok    logits  f32[2, 64, 1000]  max_abs={{[0-9.e-]+}}  rel_fro=0.0{{[0-9]+}}
// RUN: dsc-interp %dsc_src/examples/moe_layer.dsg --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32,canonicalize,cse)' | FileCheck %s --check-prefix=MOE
// MOE: ok    y  bf16[2, 32, 128]
// RUN: dsc-interp %dsc_src/examples/llama_layer.dsg -D B=1 -D T=40 -D D=128 -D H=4 -D HKV=2 -D F=256 --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32,canonicalize,cse)' | FileCheck %s --check-prefix=LAYER
// LAYER: ok    y  bf16[1, 40, 128]
// RUN: dsc-interp %dsc_src/examples/moe_layer-v3.dsg -D B=2 -D T=32 -D D=128 -D FE=64 -D E=16 -D G=4 -D TG=2 -D K=4 --random-weights 1 --seed 7 --tolerance=0.05 --compare-pipeline='builtin.module(dsc-promote-to-f32,canonicalize,cse)' | FileCheck %s --check-prefix=V3
// V3: ok    y  bf16[2, 32, 128]
