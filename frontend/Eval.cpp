//===- Eval.cpp - compile-time values of a .dsg model ---------------------===//

#include "frontend/Eval.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace dsc;
using namespace dsc::ast;

namespace {

/// Bounds that keep every later size computation (element counts, byte sizes) far from
/// int64 overflow; no real tensor comes near them.
constexpr int64_t kMaxDimSize = int64_t(1) << 40;
constexpr int64_t kMaxElements = int64_t(1) << 48;

} // namespace

const char *dsc::kindName(ConstValue::Kind kind) {
  switch (kind) {
  case ConstValue::Int:
    return "an integer";
  case ConstValue::Float:
    return "a number";
  case ConstValue::Bool:
    return "a boolean";
  case ConstValue::String:
    return "a string";
  case ConstValue::Symbol:
    return "a name";
  case ConstValue::List:
    return "a list";
  }
  return "a value";
}

std::string dsc::typeString(mlir::Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
  if (!tensor) {
    os << type;
    return s;
  }
  mlir::Type element = tensor.getElementType();
  if (element.isF32())
    os << "f32";
  else if (element.isBF16())
    os << "bf16";
  else if (element.isF16())
    os << "f16";
  else if (llvm::isa<mlir::Float8E4M3FNType>(element))
    os << "f8e4m3";
  else if (llvm::isa<mlir::Float8E5M2Type>(element))
    os << "f8e5m2";
  else
    os << element;
  os << "[";
  llvm::interleaveComma(tensor.getShape(), os);
  os << "]";
  return s;
}

mlir::Type Evaluator::elementType(llvm::StringRef name) const {
  mlir::Builder b(context);
  return llvm::StringSwitch<mlir::Type>(name)
      .Case("f32", b.getF32Type())
      .Case("bf16", b.getBF16Type())
      .Case("f16", b.getF16Type())
      .Cases({"f8e4m3", "f8e4m3fn"}, b.getType<mlir::Float8E4M3FNType>())
      .Case("f8e5m2", b.getType<mlir::Float8E5M2Type>())
      .Cases({"i1", "bool"}, b.getI1Type())
      .Case("i32", b.getI32Type())
      .Case("i64", b.getI64Type())
      .Default(mlir::Type());
}

mlir::LogicalResult Evaluator::defineDims(const std::vector<DimDef> &defs,
                                          const DimOverrides &overrides) {
  bool ok = true;
  llvm::StringMap<llvm::SMLoc> defined;
  for (const DimDef &def : defs) {
    if (auto [it, inserted] = defined.try_emplace(def.name, def.loc); !inserted) {
      diag.error(def.loc) << "dimension '" << def.name << "' is already defined";
      ok = false;
      continue;
    }
    if (auto it = overrides.find(def.name.str()); it != overrides.end()) {
      dims[def.name] = it->second;
      continue;
    }
    if (std::optional<int64_t> value = evaluateInt(*def.value, "a dimension")) {
      dims[def.name] = *value;
    } else {
      brokenDims.insert(def.name);
      ok = false;
    }
  }
  for (const auto &[name, value] : overrides) {
    if (defined.count(name))
      continue;
    // There is no source location for a flag; point at the dims the model does define.
    std::string known;
    for (const DimDef &def : defs)
      known += (known.empty() ? "" : ", ") + def.name.str();
    mlir::InFlightDiagnostic d = diag.error(defs.empty() ? llvm::SMLoc() : defs.front().loc);
    d << "-D " << name << "=" << value << ": the model has no dimension '" << name << "'";
    if (!known.empty())
      d << "; it defines " << known;
    ok = false;
  }
  return mlir::success(ok);
}

mlir::LogicalResult Evaluator::defineMesh(const ast::Module &module,
                                          const std::optional<MeshSpec> &override) {
  if (override) {
    meshAxes = *override;
    return mlir::success();
  }
  bool ok = true;
  llvm::StringSet<> seen;
  for (const ast::DimDef &def : module.mesh) {
    std::optional<int64_t> size = evaluateInt(*def.value, "a mesh axis size");
    if (!seen.insert(def.name).second) {
      diag.error(def.loc) << "mesh axis '" << def.name << "' is declared twice";
      ok = false;
    } else if (size && *size < 1) {
      diag.error(def.value->loc) << "mesh axis '" << def.name << "' has size " << *size
                                 << "; sizes must be at least 1";
      ok = false;
    } else if (!size) {
      ok = false;
    } else {
      meshAxes.push_back({def.name.str(), *size});
    }
  }
  if (!ok)
    meshAxes.clear();
  return mlir::success(ok);
}

std::optional<int64_t> Evaluator::evaluateInt(const Expr &expr, llvm::StringRef what) {
  std::optional<ConstValue> value = evaluate(expr);
  if (!value)
    return std::nullopt;
  if (value->kind == ConstValue::Symbol) {
    diag.error(expr.loc) << "unknown dimension '" << value->text << "'";
    return std::nullopt;
  }
  if (value->kind != ConstValue::Int) {
    diag.error(expr.loc) << "expected " << what << " (an integer), found " << kindName(value->kind);
    return std::nullopt;
  }
  return value->intValue;
}

std::optional<ConstValue> Evaluator::evaluate(const Expr &expr) {
  ConstValue value;
  value.loc = expr.loc;
  switch (expr.kind) {
  case Expr::Int:
    value.intValue = expr.intValue;
    return value;
  case Expr::Float:
    value.kind = ConstValue::Float;
    value.floatValue = expr.floatValue;
    return value;
  case Expr::Bool:
    value.kind = ConstValue::Bool;
    value.intValue = expr.intValue;
    return value;
  case Expr::String:
    value.kind = ConstValue::String;
    value.text = expr.text.str();
    return value;
  case Expr::Name:
    if (brokenDims.contains(expr.text))
      return std::nullopt;
    if (auto it = dims.find(expr.text); it != dims.end()) {
      value.intValue = it->second;
      return value;
    }
    value.kind = ConstValue::Symbol;
    value.text = expr.text.str();
    return value;
  case Expr::List:
    value.kind = ConstValue::List;
    for (const ExprPtr &element : expr.operands) {
      std::optional<ConstValue> v = evaluate(*element);
      if (!v)
        return std::nullopt;
      value.elements.push_back(std::move(*v));
    }
    return value;
  case Expr::Negate: {
    std::optional<ConstValue> v = evaluate(*expr.operands[0]);
    if (!v)
      return std::nullopt;
    if (v->kind == ConstValue::Float) {
      v->floatValue = -v->floatValue;
    } else if (v->kind == ConstValue::Int && v->intValue != INT64_MIN) {
      v->intValue = -v->intValue;
    } else {
      diag.error(expr.loc) << "cannot negate " << kindName(v->kind);
      return std::nullopt;
    }
    v->loc = expr.loc;
    return v;
  }
  case Expr::Binary:
    return evaluateBinary(expr);
  case Expr::Call:
    diag.error(expr.loc) << "expected a constant here, not a call of '" << expr.text << "'";
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<ConstValue> Evaluator::evaluateBinary(const Expr &expr) {
  std::optional<ConstValue> lhs = evaluate(*expr.operands[0]);
  std::optional<ConstValue> rhs = evaluate(*expr.operands[1]);
  if (!lhs || !rhs)
    return std::nullopt;
  for (const ConstValue *side : {&*lhs, &*rhs}) {
    if (side->kind == ConstValue::Symbol) {
      diag.error(side->loc) << "unknown dimension '" << side->text << "'";
      return std::nullopt;
    }
    if (!side->isNumber()) {
      diag.error(side->loc) << "'" << expr.text << "' needs numbers, found "
                            << kindName(side->kind);
      return std::nullopt;
    }
  }
  if (lhs->kind == ConstValue::Int && rhs->kind == ConstValue::Int)
    return evaluateIntBinary(expr, lhs->intValue, rhs->intValue);
  ConstValue result;
  result.kind = ConstValue::Float;
  result.loc = expr.loc;
  double a = lhs->asDouble(), b = rhs->asDouble();
  char op = expr.text[0];
  if ((op == '/' || op == '%') && b == 0) {
    diag.error(expr.loc) << "division by zero";
    return std::nullopt;
  }
  result.floatValue = op == '+'   ? a + b
                      : op == '-' ? a - b
                      : op == '*' ? a * b
                      : op == '/' ? a / b
                                  : std::fmod(a, b);
  return result;
}

std::optional<ConstValue> Evaluator::evaluateIntBinary(const Expr &expr, int64_t a, int64_t b) {
  ConstValue result;
  result.loc = expr.loc;
  bool overflow = false;
  switch (expr.text[0]) {
  case '+':
    overflow = __builtin_add_overflow(a, b, &result.intValue);
    break;
  case '-':
    overflow = __builtin_sub_overflow(a, b, &result.intValue);
    break;
  case '*':
    overflow = __builtin_mul_overflow(a, b, &result.intValue);
    break;
  default:
    if (b == 0) {
      diag.error(expr.loc) << "division by zero";
      return std::nullopt;
    }
    if (a == INT64_MIN && b == -1) {
      overflow = true;
      break;
    }
    if (expr.text[0] == '%') {
      result.intValue = a % b;
      break;
    }
    if (a % b != 0) {
      diag.error(expr.loc) << a << " / " << b
                           << " is not exact: integer division must leave no remainder";
      return std::nullopt;
    }
    result.intValue = a / b;
  }
  if (overflow) {
    diag.error(expr.loc) << "integer overflow in " << a << " " << expr.text << " " << b;
    return std::nullopt;
  }
  return result;
}

mlir::FailureOr<mlir::RankedTensorType> Evaluator::evaluateType(const TypeExpr &type) {
  mlir::Type element = elementType(type.dtype);
  if (!element) {
    diag.error(type.loc) << "unknown element type '" << type.dtype
                         << "'; expected f32, bf16, f16, f8e4m3, f8e5m2, i1, i32 or i64";
    return mlir::failure();
  }
  llvm::SmallVector<int64_t> shape;
  int64_t elements = 1;
  bool ok = true;
  for (const ExprPtr &dim : type.dims) {
    std::optional<int64_t> size = evaluateInt(*dim, "a dimension");
    if (!size) {
      ok = false;
      continue;
    }
    if (*size < 1 || *size > kMaxDimSize) {
      diag.error(dim->loc) << "dimension size " << *size << " is out of range [1, 2^40]";
      ok = false;
      continue;
    }
    shape.push_back(*size);
    if (__builtin_mul_overflow(elements, *size, &elements) || elements > kMaxElements) {
      diag.error(type.loc) << "tensor type has more than 2^48 elements";
      return mlir::failure();
    }
  }
  if (!ok)
    return mlir::failure();
  return mlir::RankedTensorType::get(shape, element);
}
