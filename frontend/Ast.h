//===- Ast.h - the syntax tree of a .dsg model ------------------*- C++ -*-===//
//
// What the parser produces and the IR generator walks. It stays close to the text: names are
// resolved and dimension expressions evaluated only during IR generation, where the dims
// overridden on the command line are known.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_AST_H
#define DSC_FRONTEND_AST_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dsc::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name = value` inside a call or an annotation.
struct KeywordArg {
  llvm::StringRef name;
  llvm::SMLoc loc;
  ExprPtr value;
};

struct Expr {
  enum Kind { Name, Int, Float, String, Bool, List, Call, Binary, Negate };

  Kind kind;
  llvm::SMLoc loc;
  /// Name: the identifier; Call: the callee; String: the text; Binary: the operator.
  llvm::StringRef text;
  int64_t intValue = 0;
  double floatValue = 0;
  /// List: the elements; Call: the positional arguments; Binary: lhs, rhs; Negate: operand.
  std::vector<ExprPtr> operands;
  /// Call only.
  std::vector<KeywordArg> keywords;

  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
};

/// `bf16[B, T, D]`.
struct TypeExpr {
  llvm::StringRef dtype;
  llvm::SMLoc loc;
  std::vector<ExprPtr> dims;
};

/// `@shard(_, tp)` or `@precision(fp8)`: the arguments stay unevaluated expressions.
struct Annotation {
  llvm::StringRef name;
  llvm::SMLoc loc;
  std::vector<ExprPtr> args;
  std::vector<KeywordArg> keywords;
};

/// A graph input or output, or a statement's target: `name: type @annotations`.
struct Binding {
  llvm::StringRef name; // Empty for an unnamed output.
  llvm::SMLoc loc;
  std::optional<TypeExpr> type;
  std::vector<Annotation> annotations;
};

struct Stmt {
  enum Kind { Param, Assign, Return };

  Kind kind = Assign;
  llvm::SMLoc loc;
  /// Param: one binding with the type; Assign: the targets; Return: the optional output names.
  std::vector<Binding> targets;
  /// Param: the optional `as "key"`.
  std::optional<std::string> key;
  /// Assign: one value; Return: one per output.
  std::vector<ExprPtr> values;
  /// Assign: `repeat COUNT graph(args)`.
  ExprPtr repeatCount;
  /// Assign: `prefix "layers.{i}."` for a graph application.
  std::optional<std::string> prefix;
  llvm::SMLoc prefixLoc;
  /// Param and Assign: annotations of the declared or produced value.
  std::vector<Annotation> annotations;
  /// A statement that did not parse, kept so that later uses of its targets stay quiet.
  bool broken = false;
};

struct Graph {
  llvm::StringRef name;
  llvm::SMLoc loc;
  std::vector<Binding> inputs;
  std::vector<Binding> outputs;
  std::vector<Stmt> body;
  llvm::SMLoc endLoc;
};

struct DimDef {
  llvm::StringRef name;
  llvm::SMLoc loc;
  ExprPtr value;
};

struct Module {
  std::vector<DimDef> dims;
  /// `mesh dp = 2, tp = 4`: the device mesh's axes and sizes, outermost first; empty when
  /// not declared.
  std::vector<DimDef> mesh;
  llvm::SMLoc meshLoc;
  std::vector<Graph> graphs;
};

} // namespace dsc::ast

#endif // DSC_FRONTEND_AST_H
