//===- Eval.h - compile-time values of a .dsg model -------------*- C++ -*-===//
//
// Dimension constants, attribute values and tensor types are all written as expressions over
// the model's named dims; this evaluates them with overflow-checked integer arithmetic, where
// `/` must divide exactly, so a shape that does not work out is an error at its source.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_EVAL_H
#define DSC_FRONTEND_EVAL_H

#include "frontend/Ast.h"
#include "frontend/Diag.h"
#include "frontend/Frontend.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace dsc {

/// A literal after evaluation. `Symbol` is a bare name that is not a dim (`bf16`, `tanh`,
/// `tp`, `_`); whoever reads the value decides what it may mean.
struct ConstValue {
  enum Kind { Int, Float, Bool, String, Symbol, List };

  Kind kind = Int;
  llvm::SMLoc loc;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string text;
  std::vector<ConstValue> elements;

  bool isNumber() const { return kind == Int || kind == Float; }
  double asDouble() const { return kind == Int ? static_cast<double>(intValue) : floatValue; }
};

/// "integer", "list", ... for messages.
const char *kindName(ConstValue::Kind kind);

class Evaluator {
public:
  Evaluator(Diagnoser &diag, mlir::MLIRContext *context) : diag(diag), context(context) {}

  /// Evaluates the `dim` definitions in order, taking overridden values from `overrides`.
  /// Reports overrides that name no dim.
  mlir::LogicalResult defineDims(const std::vector<ast::DimDef> &defs,
                                 const DimOverrides &overrides);

  /// Evaluates the model's `mesh` declaration, or takes `override` (from `--mesh`) instead.
  mlir::LogicalResult defineMesh(const ast::Module &module,
                                 const std::optional<MeshSpec> &override);
  /// The device mesh; empty when the model has none.
  const MeshSpec &mesh() const { return meshAxes; }

  std::optional<ConstValue> evaluate(const ast::Expr &expr);
  /// An integer expression: `what` names it in messages ("dimension", "repeat count").
  std::optional<int64_t> evaluateInt(const ast::Expr &expr, llvm::StringRef what);
  mlir::FailureOr<mlir::RankedTensorType> evaluateType(const ast::TypeExpr &type);
  /// The element type named `name`, or null.
  mlir::Type elementType(llvm::StringRef name) const;

  bool isDim(llvm::StringRef name) const { return dims.count(name); }

private:
  std::optional<ConstValue> evaluateBinary(const ast::Expr &expr);
  std::optional<ConstValue> evaluateIntBinary(const ast::Expr &expr, int64_t lhs, int64_t rhs);

  Diagnoser &diag;
  mlir::MLIRContext *context;
  llvm::StringMap<int64_t> dims;
  MeshSpec meshAxes;
  /// Dims whose definition failed: expressions using them fail without another message.
  llvm::StringSet<> brokenDims;
};

/// `bf16[2, 16, 256]`: types in messages read like the .dsg source.
std::string typeString(mlir::Type type);

} // namespace dsc

#endif // DSC_FRONTEND_EVAL_H
