//===- FuseQuantize.cpp - blockwise quantization into its producer --------===//
//
// Moves a blockwise `dsc.quantize` into the `dsc.fusion` that computes its input, so that one
// kernel writes the e4m3 values and the 1 x 128 tile scales straight from registers instead of
// storing the bf16 tensor and reading it back in a quantize kernel of its own (fp8 llama_layer:
// after attn_norm, mlp_norm and silu(g) * u). The producer may be a fusion (an elementwise one,
// or a row-wise one whose rms_norm, layer_norm or softmax the quantize reads) or a lone
// elementwise or row-wise op, which becomes a fusion of its own first. The quantized tensor
// stays a result of the fusion only while something else still reads it (multi-output).
//
// Left alone: the per-tensor recipe (its scale needs the amax of the whole tensor before the
// first value is written: a grid-wide reduction, two passes over memory either way), inputs of
// other producers (attention, matmul, shape ops), a second quantize of one fusion, a quantize
// of a row-wise fusion's value other than the row-wise op's result (the row kernel quantizes
// what it writes last), and bodies with values wider than 32 bits (a 1 x 128 tile must fit the
// lanes of one warp at 16-byte accesses).
//
// Runs after dsc-fuse-elementwise, which forms the fusions; the numerics are unchanged (the
// fused kernel computes the quantize's formulas on the value the producer rounded).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/DscDialect.h"
#include "runtime/support/Fp8Layout.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace dsc {
#define GEN_PASS_DEF_FUSEQUANTIZEPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

bool isNarrow(Type t) {
  return cast<RankedTensorType>(t).getElementType().getIntOrFloatBitWidth() <= 32;
}

/// A fusion the quantize of `x` (one of its results) may join, per the header's rules.
bool canAbsorb(FusionOp fusion, Value x) {
  Block &body = fusion.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  Value inner = yield.getValues()[cast<OpResult>(x).getResultNumber()];
  Operation *def = inner.getDefiningOp();
  if (!def)
    return false; // a yielded operand: nothing computed to quantize on the way
  for (Operation &op : body.without_terminator()) {
    if (isa<QuantizeOp>(op) || (isFusibleRowOp(&op) && &op != def))
      return false;
    if (!llvm::all_of(op.getResultTypes(), isNarrow))
      return false;
  }
  return llvm::all_of(fusion.getInputs().getTypes(), isNarrow);
}

/// `op` alone in a dsc.fusion (all its operands become the fusion's), in its place.
FusionOp wrapInFusion(Operation *op) {
  OpBuilder b(op);
  SmallVector<Value> inputs;
  for (Value v : op->getOperands())
    if (!llvm::is_contained(inputs, v))
      inputs.push_back(v);
  auto fusion = FusionOp::create(b, op->getLoc(), op->getResultTypes(), inputs);
  Block *body = b.createBlock(&fusion.getBody());
  IRMapping map;
  for (Value input : inputs)
    map.map(input, body->addArgument(input.getType(), input.getLoc()));
  Operation *clone = b.clone(*op, map);
  YieldOp::create(b, op->getLoc(), clone->getResults());
  op->replaceAllUsesWith(fusion.getResults());
  op->erase();
  return fusion;
}

/// `fusion` rebuilt with `quantize` inside: its results, less `x` once only the quantize read
/// it, then the values and the scales.
void absorb(FusionOp fusion, QuantizeOp quantize) {
  Value x = quantize.getX();
  unsigned xIndex = cast<OpResult>(x).getResultNumber();
  bool keepX = !x.hasOneUse();
  Block &body = fusion.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  OpBuilder b(yield);
  IRMapping map;
  map.map(x, yield.getValues()[xIndex]);
  auto inner = cast<QuantizeOp>(b.clone(*quantize, map));

  SmallVector<Value> yielded, replaced;
  for (auto [i, result, value] : llvm::enumerate(fusion.getResults(), yield.getValues())) {
    if (i == xIndex && !keepX)
      continue;
    yielded.push_back(value);
    replaced.push_back(result);
  }
  yielded.append({inner.getValues(), inner.getScales()});
  replaced.append({quantize.getValues(), quantize.getScales()});
  YieldOp::create(b, yield.getLoc(), yielded);
  yield.erase();

  // The fusion moves nowhere: the quantize reads only x, so it may run where x is made.
  b.setInsertionPoint(fusion);
  auto fused = FusionOp::create(b, b.getFusedLoc({fusion.getLoc(), quantize.getLoc()}),
                                ValueRange(yielded).getTypes(), fusion.getInputs());
  fused.getBody().takeBody(fusion.getBody());
  for (auto [from, to] : llvm::zip(replaced, fused.getResults()))
    from.replaceAllUsesWith(to);
  quantize.erase();
  fusion.erase();
}

struct FuseQuantizePass : public dsc::impl::FuseQuantizePassBase<FuseQuantizePass> {
  void runOnOperation() override {
    SmallVector<QuantizeOp> quantizes;
    getOperation().walk([&](QuantizeOp q) {
      if (!q->getParentOfType<FusionOp>() && parseFp8Recipe(q.getRecipe()) == Fp8Recipe::Blockwise)
        quantizes.push_back(q);
    });
    for (QuantizeOp q : quantizes) {
      Operation *producer = q.getX().getDefiningOp();
      if (!producer || producer->getBlock() != q->getBlock())
        continue;
      auto fusion = dyn_cast<FusionOp>(producer);
      if (!fusion) {
        auto kind = dyn_cast<FusionKindOpInterface>(producer);
        bool fusible =
            kind && (kind.getFusionKind() == FusionKind::elementwise || isFusibleRowOp(producer));
        if (!fusible || producer->getNumResults() != 1 ||
            !llvm::all_of(producer->getOperandTypes(), isNarrow) ||
            !isNarrow(producer->getResult(0).getType()))
          continue;
        fusion = wrapInFusion(producer);
      }
      if (canAbsorb(fusion, q.getX()))
        absorb(fusion, q);
    }
  }
};

} // namespace
