// dsc.fusion's verifier: the body must be what one fused kernel runs (elementwise ops,
// broadcasts of operands or constants, splat constants, at most one rms_norm), over one
// iteration domain, with block arguments and yielded values matching the op's types.

// RUN: dsc-opt %s --split-input-file --verify-diagnostics

func.func @argument_count(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{body has 2 arguments for 1 operands}}
  %y = dsc.fusion(%x) : (tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%a: tensor<8xf32>, %b: tensor<8xf32>):
    dsc.yield %a : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @argument_type(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{body argument #0 has type 'tensor<8xbf16>', operand has 'tensor<8xf32>'}}
  %y = dsc.fusion(%x) : (tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%a: tensor<8xbf16>):
    %e = dsc.exp %a : tensor<8xbf16>
    %c = dsc.cast %e : tensor<8xbf16> -> tensor<8xf32>
    dsc.yield %c : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @yield_types(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{yields 'tensor<8xbf16>' for results of types 'tensor<8xf32>'}}
  %y = dsc.fusion(%x) : (tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%a: tensor<8xf32>):
    %c = dsc.cast %a : tensor<8xf32> -> tensor<8xbf16>
    dsc.yield %c : tensor<8xbf16>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @no_results(%x: tensor<8xf32>) {
  // expected-error @+1 {{needs at least one result}}
  dsc.fusion(%x) : (tensor<8xf32>) -> () {
  ^bb0(%a: tensor<8xf32>):
    dsc.yield
  }
  return
}

// -----

func.func @matmul_inside(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %y = dsc.fusion(%x, %w) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>):
    // expected-error @+1 {{'dsc.matmul' op cannot run inside dsc.fusion, which holds elementwise ops, broadcasts, splat constants and one row-wise op (rms_norm, layer_norm, softmax over the last axis)}}
    %m = dsc.matmul %a, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    dsc.yield %m : tensor<4x4xf32>
  }
  return %y : tensor<4x4xf32>
}

// -----

func.func @two_norms(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %y:2 = dsc.fusion(%x, %w) : (tensor<2x8xf32>, tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  ^bb0(%a: tensor<2x8xf32>, %b: tensor<8xf32>):
    %n = dsc.rms_norm %a, %b : tensor<2x8xf32>, tensor<8xf32>
    // expected-error @+1 {{'dsc.softmax' op is a second row-wise op in one dsc.fusion; its kernel runs one}}
    %m = dsc.softmax %a : tensor<2x8xf32>
    dsc.yield %n, %m : tensor<2x8xf32>, tensor<2x8xf32>
  }
  return %y#0, %y#1 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

func.func @norm_read_inside(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %y = dsc.fusion(%x, %w) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: tensor<2x8xf32>, %b: tensor<8xf32>):
    // expected-error @+1 {{'dsc.rms_norm' op result is read inside the dsc.fusion; its kernel computes the row-wise op last}}
    %n = dsc.rms_norm %a, %b : tensor<2x8xf32>, tensor<8xf32>
    %m = dsc.exp %n : tensor<2x8xf32>
    dsc.yield %m : tensor<2x8xf32>
  }
  return %y : tensor<2x8xf32>
}

// -----

func.func @softmax_not_last_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = dsc.fusion(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: tensor<2x8xf32>):
    %e = dsc.exp %a : tensor<2x8xf32>
    // expected-error @+1 {{'dsc.softmax' op cannot run inside dsc.fusion}}
    %s = dsc.softmax %e {axis = 0 : i64} : tensor<2x8xf32>
    dsc.yield %s : tensor<2x8xf32>
  }
  return %y : tensor<2x8xf32>
}

// -----

func.func @norm_weight_computed(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %y = dsc.fusion(%x, %w) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: tensor<2x8xf32>, %b: tensor<8xf32>):
    %c = dsc.constant dense<1.0> : tensor<8xf32>
    // expected-error @+1 {{'dsc.rms_norm' op weight and bias must be operands of the enclosing dsc.fusion}}
    %n = dsc.rms_norm %a, %c : tensor<2x8xf32>, tensor<8xf32>
    dsc.yield %n : tensor<2x8xf32>
  }
  return %y : tensor<2x8xf32>
}

// -----

func.func @broadcast_of_computed(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = dsc.fusion(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4x8xf32>):
    %e = dsc.exp %a : tensor<4x8xf32>
    // expected-error @+1 {{'dsc.broadcast' op inside dsc.fusion broadcasts a value computed in the body; only operands and constants are broadcast (read through an index map)}}
    %b = dsc.broadcast %e {dims = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
    dsc.yield %b : tensor<4x8xf32>
  }
  return %y : tensor<4x8xf32>
}

// -----

func.func @value_off_domain(%x: tensor<4x8xf32>, %v: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = dsc.fusion(%x, %v) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4x8xf32>, %b: tensor<8xf32>):
    // expected-error @+1 {{'dsc.neg' op result of shape [8] is not the dsc.fusion's iteration domain [4, 8] (the shape of its first result)}}
    %n = dsc.neg %b : tensor<8xf32>
    dsc.yield %a : tensor<4x8xf32>
  }
  return %y : tensor<4x8xf32>
}

// -----

func.func @results_of_two_shapes(%x: tensor<4x8xf32>, %v: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  // expected-error @+1 {{results must share one shape (the iteration domain), got 'tensor<4x8xf32>', 'tensor<8xf32>'}}
  %y:2 = dsc.fusion(%x, %v) : (tensor<4x8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  ^bb0(%a: tensor<4x8xf32>, %b: tensor<8xf32>):
    dsc.yield %a, %b : tensor<4x8xf32>, tensor<8xf32>
  }
  return %y#0, %y#1 : tensor<4x8xf32>, tensor<8xf32>
}

// -----

func.func @yield_outside_fusion(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'dsc.yield' op expects parent op 'dsc.fusion'}}
  dsc.yield %x : tensor<8xf32>
}

// -----

// dsc-fuse-quantize's bodies: one blockwise quantize of a computed value, read by the yield only.
func.func @quantize_tensor_recipe(%x: tensor<4x128xbf16>) -> (tensor<4x128xf8E4M3FN>, tensor<1xf32>) {
  %q:2 = dsc.fusion(%x) : (tensor<4x128xbf16>) -> (tensor<4x128xf8E4M3FN>, tensor<1xf32>) {
  ^bb0(%a: tensor<4x128xbf16>):
    %n = dsc.neg %a : tensor<4x128xbf16>
    // expected-error @+1 {{'dsc.quantize' op inside dsc.fusion must be blockwise: a per-tensor scale needs the whole tensor's amax before the first value}}
    %v, %s = dsc.quantize %n {recipe = "tensor"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1xf32>
    dsc.yield %v, %s : tensor<4x128xf8E4M3FN>, tensor<1xf32>
  }
  return %q#0, %q#1 : tensor<4x128xf8E4M3FN>, tensor<1xf32>
}

// -----

func.func @quantize_argument(%x: tensor<4x128xbf16>) -> (tensor<4x128xf8E4M3FN>, tensor<1x4xf32>) {
  %q:2 = dsc.fusion(%x) : (tensor<4x128xbf16>) -> (tensor<4x128xf8E4M3FN>, tensor<1x4xf32>) {
  ^bb0(%a: tensor<4x128xbf16>):
    // expected-error @+1 {{'dsc.quantize' op inside dsc.fusion quantizes a value the body computes}}
    %v, %s = dsc.quantize %a {recipe = "blockwise"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
    dsc.yield %v, %s : tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
  }
  return %q#0, %q#1 : tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
}

// -----

func.func @two_quantizes(%x: tensor<4x128xbf16>) -> (tensor<4x128xf8E4M3FN>, tensor<1x4xf32>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>) {
  %q:4 = dsc.fusion(%x) : (tensor<4x128xbf16>) -> (tensor<4x128xf8E4M3FN>, tensor<1x4xf32>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>) {
  ^bb0(%a: tensor<4x128xbf16>):
    %n = dsc.neg %a : tensor<4x128xbf16>
    %v, %s = dsc.quantize %n {recipe = "blockwise"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
    // expected-error @+1 {{'dsc.quantize' op is a second quantize in one dsc.fusion; its kernel runs one}}
    %v2, %s2 = dsc.quantize %n {recipe = "blockwise"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
    dsc.yield %v, %s, %v2, %s2 : tensor<4x128xf8E4M3FN>, tensor<1x4xf32>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
  }
  return %q#0, %q#1, %q#2, %q#3 : tensor<4x128xf8E4M3FN>, tensor<1x4xf32>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
}

// -----

func.func @quantize_read_inside(%x: tensor<4x128xbf16>) -> tensor<4x128xf8E4M3FN> {
  %q = dsc.fusion(%x) : (tensor<4x128xbf16>) -> tensor<4x128xf8E4M3FN> {
  ^bb0(%a: tensor<4x128xbf16>):
    %n = dsc.neg %a : tensor<4x128xbf16>
    // expected-error @+1 {{'dsc.quantize' op results are read inside the dsc.fusion; only the yield reads them}}
    %v, %s = dsc.quantize %n {recipe = "blockwise"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
    %c = dsc.cast %v : tensor<4x128xf8E4M3FN> -> tensor<4x128xf8E4M3FN>
    dsc.yield %c : tensor<4x128xf8E4M3FN>
  }
  return %q : tensor<4x128xf8E4M3FN>
}

// -----

func.func @quantize_beside_norm(%x: tensor<4x128xbf16>, %w: tensor<128xbf16>) -> (tensor<4x128xbf16>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>) {
  %q:3 = dsc.fusion(%x, %w) : (tensor<4x128xbf16>, tensor<128xbf16>) -> (tensor<4x128xbf16>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>) {
  ^bb0(%a: tensor<4x128xbf16>, %b: tensor<128xbf16>):
    %n = dsc.neg %a : tensor<4x128xbf16>
    // expected-error @+1 {{'dsc.quantize' op in a row-wise dsc.fusion quantizes the row-wise op's result (its kernel quantizes the rows it normalizes)}}
    %v, %s = dsc.quantize %n {recipe = "blockwise"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
    %h = dsc.rms_norm %n, %b : tensor<4x128xbf16>, tensor<128xbf16>
    dsc.yield %h, %v, %s : tensor<4x128xbf16>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
  }
  return %q#0, %q#1, %q#2 : tensor<4x128xbf16>, tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
}

// -----

func.func @only_scales(%x: tensor<4x128xbf16>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'dsc.fusion' op needs a result other than a quantize's scales}}
  %s = dsc.fusion(%x) : (tensor<4x128xbf16>) -> tensor<1x4xf32> {
  ^bb0(%a: tensor<4x128xbf16>):
    %n = dsc.neg %a : tensor<4x128xbf16>
    %v, %s0 = dsc.quantize %n {recipe = "blockwise"} : tensor<4x128xbf16> -> tensor<4x128xf8E4M3FN>, tensor<1x4xf32>
    dsc.yield %s0 : tensor<1x4xf32>
  }
  return %s : tensor<1x4xf32>
}
