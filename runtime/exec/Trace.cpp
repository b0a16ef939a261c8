//===- Trace.cpp - Chrome / Perfetto traces of a plan's steps -------------===//

#include "runtime/exec/Trace.h"

#include "runtime/exec/HostData.h"
#include "runtime/support/AtomicFile.h"
#include "runtime/support/DType.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <map>
#include <set>

namespace dsc {

static std::string dtypeOf(fb::DType t) { return std::string(dtypeName(static_cast<DType>(t))); }

static void describeGemm(const fb::Gemm &g, TraceSlice &slice) {
  std::string shape = absl::StrCat(g.m(), "x", g.n(), "x", g.k());
  if (g.batch() > 1)
    shape = absl::StrCat(g.batch(), "*", shape);
  slice.name = absl::StrCat("gemm ", shape);
  slice.args.push_back({"m x n x k", shape});
  std::string types =
      absl::StrCat(dtypeOf(g.a_dtype()), " x ", dtypeOf(g.b_dtype()), " -> ", dtypeOf(g.c_dtype()));
  if (g.fp8_recipe() != fb::Fp8Recipe::None)
    absl::StrAppend(&types, " (fp8 ", fb::EnumNameFp8Recipe(g.fp8_recipe()), ")");
  else if (g.fast_tf32())
    absl::StrAppend(&types, " (tf32)");
  slice.args.push_back({"types", types});
}

static void describeCollective(const fb::Collective &c, TraceSlice &slice) {
  uint64_t bytes = c.count() * dtypeSize(static_cast<DType>(c.dtype()));
  std::string kind = fb::EnumNameCollectiveKind(c.kind());
  slice.name = absl::StrCat(kind, " ", formatBytes(bytes));
  slice.communication = true;
  slice.args.push_back({"kind", kind});
  slice.args.push_back({"bytes", absl::StrCat(bytes)});
  slice.args.push_back({"count", absl::StrCat(c.count(), " ", dtypeOf(c.dtype()))});
  std::vector<uint32_t> axes;
  if (c.mesh_axes())
    axes.assign(c.mesh_axes()->begin(), c.mesh_axes()->end());
  slice.args.push_back({"mesh_axes", absl::StrJoin(axes, ",")});
}

TraceSlice describeTraceStep(const fb::Artifact &plan, size_t index, int rank) {
  const fb::Step &step = *plan.steps()->Get(static_cast<flatbuffers::uoffset_t>(index));
  TraceSlice slice;
  slice.rank = rank;
  slice.stream = step.stream();
  slice.step = index;
  switch (step.op_type()) {
  case fb::StepOp::KernelLaunch: {
    const fb::KernelLaunch &launch = *step.op_as_KernelLaunch();
    const fb::Kernel &kernel =
        *plan.modules()->Get(launch.module_())->kernels()->Get(launch.kernel());
    slice.name = kernel.name()->str();
    const fb::Dim3 &grid = *launch.grid(), &block = *launch.block();
    slice.args.push_back(
        {"grid x block", absl::StrCat(grid.x(), ",", grid.y(), ",", grid.z(), " x ", block.x(), ",",
                                      block.y(), ",", block.z())});
    break;
  }
  case fb::StepOp::Gemm:
    describeGemm(*step.op_as_Gemm(), slice);
    break;
  case fb::StepOp::Attention: {
    const fb::Attention &a = *step.op_as_Attention();
    slice.name = absl::StrCat("attention (cuDNN) ", a.batch(), "x", a.hq(), "x", a.tq(), "x",
                              a.tk(), " dh ", a.dh());
    break;
  }
  case fb::StepOp::Collective:
    describeCollective(*step.op_as_Collective(), slice);
    break;
  case fb::StepOp::Memset:
    slice.name = absl::StrCat("memset ", formatBytes(step.op_as_Memset()->bytes()));
    break;
  case fb::StepOp::Copy:
    slice.name = absl::StrCat("copy ", formatBytes(step.op_as_Copy()->bytes()));
    break;
  default:
    slice.name = "step";
    break;
  }
  if (step.op_name())
    slice.args.push_back({"op", step.op_name()->str()});
  if (step.loc() && step.loc()->size() > 0)
    slice.args.push_back({"loc", step.loc()->str()});
  slice.args.push_back({"step", absl::StrCat(index)});
  if (step.flops() > 0)
    slice.args.push_back({"flops", absl::StrCat(step.flops())});
  return slice;
}

/// A JSON string literal (RFC 8259: quote, backslash and control characters escaped).
static std::string jsonString(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      absl::StrAppend(&out, "\\", std::string(1, static_cast<char>(c)));
    else if (c < 0x20)
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
    else
      out.push_back(static_cast<char>(c));
  }
  return out + "\"";
}

std::string traceJson(absl::Span<const TraceSlice> slices) {
  std::vector<std::string> events;
  std::set<std::pair<int, uint32_t>> tracks;
  for (const TraceSlice &s : slices)
    tracks.insert({s.rank, s.stream});
  std::set<int> ranks;
  for (auto [rank, stream] : tracks) {
    if (ranks.insert(rank).second)
      events.push_back(
          absl::StrFormat(R"({"name":"process_name","ph":"M","pid":%d,"tid":0,"args":{"name":%s}})",
                          rank, jsonString(absl::StrCat("rank ", rank))));
    events.push_back(
        absl::StrFormat(R"({"name":"thread_name","ph":"M","pid":%d,"tid":%u,"args":{"name":%s}})",
                        rank, stream, jsonString(absl::StrCat("stream ", stream))));
  }
  for (const TraceSlice &s : slices) {
    std::vector<std::string> args;
    for (const auto &[key, value] : s.args)
      args.push_back(absl::StrCat(jsonString(key), ":", jsonString(value)));
    events.push_back(absl::StrFormat(
        R"({"name":%s,"cat":"%s","ph":"X","pid":%d,"tid":%u,"ts":%.3f,"dur":%.3f,"args":{%s}})",
        jsonString(s.name), s.communication ? "communication" : "compute", s.rank, s.stream,
        s.startUs, s.durationUs, absl::StrJoin(args, ",")));
  }
  return absl::StrCat(R"({"displayTimeUnit":"ns","traceEvents":[)", "\n",
                      absl::StrJoin(events, ",\n"), "\n]}\n");
}

absl::Status writeTrace(const std::string &path, absl::Span<const TraceSlice> slices) {
  std::string json = traceJson(slices);
  absl::Status s = writeFileAtomically(
      path, [&](AtomicFileWriter &w) { return w.write(json.data(), json.size()); });
  if (!s.ok())
    return absl::Status(s.code(), absl::StrCat("--trace ", path, ": ", s.message()));
  return s;
}

std::string rankTracePath(const std::string &path, int rank, int worldSize) {
  if (worldSize <= 1)
    return path;
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return absl::StrCat(path, ".rank", rank);
  return absl::StrCat(path.substr(0, dot), ".rank", rank, path.substr(dot));
}

namespace {
using Intervals = std::vector<std::pair<double, double>>;

/// Sorted, disjoint intervals covering the same points as `in`.
Intervals unite(Intervals in) {
  std::sort(in.begin(), in.end());
  Intervals out;
  for (auto [b, e] : in) {
    if (!out.empty() && b <= out.back().second)
      out.back().second = std::max(out.back().second, e);
    else
      out.push_back({b, e});
  }
  return out;
}

double length(const Intervals &u) {
  double total = 0;
  for (auto [b, e] : u)
    total += e - b;
  return total;
}

/// The length of the intersection of two unions (each sorted and disjoint).
double overlap(const Intervals &x, const Intervals &y) {
  double total = 0;
  for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    double b = std::max(x[i].first, y[j].first), e = std::min(x[i].second, y[j].second);
    if (e > b)
      total += e - b;
    if (x[i].second < y[j].second)
      ++i;
    else
      ++j;
  }
  return total;
}
} // namespace

TraceSummary summarizeTrace(absl::Span<const TraceSlice> slices) {
  std::map<std::pair<int, uint32_t>, std::pair<Intervals, Intervals>> byStream; // all, comm
  std::map<int, std::pair<Intervals, Intervals>> byRank;                        // compute, comm
  for (const TraceSlice &s : slices) {
    std::pair<double, double> span{s.startUs, s.startUs + s.durationUs};
    auto &stream = byStream[{s.rank, s.stream}];
    stream.first.push_back(span);
    auto &rank = byRank[s.rank];
    if (s.communication) {
      stream.second.push_back(span);
      rank.second.push_back(span);
    } else {
      rank.first.push_back(span);
    }
  }
  TraceSummary summary;
  for (auto &[key, spans] : byStream)
    summary.streams.push_back(
        {key.first, key.second, length(unite(spans.first)), length(unite(spans.second))});
  for (auto &[rank, spans] : byRank) {
    Intervals compute = unite(spans.first), comm = unite(spans.second);
    summary.computeUs += length(compute);
    summary.communicationUs += length(comm);
    summary.hiddenUs += overlap(compute, comm);
    Intervals all = unite([&] {
      Intervals both = compute;
      both.insert(both.end(), comm.begin(), comm.end());
      return both;
    }());
    if (!all.empty())
      summary.spanUs = std::max(summary.spanUs, all.back().second - all.front().first);
  }
  return summary;
}

std::string formatTraceSummary(const TraceSummary &summary) {
  std::string out;
  for (const StreamUsage &s : summary.streams)
    absl::StrAppendFormat(&out, "trace: rank %d stream %u: busy %.1f us, communication %.1f us\n",
                          s.rank, s.stream, s.busyUs, s.communicationUs);
  absl::StrAppendFormat(&out,
                        "trace: span %.1f us; compute %.1f us, communication %.1f us, of which "
                        "%.1f us overlapped compute (%.1f%% of communication hidden)\n",
                        summary.spanUs, summary.computeUs, summary.communicationUs,
                        summary.hiddenUs, 100 * summary.hiddenFraction());
  return out;
}

} // namespace dsc
