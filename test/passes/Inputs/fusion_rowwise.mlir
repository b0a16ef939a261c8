// Row-wise fusions for the differential test in fuse_elementwise.mlir: a residual add before a
// layer_norm with bias, scaled and masked scores before a softmax, a bias and gelu in bf16, and an
// integer mask, all read by the outputs.
func.func @main(%x: tensor<6x96xbf16> {dsc.name = "x"}, %a: tensor<6x96xbf16> {dsc.name = "a"},
                %s: tensor<6x40xf32> {dsc.name = "scores"}, %i: tensor<6x40xi32> {dsc.name = "ids"})
    -> (tensor<6x96xbf16> {dsc.name = "residual"}, tensor<6x96xbf16> {dsc.name = "normed"},
        tensor<6x40xf16> {dsc.name = "probs"}, tensor<6x96xbf16> {dsc.name = "act"}) {
  %w = dsc.param "w" : tensor<96xbf16>
  %b = dsc.param "b" : tensor<96xbf16>
  %sum = dsc.add %x, %a : tensor<6x96xbf16>
  %n = dsc.layer_norm %sum, %w, %b {eps = 1.0e-05 : f32} : tensor<6x96xbf16>, tensor<96xbf16>, tensor<96xbf16>
  %scale = dsc.constant dense<0.125> : tensor<6x40xf32>
  %scaled = dsc.mul %s, %scale : tensor<6x40xf32>
  %zero = dsc.constant dense<0> : tensor<6x40xi32>
  %keep = dsc.compare %i, %zero {predicate = #dsc.predicate<gt>} : (tensor<6x40xi32>, tensor<6x40xi32>) -> tensor<6x40xi1>
  %ninf = dsc.constant dense<-1.0e+04> : tensor<6x40xf32>
  %masked = dsc.select %keep, %scaled, %ninf : tensor<6x40xi1>, tensor<6x40xf32>
  %half = dsc.cast %masked : tensor<6x40xf32> -> tensor<6x40xf16>
  %p = dsc.softmax %half : tensor<6x40xf16>
  %bb = dsc.broadcast %b {dims = array<i64: 1>} : tensor<96xbf16> -> tensor<6x96xbf16>
  %biased = dsc.add %n, %bb : tensor<6x96xbf16>
  %g = dsc.gelu %biased : tensor<6x96xbf16>
  return %sum, %n, %p, %g : tensor<6x96xbf16>, tensor<6x96xbf16>, tensor<6x40xf16>, tensor<6x96xbf16>
}
