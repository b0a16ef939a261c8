//===- FoldContiguousCopies.cpp - contiguous slices and concats as views --===//
//
// A slice whose elements are one contiguous run of its input (every dim before the last one
// it cuts is taken at a single index) is that run's bytes: it becomes a plan.view at the run's
// offset, and the slice kernel and its buffer go. A concat along a dim with only size-1 dims
// before it lays its inputs one after the other: each input's buffer becomes a view of the
// concat's at the input's offset, so the steps that produce the inputs write the result in
// place, and the concat kernel goes. dsc-chunk-collective-matmul's row chunks are both (the
// GEMM chunks read views of the activations, the collectives write views of the result), and
// so is any split of rows.
//
// Sound because it runs right after dsc-lower-to-plan, which writes every buffer in one step
// (destination-passing style): a buffer read through a view is not written again, and an
// input folded into the concat's buffer is written only by its producer. Left alone: offsets
// that are not multiples of kBufferAlignment (generated kernels and cuBLASLt rely on aligned
// buffers), slices into bindings (a returned piece is written to its output), concat inputs
// that are bindings or views, and concat inputs that are one buffer twice.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/PlanDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace dsc {
#define GEN_PASS_DEF_FOLDCONTIGUOUSCOPIESPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// Row-major element strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// The element offset of a slice of `shape` when its elements are one contiguous run.
std::optional<int64_t> contiguousSliceOffset(ArrayRef<int64_t> shape, ArrayRef<int64_t> start,
                                             ArrayRef<int64_t> limit, ArrayRef<int64_t> stride) {
  int64_t rank = shape.size();
  if (static_cast<int64_t>(start.size()) != rank || static_cast<int64_t>(limit.size()) != rank ||
      static_cast<int64_t>(stride.size()) != rank)
    return std::nullopt;
  int64_t lastCut = -1;
  for (int64_t d = 0; d < rank; ++d) {
    if (stride[d] != 1)
      return std::nullopt;
    if (limit[d] - start[d] != shape[d])
      lastCut = d;
  }
  for (int64_t d = 0; d < lastCut; ++d)
    if (limit[d] - start[d] != 1)
      return std::nullopt;
  SmallVector<int64_t> strides = stridesOf(shape);
  int64_t offset = 0;
  for (int64_t d = 0; d < rank; ++d)
    offset += start[d] * strides[d];
  return offset;
}

bool aligned(int64_t bytes) { return bytes % plan::kBufferAlignment == 0; }

void foldSlice(plan::LaunchOp launch) {
  if (launch.getInputs().size() != 1 || launch.getOutputs().size() != 1)
    return;
  Value in = launch.getInputs()[0], out = launch.getOutputs()[0];
  auto alloc = out.getDefiningOp<plan::AllocOp>();
  DictionaryAttr attrs = launch.getOpAttrs();
  auto start = attrs.getAs<DenseI64ArrayAttr>("start");
  auto limit = attrs.getAs<DenseI64ArrayAttr>("limit");
  auto stride = attrs.getAs<DenseI64ArrayAttr>("stride");
  if (!alloc || !start || !limit || !stride)
    return;
  auto inType = cast<MemRefType>(in.getType());
  std::optional<int64_t> offset = contiguousSliceOffset(inType.getShape(), start.asArrayRef(),
                                                        limit.asArrayRef(), stride.asArrayRef());
  if (!offset)
    return;
  int64_t bytes = *offset * plan::elementBytes(inType.getElementType());
  if (!aligned(bytes))
    return;
  OpBuilder b(launch);
  Value view = plan::ViewOp::create(b, launch.getLoc(), out.getType(), in, bytes);
  launch.erase();
  out.replaceAllUsesWith(view);
  alloc.erase();
}

void foldConcat(plan::LaunchOp launch) {
  auto axisAttr = launch.getOpAttrs().getAs<IntegerAttr>("axis");
  if (!axisAttr || launch.getOutputs().size() != 1)
    return;
  Value out = launch.getOutputs()[0];
  auto outType = cast<MemRefType>(out.getType());
  int64_t axis = axisAttr.getInt();
  if (axis < 0)
    axis += outType.getRank();
  if (axis < 0 || axis >= outType.getRank())
    return;
  for (int64_t d = 0; d < axis; ++d)
    if (outType.getDimSize(d) != 1)
      return;
  Operation *outDef = out.getDefiningOp();
  if (!isa_and_nonnull<plan::AllocOp, plan::OutputOp>(outDef))
    return;
  // Each input: an allocation of its own, at an aligned offset of the result.
  SmallVector<std::pair<plan::AllocOp, int64_t>> pieces;
  llvm::SmallPtrSet<Operation *, 8> seen;
  int64_t at = 0;
  for (Value in : launch.getInputs()) {
    auto alloc = in.getDefiningOp<plan::AllocOp>();
    if (!alloc || !seen.insert(alloc).second || !aligned(at))
      return;
    pieces.push_back({alloc, at});
    at += plan::bufferBytes(cast<MemRefType>(in.getType()));
  }
  // The result's buffer is declared before every piece, which become views of it.
  Operation *first = pieces.front().first;
  for (auto &[alloc, offset] : pieces)
    if (alloc->isBeforeInBlock(first))
      first = alloc;
  if (first->isBeforeInBlock(outDef))
    outDef->moveBefore(first);
  for (auto &[alloc, offset] : pieces) {
    OpBuilder b(alloc);
    Value view = plan::ViewOp::create(b, alloc.getLoc(), alloc.getType(), out, offset);
    alloc.getResult().replaceAllUsesWith(view);
  }
  launch.erase();
  for (auto &[alloc, offset] : pieces)
    alloc.erase();
}

struct FoldContiguousCopiesPass
    : public dsc::impl::FoldContiguousCopiesPassBase<FoldContiguousCopiesPass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp func) {
      SmallVector<plan::LaunchOp> launches;
      func.walk([&](plan::LaunchOp launch) {
        if (launch.getKernel() == "slice" || launch.getKernel() == "concat")
          launches.push_back(launch);
      });
      for (plan::LaunchOp launch : launches) {
        if (launch.getKernel() == "slice")
          foldSlice(launch);
        else
          foldConcat(launch);
      }
    });
  }
};

} // namespace
