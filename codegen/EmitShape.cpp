//===- EmitShape.cpp - broadcast, transpose, slice, concat, gather, iota --===//
//
// Data movement without arithmetic. Broadcast, transpose and slice are one
// template, a strided copy: out[i] = in[base + sum_d idx_d(i) * inStride_d],
// where a broadcast dimension has stride 0, a transpose permutes the strides
// and a slice offsets and scales them. Output dimensions that are contiguous
// in the input are merged first, so the innermost run is as long as possible
// and moves in 16-byte vectors when it is contiguous and aligned. Every
// kernel is grid-stride over output vectors, so stores are coalesced.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitCommon.h"

#include "absl/strings/str_cat.h"

#include <numeric>

namespace dsc::codegen {

// As EmitElementwise.cpp: 8 blocks of 256 fill an SM's 2048 threads.
static constexpr unsigned kShapeBlock = 256;

static const char *kLoopHead = R"cuda(
extern "C" __global__ void __launch_bounds__($BLOCK) $KERNEL($PARAMS) {
  constexpr long long kVecs = $NVEC; // output vectors of $V elements
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < kVecs;
       i += (long long)gridDim.x * blockDim.x) {
)cuda";

static const char *kStridedCopyBody =
    R"cuda(    // out[i] = in[kBase + sum_d idx_d(i) * kInStrides[d]] over merged dims.
    constexpr int kRank = $RANK;
    constexpr long long kDims[] = $DIMS, kInStrides[] = $STRIDES;
    long long off = $BASE, rest = i;
#pragma unroll
    for (int d = kRank - 1; d >= 0; --d) {
      off += (rest % kDims[d]) * kInStrides[d];
      rest /= kDims[d];
    }
    storeVec<$V>(out0 + i * $V, loadVec<$V>(in0 + off));
  }
}
)cuda";

static const char *kGatherBody =
    R"cuda(    // table [kPre, kRows, kPost], out [kPre, kIndices, kPost]; indices clamp.
    constexpr long long kRows = $ROWS, kIndices = $NIDX, kPost = $POST;
    const long long q = i * $V % kPost, t = i * $V / kPost;
    long long row = (long long)in1[t % kIndices];
    row = row < 0 ? 0 : (row > kRows - 1 ? kRows - 1 : row);
    storeVec<$V>(out0 + i * $V,
                 loadVec<$V>(in0 + ((t / kIndices) * kRows + row) * kPost + q));
  }
}
)cuda";

static const char *kIotaBody = R"cuda(    Vec<$OUT, $V> y;
#pragma unroll
    for (int j = 0; j < $V; ++j)
      y.v[j] = fromI64<$OUT>((i * $V + j) / $STRIDE % $DIM + $START);
    storeVec<$V>(out0 + i * $V, y);
  }
}
)cuda";

// Per output dimension, the input stride and the base offset; false when the
// spec is inconsistent.
static absl::Status copyStrides(const KernelSpec &spec,
                                std::vector<int64_t> &inStrides,
                                int64_t &base) {
  const std::vector<int64_t> &in = spec.inputs[0].shape,
                             &out = spec.outputs[0].shape;
  const std::vector<int64_t> &dims = spec.attrs.dims;
  std::vector<int64_t> opStrides = rowMajorStrides(in);
  inStrides.assign(out.size(), 0);
  base = 0;
  if (spec.kind == KernelKind::Broadcast) {
    if (dims.size() != in.size())
      return specError(spec, "broadcast needs one dim per operand dimension");
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] < 0 || dims[i] >= (int64_t)out.size() ||
          (i > 0 && dims[i] <= dims[i - 1]) ||
          (in[i] != 1 && in[i] != out[dims[i]]))
        return specError(spec, "bad broadcast dims");
      inStrides[dims[i]] = in[i] == 1 ? 0 : opStrides[i];
    }
    return absl::OkStatus();
  }
  if (in.size() != out.size() || dims.size() != in.size())
    return specError(spec, "rank mismatch");
  for (size_t d = 0; d < out.size(); ++d) {
    if (spec.kind == KernelKind::Transpose) {
      if (dims[d] < 0 || dims[d] >= (int64_t)in.size() || in[dims[d]] != out[d])
        return specError(spec, "bad permutation");
      inStrides[d] = opStrides[dims[d]];
      continue;
    }
    int64_t start = dims[d], limit = spec.attrs.limit.at(d),
            step = spec.attrs.stride.at(d);
    if (start < 0 || start > limit || limit > in[d] || step < 1 ||
        out[d] != (limit - start + step - 1) / step)
      return specError(spec, "bad slice bounds");
    base += start * opStrides[d];
    inStrides[d] = step * opStrides[d];
  }
  return absl::OkStatus();
}

static absl::StatusOr<std::string> stridedCopy(const KernelSpec &spec, int &v) {
  if (spec.kind == KernelKind::Slice &&
      (spec.attrs.limit.size() != spec.inputs[0].shape.size() ||
       spec.attrs.stride.size() != spec.inputs[0].shape.size()))
    return specError(spec, "slice needs start, limit and stride per dim");
  std::vector<int64_t> strides;
  int64_t base;
  if (absl::Status s = copyStrides(spec, strides, base); !s.ok())
    return s;
  // Merge output dim d into d+1 when the pair is contiguous in the input.
  std::vector<int64_t> dims, merged;
  for (size_t d = 0; d < strides.size(); ++d) {
    int64_t size = spec.outputs[0].shape[d];
    if (!dims.empty() && merged.back() == strides[d] * size) {
      dims.back() *= size;
      merged.back() = strides[d];
    } else {
      dims.push_back(size);
      merged.push_back(strides[d]);
    }
  }
  v = 1;
  if (!dims.empty() && merged.back() == 1) {
    int64_t align = std::gcd(dims.back(), base);
    for (size_t d = 0; d + 1 < merged.size(); ++d)
      align = std::gcd(align, merged[d]);
    v = chooseVectorWidth(align, {spec.inputs[0].dtype});
  }
  if (!dims.empty()) {
    dims.back() /= v;
    merged.back() *= v;
  }
  return fill(kStridedCopyBody, {{"$RANK", absl::StrCat(dims.size())},
                                 {"$DIMS", intList(dims)},
                                 {"$STRIDES", intList(merged)},
                                 {"$BASE", absl::StrCat(base)}});
}

// Columns of a [outer, cols] view; input k covers [start_k, start_k + w_k).
static absl::StatusOr<std::string> concatBody(const KernelSpec &spec, int &v) {
  const TensorDesc &out = spec.outputs[0];
  int64_t rank = out.shape.size();
  int64_t axis = spec.attrs.axis < 0 ? spec.attrs.axis + rank : spec.attrs.axis;
  if (axis < 0 || axis >= rank)
    return specError(spec, "concat axis out of range");
  int64_t inner = rowMajorStrides(out.shape)[axis], cols = 0, align = 0;
  std::vector<int64_t> widths;
  for (const TensorDesc &in : spec.inputs) {
    if (in.shape.size() != out.shape.size() || in.dtype != out.dtype)
      return specError(spec, "concat operands must match the result");
    widths.push_back(in.shape[axis] * inner);
    cols += widths.back();
    align = std::gcd(align, widths.back());
  }
  if (cols != out.shape[axis] * inner)
    return specError(spec, "concat sizes do not add up");
  v = chooseVectorWidth(align, {out.dtype});
  std::string body = absl::StrCat(
      "    // out is [rows, ", cols, "]; each input a run of columns.\n",
      "    const long long row = i * ", v, " / ", cols, ";\n",
      "    long long col = i * ", v, " % ", cols, ";\n");
  for (size_t k = 0; k < widths.size(); ++k) {
    absl::StrAppend(&body, "    if (col < ", widths[k], ") {\n",
                    "      storeVec<", v, ">(out0 + i * ", v, ", loadVec<", v,
                    ">(in", k, " + row * ", widths[k], " + col));\n",
                    "      continue;\n    }\n    col -= ", widths[k], ";\n");
  }
  return absl::StrCat(body, "  }\n}\n");
}

// An iota split over the mesh starts at this rank's block: its in-group index
// along the dimension's mesh axes (row-major, the last fastest; in0 holds the
// rank's coordinates) times the block's size.
static absl::StatusOr<std::string> iotaStart(const KernelSpec &spec) {
  const KernelAttrs &a = spec.attrs;
  if (a.rankAxes.empty())
    return std::string("0");
  const TensorDesc &coords = spec.inputs[0];
  if (coords.dtype != DType::I64 || coords.shape.size() != 1 ||
      coords.shape[0] != static_cast<int64_t>(a.meshShape.size()))
    return specError(spec, "a split iota reads the mesh coordinates, i64[mesh rank]");
  std::string index = "0";
  for (int64_t axis : a.rankAxes) {
    if (axis < 0 || axis >= static_cast<int64_t>(a.meshShape.size()))
      return specError(spec, "iota split over a mesh axis out of range");
    index = absl::StrCat("(", index, ") * ", a.meshShape[axis], " + in0[", axis, "]");
  }
  return absl::StrCat("(", index, ") * ", spec.outputs[0].shape[a.axis]);
}

absl::StatusOr<EmittedKernel> emitShape(const KernelSpec &spec,
                                        const TargetInfo &target) {
  bool isConcat = spec.kind == KernelKind::Concat;
  size_t minIn = spec.kind == KernelKind::Iota     ? 0
                 : spec.kind == KernelKind::Gather ? 2
                                                   : 1;
  size_t maxIn = isConcat ? 64 : minIn;
  if (spec.kind == KernelKind::Iota && !spec.attrs.rankAxes.empty())
    minIn = maxIn = 1;
  if (absl::Status s = checkArity(spec, minIn, maxIn, 1); !s.ok())
    return s;
  const TensorDesc &out = spec.outputs[0];
  int64_t rank = out.shape.size();
  int v = 1;
  absl::StatusOr<std::string> body;
  switch (spec.kind) {
  case KernelKind::Concat:
    body = concatBody(spec, v);
    break;
  case KernelKind::Gather: {
    const TensorDesc &table = spec.inputs[0], &idx = spec.inputs[1];
    int64_t tr = table.shape.size();
    int64_t axis = spec.attrs.axis < 0 ? spec.attrs.axis + tr : spec.attrs.axis;
    if (axis < 0 || axis >= tr || !isIntDType(idx.dtype) ||
        out.numElements() !=
            table.numElements() / table.shape[axis] * idx.numElements())
      return specError(spec, "bad gather operands");
    int64_t post = rowMajorStrides(table.shape)[axis];
    v = chooseVectorWidth(post, {table.dtype});
    body = fill(kGatherBody, {{"$ROWS", absl::StrCat(table.shape[axis])},
                              {"$NIDX", absl::StrCat(idx.numElements())},
                              {"$POST", absl::StrCat(post)}});
    break;
  }
  case KernelKind::Iota: {
    if (spec.attrs.axis < 0 || spec.attrs.axis >= rank)
      return specError(spec, "iota dimension out of range");
    absl::StatusOr<std::string> start = iotaStart(spec);
    if (!start.ok())
      return start.status();
    v = chooseVectorWidth(out.numElements(), {out.dtype});
    body = fill(kIotaBody, {{"$STRIDE", absl::StrCat(rowMajorStrides(out.shape)[spec.attrs.axis])},
                            {"$DIM", absl::StrCat(out.shape[spec.attrs.axis])},
                            {"$START", *start}});
    break;
  }
  default:
    if (spec.inputs[0].dtype != out.dtype)
      return specError(spec, "operand and result element types differ");
    body = stridedCopy(spec, v);
    break;
  }
  if (!body.ok())
    return body.status();
  absl::StatusOr<std::string> params = kernelParams(spec);
  if (!params.ok())
    return params.status();
  int64_t vecs = out.numElements() / v;
  std::string text = absl::StrCat(kLoopHead, *body);
  text = fill(text.c_str(), {{"$BLOCK", absl::StrCat(kShapeBlock)},
                             {"$PARAMS", *params},
                             {"$NVEC", absl::StrCat(vecs)},
                             {"$V", absl::StrCat(v)},
                             {"$OUT", *cudaType(out.dtype)}});
  LaunchConfig launch{gridStrideBlocks(vecs, kShapeBlock, target), kShapeBlock,
                      0};
  return finishKernel(spec, text, launch, v);
}

} // namespace dsc::codegen
