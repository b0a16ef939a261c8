//===- ArtifactInfo.cpp - A human-readable summary of an artifact ---------===//

#include "runtime/artifact/ArtifactInfo.h"

#include "runtime/artifact/PipelinePlan.h"

#include "runtime/support/DType.h"
#include "runtime/support/HostArray.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include <map>
#include <vector>

namespace dsc {
namespace {

template <typename T> uint64_t sizeOf(const flatbuffers::Vector<T> *v) {
  return v ? v->size() : 0;
}

/// "1.50 GiB (1610612736 bytes)" style: readable and exact.
std::string formatBytes(uint64_t bytes) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024)
    return absl::StrCat(bytes, " bytes");
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.2f %s (%d bytes)", value, units[unit], bytes);
}

std::string formatCount(double value, const char *unit) {
  static const char *const prefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int prefix = 0;
  while (value >= 1000 && prefix < 6) {
    value /= 1000;
    ++prefix;
  }
  return absl::StrFormat("%.3g %s%s", value, prefixes[prefix], unit);
}

/// " split [_, tp]" for a split over mesh axes (the checker has checked the
/// axes), else "".
std::string describeSplit(const flatbuffers::Vector<flatbuffers::Offset<fb::ShardDim>> *split,
                          const fb::Mesh *mesh) {
  if (!split || split->size() == 0 || !mesh || !mesh->axis_names())
    return "";
  std::vector<std::string> dims;
  for (const fb::ShardDim *dim : *split) {
    std::vector<std::string> axes;
    for (uint32_t i = 0; dim && dim->mesh_axes() && i < dim->mesh_axes()->size(); ++i) {
      uint32_t axis = dim->mesh_axes()->Get(i);
      axes.push_back(axis < mesh->axis_names()->size() ? mesh->axis_names()->Get(axis)->str()
                                                       : absl::StrCat("axis", axis));
    }
    dims.push_back(axes.empty() ? "_" : absl::StrJoin(axes, "+"));
  }
  return absl::StrCat(" split [", absl::StrJoin(dims, ", "), "]");
}

void appendTensors(std::string &out, const char *title,
                   const flatbuffers::Vector<flatbuffers::Offset<fb::TensorInfo>> *table,
                   const fb::Mesh *mesh) {
  absl::StrAppend(&out, title, " (", sizeOf(table), "):\n");
  for (flatbuffers::uoffset_t i = 0; i < sizeOf(table); ++i) {
    const fb::TensorInfo &t = *table->Get(i);
    std::vector<int64_t> shape;
    if (t.shape())
      shape.assign(t.shape()->begin(), t.shape()->end());
    // An fp8 param made from the rank's part of its source: " (fp8 of wo split [tp, _])".
    const fb::Fp8Weight *fp8 = t.fp8_weight();
    std::string part = fp8 && sizeOf(fp8->split_axes())
                           ? absl::StrCat(" (fp8 of ", fp8->source() ? fp8->source()->str() : "",
                                          describeSplit(fp8->split_axes(), mesh), ")")
                           : "";
    absl::StrAppend(&out, "  ", t.name()->c_str(), "  ",
                    describeArray(static_cast<DType>(t.dtype()), shape),
                    describeSplit(t.split_axes(), mesh), part,
                    t.mesh_coords() ? " (this rank's mesh coordinates)" : "", "\n");
  }
}

/// "pipeline: fill-drain over pp, 2 stages, 2 micro-batches", then per pipeline rank its
/// steps in the plan and its schedule.
void appendPipeline(std::string &out, const fb::Artifact &a) {
  const fb::Pipeline *p = a.pipeline();
  if (!p)
    return;
  const fb::Mesh *mesh = a.mesh();
  std::string axis = mesh && mesh->axis_names() && p->mesh_axis() < mesh->axis_names()->size()
                         ? mesh->axis_names()->Get(p->mesh_axis())->str()
                         : absl::StrCat("axis ", p->mesh_axis());
  absl::StrAppend(&out, "pipeline: ", p->schedule() ? p->schedule()->str() : "", " over ", axis,
                  ", ", sizeOf(p->placement()), " stages, ", p->microbatches(), " micro-batches\n");
  for (flatbuffers::uoffset_t r = 0; r < sizeOf(p->ranks()); ++r) {
    std::vector<std::string> steps;
    const fb::PipelineRank *rank = p->ranks()->Get(r);
    for (flatbuffers::uoffset_t i = 0; i < sizeOf(rank->steps()); ++i)
      steps.push_back(rank->steps()->Get(i)->str());
    std::vector<int64_t> coords(mesh ? sizeOf(mesh->shape()) : 0, 0);
    if (p->mesh_axis() < coords.size())
      coords[p->mesh_axis()] = r;
    size_t count = stepsOfRank(a, coords).size(), params = 0;
    for (flatbuffers::uoffset_t i = 0; i < sizeOf(a.params()); ++i)
      params += rankReadsParam(a, i, coords);
    RegionBytes regions = pipelineRankRegions(a, r);
    absl::StrAppend(&out, "  ", axis, "=", r, ": ", count, " steps, ", params, " params in ",
                    formatBytes(regions.params), ", arena ", formatBytes(regions.arena), ": ",
                    absl::StrJoin(steps, " "), "\n");
  }
}

} // namespace

std::string formatArtifactInfo(const LoadedArtifact &loaded) {
  const fb::Artifact &a = loaded.artifact();
  std::string out = absl::StrCat(loaded.name(), ": dsc artifact, format ",
                                 a.format_version());
  if (a.producer() && a.producer()->size())
    absl::StrAppend(&out, ", built by ", a.producer()->c_str());
  if (a.source() && a.source()->size())
    absl::StrAppend(&out, " from ", a.source()->c_str());
  std::vector<std::string> archs;
  for (const auto *arch : *a.target_archs())
    archs.push_back(arch->str());
  absl::StrAppend(&out, "\ntargets: ", absl::StrJoin(archs, ", "), "\n");

  appendTensors(out, "params", a.params(), a.mesh());
  appendTensors(out, "inputs", a.inputs(), a.mesh());
  appendTensors(out, "outputs", a.outputs(), a.mesh());

  absl::StrAppend(&out, "memory: arena ", formatBytes(a.arena_bytes()),
                  ", params ", formatBytes(a.param_bytes()), ", ",
                  sizeOf(a.buffers()), " buffers\n");
  uint64_t kernels = 0, imageBytes = 0;
  for (flatbuffers::uoffset_t m = 0; m < sizeOf(a.modules()); ++m) {
    const fb::KernelModule &module = *a.modules()->Get(m);
    kernels += sizeOf(module.kernels());
    for (flatbuffers::uoffset_t i = 0; i < sizeOf(module.images()); ++i)
      imageBytes += sizeOf(module.images()->Get(i)->cubin());
  }
  absl::StrAppend(&out, "kernels: ", kernels, " in ", sizeOf(a.modules()),
                  " modules, ", formatBytes(imageBytes), " of code\n");

  // Ordered by the union's tag, so the output is stable.
  std::map<int, uint64_t> byKind;
  uint64_t flops = 0, bytes = 0;
  for (flatbuffers::uoffset_t i = 0; i < sizeOf(a.steps()); ++i) {
    const fb::Step &step = *a.steps()->Get(i);
    ++byKind[static_cast<int>(step.op_type())];
    flops += step.flops();
    bytes += step.bytes();
  }
  std::vector<std::string> kinds;
  for (auto [kind, count] : byKind)
    kinds.push_back(absl::StrCat(
        fb::EnumNameStepOp(static_cast<fb::StepOp>(kind)), " ", count));
  if (const fb::Mesh *mesh = a.mesh()) {
    std::vector<std::string> axes;
    for (flatbuffers::uoffset_t i = 0; i < mesh->shape()->size(); ++i)
      axes.push_back(absl::StrCat(mesh->axis_names()->Get(i)->str(), "=", mesh->shape()->Get(i)));
    absl::StrAppend(&out, "mesh: ", absl::StrJoin(axes, ", "), "\n");
  }
  appendPipeline(out, a);
  absl::StrAppend(&out, "steps: ", sizeOf(a.steps()));
  if (!kinds.empty())
    absl::StrAppend(&out, " (", absl::StrJoin(kinds, ", "), ")");
  absl::StrAppend(&out, " on ", a.num_streams(), " streams, ", a.num_events(),
                  " events\n");
  absl::StrAppend(&out,
                  "total: ", formatCount(static_cast<double>(flops), "FLOP"),
                  " (", flops, "), ", formatBytes(bytes), " moved\n");
  return out;
}

} // namespace dsc
