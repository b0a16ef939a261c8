// The expert-parallel MoE kernels (dsc.moe_dispatch_local, dsc.moe_combine_local) on one GPU,
// with the ids rank 1 of ep=2 would have: tokens 32..63 of a batch of 64, experts 8..15 of 16.
// Capacity 12 of a mean load of 16 drops choices, so the local slots must be the whole
// batch's (test/gpu/prepare.sh, case moe_local, checks both results against the interpreter).
func.func @main(%x: tensor<64x128xbf16> {dsc.name = "x"}, %logits: tensor<64x16xf32> {dsc.name = "logits"})
    -> (tensor<8x12x128xbf16> {dsc.name = "buf"}, tensor<32x128xf32> {dsc.name = "y"}) {
  %w, %idx = dsc.router_topk %logits {k = 4 : i64, n_groups = 4 : i64, topk_groups = 2 : i64, normalize = true, scaling = 2.5 : f64}
      : (tensor<64x16xf32>) -> (tensor<64x4xf32>, tensor<64x4xi32>)
  %tokens = dsc.iota {dimension = 0 : i64} : tensor<64xi32>
  %ids = dsc.slice %tokens {start = array<i64: 32>, limit = array<i64: 64>, stride = array<i64: 1>} : tensor<64xi32> -> tensor<32xi32>
  %all_experts = dsc.iota {dimension = 0 : i64} : tensor<16xi32>
  %experts = dsc.slice %all_experts {start = array<i64: 8>, limit = array<i64: 16>, stride = array<i64: 1>} : tensor<16xi32> -> tensor<8xi32>
  %xl = dsc.slice %x {start = array<i64: 32, 0>, limit = array<i64: 64, 128>, stride = array<i64: 1, 1>} : tensor<64x128xbf16> -> tensor<32x128xbf16>
  %wl = dsc.slice %w {start = array<i64: 32, 0>, limit = array<i64: 64, 4>, stride = array<i64: 1, 1>} : tensor<64x4xf32> -> tensor<32x4xf32>
  %buf = dsc.moe_dispatch_local %xl, %idx, %ids, %experts {num_experts = 16 : i64, capacity = 12 : i64}
      : (tensor<32x128xbf16>, tensor<64x4xi32>, tensor<32xi32>, tensor<8xi32>) -> tensor<8x12x128xbf16>
  %scaled = dsc.silu %buf : tensor<8x12x128xbf16>
  %f = dsc.cast %scaled : tensor<8x12x128xbf16> -> tensor<8x12x128xf32>
  %y = dsc.moe_combine_local %f, %idx, %wl, %ids, %experts {num_experts = 16 : i64}
      : (tensor<8x12x128xf32>, tensor<64x4xi32>, tensor<32x4xf32>, tensor<32xi32>, tensor<8xi32>) -> tensor<32x128xf32>
  return %buf, %y : tensor<8x12x128xbf16>, tensor<32x128xf32>
}
