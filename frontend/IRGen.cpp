//===- IRGen.cpp - syntax tree to dsc IR ----------------------------------===//

#include "frontend/IRGen.h"
#include "frontend/Annotations.h"
#include "frontend/OpTable.h"

#include "ir/DscDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"

using namespace dsc;
using namespace dsc::ast;
using namespace mlir;

namespace {

/// Bounds on what a model may expand to. Llama-7B is about 1,500 ops and DeepSeek-V3 a few
/// thousand; the bounds only stop a typo (`repeat 3200000`) from eating the machine.
constexpr int64_t kMaxRepeat = 100000;
constexpr int64_t kMaxOps = 1000000;
/// Each nested application is a few stack frames; this keeps a chain of graphs off the
/// stack's end.
constexpr size_t kMaxNesting = 200;

/// Values by name in one application of a graph. A null value marks a name whose definition
/// failed: its uses fail quietly instead of repeating the error.
using Scope = llvm::StringMap<Value>;

struct Signature {
  SmallVector<Type> inputs, outputs;
  bool ok = true;
};

class IRGenerator {
public:
  IRGenerator(const ast::Module &module, Diagnoser &diag, Evaluator &eval, MLIRContext *context)
      : module(module), diag(diag), eval(eval), builder(context) {}

  OwningOpRef<ModuleOp> generate(SMLoc moduleLoc);

private:
  LogicalResult collectGraphs();
  const Signature &signature(const Graph &graph);
  func::FuncOp createFunc(ModuleOp m, const Graph &graph, StringRef name);
  FailureOr<SmallVector<Value>> instantiate(const Graph &graph, ArrayRef<Value> args,
                                            StringRef prefix);
  FailureOr<SmallVector<Value>> applyGraph(const Graph &graph, const Expr &call,
                                           ArrayRef<Value> args, StringRef prefix);
  LogicalResult genStatement(const Stmt &stmt, Scope &scope, StringRef prefix);
  LogicalResult genParam(const Stmt &stmt, Scope &scope, StringRef prefix);
  LogicalResult genAssign(const Stmt &stmt, Scope &scope, StringRef prefix);
  FailureOr<SmallVector<Value>> genReturn(const Stmt &stmt, const Graph &graph, Scope &scope,
                                          StringRef prefix);
  FailureOr<SmallVector<Value>> genRepeat(const Stmt &stmt, Scope &scope, StringRef prefix);
  FailureOr<SmallVector<Value>> genApplication(const Stmt &stmt, Scope &scope, StringRef prefix);
  FailureOr<SmallVector<Value>> genExpr(const Expr &expr, Scope &scope, StringRef prefix);
  FailureOr<SmallVector<Value>> genCall(const Expr &expr, Scope &scope, StringRef prefix);
  FailureOr<SmallVector<Value>> genArgs(const Expr &call, Scope &scope, StringRef prefix);
  FailureOr<Value> genValue(const Expr &expr, Scope &scope, StringRef prefix);
  FailureOr<Value> lookup(const Expr &expr, Scope &scope);
  FailureOr<std::string> applicationPrefix(const Stmt &stmt, StringRef outer, bool repeated);
  LogicalResult countOp(SMLoc loc);

  const ast::Module &module;
  Diagnoser &diag;
  Evaluator &eval;
  OpBuilder builder;
  llvm::StringMap<const Graph *> graphs;
  llvm::DenseMap<const Graph *, Signature> signatures;
  llvm::SmallPtrSet<const Graph *, 8> active, failedGraphs, usedGraphs;
  /// Every parameter emitted, by full name: one name must mean one tensor type.
  llvm::StringMap<std::pair<Type, SMLoc>> params;
  int64_t numOps = 0;
};

LogicalResult IRGenerator::collectGraphs() {
  bool ok = true;
  for (const Graph &graph : module.graphs) {
    if (isOpName(graph.name)) {
      diag.error(graph.loc) << "graph '" << graph.name << "' has the name of an op";
      ok = false;
    } else if (auto [it, inserted] = graphs.try_emplace(graph.name, &graph); !inserted) {
      diag.error(graph.loc) << "graph '" << graph.name << "' is already defined";
      ok = false;
    }
    llvm::StringSet<> inputs, outputs;
    for (const Binding &input : graph.inputs) {
      if (!inputs.insert(input.name).second) {
        diag.error(input.loc) << "input '" << input.name << "' is already declared";
        ok = false;
      }
    }
    for (const Binding &output : graph.outputs) {
      if (!output.name.empty() && !outputs.insert(output.name).second) {
        diag.error(output.loc) << "output '" << output.name << "' is already declared";
        ok = false;
      }
    }
  }
  return success(ok);
}

const Signature &IRGenerator::signature(const Graph &graph) {
  if (auto it = signatures.find(&graph); it != signatures.end())
    return it->second;
  Signature sig;
  bool isMain = graph.name == "main";
  for (const auto *list : {&graph.inputs, &graph.outputs}) {
    for (const Binding &b : *list) {
      FailureOr<RankedTensorType> type = eval.evaluateType(*b.type);
      sig.ok &= succeeded(type);
      (list == &graph.inputs ? sig.inputs : sig.outputs)
          .push_back(succeeded(type) ? *type : Type());
      if (!isMain && !b.annotations.empty()) {
        diag.error(b.annotations.front().loc)
            << "annotations on a sub-graph's inputs and outputs are not supported; "
               "annotate the value where it is produced";
        sig.ok = false;
      }
    }
  }
  return signatures[&graph] = std::move(sig);
}

LogicalResult IRGenerator::countOp(SMLoc loc) {
  if (++numOps <= kMaxOps)
    return success();
  if (numOps == kMaxOps + 1)
    diag.error(loc) << "the model expands to more than " << kMaxOps << " ops";
  return failure();
}

FailureOr<SmallVector<Value>> IRGenerator::instantiate(const Graph &graph, ArrayRef<Value> args,
                                                       StringRef prefix) {
  Scope scope;
  for (auto [input, arg] : llvm::zip(graph.inputs, args))
    scope[input.name] = arg;
  bool ok = true, returned = false;
  SmallVector<Value> results;
  for (const Stmt &stmt : graph.body) {
    if (diag.tooMany() || numOps > kMaxOps)
      return failure();
    if (returned) {
      diag.error(stmt.loc) << "statement after 'return'";
      ok = false;
      break;
    }
    if (stmt.kind != Stmt::Return) {
      ok &= succeeded(genStatement(stmt, scope, prefix));
      continue;
    }
    returned = true;
    FailureOr<SmallVector<Value>> values = stmt.broken ? FailureOr<SmallVector<Value>>(failure())
                                                       : genReturn(stmt, graph, scope, prefix);
    ok &= succeeded(values);
    if (succeeded(values))
      results = std::move(*values);
  }
  if (!returned && ok)
    diag.error(graph.endLoc) << "graph '" << graph.name << "' ends without 'return'";
  if (!ok || !returned)
    return failure();
  return results;
}

FailureOr<SmallVector<Value>> IRGenerator::applyGraph(const Graph &graph, const Expr &call,
                                                      ArrayRef<Value> args, StringRef prefix) {
  const Signature &sig = signature(graph);
  usedGraphs.insert(&graph);
  if (!call.keywords.empty()) {
    diag.error(call.keywords.front().loc)
        << "graph '" << graph.name << "' takes no keyword arguments";
    return failure();
  }
  if (args.size() != sig.inputs.size()) {
    diag.error(call.loc) << "graph '" << graph.name << "' takes " << sig.inputs.size()
                         << " inputs, got " << args.size();
    return failure();
  }
  if (!sig.ok || failedGraphs.count(&graph))
    return failure();
  for (auto [i, arg] : llvm::enumerate(args)) {
    if (arg.getType() != sig.inputs[i]) {
      diag.error(call.operands[i]->loc)
          << "input '" << graph.inputs[i].name << "' of graph '" << graph.name << "' is "
          << typeString(sig.inputs[i]) << ", got " << typeString(arg.getType());
      return failure();
    }
  }
  if (active.size() >= kMaxNesting) {
    diag.error(call.loc) << "graph applications nest more than " << kMaxNesting << " deep";
    return failure();
  }
  if (!active.insert(&graph).second) {
    diag.error(call.loc) << "graph '" << graph.name << "' applies itself";
    return failure();
  }
  FailureOr<SmallVector<Value>> results = instantiate(graph, args, prefix);
  active.erase(&graph);
  if (failed(results))
    failedGraphs.insert(&graph);
  return results;
}

LogicalResult IRGenerator::genStatement(const Stmt &stmt, Scope &scope, StringRef prefix) {
  LogicalResult result = stmt.broken                ? failure()
                         : stmt.kind == Stmt::Param ? genParam(stmt, scope, prefix)
                                                    : genAssign(stmt, scope, prefix);
  if (failed(result))
    for (const Binding &target : stmt.targets)
      scope[target.name] = Value();
  return result;
}

LogicalResult IRGenerator::genParam(const Stmt &stmt, Scope &scope, StringRef prefix) {
  const Binding &decl = stmt.targets.front();
  FailureOr<RankedTensorType> type = eval.evaluateType(*decl.type);
  if (failed(type))
    return failure();
  std::string name = (prefix + (stmt.key ? StringRef(*stmt.key) : decl.name)).str();
  if (name.empty()) {
    diag.error(decl.loc) << "parameter key is empty";
    return failure();
  }
  auto [it, inserted] = params.try_emplace(name, *type, decl.loc);
  if (!inserted && it->second.first != *type) {
    InFlightDiagnostic d = diag.error(decl.loc);
    d << "parameter '" << name << "' is " << typeString(*type) << " here but "
      << typeString(it->second.first) << " where it was first declared";
    d.attachNote(diag.loc(it->second.second)) << "first declared here";
    return failure();
  }
  NamedAttrList attrs;
  if (failed(convertAnnotations(stmt.annotations, *type, diag, eval, attrs)) ||
      failed(countOp(decl.loc)))
    return failure();
  auto op = ParamOp::create(builder, diag.loc(decl.loc), *type, name);
  for (NamedAttribute attr : attrs)
    op->setAttr(attr.getName(), attr.getValue());
  scope[decl.name] = op.getResult();
  return success();
}

LogicalResult IRGenerator::genAssign(const Stmt &stmt, Scope &scope, StringRef prefix) {
  const Expr &value = *stmt.values.front();
  bool isApplication = value.kind == Expr::Call && graphs.count(value.text);
  FailureOr<SmallVector<Value>> results = stmt.repeatCount ? genRepeat(stmt, scope, prefix)
                                          : stmt.prefix    ? genApplication(stmt, scope, prefix)
                                                           : genExpr(value, scope, prefix);
  if (failed(results))
    return failure();
  if (results->size() != stmt.targets.size()) {
    diag.error(stmt.targets.front().loc)
        << stmt.targets.size() << (stmt.targets.size() == 1 ? " name is" : " names are")
        << " assigned but '" << value.text << "' produces " << results->size()
        << (results->size() == 1 ? " value" : " values");
    return failure();
  }
  bool ok = true;
  for (auto [target, result] : llvm::zip(stmt.targets, *results)) {
    if (!target.type)
      continue;
    FailureOr<RankedTensorType> declared = eval.evaluateType(*target.type);
    if (succeeded(declared) && *declared != result.getType())
      diag.error(target.type->loc)
          << "'" << target.name << "' is declared " << typeString(*declared) << " but the value is "
          << typeString(result.getType());
    ok &= succeeded(declared) && *declared == result.getType();
  }
  if (!ok)
    return failure();
  if (!stmt.annotations.empty()) {
    Operation *producer = results->front().getDefiningOp();
    if (value.kind != Expr::Call || isApplication || !producer) {
      diag.error(stmt.annotations.front().loc)
          << "annotations apply to the result of an op call, not to "
          << (isApplication ? "a graph application" : "a name");
      return failure();
    }
    NamedAttrList attrs;
    if (failed(convertAnnotations(stmt.annotations, results->front().getType(), diag, eval, attrs)))
      return failure();
    for (NamedAttribute attr : attrs)
      producer->setAttr(attr.getName(), attr.getValue());
  }
  for (auto [target, result] : llvm::zip(stmt.targets, *results))
    scope[target.name] = result;
  return success();
}

FailureOr<SmallVector<Value>> IRGenerator::genReturn(const Stmt &stmt, const Graph &graph,
                                                     Scope &scope, StringRef prefix) {
  const Signature &sig = signature(graph);
  if (stmt.values.size() != graph.outputs.size()) {
    diag.error(stmt.loc) << "graph '" << graph.name << "' has " << graph.outputs.size()
                         << (graph.outputs.size() == 1 ? " output" : " outputs")
                         << " but 'return' gives " << stmt.values.size();
    return failure();
  }
  SmallVector<Value> values;
  bool ok = true;
  for (auto [i, expr] : llvm::enumerate(stmt.values)) {
    const Binding &named = stmt.targets[i];
    const Binding &output = graph.outputs[i];
    if (!named.name.empty() && named.name != output.name) {
      diag.error(named.loc) << "output " << i << " of graph '" << graph.name << "' is "
                            << (output.name.empty() ? "unnamed"
                                                    : "named '" + output.name.str() + "'")
                            << ", not '" << named.name << "'";
      ok = false;
      continue;
    }
    FailureOr<Value> value = genValue(*expr, scope, prefix);
    if (failed(value)) {
      ok = false;
      continue;
    }
    if (sig.outputs[i] && value->getType() != sig.outputs[i]) {
      diag.error(expr->loc) << "output " << i << " of graph '" << graph.name << "' is declared "
                            << typeString(sig.outputs[i]) << " but the value is "
                            << typeString(value->getType());
      ok = false;
    }
    values.push_back(*value);
  }
  if (!ok)
    return failure();
  return values;
}

/// The caller's prefix followed by the statement's, with `{i}` left for a repeat to fill.
FailureOr<std::string> IRGenerator::applicationPrefix(const Stmt &stmt, StringRef outer,
                                                      bool repeated) {
  std::string prefix = outer.str();
  if (!stmt.prefix)
    return prefix;
  bool hasIndex = StringRef(*stmt.prefix).contains("{i}");
  if (repeated && !hasIndex) {
    diag.error(stmt.prefixLoc) << "a repeat prefix needs '{i}' so that each application "
                                  "gets its own parameters (omit 'prefix' to share them)";
    return failure();
  }
  if (!repeated && hasIndex) {
    diag.error(stmt.prefixLoc) << "'{i}' is only meaningful in the prefix of a repeat";
    return failure();
  }
  return prefix + *stmt.prefix;
}

FailureOr<SmallVector<Value>> IRGenerator::genApplication(const Stmt &stmt, Scope &scope,
                                                          StringRef prefix) {
  const Expr &call = *stmt.values.front();
  auto it = graphs.find(call.text);
  if (call.kind != Expr::Call || it == graphs.end()) {
    diag.error(stmt.prefixLoc) << "'prefix' applies to a graph application";
    return failure();
  }
  FailureOr<std::string> full = applicationPrefix(stmt, prefix, /*repeated=*/false);
  FailureOr<SmallVector<Value>> args = genArgs(call, scope, prefix);
  if (failed(full) || failed(args))
    return failure();
  return applyGraph(*it->second, call, *args, *full);
}

/// `x = repeat N g(x, ...)`: g's outputs feed its first inputs in the next application; the
/// remaining inputs are the same for every application.
FailureOr<SmallVector<Value>> IRGenerator::genRepeat(const Stmt &stmt, Scope &scope,
                                                     StringRef prefix) {
  const Expr &call = *stmt.values.front();
  auto it = graphs.find(call.text);
  if (call.kind != Expr::Call || it == graphs.end()) {
    diag.error(call.loc) << "'repeat' applies a graph; '" << call.text << "' is not one";
    return failure();
  }
  const Graph &graph = *it->second;
  std::optional<int64_t> count = eval.evaluateInt(*stmt.repeatCount, "a repeat count");
  if (!count)
    return failure();
  if (*count < 1 || *count > kMaxRepeat) {
    diag.error(stmt.repeatCount->loc)
        << "repeat count " << *count << " is out of range [1, " << kMaxRepeat << "]";
    return failure();
  }
  const Signature &sig = signature(graph);
  if (!sig.ok)
    return failure();
  if (sig.outputs.size() > sig.inputs.size()) {
    diag.error(call.loc) << "'repeat' feeds the outputs of graph '" << graph.name
                         << "' to its inputs, but it has more outputs than inputs";
    return failure();
  }
  for (auto [i, output] : llvm::enumerate(sig.outputs)) {
    if (output != sig.inputs[i]) {
      diag.error(call.loc) << "'repeat' feeds output " << i << " of graph '" << graph.name << "' ("
                           << typeString(output) << ") to input '" << graph.inputs[i].name << "' ("
                           << typeString(sig.inputs[i]) << "); their types must match";
      return failure();
    }
  }
  FailureOr<std::string> full = applicationPrefix(stmt, prefix, /*repeated=*/true);
  FailureOr<SmallVector<Value>> args = genArgs(call, scope, prefix);
  if (failed(full) || failed(args))
    return failure();
  for (int64_t i = 0; i < *count; ++i) {
    std::string layerPrefix = *full;
    for (size_t pos; (pos = layerPrefix.find("{i}")) != std::string::npos;)
      layerPrefix.replace(pos, 3, std::to_string(i));
    FailureOr<SmallVector<Value>> results = applyGraph(graph, call, *args, layerPrefix);
    if (failed(results))
      return failure();
    llvm::copy(*results, args->begin());
  }
  args->resize(sig.outputs.size());
  return args;
}

FailureOr<Value> IRGenerator::lookup(const Expr &expr, Scope &scope) {
  if (auto it = scope.find(expr.text); it != scope.end()) {
    if (!it->second)
      return failure();
    return it->second;
  }
  InFlightDiagnostic d = diag.error(expr.loc);
  if (eval.isDim(expr.text)) {
    d << "'" << expr.text << "' is a dimension, not a tensor";
    return failure();
  }
  d << "unknown name '" << expr.text << "'";
  StringRef best;
  unsigned bestDistance = std::max<size_t>(1, expr.text.size() / 3) + 1;
  for (const auto &entry : scope) {
    unsigned distance = expr.text.edit_distance(entry.getKey(), true, bestDistance);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = entry.getKey();
    }
  }
  if (!best.empty())
    d << "; did you mean '" << best << "'?";
  return failure();
}

FailureOr<SmallVector<Value>> IRGenerator::genExpr(const Expr &expr, Scope &scope,
                                                   StringRef prefix) {
  switch (expr.kind) {
  case Expr::Name: {
    FailureOr<Value> value = lookup(expr, scope);
    if (failed(value))
      return failure();
    return SmallVector<Value>{*value};
  }
  case Expr::Call:
    return genCall(expr, scope, prefix);
  case Expr::Binary:
  case Expr::Negate:
    diag.error(expr.loc) << "arithmetic on tensors is written with ops: add(x, y), sub, mul, "
                            "div, neg";
    return failure();
  default:
    diag.error(expr.loc) << "expected a tensor, found a literal; write constant(...) for a "
                            "constant tensor";
    return failure();
  }
}

FailureOr<SmallVector<Value>> IRGenerator::genArgs(const Expr &call, Scope &scope,
                                                   StringRef prefix) {
  SmallVector<Value> args;
  bool ok = true;
  for (const ExprPtr &arg : call.operands) {
    FailureOr<Value> value = genValue(*arg, scope, prefix);
    ok &= succeeded(value);
    if (succeeded(value))
      args.push_back(*value);
  }
  if (!ok)
    return failure();
  return args;
}

FailureOr<SmallVector<Value>> IRGenerator::genCall(const Expr &expr, Scope &scope,
                                                   StringRef prefix) {
  auto graph = graphs.find(expr.text);
  if (graph == graphs.end() && !isOpName(expr.text)) {
    InFlightDiagnostic d = diag.error(expr.loc);
    d << "unknown op or graph '" << expr.text << "'";
    if (StringRef best = closestOpName(expr.text); !best.empty())
      d << "; did you mean '" << best << "'?";
    return failure();
  }
  // `constant(0.5, ...)` takes its value, not a tensor, as the positional argument.
  bool literalArgs = graph == graphs.end() && expr.text == "constant";
  FailureOr<SmallVector<Value>> args =
      literalArgs ? SmallVector<Value>() : genArgs(expr, scope, prefix);
  if (failed(args))
    return failure();
  if (graph != graphs.end())
    return applyGraph(*graph->second, expr, *args, prefix);
  if (failed(countOp(expr.loc)))
    return failure();
  OpCall call{expr, diag.loc(expr.loc), std::move(*args)};
  FailureOr<Operation *> op = buildOp(builder, diag, eval, call);
  if (failed(op))
    return failure();
  return SmallVector<Value>((*op)->getResults());
}

FailureOr<Value> IRGenerator::genValue(const Expr &expr, Scope &scope, StringRef prefix) {
  FailureOr<SmallVector<Value>> values = genExpr(expr, scope, prefix);
  if (failed(values))
    return failure();
  if (values->size() != 1) {
    diag.error(expr.loc) << "'" << expr.text << "' produces " << values->size()
                         << " values here, where one is expected; assign them to names";
    return failure();
  }
  return values->front();
}

func::FuncOp IRGenerator::createFunc(ModuleOp m, const Graph &graph, StringRef name) {
  const Signature &sig = signature(graph);
  builder.setInsertionPointToEnd(m.getBody());
  auto fn = func::FuncOp::create(builder, diag.loc(graph.loc), name,
                                 builder.getFunctionType(sig.inputs, sig.outputs));
  Block *entry = fn.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  return fn;
}

OwningOpRef<ModuleOp> IRGenerator::generate(SMLoc moduleLoc) {
  (void)collectGraphs();
  OwningOpRef<ModuleOp> m = ModuleOp::create(diag.loc(moduleLoc));
  if (!eval.mesh().empty()) {
    builder.setInsertionPointToStart(m->getBody());
    SmallVector<int64_t> shape;
    SmallVector<Attribute> names;
    for (const MeshAxis &axis : eval.mesh()) {
      shape.push_back(axis.size);
      names.push_back(builder.getStringAttr(axis.name));
    }
    Location loc = diag.loc(module.mesh.empty() ? moduleLoc : module.meshLoc);
    auto grid = shard::GridOp::create(builder, loc, DscDialect::kMeshGridName, shape);
    grid->setAttr(DscDialect::kMeshAxesAttr, builder.getArrayAttr(names));
  }
  auto mainIt = graphs.find("main");
  if (mainIt == graphs.end()) {
    if (!diag.numErrors())
      diag.error(moduleLoc) << "the model has no entry graph: define 'graph main(...)'";
  } else if (const Graph &main = *mainIt->second; signature(main).ok) {
    func::FuncOp fn = createFunc(*m, main, "main");
    MLIRContext *ctx = builder.getContext();
    for (auto [i, binding] : llvm::enumerate(main.inputs)) {
      NamedAttrList attrs;
      attrs.set(DscDialect::kNameAttr, StringAttr::get(ctx, binding.name));
      (void)convertAnnotations(binding.annotations, fn.getArgumentTypes()[i], diag, eval, attrs);
      fn.setArgAttrs(i, attrs.getDictionary(ctx));
    }
    for (auto [i, binding] : llvm::enumerate(main.outputs)) {
      NamedAttrList attrs;
      std::string name = !binding.name.empty()      ? binding.name.str()
                         : main.outputs.size() == 1 ? std::string("output")
                                                    : "output" + std::to_string(i);
      attrs.set(DscDialect::kNameAttr, StringAttr::get(ctx, name));
      (void)convertAnnotations(binding.annotations, fn.getResultTypes()[i], diag, eval, attrs);
      fn.setResultAttrs(i, attrs.getDictionary(ctx));
    }
    usedGraphs.insert(&main);
    active.insert(&main);
    FailureOr<SmallVector<Value>> results =
        instantiate(main, llvm::to_vector_of<Value>(fn.getArguments()), /*prefix=*/"");
    if (succeeded(results))
      func::ReturnOp::create(builder, diag.loc(main.endLoc), *results);
  }
  // A graph that nothing applies is still checked, in a function thrown away after.
  for (const Graph &graph : module.graphs) {
    if (diag.tooMany() || usedGraphs.count(&graph) || graphs.lookup(graph.name) != &graph ||
        !signature(graph).ok)
      continue;
    func::FuncOp scratch = createFunc(*m, graph, "unused");
    active.insert(&graph);
    (void)instantiate(graph, llvm::to_vector_of<Value>(scratch.getArguments()), "");
    active.erase(&graph);
    scratch.erase();
  }
  if (diag.numErrors() || failed(verify(*m)))
    return nullptr;
  return m;
}

} // namespace

OwningOpRef<ModuleOp> dsc::generateIR(const ast::Module &module, Diagnoser &diag, Evaluator &eval,
                                      MLIRContext *context, SMLoc moduleLoc) {
  return IRGenerator(module, diag, eval, context).generate(moduleLoc);
}
