//===- ChunkCollectiveMatmul.cpp - TP collectives chunked under GEMMs -----===//
//
// Tensor parallelism puts a collective right before or right after a GEMM that needs it or
// feeds it, so neither can run under the other. This pass splits the pair along the GEMM's
// token rows (M) into N chunks, so that the collective of one chunk runs under the GEMM of
// another (Wang et al., "Overlap communication with dependent computation via decomposition",
// ASPLOS 2023; Megatron's TP comm overlap):
//   matmul -> all_reduce      rows split in N; GEMM i, then its all_reduce, which runs under
//                             GEMM i+1; the reduced chunks concatenated;
//   matmul -> reduce_scatter  the same, with each chunk holding rows i of every rank's block
//                             ([G, N, c] view of the scattered dim), so the concatenated
//                             pieces are this rank's rows in order;
//   all_gather -> matmul(s)   the local rows split in N; gather i+1 runs under the GEMMs of
//                             chunk i; each gathered chunk is [G, c] rows: one GEMM per
//                             block of c rows writes them in place, or, with non-unit dims
//                             before the rows, one GEMM per chunk and a reordering concat
//                             along c under a [G, Sloc] view.
// Every chunk is an ordinary dsc.matmul and shard collective: dsc-interp runs the result on
// simulated ranks, and dsc-schedule-collectives, after lowering, makes each chunk's
// collective async on the communication stream with its wait before the next collective.
//
// N comes from `chunks` (>= 2), or, with chunks = 0, from the cost model (CostModel.h): for
// N in 2, 4, 8 the two-stage pipeline takes first + (N-1) * max(gemm, comm) + last, plus
// the split and concat copies that are not views (dsc-fold-contiguous-copies makes row chunks
// views), against gemm + comm unchunked; the best N is taken when it
// saves at least 5% (the link ceilings are data-sheet figures, not measured: a smaller
// predicted gain is within the model's error). Left alone: transposed or batched-weight
// GEMMs, a product or gather read by anything but such GEMMs, scaled (fp8) matmuls, and
// chunk dims that N does not divide.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/PipelineRewrite.h"

#include "ir/CostModel.h"
#include "ir/DscDialect.h"
#include "ir/DscOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>

namespace dsc {
#define GEN_PASS_DEF_CHUNKCOLLECTIVEMATMULPASS
#include "passes/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace dsc;

namespace {

/// The auto mode's candidate counts: beyond 8, each chunk's collective latency (10 us on the
/// model) outweighs what one more stage could hide for any GEMM a rank runs.
constexpr int64_t kAutoChunks[] = {2, 4, 8};
/// Predicted gain needed in auto mode (see the header).
constexpr double kMinGain = 0.05;

RankedTensorType withDim(Type type, int64_t dim, int64_t size) {
  auto t = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(t.getShape());
  shape[dim] = size;
  return RankedTensorType::get(shape, t.getElementType());
}

/// A GEMM the pass can split along rows of `a`: a shared rank-2 weight, `a` not transposed,
/// floating point.
bool isChunkableMatmul(Operation *op) {
  auto m = dyn_cast_or_null<MatmulOp>(op);
  if (!m || m.getTransposeA())
    return false;
  auto a = cast<RankedTensorType>(m.getA().getType());
  return a.getRank() >= 2 && cast<RankedTensorType>(m.getB().getType()).getRank() == 2 &&
         isa<FloatType>(a.getElementType());
}

/// One rewrite: the GEMMs and the collective, how the rows split, and where the new ops go.
struct Candidate {
  Operation *collective = nullptr;
  SmallVector<MatmulOp> matmuls; // the producer, or the gather's consumers
  bool gatherFirst = false;      // all_gather -> matmuls, else matmul -> collective
  int64_t dim = 0;               // the chunked dim (of `a` and of the GEMM's result)
  int64_t groups = 1;            // G blocks of rows a chunk takes one piece of (reduce_scatter)
  int64_t rows = 0;              // the size of `dim` that N must divide (per group)
  bool flatten = false;          // the rows of `a` (all dims but the last) taken as one dim
};

class Chunker {
public:
  /// `keepBatch`: the mesh has pipeline stages (a `pp` axis), whose micro-batches split dim 0.
  Chunker(const DeviceCeilings &device, int64_t chunks, bool explain, bool keepBatch)
      : device(device), chunks(chunks), explain(explain), keepBatch(keepBatch) {}

  /// Collectives are listed first and matched when their turn comes: a rewrite erases GEMMs
  /// another collective's match may have named, but only its own collective.
  void run(func::FuncOp func) {
    SmallVector<Operation *> collectives;
    func.walk([&](Operation *op) {
      if (isa<shard::AllReduceOp, shard::ReduceScatterOp, shard::AllGatherOp>(op))
        collectives.push_back(op);
    });
    for (Operation *op : collectives)
      if (std::optional<Candidate> c = match(op))
        rewrite(*c);
  }

private:
  std::optional<Candidate> match(Operation *op);
  /// N for `c` (0: leave it whole), with a remark at `anchor` under `explain`.
  int64_t choose(Candidate &c, Operation *anchor);
  void rewrite(Candidate &c);
  /// Builds the chunked form before `c.collective` (N chunks) and returns the new ops, in
  /// order, and the values that replace the old results (the collective's, or each matmul's).
  SmallVector<Value> build(OpBuilder &b, Candidate &c, int64_t n,
                           SmallVectorImpl<Operation *> &created);
  double predictedSeconds(Candidate &c, int64_t n, ArrayRef<Operation *> created);
  void splitRowsOf(OpBuilder &b, Location loc, Value v, int64_t dim, int64_t groups, int64_t n,
                   SmallVectorImpl<Value> &pieces, SmallVectorImpl<Operation *> &created);
  Value joinRows(OpBuilder &b, Location loc, ArrayRef<Value> pieces, int64_t dim, int64_t groups,
                 SmallVectorImpl<Operation *> &created);

  const DeviceCeilings &device;
  int64_t chunks;
  bool explain;
  bool keepBatch;
};

std::optional<Candidate> Chunker::match(Operation *op) {
  Candidate c;
  c.collective = op;
  if (isa<shard::AllReduceOp, shard::ReduceScatterOp>(op)) {
    Value in = op->getOperand(0);
    if (!in.hasOneUse() || !isChunkableMatmul(in.getDefiningOp()) ||
        in.getDefiningOp()->getBlock() != op->getBlock())
      return std::nullopt;
    auto m = cast<MatmulOp>(in.getDefiningOp());
    auto a = cast<RankedTensorType>(m.getA().getType());
    c.matmuls.push_back(m);
    if (auto rs = dyn_cast<shard::ReduceScatterOp>(op)) {
      c.dim = rs.getScatterAxis().getSExtValue();
      c.groups = collectiveGroupSize(op);
      if (c.dim >= a.getRank() - 1 || c.groups < 1)
        return std::nullopt; // a scatter of the GEMM's columns: no rows to chunk
      c.rows = a.getDimSize(c.dim) / c.groups;
      return c;
    }
    // all_reduce: every row of a, flattened to [rows, K] (a view), so chunks are contiguous;
    // under pipeline stages, the tokens only: micro-batching splits dim 0, the batch.
    if (keepBatch && a.getRank() > 2) {
      c.dim = a.getRank() - 2;
      c.rows = a.getDimSize(c.dim);
      return c;
    }
    c.flatten = true;
    c.rows = a.getNumElements() / a.getDimSize(a.getRank() - 1);
    return c;
  }
  auto gather = dyn_cast<shard::AllGatherOp>(op);
  if (!gather)
    return std::nullopt;
  c.gatherFirst = true;
  c.dim = gather.getGatherAxis().getSExtValue();
  auto x = cast<RankedTensorType>(gather.getInput().getType());
  if (c.dim >= x.getRank() - 1 || gather.getResult().use_empty())
    return std::nullopt; // gathered along the contraction dim: partial products, not rows
  c.rows = x.getDimSize(c.dim);
  for (OpOperand &use : gather.getResult().getUses()) {
    Operation *user = use.getOwner();
    if (!isChunkableMatmul(user) || use.getOperandNumber() != 0 ||
        user->getBlock() != op->getBlock() || cast<MatmulOp>(user).getB() == gather.getResult() ||
        cast<MatmulOp>(user).getAddend() == gather.getResult())
      return std::nullopt;
    c.matmuls.push_back(cast<MatmulOp>(user));
  }
  llvm::sort(c.matmuls, [](MatmulOp x, MatmulOp y) { return x->isBeforeInBlock(y); });
  // The chunks go before the first GEMM: the other GEMMs' weights and addends must be there
  // by then. Params and constants (no operands) move up; anything else leaves the gather.
  Operation *first = c.matmuls.front();
  for (MatmulOp m : c.matmuls)
    for (Value v : {m.getB(), m.getAddend()}) {
      Operation *def = v ? v.getDefiningOp() : nullptr;
      if (def && def->getBlock() == first->getBlock() && first->isBeforeInBlock(def) &&
          def->getNumOperands() != 0)
        return std::nullopt;
    }
  return c;
}

/// `v` split along `dim` into `n` pieces. With `groups` G > 1, `dim` holds G blocks and piece
/// i takes the i-th n-th of every block, G * c rows ([G, n, c] view, split on n, reshaped).
void Chunker::splitRowsOf(OpBuilder &b, Location loc, Value v, int64_t dim, int64_t groups,
                          int64_t n, SmallVectorImpl<Value> &pieces,
                          SmallVectorImpl<Operation *> &created) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t size = type.getDimSize(dim), c = size / groups / n;
  if (groups == 1) {
    auto split = SplitOp::create(b, loc, v, dim, SmallVector<int64_t>(n, size / n));
    created.push_back(split);
    pieces.append(split.getResults().begin(), split.getResults().end());
    return;
  }
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = c;
  shape.insert(shape.begin() + dim, {groups, n});
  auto blocks = ReshapeOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()), v);
  auto split = SplitOp::create(b, loc, blocks, dim + 1, SmallVector<int64_t>(n, 1));
  created.append({blocks, split});
  for (Value piece : split.getResults()) {
    auto flat = ReshapeOp::create(b, loc, withDim(type, dim, groups * c), piece);
    created.push_back(flat);
    pieces.push_back(flat);
  }
}

/// The inverse of splitRowsOf: pieces of G * c rows along `dim`, concatenated per block.
Value Chunker::joinRows(OpBuilder &b, Location loc, ArrayRef<Value> pieces, int64_t dim,
                        int64_t groups, SmallVectorImpl<Operation *> &created) {
  auto type = cast<RankedTensorType>(pieces.front().getType());
  int64_t total = type.getDimSize(dim) * static_cast<int64_t>(pieces.size());
  if (groups == 1) {
    auto concat = ConcatOp::create(b, loc, pieces, dim);
    created.push_back(concat);
    return concat;
  }
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = type.getDimSize(dim) / groups;
  shape.insert(shape.begin() + dim, groups);
  SmallVector<Value> blocks;
  for (Value piece : pieces) {
    auto r = ReshapeOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()), piece);
    created.push_back(r);
    blocks.push_back(r);
  }
  auto concat = ConcatOp::create(b, loc, blocks, dim + 1);
  auto whole = ReshapeOp::create(b, loc, withDim(type, dim, total), concat);
  created.append({concat, whole});
  return whole;
}

SmallVector<Value> Chunker::build(OpBuilder &b, Candidate &c, int64_t n,
                                  SmallVectorImpl<Operation *> &created) {
  Location loc = c.collective->getLoc();
  auto cloneMatmul = [&](MatmulOp m, Value a, Value addend) {
    auto clone = cast<MatmulOp>(b.clone(*m));
    clone.getAMutable().assign(a);
    if (addend)
      clone.getAddendMutable().assign(addend);
    // A rank-2 weight: the result is a's shape with the weight's columns last.
    SmallVector<int64_t> shape(cast<RankedTensorType>(a.getType()).getShape());
    shape.back() = m.getType().getShape().back();
    clone.getResult().setType(RankedTensorType::get(shape, m.getType().getElementType()));
    created.push_back(clone);
    return clone.getResult();
  };
  auto cloneCollective = [&](Value in, int64_t resultRows) {
    Operation *clone = b.clone(*c.collective);
    clone->setOperand(0, in);
    clone->getResult(0).setType(withDim(in.getType(), c.dim, resultRows));
    created.push_back(clone);
    return clone->getResult(0);
  };

  if (!c.gatherFirst) {
    MatmulOp m = c.matmuls.front();
    auto rowsOf = [&](Value v) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      if (!c.flatten || t.getRank() == 2)
        return v;
      auto flat = ReshapeOp::create(
          b, loc, RankedTensorType::get({c.rows, t.getShape().back()}, t.getElementType()), v);
      created.push_back(flat);
      return flat;
    };
    SmallVector<Value> as, addends;
    splitRowsOf(b, loc, rowsOf(m.getA()), c.dim, c.groups, n, as, created);
    if (m.getAddend())
      splitRowsOf(b, loc, rowsOf(m.getAddend()), c.dim, c.groups, n, addends, created);
    SmallVector<Value> reduced; // c.rows / n rows of this rank's result each
    for (int64_t i = 0; i < n; ++i)
      reduced.push_back(cloneCollective(
          cloneMatmul(m, as[i], addends.empty() ? Value() : addends[i]), c.rows / n));
    Value joined = joinRows(b, loc, reduced, c.dim, /*groups=*/1, created);
    if (joined.getType() == c.collective->getResult(0).getType())
      return {joined};
    auto whole = ReshapeOp::create(b, loc, c.collective->getResult(0).getType(), joined);
    created.push_back(whole);
    return {whole};
  }

  auto gather = cast<shard::AllGatherOp>(c.collective);
  int64_t g = cast<RankedTensorType>(gather.getType()).getDimSize(c.dim) / c.rows;
  // With only size-1 dims before the rows, each gathered chunk's G blocks of c rows are
  // contiguous rows of the result: one GEMM per block writes them in place (views after
  // dsc-fold-contiguous-copies), where one GEMM per chunk would need a reordering copy.
  bool perBlock =
      llvm::all_of(cast<RankedTensorType>(gather.getType()).getShape().take_front(c.dim),
                   [](int64_t d) { return d == 1; });
  int64_t blocks = perBlock ? g : 1;
  SmallVector<Value> xs;
  splitRowsOf(b, loc, gather.getInput(), c.dim, /*groups=*/1, n, xs, created);
  // Addend pieces in the products' order: per block, rows r Sloc + i c (piece r n + i);
  // else [G, c] rows per chunk.
  SmallVector<SmallVector<Value>> addends(c.matmuls.size());
  for (auto [m, pieces] : llvm::zip(c.matmuls, addends))
    if (m.getAddend())
      splitRowsOf(b, loc, m.getAddend(), c.dim, perBlock ? 1 : g, perBlock ? g * n : n, pieces,
                  created);
  // Gather i + 1 is issued before the GEMMs of chunk i, which it runs under.
  SmallVector<Value> gathered = {cloneCollective(xs[0], g * (c.rows / n))};
  // products[j][r * n + i]: GEMM j on block r of chunk i (r = 0 without per-block GEMMs).
  SmallVector<SmallVector<Value>> products(c.matmuls.size(),
                                           SmallVector<Value>(blocks * n, Value()));
  for (int64_t i = 0; i < n; ++i) {
    if (i + 1 < n)
      gathered.push_back(cloneCollective(xs[i + 1], g * (c.rows / n)));
    SmallVector<Value> rows = {gathered[i]};
    if (perBlock) {
      rows.clear();
      splitRowsOf(b, loc, gathered[i], c.dim, /*groups=*/1, g, rows, created);
    }
    for (auto [j, m] : llvm::enumerate(c.matmuls))
      for (int64_t r = 0; r < blocks; ++r)
        products[j][r * n + i] =
            cloneMatmul(m, rows[r], addends[j].empty() ? Value() : addends[j][r * n + i]);
  }
  return llvm::map_to_vector(products, [&](ArrayRef<Value> p) {
    return joinRows(b, loc, p, c.dim, perBlock ? 1 : g, created);
  });
}

/// A split or concat with only size-1 dims before its axis: dsc-fold-contiguous-copies (-O1
/// and above) makes it views of one buffer, no copy.
bool isContiguousSplitOrConcat(Operation *op) {
  auto whole = [&]() -> std::pair<RankedTensorType, int64_t> {
    if (auto s = dyn_cast<SplitOp>(op))
      return {cast<RankedTensorType>(s.getX().getType()), static_cast<int64_t>(s.getAxis())};
    if (auto c = dyn_cast<ConcatOp>(op))
      return {cast<RankedTensorType>(c.getType()), static_cast<int64_t>(c.getAxis())};
    return {RankedTensorType(), 0};
  }();
  if (!whole.first)
    return false;
  return llvm::all_of(whole.first.getShape().take_front(whole.second),
                      [](int64_t d) { return d == 1; });
}

/// The two-stage pipeline of the header over the created ops' predicted times.
double Chunker::predictedSeconds(Candidate &c, int64_t n, ArrayRef<Operation *> created) {
  double gemm = 0, comm = 0, copies = 0;
  for (Operation *op : created) {
    if (isContiguousSplitOrConcat(op))
      continue;
    double s = estimateCost(op, device).seconds;
    if (isa<MatmulOp>(op))
      gemm += s;
    else if (op->getDialect() == c.collective->getDialect())
      comm += s;
    else
      copies += s;
  }
  gemm /= static_cast<double>(n);
  comm /= static_cast<double>(n);
  // A gather of a dim after non-unit dims lowers to NCCL and a transpose into place
  // (LowerCollectives.cpp), both before the chunk's GEMMs: the transpose reads the gather at
  // once, so dsc-schedule-collectives cannot run the gather under anything. No overlap.
  auto x = cast<RankedTensorType>(c.collective->getOperand(0).getType());
  if (c.gatherFirst &&
      llvm::any_of(x.getShape().take_front(c.dim), [](int64_t d) { return d != 1; }))
    return copies + static_cast<double>(n) * (gemm + comm);
  return copies + gemm + comm + static_cast<double>(n - 1) * std::max(gemm, comm);
}

/// "matmul + all_reduce", "all_gather + matmul": the pair, for remarks.
std::string pairName(const Candidate &c) {
  std::string collective = c.collective->getName().stripDialect().str();
  return c.gatherFirst ? collective + " + matmul" : "matmul + " + collective;
}

int64_t Chunker::choose(Candidate &c, Operation *anchor) {
  SmallVector<int64_t> counts;
  if (chunks >= 2)
    counts.push_back(chunks);
  else
    counts.assign(std::begin(kAutoChunks), std::end(kAutoChunks));
  double unchunked = estimateCost(c.collective, device).seconds;
  for (MatmulOp m : c.matmuls)
    unchunked += estimateCost(m, device).seconds;
  int64_t best = 0;
  double bestSeconds = unchunked * (1 - kMinGain);
  if (chunks >= 2)
    bestSeconds = std::numeric_limits<double>::infinity();
  OpBuilder b(anchor); // trial builds, measured and erased
  for (int64_t n : counts) {
    if (c.rows % n != 0)
      continue;
    SmallVector<Operation *> created;
    build(b, c, n, created);
    double seconds = predictedSeconds(c, n, created);
    for (Operation *op : llvm::reverse(created))
      op->erase();
    if (seconds < bestSeconds) {
      best = n;
      bestSeconds = seconds;
    }
  }
  if (best == 0) {
    if (explain)
      anchor->emitRemark()
          << pairName(c) << " not chunked: "
          << (chunks >= 2 ? llvm::formatv("{0} rows do not split in {1}", c.rows, chunks).str()
                          : llvm::formatv("predicted {0:F1} us unchunked; no "
                                          "chunk count saves {1}%",
                                          unchunked * 1e6, static_cast<int>(kMinGain * 100))
                                .str());
    return 0;
  }
  if (explain)
    anchor->emitRemark() << pairName(c) << " in " << best << " chunks along dim " << c.dim
                         << ": predicted "
                         << llvm::formatv("{0:F1} us -> {1:F1} us", unchunked * 1e6,
                                          bestSeconds * 1e6);
  return best;
}

void Chunker::rewrite(Candidate &c) {
  Operation *anchor = c.gatherFirst ? c.matmuls.front().getOperation() : c.collective;
  int64_t best = choose(c, anchor);
  if (best == 0)
    return;
  if (c.gatherFirst)
    for (MatmulOp m : c.matmuls)
      for (Value v : {m.getB(), m.getAddend()})
        if (Operation *def = v ? v.getDefiningOp() : nullptr;
            def && def->getBlock() == anchor->getBlock() && anchor->isBeforeInBlock(def))
          def->moveBefore(anchor);
  OpBuilder b(anchor);
  SmallVector<Operation *> created;
  SmallVector<Value> results = build(b, c, best, created);
  if (c.gatherFirst) {
    for (auto [m, v] : llvm::zip(c.matmuls, results)) {
      m.getResult().replaceAllUsesWith(v);
      m.erase();
    }
    c.collective->erase();
    return;
  }
  c.collective->getResult(0).replaceAllUsesWith(results.front());
  c.collective->erase();
  c.matmuls.front().erase();
}

struct ChunkCollectiveMatmulPass
    : public dsc::impl::ChunkCollectiveMatmulPassBase<ChunkCollectiveMatmulPass> {
  using ChunkCollectiveMatmulPassBase::ChunkCollectiveMatmulPassBase;

  void runOnOperation() override {
    std::optional<DeviceCeilings> ceilings = deviceCeilings(device);
    if (!ceilings) {
      getOperation().emitError() << "dsc-chunk-collective-matmul: unknown device '" << device
                                 << "' (known: h100)";
      return signalPassFailure();
    }
    if (chunks < 0 || chunks == 1 || chunks > 64) {
      if (chunks == 1)
        return; // off
      getOperation().emitError() << "dsc-chunk-collective-matmul: chunks=" << chunks
                                 << ": expected 0 (cost model), 1 (off) or 2 to 64";
      return signalPassFailure();
    }
    // Under a pp axis of several stages, micro-batching splits dim 0 (the batch).
    std::optional<PipelineGrid> pp = findPipelineGrid(getOperation());
    bool pipelined = pp && pp->stages > 1;
    Chunker chunker(*ceilings, chunks, explain, pipelined);
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal())
        chunker.run(func);
  }
};

} // namespace
