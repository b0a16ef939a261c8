//===- Annotations.cpp - @shard and @precision ----------------------------===//

#include "frontend/Annotations.h"

#include "ir/DscDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"

using namespace dsc;
using namespace mlir;

namespace {

/// "dp, tp" for messages.
std::string axisList(const MeshSpec &mesh) {
  std::string list;
  for (const MeshAxis &axis : mesh)
    list += (list.empty() ? "" : ", ") + axis.name;
  return list;
}

/// A mesh axis list: `_` (none), `tp`, `"tp"` or `[dp, tp]` (outermost first). With a mesh,
/// every axis must be one of its axes.
FailureOr<ArrayAttr> meshAxes(const ConstValue &v, Diagnoser &diag, Builder &b,
                              const MeshSpec &mesh) {
  SmallVector<Attribute> axes;
  auto addAxis = [&](const ConstValue &axis) -> LogicalResult {
    if ((axis.kind == ConstValue::Symbol || axis.kind == ConstValue::String) &&
        !axis.text.empty() && axis.text != "_") {
      if (!mesh.empty() &&
          llvm::none_of(mesh, [&](const MeshAxis &m) { return m.name == axis.text; })) {
        diag.error(axis.loc) << "unknown mesh axis '" << axis.text << "'; the mesh has "
                             << axisList(mesh);
        return failure();
      }
      axes.push_back(b.getStringAttr(axis.text));
      return success();
    }
    diag.error(axis.loc) << "expected a mesh axis name, found " << kindName(axis.kind);
    return failure();
  };
  if (v.kind == ConstValue::Symbol && v.text == "_")
    return b.getArrayAttr({});
  if (v.kind != ConstValue::List)
    return failed(addAxis(v)) ? FailureOr<ArrayAttr>(failure()) : b.getArrayAttr(axes);
  llvm::StringSet<> seen;
  for (const ConstValue &axis : v.elements) {
    if (failed(addAxis(axis)))
      return failure();
    if (!seen.insert(axis.text).second) {
      diag.error(axis.loc) << "mesh axis '" << axis.text << "' is listed twice";
      return failure();
    }
  }
  return b.getArrayAttr(axes);
}

FailureOr<Attribute> shardAttr(const ast::Annotation &a, Type type, Diagnoser &diag,
                               Evaluator &eval) {
  Builder b(type.getContext());
  const MeshSpec &mesh = eval.mesh();
  SmallVector<Attribute> dims;
  auto tensor = llvm::cast<RankedTensorType>(type);
  if (static_cast<int64_t>(a.args.size()) != tensor.getRank()) {
    diag.error(a.loc) << "@shard lists " << a.args.size() << " dimensions but the value is "
                      << typeString(type) << " of rank " << tensor.getRank()
                      << " (use _ for a dimension that is not split)";
    return failure();
  }
  // With a mesh, each axis splits at most one dim, and a dim's size must divide evenly.
  llvm::StringSet<> used;
  auto checkUnused = [&](ArrayAttr axes, llvm::SMLoc loc) -> LogicalResult {
    for (Attribute axis : axes) {
      StringRef name = llvm::cast<StringAttr>(axis).getValue();
      if (!used.insert(name).second) {
        diag.error(loc) << "mesh axis '" << name << "' is used twice in one @shard";
        return failure();
      }
    }
    return success();
  };
  for (auto [dim, arg] : llvm::enumerate(a.args)) {
    std::optional<ConstValue> v = eval.evaluate(*arg);
    if (!v)
      return failure();
    FailureOr<ArrayAttr> axes = meshAxes(*v, diag, b, mesh);
    if (failed(axes) || failed(checkUnused(*axes, arg->loc)))
      return failure();
    int64_t parts = 1;
    for (Attribute axis : *axes)
      for (const MeshAxis &m : mesh)
        if (m.name == llvm::cast<StringAttr>(axis).getValue())
          parts *= m.size;
    int64_t size = tensor.getDimSize(dim);
    if (size % parts != 0) {
      diag.error(arg->loc) << "dimension " << dim << " of " << typeString(type) << " (size " << size
                           << ") does not split evenly over " << parts << " ranks";
      return failure();
    }
    dims.push_back(*axes);
  }
  SmallVector<NamedAttribute> entries = {b.getNamedAttr("dims", b.getArrayAttr(dims))};
  for (const ast::KeywordArg &keyword : a.keywords) {
    if (keyword.name != "partial") {
      diag.error(keyword.loc) << "@shard has no option '" << keyword.name
                              << "'; it takes partial=[axes]";
      return failure();
    }
    std::optional<ConstValue> v = eval.evaluate(*keyword.value);
    if (!v)
      return failure();
    FailureOr<ArrayAttr> axes = meshAxes(*v, diag, b, mesh);
    if (failed(axes) || failed(checkUnused(*axes, keyword.value->loc)))
      return failure();
    entries.push_back(b.getNamedAttr("partial", *axes));
  }
  return Attribute(b.getDictionaryAttr(entries));
}

FailureOr<Attribute> precisionAttr(const ast::Annotation &a, Type type, Diagnoser &diag,
                                   Evaluator &eval) {
  std::optional<ConstValue> v;
  if (a.args.size() == 1 && a.keywords.empty())
    v = eval.evaluate(*a.args[0]);
  else
    diag.error(a.loc) << "@precision takes one of fp32, tf32, bf16, fp16, fp8";
  if (!v)
    return failure();
  bool known = (v->kind == ConstValue::Symbol || v->kind == ConstValue::String) &&
               llvm::is_contained({"fp32", "tf32", "bf16", "fp16", "fp8"}, v->text);
  if (!known) {
    diag.error(v->loc) << "unknown precision; expected fp32, tf32, bf16, fp16 or fp8";
    return failure();
  }
  return Attribute(StringAttr::get(type.getContext(), v->text));
}

} // namespace

LogicalResult dsc::convertAnnotations(llvm::ArrayRef<ast::Annotation> annotations, Type type,
                                      Diagnoser &diag, Evaluator &eval, NamedAttrList &attrs) {
  bool ok = true;
  for (const ast::Annotation &a : annotations) {
    llvm::StringRef attrName;
    FailureOr<Attribute> attr = failure();
    if (a.name == "shard") {
      attrName = DscDialect::kShardAttr;
      attr = shardAttr(a, type, diag, eval);
    } else if (a.name == "precision") {
      attrName = DscDialect::kPrecisionAttr;
      attr = precisionAttr(a, type, diag, eval);
    } else {
      diag.error(a.loc) << "unknown annotation '@" << a.name
                        << "'; expected @shard(...) or @precision(...)";
    }
    if (failed(attr)) {
      ok = false;
      continue;
    }
    if (attrs.get(attrName)) {
      diag.error(a.loc) << "'@" << a.name << "' is given twice";
      ok = false;
      continue;
    }
    attrs.set(attrName, *attr);
  }
  return success(ok);
}
