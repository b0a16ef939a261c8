//===- ModelSummary.cpp - what a dsc graph holds and costs ----------------===//

#include "ir/ModelSummary.h"
#include "ir/DscDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"

using namespace mlir;

namespace dsc {

int64_t elementBytes(Type elementType) {
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return bits < 8 ? 1 : bits / 8;
}

double opFlops(Operation *op) {
  if (auto mm = llvm::dyn_cast<MatmulOp>(op)) {
    auto a = mm.getA().getType();
    int64_t k = mm.getTransposeA() ? a.getDimSize(a.getRank() - 2) : a.getDimSize(a.getRank() - 1);
    return 2.0 * static_cast<double>(mm.getType().getNumElements()) * static_cast<double>(k);
  }
  if (auto attn = llvm::dyn_cast<AttentionOp>(op)) {
    auto q = attn.getQ().getType();
    auto v = attn.getV().getType();
    double b = q.getDimSize(0), tq = q.getDimSize(1), h = q.getDimSize(2), dh = q.getDimSize(3);
    double tk = v.getDimSize(1), dv = v.getDimSize(3);
    return 2.0 * b * h * tq * tk * (dh + dv);
  }
  return 0.0;
}

static std::string nameOf(DictionaryAttr attrs, size_t index) {
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>(DscDialect::kNameAttr))
      return name.str();
  return "#" + std::to_string(index);
}

ModelSummary summarizeModel(ModuleOp module) {
  ModelSummary s;
  func::FuncOp fn = module.lookupSymbol<func::FuncOp>("main");
  if (!fn)
    for (auto f : module.getOps<func::FuncOp>()) {
      fn = f;
      break;
    }
  if (!fn)
    return s;
  for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes()))
    s.inputs.push_back({nameOf(fn.getArgAttrDict(i), i), type});
  for (auto [i, type] : llvm::enumerate(fn.getResultTypes()))
    s.outputs.push_back({nameOf(fn.getResultAttrDict(i), i), type});
  llvm::StringSet<> seenParams;
  fn.walk([&](Operation *op) {
    if (op == fn.getOperation() || llvm::isa<func::ReturnOp, YieldOp>(op))
      return;
    ++s.numOps;
    ++s.opCounts[op->getName().getStringRef()];
    if (auto param = llvm::dyn_cast<ParamOp>(op)) {
      if (seenParams.insert(param.getName()).second) {
        auto t = llvm::cast<RankedTensorType>(param.getType());
        ++s.numParams;
        s.paramElements += t.getNumElements();
        s.paramBytes += t.getNumElements() * elementBytes(t.getElementType());
      }
    }
    double flops = opFlops(op);
    if (llvm::isa<AttentionOp>(op))
      s.attentionFlops += flops;
    else
      s.matmulFlops += flops;
  });
  return s;
}

static void printScaled(llvm::raw_ostream &os, double v, const char *unit) {
  static const char *prefixes[] = {"", "K", "M", "G", "T", "P"};
  int p = 0;
  while (v >= 1000.0 && p < 5) {
    v /= 1000.0;
    ++p;
  }
  os << llvm::format("%.2f %s%s", v, prefixes[p], unit);
}

void printModelSummary(const ModelSummary &s, llvm::raw_ostream &os) {
  auto printTensors = [&](const char *title, const std::vector<NamedTensor> &tensors) {
    os << title << ":\n";
    for (const NamedTensor &t : tensors)
      os << "  " << t.name << ": " << t.type << "\n";
  };
  printTensors("inputs", s.inputs);
  printTensors("outputs", s.outputs);
  os << "parameters: " << s.numParams << " tensors, ";
  printScaled(os, static_cast<double>(s.paramElements), "");
  os << " elements, ";
  printScaled(os, static_cast<double>(s.paramBytes), "B");
  os << "\nops: " << s.numOps << "\n";
  for (const auto &[name, count] : s.opCounts)
    os << llvm::format("  %-20s %lld\n", name.str().c_str(), static_cast<long long>(count));
  os << "FLOPs per run: matmul ";
  printScaled(os, s.matmulFlops, "FLOP");
  os << ", attention ";
  printScaled(os, s.attentionFlops, "FLOP");
  os << "\n";
}

} // namespace dsc
