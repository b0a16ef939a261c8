//===- Attention.cpp - Rotary embedding and attention ---------------------===//

#include "interp/KernelSupport.h"
#include "interp/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dsc::interp {

HostTensor rope(const HostTensor &x, const HostTensor &positions, double theta,
                RopeStyle style, const InterpOptions &options) {
  int64_t rank = x.rank();
  int64_t t = x.dim(rank - 3), h = x.dim(rank - 2), dh = x.dim(rank - 1);
  int64_t lead = product(x.shape(), 0, rank - 3);
  bool perBatch = positions.rank() == 2;
  int64_t half = dh / 2;
  const std::vector<float> &in = x.floats();
  std::vector<float> out(in.size());
  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    std::vector<Acc> freq(half), cosA(half), sinA(half);
    for (int64_t i = 0; i < half; ++i)
      freq[i] = std::pow(Acc(theta), Acc(-2) * Acc(i) / Acc(dh));
    for (int64_t l = 0; l < lead; ++l) {
      for (int64_t ti = 0; ti < t; ++ti) {
        Acc pos = Acc(positions.ints()[perBatch ? l * t + ti : ti]);
        for (int64_t i = 0; i < half; ++i) {
          Acc angle = pos * freq[i];
          cosA[i] = std::cos(angle);
          sinA[i] = std::sin(angle);
        }
        for (int64_t hi = 0; hi < h; ++hi) {
          int64_t base = ((l * t + ti) * h + hi) * dh;
          for (int64_t i = 0; i < half; ++i) {
            int64_t i1 = base + (style == RopeStyle::Half ? i : 2 * i);
            int64_t i2 =
                base + (style == RopeStyle::Half ? i + half : 2 * i + 1);
            Acc x1 = in[i1], x2 = in[i2];
            out[i1] = toStored(x1 * cosA[i] - x2 * sinA[i], x.dtype());
            out[i2] = toStored(x1 * sinA[i] + x2 * cosA[i], x.dtype());
          }
        }
      }
    }
    return 0;
  });
  return HostTensor::fromFloats(x.dtype(), x.shape(), std::move(out));
}

namespace {
/// The shapes of one attention call; element (b, t, h, d) of a
/// [B, T, H, D] tensor is at ((b * T + t) * H + h) * D + d.
struct AttentionDims {
  int64_t batch, tq, tk, hq, hkv, dh, dv;
};
} // namespace

// Query rows per parallel task: each task first transposes its K head
// (Tk x Dh), so a block of rows amortizes that copy over rows * Tk * Dh work.
constexpr int64_t kQueryBlock = 32;

/// Attention for query rows [i0, i1) of batch `b` and query head `h`.
template <typename Acc>
static void attendRows(const AttentionDims &s, const float *q, const float *k,
                       const float *v, bool causal, Acc scale, int64_t b,
                       int64_t h, int64_t i0, int64_t i1, DType outType,
                       float *out) {
  int64_t g = h / (s.hq / s.hkv);
  // K of kv head g as [Dh][Tk]: the score loop then runs over contiguous keys
  // while each score still sums over d in order.
  std::vector<float> kt(s.dh * s.tk);
  for (int64_t j = 0; j < s.tk; ++j)
    for (int64_t d = 0; d < s.dh; ++d)
      kt[d * s.tk + j] = k[((b * s.tk + j) * s.hkv + g) * s.dh + d];
  std::vector<Acc> scores(s.tk), o(s.dv);
  for (int64_t i = i0; i < i1; ++i) {
    // Bottom-right aligned: the last query sees every key.
    int64_t visible =
        causal ? std::clamp<int64_t>(i + s.tk - s.tq + 1, 0, s.tk) : s.tk;
    float *outRow = out + ((b * s.tq + i) * s.hq + h) * s.dv;
    if (visible == 0)
      continue;
    const float *qRow = q + ((b * s.tq + i) * s.hq + h) * s.dh;
    std::fill(scores.begin(), scores.begin() + visible, Acc(0));
    for (int64_t d = 0; d < s.dh; ++d) {
      Acc qd = qRow[d];
      const float *__restrict kRow = &kt[d * s.tk];
      for (int64_t j = 0; j < visible; ++j)
        scores[j] += qd * Acc(kRow[j]);
    }
    Acc max = -std::numeric_limits<Acc>::infinity();
    for (int64_t j = 0; j < visible; ++j) {
      scores[j] *= scale;
      max = maxPropagatingNaN(max, scores[j]);
    }
    Acc sum = 0;
    for (int64_t j = 0; j < visible; ++j)
      sum += scores[j] = std::exp(scores[j] - max);
    std::fill(o.begin(), o.end(), Acc(0));
    for (int64_t j = 0; j < visible; ++j) {
      Acc p = scores[j] / sum;
      const float *__restrict vRow = v + ((b * s.tk + j) * s.hkv + g) * s.dv;
      for (int64_t d = 0; d < s.dv; ++d)
        o[d] += p * Acc(vRow[d]);
    }
    for (int64_t d = 0; d < s.dv; ++d)
      outRow[d] = toStored(o[d], outType);
  }
}

HostTensor attention(const HostTensor &q, const HostTensor &k,
                     const HostTensor &v, bool causal,
                     std::optional<double> scale,
                     const InterpOptions &options) {
  AttentionDims s{q.dim(0), q.dim(1), k.dim(1), q.dim(2),
                  k.dim(2), q.dim(3), v.dim(3)};
  Shape outShape{s.batch, s.tq, s.hq, s.dv};
  std::vector<float> out(numElements(outShape), 0.0f);
  // With no keys every query sees nothing: all zeros, like a masked row.
  if (s.tk == 0 || s.hkv == 0)
    return HostTensor::fromFloats(q.dtype(), outShape, std::move(out));
  double scaleValue = scale.value_or(1.0 / std::sqrt(double(s.dh)));
  int64_t blocks = (s.tq + kQueryBlock - 1) / kQueryBlock;
  withAccumulator(options, [&](auto zero) {
    using Acc = decltype(zero);
    parallelFor(s.batch * s.hq * blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        int64_t b = task / (s.hq * blocks), h = task / blocks % s.hq;
        int64_t i0 = task % blocks * kQueryBlock;
        attendRows<Acc>(s, q.floats().data(), k.floats().data(),
                        v.floats().data(), causal, Acc(scaleValue), b, h, i0,
                        std::min(s.tq, i0 + kQueryBlock), q.dtype(),
                        out.data());
      }
    });
    return 0;
  });
  return HostTensor::fromFloats(q.dtype(), outShape, std::move(out));
}

} // namespace dsc::interp
