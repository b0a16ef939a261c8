//===- ModelSummary.h - what a dsc graph holds and costs --------*- C++ -*-===//
//
// Counts a graph's ops by kind, its parameters and their bytes, its inputs and outputs, and the
// FLOPs of its matmuls and attention. `dsc --emit=summary` prints it; the cost model of later
// passes (pipeline balancing, overlap) starts from the same per-op FLOP counts.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_MODELSUMMARY_H
#define DSC_IR_MODELSUMMARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace dsc {

struct NamedTensor {
  std::string name;
  mlir::Type type;
};

struct ModelSummary {
  std::vector<NamedTensor> inputs, outputs;
  int64_t numParams = 0;       // distinct parameter names
  int64_t paramElements = 0;   // over distinct names
  int64_t paramBytes = 0;
  int64_t numOps = 0;
  llvm::MapVector<llvm::StringRef, int64_t> opCounts; // op name -> count, in first-seen order
  double matmulFlops = 0;      // 2*M*N*K per output element row, batches included
  double attentionFlops = 0;   // QK^T and PV products, causal masking not subtracted
};

/// Bytes of one element as stored on the device (i1 takes a byte).
int64_t elementBytes(mlir::Type elementType);

/// FLOPs of one op (0 for ops that are not matmul or attention).
double opFlops(mlir::Operation *op);

/// Summarizes the function `main` of `module` (or its first function).
ModelSummary summarizeModel(mlir::ModuleOp module);

void printModelSummary(const ModelSummary &summary, llvm::raw_ostream &os);

} // namespace dsc

#endif // DSC_IR_MODELSUMMARY_H
