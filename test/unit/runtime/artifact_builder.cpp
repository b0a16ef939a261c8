//===- artifact_builder.cpp - Small artifacts for the runtime tests -------===//

#include "artifact_builder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace dsc::test {
namespace {

std::unique_ptr<fb::BufferT> buffer(fb::BufferKind kind, uint64_t offset,
                                    uint64_t size) {
  auto b = std::make_unique<fb::BufferT>();
  b->kind = kind;
  b->offset = offset;
  b->size = size;
  b->alignment = 16;
  return b;
}

std::unique_ptr<fb::TensorInfoT>
tensor(const std::string &name, std::vector<int64_t> shape, uint32_t buffer) {
  auto t = std::make_unique<fb::TensorInfoT>();
  t->name = name;
  t->dtype = fb::DType::F32;
  t->shape = std::move(shape);
  t->buffer = buffer;
  return t;
}

std::unique_ptr<fb::KernelImageT> image(const std::string &arch) {
  auto i = std::make_unique<fb::KernelImageT>();
  i->arch = arch;
  i->format = fb::ModuleFormat::Cubin;
  i->cubin = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0x33, 0, 0, 0, 0, 0, 0, 0, 0};
  return i;
}

template <typename Op>
std::unique_ptr<fb::StepT> step(Op op, const std::string &name,
                                const std::string &loc, uint64_t flops) {
  auto s = std::make_unique<fb::StepT>();
  s->op.Set(std::move(op));
  s->op_name = name;
  s->loc = loc;
  s->flops = flops;
  s->bytes = 96;
  return s;
}

} // namespace

std::unique_ptr<fb::ArtifactT> makeValidArtifact() {
  auto a = std::make_unique<fb::ArtifactT>();
  a->format_version = kArtifactFormatVersion;
  a->producer = "dsc 0.1.0";
  a->source = "tiny.dsg";
  a->target_archs = {"sm_90a", "sm_80"};

  auto module = std::make_unique<fb::KernelModuleT>();
  module->images.push_back(image("sm_90a"));
  module->images.push_back(image("sm_80"));
  auto kernel = std::make_unique<fb::KernelT>();
  kernel->name = "dsc_softmax_0";
  kernel->source_op = "dsc.softmax at tiny.dsg:3:5";
  module->kernels.push_back(std::move(kernel));
  a->modules.push_back(std::move(module));

  a->buffers.push_back(buffer(fb::BufferKind::Param, 0, 64));
  a->buffers.push_back(buffer(fb::BufferKind::Input, 0, 32));
  a->buffers.push_back(buffer(fb::BufferKind::Output, 32, 32));
  a->buffers.push_back(buffer(fb::BufferKind::Activation, 64, 32));
  a->buffers.push_back(buffer(fb::BufferKind::Workspace, 96, 32));
  a->param_bytes = 64;
  a->arena_bytes = 128;
  a->params.push_back(tensor("w", {4, 4}, 0));
  a->inputs.push_back(tensor("x", {2, 4}, 1));
  a->outputs.push_back(tensor("y", {2, 4}, 2));

  // Row-major t[2,4] = x[2,4] @ w[4,4], as column-major t^T = w^T x^T.
  fb::GemmT gemm;
  gemm.a = std::make_unique<fb::BufferRef>(0, 0);
  gemm.b = std::make_unique<fb::BufferRef>(1, 0);
  gemm.c = std::make_unique<fb::BufferRef>(3, 0);
  gemm.m = 4;
  gemm.n = 2;
  gemm.k = 4;
  gemm.lda = 4;
  gemm.ldb = 4;
  gemm.ldc = 4;
  a->steps.push_back(step(std::move(gemm), "dsc.matmul", "tiny.dsg:2:7", 64));
  a->steps.back()->record_event = 0;

  fb::KernelLaunchT launch;
  launch.module_ = 0;
  launch.kernel = 0;
  launch.grid = std::make_unique<fb::Dim3>(1, 1, 1);
  launch.block = std::make_unique<fb::Dim3>(32, 1, 1);
  launch.args = {fb::Arg(fb::ArgKind::Buffer, 3, 0, 0, 0.0),
                 fb::Arg(fb::ArgKind::Buffer, 2, 0, 0, 0.0),
                 fb::Arg(fb::ArgKind::I32, 0, 0, 8, 0.0)};
  a->steps.push_back(
      step(std::move(launch), "dsc.softmax", "tiny.dsg:3:5", 40));
  a->steps.back()->stream = 1;
  a->steps.back()->wait_events = {0};

  fb::AttentionT attention;
  attention.q = std::make_unique<fb::BufferRef>(3, 0);
  attention.k = std::make_unique<fb::BufferRef>(3, 0);
  attention.v = std::make_unique<fb::BufferRef>(3, 0);
  attention.out = std::make_unique<fb::BufferRef>(4, 0);
  attention.batch = 1;
  attention.tq = attention.tk = 2;
  attention.hq = attention.hkv = 1;
  attention.dh = attention.dv = 4;
  attention.causal = true;
  attention.scale = 0.5f;
  a->steps.push_back(
      step(std::move(attention), "dsc.attention", "tiny.dsg:4:5", 64));

  fb::MemsetT memset;
  memset.dst = std::make_unique<fb::BufferRef>(2, 0);
  memset.bytes = 32;
  a->steps.push_back(step(std::move(memset), "dsc.zeros", "", 0));

  fb::CopyT copy;
  copy.src = std::make_unique<fb::BufferRef>(4, 0);
  copy.dst = std::make_unique<fb::BufferRef>(2, 0);
  copy.bytes = 32;
  a->steps.push_back(step(std::move(copy), "", "", 0));

  a->num_streams = 2;
  a->num_events = 1;
  return a;
}

std::vector<uint8_t> packPayload(const fb::ArtifactT &artifact) {
  flatbuffers::FlatBufferBuilder builder;
  fb::FinishArtifactBuffer(builder, fb::Artifact::Pack(builder, &artifact));
  return {builder.GetBufferPointer(),
          builder.GetBufferPointer() + builder.GetSize()};
}

std::vector<uint8_t> packFile(const fb::ArtifactT &artifact) {
  return sealArtifact(packPayload(artifact));
}

ScratchDir::ScratchDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "dsc-runtime-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    ADD_FAILURE() << "mkdtemp failed";
  dir = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

} // namespace dsc::test
