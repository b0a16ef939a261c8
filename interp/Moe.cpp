//===- Moe.cpp - DeepSeek-V3 routing, dispatch and combine ----------------===//

#include "interp/KernelSupport.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace dsc::interp {

/// Index of the best of `values` not yet `taken`: the largest, the lower index
/// on ties. A NaN never wins against a number, and the scan never fails, so
/// NaN logits give some valid (if meaningless) index instead of undefined
/// behaviour.
template <typename Acc>
static int64_t bestUntaken(const std::vector<Acc> &values,
                           const std::vector<bool> &taken) {
  int64_t best = -1;
  for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i)
    if (!taken[i] && (best < 0 || values[i] > values[best]))
      best = i;
  return best;
}

/// Step 3 of ops.md: masks to -inf the experts outside the `topkGroups`
/// groups whose two largest `sel` values sum highest.
template <typename Acc>
static void limitToTopGroups(std::vector<Acc> &sel, int64_t numGroups,
                             int64_t topkGroups) {
  int64_t groupSize = sel.size() / numGroups;
  const Acc negInf = -std::numeric_limits<Acc>::infinity();
  std::vector<Acc> groupScore(numGroups);
  for (int64_t g = 0; g < numGroups; ++g) {
    Acc first = negInf, second = negInf;
    for (int64_t e = g * groupSize; e < (g + 1) * groupSize; ++e) {
      if (sel[e] > first) {
        second = first;
        first = sel[e];
      } else if (sel[e] > second) {
        second = sel[e];
      }
    }
    groupScore[g] = groupSize == 1 ? first : first + second;
  }
  std::vector<bool> kept(numGroups, false);
  for (int64_t i = 0; i < topkGroups; ++i) {
    int64_t g = bestUntaken(groupScore, kept);
    if (g >= 0)
      kept[g] = true;
  }
  for (int64_t g = 0; g < numGroups; ++g)
    if (!kept[g])
      std::fill(sel.begin() + g * groupSize, sel.begin() + (g + 1) * groupSize,
                negInf);
}

std::pair<HostTensor, HostTensor> routerTopK(const HostTensor &logits,
                                             const HostTensor *bias,
                                             const RouterAttrs &attrs,
                                             const InterpOptions &options) {
  int64_t n = logits.dim(0), e = logits.dim(1), k = attrs.k;
  std::vector<float> weights(n * k, 0.0f);
  std::vector<int64_t> indices(n * k, 0);
  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    std::vector<Acc> s(e), sel(e);
    for (int64_t t = 0; t < n; ++t) {
      const float *row = &logits.floats()[t * e];
      if (attrs.score == RouterScore::Sigmoid) {
        for (int64_t i = 0; i < e; ++i)
          s[i] = Acc(1) / (Acc(1) + std::exp(-Acc(row[i])));
      } else {
        Acc max = -std::numeric_limits<Acc>::infinity(), sum = 0;
        for (int64_t i = 0; i < e; ++i)
          max = maxPropagatingNaN(max, Acc(row[i]));
        for (int64_t i = 0; i < e; ++i)
          sum += s[i] = std::exp(Acc(row[i]) - max);
        for (int64_t i = 0; i < e; ++i)
          s[i] /= sum;
      }
      for (int64_t i = 0; i < e; ++i)
        sel[i] = s[i] + (bias ? Acc(bias->floats()[i]) : Acc(0));
      if (attrs.numGroups > 1)
        limitToTopGroups(sel, attrs.numGroups, attrs.topkGroups);

      std::vector<bool> taken(e, false);
      Acc sum = 0;
      for (int64_t j = 0; j < k; ++j) {
        int64_t best = bestUntaken(sel, taken);
        if (best < 0)
          break;
        taken[best] = true;
        indices[t * k + j] = best;
        sum += s[best];
      }
      for (int64_t j = 0; j < k; ++j) {
        Acc w = s[indices[t * k + j]];
        if (attrs.normalize)
          w /= sum;
        weights[t * k + j] = toStored(w * Acc(attrs.scaling), DType::F32);
      }
    }
    return 0;
  });
  return {HostTensor::fromFloats(DType::F32, {n, k}, std::move(weights)),
          HostTensor::fromInts(DType::I32, {n, k}, std::move(indices))};
}

/// The row of its expert's buffer that choice (n, j) gets, or -1 when dropped
/// (expert full, or an id outside [0, E)); slots go in token order, then
/// choice order.
static std::vector<int64_t> assignSlots(const HostTensor &indices,
                                        int64_t numExperts, int64_t capacity) {
  std::vector<int64_t> slots(indices.numElements(), -1);
  std::vector<int64_t> filled(std::max<int64_t>(numExperts, 0), 0);
  for (size_t c = 0; c < slots.size(); ++c) {
    int64_t e = indices.ints()[c];
    if (e >= 0 && e < numExperts && filled[e] < capacity)
      slots[c] = filled[e]++;
  }
  return slots;
}

/// Token i's id in the batch: tokenIds[i], or i itself.
static int64_t tokenOf(const MoeSubset &subset, int64_t i) {
  return subset.tokenIds ? subset.tokenIds->ints()[i] : i;
}

/// The row of the (local) buffer that holds each expert of [0, numExperts), or -1.
static std::vector<int64_t> expertRows(const MoeSubset &subset, int64_t numExperts) {
  std::vector<int64_t> rows(std::max<int64_t>(numExperts, 0), -1);
  if (!subset.experts) {
    std::iota(rows.begin(), rows.end(), 0);
    return rows;
  }
  for (size_t r = 0; r < subset.experts->ints().size(); ++r) {
    int64_t e = subset.experts->ints()[r];
    if (e >= 0 && e < numExperts)
      rows[e] = r;
  }
  return rows;
}

HostTensor moeDispatch(const HostTensor &x, const HostTensor &indices, int64_t numExperts,
                       int64_t capacity, const MoeSubset &subset) {
  int64_t d = x.dim(1), k = indices.dim(1), n = x.dim(0);
  int64_t outExperts = subset.experts ? subset.experts->dim(0) : numExperts;
  std::vector<int64_t> slots = assignSlots(indices, numExperts, capacity);
  std::vector<int64_t> rows = expertRows(subset, numExperts);
  std::vector<float> out(outExperts * capacity * d, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    int64_t token = tokenOf(subset, i);
    for (int64_t j = 0; token >= 0 && token < indices.dim(0) && j < k; ++j) {
      int64_t c = token * k + j;
      if (slots[c] < 0 || rows[indices.ints()[c]] < 0)
        continue;
      int64_t row = rows[indices.ints()[c]];
      for (int64_t col = 0; col < d; ++col)
        out[(row * capacity + slots[c]) * d + col] =
            static_cast<float>(x.elementAsDouble(i * d + col));
    }
  }
  return HostTensor::fromFloats(x.dtype(), {outExperts, capacity, d}, std::move(out));
}

HostTensor moeCombine(const HostTensor &buffer, const HostTensor &indices,
                      const HostTensor &weights, const InterpOptions &options,
                      const MoeSubset &subset) {
  int64_t numExperts = subset.experts ? subset.numExperts : buffer.dim(0);
  int64_t capacity = buffer.dim(1);
  int64_t d = buffer.dim(2), n = weights.dim(0), k = indices.dim(1);
  std::vector<int64_t> slots = assignSlots(indices, numExperts, capacity);
  std::vector<int64_t> rows = expertRows(subset, numExperts);
  std::vector<float> out(n * d);
  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    std::vector<Acc> acc(d);
    for (int64_t t = 0; t < n; ++t) {
      std::fill(acc.begin(), acc.end(), Acc(0));
      int64_t token = tokenOf(subset, t);
      for (int64_t j = 0; token >= 0 && token < indices.dim(0) && j < k; ++j) {
        int64_t c = token * k + j;
        if (slots[c] < 0 || rows[indices.ints()[c]] < 0)
          continue;
        Acc w = weights.elementAsDouble(t * k + j);
        int64_t row = (rows[indices.ints()[c]] * capacity + slots[c]) * d;
        for (int64_t i = 0; i < d; ++i)
          acc[i] += w * Acc(buffer.elementAsDouble(row + i));
      }
      for (int64_t i = 0; i < d; ++i)
        out[t * d + i] = toStored(acc[i], buffer.dtype());
    }
    return 0;
  });
  return HostTensor::fromFloats(buffer.dtype(), {n, d}, std::move(out));
}

} // namespace dsc::interp
