//===- ArtifactWriter.cpp - a plan module as a dsc artifact (.dsx) --------===//
//
// Builds the schema's object API (flatc --gen-object-api) form: the plan is
// small, so filling ArtifactT is simpler than hand-ordering FlatBufferBuilder
// calls. Serializing packs every table with its generated Pack except kernel
// modules, whose cubins must be 16-byte aligned (see serializeArtifact).
//
//===----------------------------------------------------------------------===//

#include "codegen/ArtifactWriter.h"

#include "passes/PipelineToPlan.h"
#include "runtime/artifact/Artifact.h"

#include "ir/DscDialect.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

using namespace mlir;

namespace dsc::codegen {
namespace {

fb::DType toFb(DType t) { return static_cast<fb::DType>(t); }

/// The verifiers admit "blockwise" and "tensor" only.
fb::Fp8Recipe fp8RecipeToFb(StringRef recipe) {
  return recipe == "tensor" ? fb::Fp8Recipe::Tensor : fb::Fp8Recipe::Blockwise;
}

/// A plan split_axes attribute (verified) as the schema's ShardDim list.
std::vector<std::unique_ptr<fb::ShardDimT>> splitAxes(ArrayAttr attr) {
  std::vector<std::unique_ptr<fb::ShardDimT>> dims;
  for (Attribute dim : attr) {
    auto entry = std::make_unique<fb::ShardDimT>();
    for (int32_t axis : cast<DenseI32ArrayAttr>(dim).asArrayRef())
      entry->mesh_axes.push_back(static_cast<uint32_t>(axis));
    dims.push_back(std::move(entry));
  }
  return dims;
}

/// How the runtime makes a quantized param from its source weight.
std::unique_ptr<fb::Fp8WeightT> fp8Weight(plan::ParamOp op) {
  auto w = std::make_unique<fb::Fp8WeightT>();
  auto source = cast<RankedTensorType>(*op.getSourceType());
  w->source = op.getSource()->str();
  w->source_dtype = toFb(*dtypeOf(source.getElementType()));
  w->source_shape.assign(source.getShape().begin(), source.getShape().end());
  w->recipe = fp8RecipeToFb(*op.getFp8Recipe());
  w->scales = op.getFp8Scales();
  if (auto split = op.getSplitAxesAttr())
    w->split_axes = splitAxes(split);
  if (std::optional<ArrayRef<int64_t>> start = op.getSourceStart())
    w->source_start.assign(start->begin(), start->end());
  return w;
}

class ArtifactBuilder {
public:
  ArtifactBuilder(const PlanKernels &kernels, fb::ArtifactT &artifact)
      : kernels(kernels), a(artifact) {}

  LogicalResult run(func::FuncOp main);
  void addModule(const std::vector<Cubin> &cubins);

private:
  const PlanKernels &kernels;
  fb::ArtifactT &a;
  llvm::DenseMap<Value, uint32_t> bufferIndex;
  /// Per launch: its index in `kernels` and its kernel's index in the module.
  llvm::DenseMap<Operation *, size_t> launchIndex;
  llvm::DenseMap<Operation *, uint32_t> kernelOfLaunch;
  /// Per stream and pipeline stage (-1: none), the events of plan.waits not yet given to a
  /// step: a rank runs one stage's steps only, so a wait goes to a step of its own stage.
  std::map<std::pair<uint32_t, int64_t>, std::vector<uint32_t>> pendingWaits;

  uint32_t addBuffer(Value value, fb::BufferKind kind,
                     std::optional<int64_t> offset);
  LogicalResult addTensor(Operation *op, StringRef name, Value value,
                          fb::BufferKind kind, std::optional<int64_t> offset);
  std::unique_ptr<fb::BufferRef> ref(Value value);
  LogicalResult addStep(Operation *op);
  fb::KernelLaunchT launchStep(Operation *op);
  fb::GemmT gemmStep(plan::GemmOp op);
  fb::AttentionT attentionStep(plan::AttentionOp op);
  fb::CollectiveT collectiveStep(plan::CollectiveOp op);
};

DType elementDType(Value v) {
  // Plan buffers are verified to hold dsc element types.
  return *dtypeOf(cast<MemRefType>(v.getType()).getElementType());
}

fb::CollectiveT ArtifactBuilder::collectiveStep(plan::CollectiveOp op) {
  fb::CollectiveT c;
  c.kind = static_cast<fb::CollectiveKind>(op.getKind());
  c.reduce_op = static_cast<fb::ReduceOp>(op.getReduction().value_or(plan::Reduction::sum));
  if (op.getSend())
    c.send = ref(op.getSend());
  if (op.getRecv())
    c.recv = ref(op.getRecv());
  // NCCL's count (Artifact.fbs): the per-rank block for the ops that scatter, the send
  // buffer otherwise.
  Value buffer = op.getSend() ? op.getSend() : op.getRecv();
  int64_t elements = cast<MemRefType>(buffer.getType()).getNumElements();
  if (op.getKind() == plan::CollectiveKind::reduce_scatter ||
      op.getKind() == plan::CollectiveKind::all_to_all)
    elements /= *op.groupSize();
  c.count = static_cast<uint64_t>(elements);
  c.dtype = toFb(elementDType(buffer));
  c.peer = op.getPeer().value_or(-1);
  for (int32_t axis : op.getMeshAxes())
    c.mesh_axes.push_back(static_cast<uint32_t>(axis));
  return c;
}

uint32_t ArtifactBuilder::addBuffer(Value value, fb::BufferKind kind,
                                    std::optional<int64_t> offset) {
  auto buffer = std::make_unique<fb::BufferT>();
  buffer->kind = kind;
  buffer->offset = offset.value_or(0);
  buffer->size = plan::bufferBytes(cast<MemRefType>(value.getType()));
  buffer->alignment = plan::kBufferAlignment;
  a.buffers.push_back(std::move(buffer));
  uint32_t index = a.buffers.size() - 1;
  bufferIndex[value] = index;
  return index;
}

LogicalResult ArtifactBuilder::addTensor(Operation *op, StringRef name,
                                         Value value, fb::BufferKind kind,
                                         std::optional<int64_t> offset) {
  if (!offset)
    return op->emitOpError() << "has no offset; run dsc-plan-memory first";
  auto type = cast<MemRefType>(value.getType());
  auto tensor = std::make_unique<fb::TensorInfoT>();
  tensor->name = name.str();
  tensor->dtype = toFb(elementDType(value));
  tensor->shape.assign(type.getShape().begin(), type.getShape().end());
  tensor->buffer = addBuffer(value, kind, offset);
  auto &table = kind == fb::BufferKind::Param   ? a.params
                : kind == fb::BufferKind::Input ? a.inputs
                                                : a.outputs;
  table.push_back(std::move(tensor));
  return success();
}

std::unique_ptr<fb::BufferRef> ArtifactBuilder::ref(Value value) {
  auto [root, offset] = plan::rootBuffer(value);
  return std::make_unique<fb::BufferRef>(bufferIndex.lookup(root), offset);
}

fb::KernelLaunchT ArtifactBuilder::launchStep(Operation *op) {
  fb::KernelLaunchT launch;
  launch.module_ = 0;
  launch.kernel = kernelOfLaunch.lookup(op);
  const LaunchConfig &config =
      kernels.module.kernels[launchIndex.lookup(op)].launch;
  launch.grid = std::make_unique<fb::Dim3>(config.grid, 1, 1);
  launch.block = std::make_unique<fb::Dim3>(config.block, 1, 1);
  launch.shared_bytes = config.sharedBytes;
  for (Value v : op->getOperands()) {
    std::unique_ptr<fb::BufferRef> r = ref(v);
    launch.args.emplace_back(fb::ArgKind::Buffer, r->buffer(), r->offset(), 0,
                             0.0);
  }
  return launch;
}

fb::GemmT ArtifactBuilder::gemmStep(plan::GemmOp op) {
  fb::GemmT g;
  g.a = ref(op.getA());
  g.b = ref(op.getB());
  g.c = ref(op.getC());
  if (op.getBias())
    g.bias = ref(op.getBias());
  g.m = op.getM();
  g.n = op.getN();
  g.k = op.getK();
  g.batch = op.getBatch();
  g.lda = op.getLda();
  g.ldb = op.getLdb();
  g.ldc = op.getLdc();
  g.stride_a = op.getStrideA();
  g.stride_b = op.getStrideB();
  g.stride_c = op.getStrideC();
  g.transa = op.getTransa();
  g.transb = op.getTransb();
  g.a_dtype = toFb(elementDType(op.getA()));
  g.b_dtype = toFb(elementDType(op.getB()));
  g.c_dtype = toFb(elementDType(op.getC()));
  g.compute_dtype = toFb(dtypeOf(op.getComputeType()).value_or(DType::F32));
  g.alpha = op.getAlpha().convertToDouble();
  g.beta = op.getBeta().convertToDouble();
  // plan::Epilogue and fb::Epilogue list the same cases in the same order.
  g.epilogue = static_cast<fb::Epilogue>(op.getEpilogue());
  if (op.getD())
    g.d = ref(op.getD());
  g.fast_tf32 = op.getTf32();
  if (std::optional<StringRef> recipe = op.getFp8Recipe()) {
    g.fp8_recipe = fp8RecipeToFb(*recipe);
    g.a_scale = ref(op.getAScale());
    g.b_scale = ref(op.getBScale());
  }
  return g;
}

fb::AttentionT ArtifactBuilder::attentionStep(plan::AttentionOp op) {
  fb::AttentionT t;
  t.q = ref(op.getQ());
  t.k = ref(op.getK());
  t.v = ref(op.getV());
  t.out = ref(op.getOut());
  t.batch = op.getBatch();
  t.tq = op.getTq();
  t.tk = op.getTk();
  t.hq = op.getHq();
  t.hkv = op.getHkv();
  t.dh = op.getDh();
  t.dv = op.getDv();
  t.causal = op.getCausal();
  t.scale = static_cast<float>(op.getScale().convertToDouble());
  t.dtype = toFb(elementDType(op.getQ()));
  return t;
}

/// Stream and events, common to every step op.
template <typename StepOp> void setSchedule(StepOp op, fb::StepT &step) {
  step.stream = op.getStream();
  if (std::optional<ArrayRef<int32_t>> waits = op.getWaitEvents())
    step.wait_events.assign(waits->begin(), waits->end());
  if (std::optional<uint32_t> record = op.getRecordEvent())
    step.record_event = *record;
}

LogicalResult ArtifactBuilder::addStep(Operation *op) {
  auto step = std::make_unique<fb::StepT>();
  for (Value v : op->getOperands())
    step->bytes += plan::bufferBytes(cast<MemRefType>(v.getType()));
  step->loc = sourceLocation(op->getLoc());
  TypeSwitch<Operation *>(op)
      .Case([&](plan::LaunchOp o) {
        setSchedule(o, *step);
        step->op_name = o.getOp().str();
        step->op.Set(launchStep(o));
      })
      .Case([&](plan::GemmOp o) {
        setSchedule(o, *step);
        step->op_name = "dsc.matmul";
        step->flops = 2 * o.getBatch() * o.getM() * o.getN() * o.getK();
        step->op.Set(gemmStep(o));
      })
      .Case([&](plan::AttentionOp o) {
        setSchedule(o, *step);
        step->op_name = "dsc.attention";
        // QK^T and PV, as ModelSummary's opFlops counts dsc.attention (the
        // whole square, causal or not).
        step->flops = 2 * o.getBatch() * o.getHq() * o.getTq() * o.getTk() *
                      (o.getDh() + o.getDv());
        // cuDNN's attention is the schema's Attention step; the generated
        // kernel a launch.
        if (o.getBackend() == "cudnn")
          step->op.Set(attentionStep(o));
        else
          step->op.Set(launchStep(o));
      })
      .Case([&](plan::MemsetOp o) {
        setSchedule(o, *step);
        step->op_name = o->getName().getStringRef().str();
        fb::MemsetT m;
        m.dst = ref(o.getDst());
        m.bytes = plan::bufferBytes(o.getDst().getType());
        m.value = o.getValue();
        step->op.Set(std::move(m));
      })
      .Case([&](plan::CollectiveOp o) {
        setSchedule(o, *step);
        step->op_name = ("collective." + plan::stringifyEnum(o.getKind())).str();
        step->op.Set(collectiveStep(o));
      })
      .Case([&](plan::CopyOp o) {
        setSchedule(o, *step);
        step->op_name = o->getName().getStringRef().str();
        fb::CopyT c;
        c.src = ref(o.getSrc());
        c.dst = ref(o.getDst());
        c.bytes = plan::bufferBytes(o.getSrc().getType());
        step->op.Set(std::move(c));
      });
  if (std::optional<int64_t> stage = pipelineStageOf(op))
    step->stage = static_cast<int32_t>(*stage);
  if (auto microbatch = op->getAttrOfType<IntegerAttr>(plan::PlanDialect::kMicrobatchAttr))
    step->microbatch = static_cast<int32_t>(microbatch.getInt());
  // The plan.waits before this step on its stream (addWait).
  std::vector<uint32_t> &waits = pendingWaits[{step->stream, step->stage}];
  step->wait_events.insert(step->wait_events.end(), waits.begin(), waits.end());
  waits.clear();
  a.num_streams = std::max<uint32_t>(a.num_streams, step->stream + 1);
  if (step->record_event >= 0)
    a.num_events = std::max<uint32_t>(a.num_events, step->record_event + 1);
  a.steps.push_back(std::move(step));
  return success();
}

LogicalResult ArtifactBuilder::run(func::FuncOp main) {
  llvm::StringMap<uint32_t> kernelByName;
  for (size_t i = 0; i < kernels.launches.size(); ++i) {
    Operation *launch = kernels.launches[i];
    launchIndex[launch] = i;
    // Kernels are numbered in first-use order, as addModule lists them.
    kernelOfLaunch[launch] =
        kernelByName
            .try_emplace(kernels.module.kernels[i].name, kernelByName.size())
            .first->second;
  }

  for (Operation &op : main.getBody().front()) {
    LogicalResult result =
        TypeSwitch<Operation *, LogicalResult>(&op)
            .Case([&](plan::ParamOp o) {
              if (failed(addTensor(o, o.getName(), o, fb::BufferKind::Param,
                                   o.getOffset())))
                return failure();
              if (o.getSource())
                a.params.back()->fp8_weight = fp8Weight(o);
              a.params.back()->state = o.getState();
              a.params.back()->mesh_coords = o.getMeshCoords();
              if (auto split = o.getSplitAxesAttr(); split && !o.getSource())
                a.params.back()->split_axes = splitAxes(split);
              if (auto stages = o->getAttrOfType<DenseI64ArrayAttr>(plan::PlanDialect::kStagesAttr))
                for (int64_t stage : stages.asArrayRef())
                  a.params.back()->stages.push_back(static_cast<uint32_t>(stage));
              return success();
            })
            .Case([&](plan::InputOp o) {
              if (failed(addTensor(o, o.getName(), o, fb::BufferKind::Input, o.getOffset())))
                return failure();
              if (auto split = o.getSplitAxesAttr())
                a.inputs.back()->split_axes = splitAxes(split);
              return success();
            })
            .Case([&](plan::OutputOp o) {
              return addTensor(o, o.getName(), o, fb::BufferKind::Output,
                               o.getOffset());
            })
            .Case([&](plan::AllocOp o) -> LogicalResult {
              if (!o.getOffset())
                return o.emitOpError()
                       << "has no offset; run dsc-plan-memory first";
              addBuffer(o,
                        o.getKind() == plan::BufferKind::workspace
                            ? fb::BufferKind::Workspace
                            : fb::BufferKind::Activation,
                        o.getOffset());
              return success();
            })
            .Case([&](plan::ConstantOp o) {
              return o.emitOpError()
                     << "cannot be written to an artifact yet: the artifact "
                        "format has no place for constant data";
            })
            .Case<plan::LaunchOp, plan::GemmOp, plan::AttentionOp, plan::MemsetOp, plan::CopyOp,
                  plan::CollectiveOp>([&](Operation *o) { return addStep(o); })
            .Case([&](plan::WaitOp o) {
              // No step of its own: the next step on its stream waits (PlanOps.td).
              pendingWaits[{o.getStream(), pipelineStageOf(o).value_or(-1)}].push_back(
                  o.getEvent());
              return success();
            })
            .Case<plan::ViewOp, func::ReturnOp>([](Operation *) { return success(); })
            .Default([](Operation *o) {
              return o->emitOpError()
                     << "is not a plan op; run dsc-lower-to-plan first";
            });
    if (failed(result))
      return failure();
  }
  return success();
}

void ArtifactBuilder::addModule(const std::vector<Cubin> &cubins) {
  if (kernels.launches.empty())
    return;
  auto module = std::make_unique<fb::KernelModuleT>();
  for (const Cubin &cubin : cubins) {
    auto image = std::make_unique<fb::KernelImageT>();
    image->arch = cubin.arch;
    image->format = fb::ModuleFormat::Cubin;
    image->cubin.assign(cubin.image.begin(), cubin.image.end());
    module->images.push_back(std::move(image));
  }
  llvm::StringSet<> seen;
  for (size_t i = 0; i < kernels.launches.size(); ++i) {
    Operation *launch = kernels.launches[i];
    const EmittedKernel &kernel = kernels.module.kernels[i];
    if (!seen.insert(kernel.name).second)
      continue;
    auto k = std::make_unique<fb::KernelT>();
    k->name = kernel.name;
    auto planLaunch = dyn_cast<plan::LaunchOp>(launch);
    k->source_op = planLaunch ? planLaunch.getOp().str() : "dsc.attention";
    if (std::string loc = sourceLocation(launch->getLoc()); !loc.empty())
      k->source_op += " at " + loc;
    module->kernels.push_back(std::move(k));
  }
  a.modules.push_back(std::move(module));
}

/// The schedule of a pipelined @main (dsc.pipeline) as the artifact's Pipeline table.
LogicalResult addPipeline(func::FuncOp main, fb::ArtifactT &a) {
  FailureOr<std::optional<PipelineSchedule>> schedule = readPipelineSchedule(main);
  if (failed(schedule))
    return failure();
  if (!*schedule)
    return success();
  auto dict = main->getAttrOfType<DictionaryAttr>(DscDialect::kPipelineAttr);
  auto axis = dict.getAs<IntegerAttr>("axis");
  if (!axis)
    return main.emitOpError("has a dsc.pipeline without its grid 'axis'");
  auto p = std::make_unique<fb::PipelineT>();
  p->schedule = (*schedule)->kind;
  p->mesh_axis = static_cast<uint32_t>(axis.getInt());
  p->microbatches = static_cast<uint32_t>((*schedule)->microbatches);
  p->placement = (*schedule)->placement;
  p->chain_length = (*schedule)->chainLength;
  auto module = main->getParentOfType<ModuleOp>();
  auto rankParams = module->getAttrOfType<DenseI64ArrayAttr>(kRankParamBytesAttr);
  auto rankArena = module->getAttrOfType<DenseI64ArrayAttr>(kRankArenaBytesAttr);
  bool perRank = rankParams && rankArena &&
                 rankParams.size() == static_cast<int64_t>((*schedule)->steps.size()) &&
                 rankArena.size() == rankParams.size();
  for (auto [r, steps] : llvm::enumerate((*schedule)->steps)) {
    auto rank = std::make_unique<fb::PipelineRankT>();
    for (const PipelineStep &step : steps)
      rank->steps.push_back(formatStep(step));
    if (perRank) {
      rank->memory = std::make_unique<fb::PipelineRankMemoryT>();
      rank->memory->param_bytes = static_cast<uint64_t>(rankParams[r]);
      rank->memory->arena_bytes = static_cast<uint64_t>(rankArena[r]);
    }
    p->ranks.push_back(std::move(rank));
  }
  a.pipeline = std::move(p);
  return success();
}

int64_t moduleAttr(ModuleOp module, StringRef name) {
  auto attr = module->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : 0;
}

} // namespace

FailureOr<fb::ArtifactT> buildArtifact(ModuleOp module,
                                       const PlanKernels &kernels,
                                       const std::vector<Cubin> &cubins,
                                       const ArtifactOptions &options) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return module.emitError() << "no function @main to write as an artifact";
  if (!module->hasAttr("plan.arena_bytes"))
    return module.emitError()
           << "has no plan.arena_bytes; run dsc-plan-memory first";
  fb::ArtifactT a;
  a.format_version = kArtifactFormatVersion;
  a.producer = "dsc " + std::string(kDscVersion);
  a.source = options.source;
  a.target_archs = options.archs;
  a.arena_bytes = moduleAttr(module, "plan.arena_bytes");
  a.param_bytes = moduleAttr(module, "plan.param_bytes");
  if (auto meshAttr = module->getAttrOfType<DictionaryAttr>(plan::PlanDialect::kMeshAttr)) {
    FailureOr<plan::Mesh> mesh = plan::getMesh(main);
    if (failed(mesh))
      return failure();
    a.mesh = std::make_unique<fb::MeshT>();
    for (StringRef axis : mesh->axes)
      a.mesh->axis_names.push_back(axis.str());
    a.mesh->shape.assign(mesh->shape.begin(), mesh->shape.end());
  }
  if (failed(addPipeline(main, a)))
    return failure();
  ArtifactBuilder builder(kernels, a);
  if (failed(builder.run(main)))
    return failure();
  builder.addModule(cubins);
  return a;
}

namespace {

/// Artifact.fbs asks writers to align KernelImage.cubin to 16 bytes (ELF
/// headers are read with 8-byte loads); the object API's Pack cannot align a
/// vector, so serializeArtifact builds the modules itself.
constexpr size_t kCubinAlignment = 16;

flatbuffers::Offset<fb::KernelModule>
packModule(flatbuffers::FlatBufferBuilder &fbb,
           const fb::KernelModuleT &module) {
  std::vector<flatbuffers::Offset<fb::KernelImage>> images;
  for (const auto &image : module.images) {
    auto arch = fbb.CreateString(image->arch);
    fbb.ForceVectorAlignment(image->cubin.size(), sizeof(uint8_t),
                             kCubinAlignment);
    auto cubin = fbb.CreateVector(image->cubin);
    images.push_back(fb::CreateKernelImage(fbb, arch, image->format, cubin));
  }
  std::vector<flatbuffers::Offset<fb::Kernel>> kernels;
  for (const auto &kernel : module.kernels)
    kernels.push_back(fb::Kernel::Pack(fbb, kernel.get()));
  return fb::CreateKernelModule(fbb, fbb.CreateVector(images),
                                fbb.CreateVector(kernels));
}

template <typename Table, typename Object>
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<Table>>>
packAll(flatbuffers::FlatBufferBuilder &fbb,
        const std::vector<std::unique_ptr<Object>> &objects) {
  std::vector<flatbuffers::Offset<Table>> offsets;
  for (const auto &object : objects)
    offsets.push_back(Table::Pack(fbb, object.get()));
  return fbb.CreateVector(offsets);
}

} // namespace

std::vector<uint8_t> serializeArtifact(const fb::ArtifactT &artifact) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fb::KernelModule>> moduleOffsets;
  for (const auto &module : artifact.modules)
    moduleOffsets.push_back(packModule(fbb, *module));
  auto modules = fbb.CreateVector(moduleOffsets);
  auto producer = fbb.CreateString(artifact.producer);
  auto source = fbb.CreateString(artifact.source);
  auto archs = fbb.CreateVectorOfStrings(artifact.target_archs);
  auto params = packAll<fb::TensorInfo>(fbb, artifact.params);
  auto inputs = packAll<fb::TensorInfo>(fbb, artifact.inputs);
  auto outputs = packAll<fb::TensorInfo>(fbb, artifact.outputs);
  auto buffers = packAll<fb::Buffer>(fbb, artifact.buffers);
  auto steps = packAll<fb::Step>(fbb, artifact.steps);
  auto mesh =
      artifact.mesh ? fb::Mesh::Pack(fbb, artifact.mesh.get()) : flatbuffers::Offset<fb::Mesh>();
  auto pipeline = artifact.pipeline ? fb::Pipeline::Pack(fbb, artifact.pipeline.get())
                                    : flatbuffers::Offset<fb::Pipeline>();
  // Every field of Artifact.fbs's Artifact; a field appended there must be
  // added here too.
  fb::ArtifactBuilder root(fbb);
  root.add_format_version(artifact.format_version);
  root.add_producer(producer);
  root.add_source(source);
  root.add_target_archs(archs);
  root.add_modules(modules);
  root.add_params(params);
  root.add_inputs(inputs);
  root.add_outputs(outputs);
  root.add_buffers(buffers);
  root.add_arena_bytes(artifact.arena_bytes);
  root.add_param_bytes(artifact.param_bytes);
  root.add_steps(steps);
  root.add_num_streams(artifact.num_streams);
  root.add_num_events(artifact.num_events);
  if (artifact.mesh)
    root.add_mesh(mesh);
  if (artifact.pipeline)
    root.add_pipeline(pipeline);
  fbb.Finish(root.Finish(), fb::ArtifactIdentifier());
  return std::vector<uint8_t>(fbb.GetBufferPointer(),
                              fbb.GetBufferPointer() + fbb.GetSize());
}

LogicalResult writeArtifactFile(ModuleOp module, const std::string &path,
                                const ArtifactOptions &options) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return module.emitError() << "no function @main to write as an artifact";
  FailureOr<PlanKernels> kernels = emitPlanKernels(main);
  if (failed(kernels))
    return failure();
  std::vector<Cubin> cubins;
  if (!kernels->launches.empty()) {
    FailureOr<std::vector<Cubin>> compiled =
        compilePlanKernels(*kernels, options.archs, main.getLoc());
    if (failed(compiled))
      return failure();
    cubins = std::move(*compiled);
  }
  FailureOr<fb::ArtifactT> artifact =
      buildArtifact(module, *kernels, cubins, options);
  if (failed(artifact))
    return failure();
  std::vector<uint8_t> payload = serializeArtifact(*artifact);
  if (absl::Status status = writeArtifact(path, payload); !status.ok())
    return emitError(module.getLoc()) << std::string(status.message());
  return success();
}

} // namespace dsc::codegen
