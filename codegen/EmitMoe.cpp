//===- EmitMoe.cpp - router_topk, moe_slots, moe_dispatch, moe_combine ----===//
//
// router_topk: one warp per token, scores and selection values in shared
// memory; group scores by one lane per group, top-k as k rounds of a warp
// argmax whose ties go to the lower index (docs/ops.md).
//
// Dispatch and combine both need slot(n, j): the rank of choice (n, j) among
// the choices of expert e = idx[n, j] in sequential order (n outer, j inner).
// moe_slots computes it deterministically in parallel: one block per expert
// scans the N*k choices in order, a block-wide chunk at a time; within a
// chunk a choice's slot is the expert's count so far plus the count of
// earlier matching choices in the chunk (ballot + popc per warp, then the
// warp counts in warp order). That is exactly the sequential rank, with no
// atomics. It also writes the inverse map rowSource[e, c] (token or -1), so
// moe_dispatch writes every buffer row exactly once (zeros for unfilled rows,
// no memset) and moe_combine reads slots instead of recomputing them.
// Lowering: dispatch = moe_slots + moe_dispatch; combine reuses the slots.
// Choices whose expert is outside [0, E) are dropped (slot -1).
//
// Expert parallelism (dsc.moe_dispatch_local / moe_combine_local): slots are
// the whole batch's (moe_slots on the gathered indices), then moe_local_rows
// maps each choice of this rank's tokens to a row of its local buffer (expert
// row * C + slot, -1 when dropped or not its expert). moe_dispatch_local
// scatters the token rows there (into a buffer the plan zeroed), and
// moe_combine_local is moe_combine's loop reading those rows. Token ids are
// distinct in every plan the partitioner makes; with repeated ids two tokens
// would write one row in no fixed order (the interpreter keeps the last).
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace dsc::codegen {

// 4 warps (tokens) per block: small blocks keep the per-token shared arrays
// small while a full SM still holds 16 such blocks.
static constexpr unsigned kRouterWarps = 4;
// As EmitElementwise.cpp: 8 blocks of 256 fill an SM's 2048 threads.
static constexpr unsigned kMoeBlock = 256;

static const char *kRouterTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // One warp per token: E=$E experts in $G groups, keep $TG groups, pick $TOPK.
  constexpr int kE = $E, kG = $G, kGS = kE / kG, kTG = $TG, kK = $TOPK;
  constexpr int kWarps = $WARPS, kPerLane = (kE + 31) / 32;
  constexpr long long kN = $N;
  __shared__ float sScore[kWarps][kE], sSel[kWarps][kE], sGroup[kWarps][kG];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const long long n = blockIdx.x * (long long)kWarps + w;
  if (n >= kN)
    return; // whole warps leave; only warp-level syncs below
  float *score = sScore[w], *sel = sSel[w];
  for (int e = lane; e < kE; e += 32)
    score[e] = toF32(in0[n * kE + e]);
  __syncwarp();
$SCORE  // NaN selection values become -inf so every lane orders them alike.
  for (int e = lane; e < kE; e += 32) {
    const float v = score[e] + $BIAS;
    sel[e] = v != v ? negInf() : v;
  }
  __syncwarp();
  if (kG > 1) {
    for (int g = lane; g < kG; g += 32) { // group score: sum of its top two
      float best = negInf(), second = negInf();
      for (int e = g * kGS; e < (g + 1) * kGS; ++e) {
        const float v = sel[e];
        if (v > best) { second = best; best = v; } else if (v > second) second = v;
      }
      sGroup[w][g] = kGS == 1 ? best : best + second;
    }
    __syncwarp();
    for (int e = lane; e < kE; e += 32) { // drop groups ranked >= kTG
      const int g = e / kGS;
      int rank = 0;
      for (int o = 0; o < kG; ++o)
        rank += sGroup[w][o] > sGroup[w][g] || (sGroup[w][o] == sGroup[w][g] && o < g);
      if (rank >= kTG)
        sel[e] = negInf();
    }
    __syncwarp();
  }
  unsigned taken = 0; // bit m: expert lane + 32 m already picked
  int myIndex = 0;    // lane r holds the r-th pick
  float myWeight = 0.0f;
  for (int r = 0; r < kK; ++r) {
    float bv = negInf();
    int bi = -1;
#pragma unroll
    for (int m = 0; m < kPerLane; ++m) {
      const int e = lane + 32 * m;
      if (e < kE && !(taken >> m & 1) && (bi < 0 || sel[e] > bv)) { bv = sel[e]; bi = e; }
    }
    for (int o = 16; o > 0; o >>= 1) {
      const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
      const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
      if (oi >= 0 && (bi < 0 || ov > bv || (ov == bv && oi < bi))) { bv = ov; bi = oi; }
    }
    if (lane == (bi & 31))
      taken |= 1u << (bi >> 5);
    if (lane == r) { myIndex = bi; myWeight = score[bi]; }
  }
  const float sum = warpSum(lane < kK ? myWeight : 0.0f);
  if (lane < kK) {
    out0[n * kK + lane] = $WEIGHT;
    out1[n * kK + lane] = myIndex;
  }
}
)cuda";

static const char *kSigmoidScore = R"cuda(  for (int e = lane; e < kE; e += 32)
    score[e] = sigmoidF(score[e]);
  __syncwarp();
)cuda";

static const char *kSoftmaxScore = R"cuda(  float m = negInf(), s = 0.0f;
  for (int e = lane; e < kE; e += 32)
    m = maxNaN(m, score[e]);
  m = warpMax(m);
  for (int e = lane; e < kE; e += 32)
    s += expf(score[e] - m);
  s = warpSum(s);
  for (int e = lane; e < kE; e += 32)
    score[e] = expf(score[e] - m) / s;
  __syncwarp();
)cuda";

static const char *kSlotsTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // One block per expert e: slot of each choice of e in (n, j) order, and
  // rowSource[e, c] = token of slot c (-1 when unfilled). No atomics.
  constexpr long long kChoices = $CHOICES;
  constexpr int kE = $E, kC = $C, kK = $TOPK, kWarps = $THREADS / 32;
  __shared__ int warpCount[kWarps];
  const int e = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int filled = 0; // choices of e before this chunk, same in every thread
  for (long long chunk = 0; chunk < kChoices; chunk += $THREADS) {
    const long long c = chunk + threadIdx.x;
    const long long expert = c < kChoices ? (long long)in0[c] : -1;
    const bool mine = expert == e;
    const unsigned ballot = __ballot_sync(0xffffffffu, mine);
    if (lane == 0)
      warpCount[warp] = __popc(ballot);
    __syncthreads();
    int rank = filled + __popc(ballot & ((1u << lane) - 1));
    for (int o = 0; o < kWarps; ++o) {
      rank += o < warp ? warpCount[o] : 0;
      filled += warpCount[o];
    }
    if (mine) {
      out0[c] = rank < kC ? rank : -1;
      if (rank < kC)
        out1[(long long)e * kC + rank] = (int)(c / kK);
    }
    if (e == 0 && c < kChoices && (expert < 0 || expert >= kE))
      out0[c] = -1;
    __syncthreads(); // warpCount is rewritten by the next chunk
  }
  for (int s = min(filled, kC) + threadIdx.x; s < kC; s += $THREADS)
    out1[(long long)e * kC + s] = -1;
}
)cuda";

static const char *kDispatchTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // buf[e, c, :] = x[rowSource[e, c], :] or zeros; $V elements per vector.
  constexpr long long kVecs = $NVEC, kD = $D;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < kVecs;
       i += (long long)gridDim.x * blockDim.x) {
    const long long row = i * $V / kD, col = i * $V % kD;
    const int src = in1[row];
    Vec<$T, $V> y;
    if (src >= 0) {
      y = loadVec<$V>(in0 + src * kD + col);
    } else {
#pragma unroll
      for (int j = 0; j < $V; ++j)
        y.v[j] = fromF32<$T>(0.0f);
    }
    storeVec<$V>(out0 + i * $V, y);
  }
}
)cuda";

static const char *kCombineTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // y[n, :] = sum_j w[n, j] * buf[row(n, j), :] over kept choices, in j
  // order, f32 accumulation; $V elements per vector.
  constexpr long long kVecs = $NVEC, kD = $D;
  constexpr int kK = $TOPK, kC = $C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < kVecs;
       i += (long long)gridDim.x * blockDim.x) {
    const long long n = i * $V / kD, col = i * $V % kD;
    float acc[$V] = {};
    for (int j = 0; j < kK; ++j) {
$ROW      const float w = toF32($W[n * kK + j]);
      const auto b = loadVec<$V>(in0 + row * kD + col);
#pragma unroll
      for (int v = 0; v < $V; ++v)
        acc[v] += w * toF32(b.v[v]);
    }
    Vec<$T, $V> y;
#pragma unroll
    for (int v = 0; v < $V; ++v)
      y.v[v] = fromF32<$T>(acc[v]);
    storeVec<$V>(out0 + i * $V, y);
  }
}
)cuda";

// moe_combine: the row from the expert and the slot moe_slots gave the choice.
static const char *kCombineRow = R"cuda(      const int slot = in2[n * kK + j];
      if (slot < 0)
        continue;
      const long long row = (long long)in1[n * kK + j] * kC + slot;
)cuda";

// moe_combine_local: the row moe_local_rows found in this rank's buffer.
static const char *kCombineLocalRow = R"cuda(      const long long row = in1[n * kK + j];
      if (row < 0)
        continue;
)cuda";

static const char *kLocalRowsTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // row[i, j]: where choice j of local token i (token_ids[i] of the batch)
  // lands in this rank's buffer of experts[0..kLocal): the local row of its
  // expert (the last listed, as the interpreter) * C + its slot, or -1 when
  // it was dropped or its expert is not here.
  constexpr long long kN = $BATCH, kChoices = $NCHOICES;
  constexpr int kK = $TOPK, kC = $C, kE = $E, kLocal = $NLOCAL;
  for (long long c = blockIdx.x * (long long)blockDim.x + threadIdx.x; c < kChoices;
       c += (long long)gridDim.x * blockDim.x) {
    const long long token = (long long)in2[c / kK];
    int row = -1;
    if (token >= 0 && token < kN) {
      const long long choice = token * kK + c % kK;
      const long long expert = (long long)in0[choice];
      const int slot = in1[choice];
      for (int r = 0; slot >= 0 && r < kLocal; ++r)
        if ((long long)in3[r] == expert && expert >= 0 && expert < kE)
          row = r * kC + slot;
    }
    out0[c] = row;
  }
}
)cuda";

static const char *kDispatchLocalTemplate = R"cuda(
extern "C" __global__ void __launch_bounds__($THREADS) $KERNEL($PARAMS) {
  // buf[row(i, j), :] = x[i, :] for the kept choices of the local tokens; the
  // plan zeroed buf before. $V elements per vector.
  constexpr long long kVecs = $NVEC, kD = $D;
  constexpr int kK = $TOPK;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < kVecs;
       i += (long long)gridDim.x * blockDim.x) {
    const long long choice = i * $V / kD, col = i * $V % kD;
    const int row = in1[choice];
    if (row >= 0)
      storeVec<$V>(out0 + row * kD + col, loadVec<$V>(in0 + choice / kK * kD + col));
  }
}
)cuda";

static absl::StatusOr<EmittedKernel> emitRouter(const KernelSpec &spec) {
  if (absl::Status s = checkArity(spec, 1, 2, 2); !s.ok())
    return s;
  const KernelAttrs &a = spec.attrs;
  const TensorDesc &logits = spec.inputs[0];
  if (logits.shape.size() != 2 || isIntDType(logits.dtype))
    return specError(spec, "logits must be float [N, E]");
  int64_t n = logits.shape[0], e = logits.shape[1];
  // E <= 1024: each lane tracks its picks in one 32-bit mask (E / 32 bits).
  if (e > 1024 || a.nGroups < 1 || e % a.nGroups != 0 || a.topkGroups < 1 ||
      a.topkGroups > a.nGroups || a.k < 1 || a.k > 32 ||
      a.k > a.topkGroups * (e / a.nGroups))
    return specError(spec, "router needs E <= 1024, E % n_groups == 0, "
                           "topk_groups <= n_groups, k <= 32 and k <= "
                           "topk_groups * E / n_groups");
  if (spec.outputs[0].dtype != DType::F32 ||
      spec.outputs[1].dtype != DType::I32 ||
      spec.outputs[0].shape != std::vector<int64_t>{n, a.k} ||
      spec.outputs[1].shape != std::vector<int64_t>{n, a.k})
    return specError(spec, "router results must be f32[N, k] and i32[N, k]");
  if (spec.inputs.size() == 2 &&
      (spec.inputs[1].dtype != DType::F32 ||
       spec.inputs[1].shape != std::vector<int64_t>{e}))
    return specError(spec, "router bias must be f32[E]");
  std::string weight = a.normalize ? "myWeight / sum" : "myWeight";
  if (a.scaling != 1.0)
    weight = absl::StrCat("(", weight, ") * ", floatLiteral(a.scaling));
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  unsigned threads = kRouterWarps * 32;
  std::string text = absl::StrReplaceAll(
      kRouterTemplate,
      {{"$SCORE",
        a.score == RouterScore::Sigmoid ? kSigmoidScore : kSoftmaxScore}});
  text = fill(text.c_str(),
              {{"$THREADS", absl::StrCat(threads)},
               {"$PARAMS", *params},
               {"$E", absl::StrCat(e)},
               {"$G", absl::StrCat(a.nGroups)},
               {"$TG", absl::StrCat(a.topkGroups)},
               {"$TOPK", absl::StrCat(a.k)},
               {"$WARPS", absl::StrCat(kRouterWarps)},
               {"$N", absl::StrCat(n)},
               {"$BIAS", spec.inputs.size() == 2 ? "in1[e]" : "0.0f"},
               {"$WEIGHT", weight}});
  LaunchConfig launch{
      static_cast<unsigned>((n + kRouterWarps - 1) / kRouterWarps), threads, 0};
  return finishKernel(spec, text, launch, 1);
}

/// moe_local_rows: idx[N, k], slot[N, k], token_ids[n], experts[e] -> row[n, k].
static absl::StatusOr<EmittedKernel> emitLocalRows(const KernelSpec &spec, Subst subst,
                                                   const TargetInfo &target) {
  const TensorDesc &idx = spec.inputs[0], &slot = spec.inputs[1], &tokens = spec.inputs[2],
                   &experts = spec.inputs[3], &out = spec.outputs[0];
  if (idx.shape.size() != 2 || !isIntDType(idx.dtype) || slot.shape != idx.shape ||
      slot.dtype != DType::I32 || tokens.shape.size() != 1 || !isIntDType(tokens.dtype) ||
      experts.shape.size() != 1 || !isIntDType(experts.dtype) || out.dtype != DType::I32 ||
      out.shape != std::vector<int64_t>{tokens.shape[0], idx.shape[1]})
    return specError(spec, "moe_local_rows maps int idx[N, k], i32 slot[N, k], int "
                           "token_ids[n] and int experts[e] to i32 row[n, k]");
  int64_t choices = out.numElements();
  subst.push_back({"$BATCH", absl::StrCat(idx.shape[0])});
  subst.push_back({"$NCHOICES", absl::StrCat(choices)});
  subst.push_back({"$TOPK", absl::StrCat(idx.shape[1])});
  subst.push_back({"$NLOCAL", absl::StrCat(experts.shape[0])});
  LaunchConfig launch{gridStrideBlocks(choices, kMoeBlock, target), kMoeBlock, 0};
  return finishKernel(spec, fill(kLocalRowsTemplate, subst), launch, 1);
}

/// The kernels that move D-wide rows between tokens and expert buffers: the
/// checks of each kind, then one grid-stride loop over vectors of the rows.
static absl::StatusOr<EmittedKernel> emitRowMoves(const KernelSpec &spec, Subst subst,
                                                  const TargetInfo &target) {
  const KernelAttrs &a = spec.attrs;
  const TensorDesc &out = spec.outputs[0], &in = spec.inputs[0];
  if (out.shape.empty())
    return specError(spec, "result must have a feature dimension");
  int64_t d = out.shape.back();
  if (in.dtype != out.dtype || in.shape.back() != d)
    return specError(spec, "operand and result must share type and last dim");
  const TensorDesc &route = spec.inputs[1]; // rowSource, idx or row
  // A local buffer holds this rank's experts only.
  int64_t experts = a.numExperts;
  if (spec.kind == KernelKind::MoeCombineLocal)
    experts = in.shape[0];
  else if (spec.kind == KernelKind::MoeDispatchLocal)
    experts = out.shape[0];
  const char *tmpl = kCombineTemplate;
  int64_t rows = out.numElements() / d; // the rows the loop runs over
  switch (spec.kind) {
  case KernelKind::MoeDispatch:
    if (out.shape != std::vector<int64_t>{a.numExperts, a.capacity, d} ||
        route.numElements() != a.numExperts * a.capacity)
      return specError(spec, "moe_dispatch result must be [E, C, D]");
    tmpl = kDispatchTemplate;
    break;
  case KernelKind::MoeDispatchLocal:
    if (out.shape != std::vector<int64_t>{experts, a.capacity, d} || in.shape.size() != 2 ||
        route.shape.size() != 2 || route.shape[0] != in.shape[0] || route.dtype != DType::I32)
      return specError(spec, "moe_dispatch_local maps x[n, D] and i32 row[n, k] to "
                             "buf[e, C, D]");
    subst.push_back({"$TOPK", absl::StrCat(route.shape[1])});
    tmpl = kDispatchLocalTemplate;
    rows = route.numElements();
    break;
  case KernelKind::MoeCombine:
  case KernelKind::MoeCombineLocal: {
    bool local = spec.kind == KernelKind::MoeCombineLocal;
    const TensorDesc &w = spec.inputs.back();
    if (route.shape.size() != 2 || out.shape != std::vector<int64_t>{route.shape[0], d} ||
        w.shape != route.shape || (!local && spec.inputs[2].shape != route.shape) ||
        (local && route.dtype != DType::I32) ||
        in.shape != std::vector<int64_t>{experts, a.capacity, d})
      return specError(spec, local ? "moe_combine_local needs buf[e, C, D], i32 row[n, k], "
                                     "w[n, k] and a result [n, D]"
                                   : "moe_combine needs buf[E, C, D], idx/slot/w[N, k] "
                                     "and a result [N, D]");
    subst.push_back({"$TOPK", absl::StrCat(route.shape[1])});
    subst.push_back({"$ROW", local ? kCombineLocalRow : kCombineRow});
    subst.push_back({"$W", local ? "in2" : "in3"});
    break;
  }
  default:
    return specError(spec, "not an MoE row kernel");
  }
  int v = chooseVectorWidth(d, {out.dtype, in.dtype});
  int64_t vecs = rows * d / v;
  subst.push_back({"$V", absl::StrCat(v)});
  subst.push_back({"$NVEC", absl::StrCat(vecs)});
  subst.push_back({"$D", absl::StrCat(d)});
  LaunchConfig launch{gridStrideBlocks(vecs, kMoeBlock, target), kMoeBlock, 0};
  return finishKernel(spec, fill(tmpl, subst), launch, v);
}

absl::StatusOr<EmittedKernel> emitMoe(const KernelSpec &spec,
                                      const TargetInfo &target) {
  if (spec.kind == KernelKind::RouterTopK)
    return emitRouter(spec);
  const KernelAttrs &a = spec.attrs;
  size_t arity = 4;
  if (spec.kind == KernelKind::MoeSlots)
    arity = 1;
  else if (spec.kind == KernelKind::MoeDispatch || spec.kind == KernelKind::MoeDispatchLocal)
    arity = 2;
  else if (spec.kind == KernelKind::MoeCombineLocal)
    arity = 3;
  if (absl::Status s = checkArity(spec, arity, arity,
                                  spec.kind == KernelKind::MoeSlots ? 2 : 1);
      !s.ok())
    return s;
  if (a.numExperts < 1 || a.capacity < 1)
    return specError(spec, "num_experts and capacity must be positive");
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  const TensorDesc &out = spec.outputs[0];
  Subst subst = {{"$PARAMS", *params},
                 {"$THREADS", absl::StrCat(kMoeBlock)},
                 {"$E", absl::StrCat(a.numExperts)},
                 {"$C", absl::StrCat(a.capacity)},
                 {"$T", *cudaType(out.dtype)}};
  if (spec.kind == KernelKind::MoeLocalRows)
    return emitLocalRows(spec, subst, target);
  if (spec.kind != KernelKind::MoeSlots)
    return emitRowMoves(spec, subst, target);
  const TensorDesc &idx = spec.inputs[0];
  if (idx.shape.size() != 2 || !isIntDType(idx.dtype) || out.shape != idx.shape ||
      out.dtype != DType::I32 || spec.outputs[1].dtype != DType::I32 ||
      spec.outputs[1].shape != std::vector<int64_t>{a.numExperts, a.capacity})
    return specError(spec, "moe_slots maps int idx[N, k] to i32 slot[N, k] "
                           "and i32 rowSource[E, C]");
  subst.push_back({"$CHOICES", absl::StrCat(idx.numElements())});
  subst.push_back({"$TOPK", absl::StrCat(idx.shape[1])});
  LaunchConfig launch{static_cast<unsigned>(a.numExperts), kMoeBlock, 0};
  return finishKernel(spec, fill(kSlotsTemplate, subst), launch, 1);
}

} // namespace dsc::codegen
