//===- Parser.cpp - .dsg text to syntax tree ------------------------------===//
//
// module    := (dim | mesh | graph | NEWLINE)*
// dim       := 'dim' NAME '=' expr (',' NAME '=' expr)*
// mesh      := 'mesh' NAME '=' expr (',' NAME '=' expr)*     ('mesh' is not reserved elsewhere)
// graph     := 'graph' NAME '(' [input (',' input)*] ')' '->' outputs '{' stmt* '}'
// input     := NAME ':' type annotation*
// outputs   := output | '(' output (',' output)* ')'      output := [NAME ':'] type annotation*
// stmt      := 'param' NAME ':' type ['as' STRING] annotation*
//            | target (',' target)* '=' ['repeat' expr] expr ['prefix' STRING] annotation*
//            | 'return' [NAME '='] expr (',' [NAME '='] expr)*
// target    := NAME [':' type]
// type      := DTYPE '[' [expr (',' expr)*] ']'
// annotation:= '@' NAME '(' [arg (',' arg)*] ')'
// expr      := term (('+' | '-') term)*     term := unary (('*' | '/' | '%') unary)*
// unary     := '-' unary | INT | FLOAT | STRING | 'true' | 'false' | '(' expr ')'
//            | '[' [expr (',' expr)*] ']' | NAME | NAME '(' [arg (',' arg)*] ')'
// arg       := [NAME '='] expr
//
//===----------------------------------------------------------------------===//

#include "frontend/Parser.h"
#include "frontend/Lexer.h"

using namespace dsc;
using namespace dsc::ast;

namespace {

/// Deeper nesting than this is not a model anyone writes; bounding it keeps a garbled file
/// from exhausting the stack.
constexpr int kMaxNesting = 200;

class Parser {
public:
  Parser(llvm::StringRef buffer, Diagnoser &diag)
      : diag(diag), bufferStart(buffer.begin()),
        lexer(buffer,
              [&diag](llvm::SMLoc loc, const llvm::Twine &msg) { diag.error(loc) << msg.str(); }) {
    tok = lexer.next();
    ahead = lexer.next();
  }

  Module parseModule();

private:
  /// Moves to the next token. Inside `(...)` and `[...]` newlines do not end a statement,
  /// so that long calls and lists may wrap; a brace always starts a fresh block.
  void advance() {
    prevEnd = tok.text.end() + (tok.is(Tok::String) ? 1 : 0); // past a closing quote
    if (tok.is(Tok::LParen) || tok.is(Tok::LBracket))
      ++nesting;
    else if ((tok.is(Tok::RParen) || tok.is(Tok::RBracket)) && nesting > 0)
      --nesting;
    else if (tok.is(Tok::LBrace) || tok.is(Tok::RBrace))
      nesting = 0;
    rawAdvance();
    while (nesting > 0 && tok.is(Tok::Newline))
      rawAdvance();
  }
  void rawAdvance() {
    tok = ahead;
    ahead = lexer.next();
  }
  bool startsLine(llvm::SMLoc loc) const {
    const char *p = loc.getPointer();
    while (p > bufferStart && (p[-1] == ' ' || p[-1] == '\t'))
      --p;
    return p == bufferStart || p[-1] == '\n';
  }
  /// The 0-based column of `loc`, to tell a continuation line from the next statement.
  unsigned indentOf(llvm::SMLoc loc) const {
    const char *p = loc.getPointer();
    unsigned column = 0;
    while (p > bufferStart && p[-1] != '\n')
      --p, ++column;
    return column;
  }
  bool consumeIf(Tok kind) {
    if (!tok.is(kind))
      return false;
    advance();
    return true;
  }
  /// Reports "expected WHAT" unless the current token is a lexical error already reported.
  bool fail(const llvm::Twine &what) {
    if (!tok.is(Tok::Error)) {
      // A missing ')' or ']' lets the statement run on to the next line: point where it
      // should have been, not at the next line.
      if (prevEnd && llvm::StringRef(prevEnd, tok.loc.getPointer() - prevEnd).contains('\n')) {
        diag.error(llvm::SMLoc::getFromPointer(prevEnd)) << "expected " << what.str();
        return false;
      }
      llvm::StringRef found = tok.is(Tok::Newline) || tok.is(Tok::Eof) ? "" : tok.text;
      diag.error(tok.loc) << "expected " << what.str() << ", found "
                          << (found.empty() ? llvm::StringRef(tokenName(tok.kind))
                                            : llvm::StringRef("'" + found.str() + "'"));
    }
    return false;
  }
  bool expect(Tok kind, const llvm::Twine &what) {
    if (consumeIf(kind))
      return true;
    return fail(what);
  }
  bool expect(Tok kind) { return expect(kind, tokenName(kind)); }
  bool parseName(llvm::StringRef &name, llvm::SMLoc &loc, const llvm::Twine &what) {
    if (!tok.is(Tok::Ident))
      return fail(what);
    name = tok.text;
    loc = tok.loc;
    advance();
    return true;
  }
  void skipStatement();
  bool endStatement() {
    if (tok.is(Tok::RBrace) || tok.is(Tok::Eof))
      return true;
    return expect(Tok::Newline, "end of line");
  }

  /// `NAME = expr (, NAME = expr)*` after the `dim` or `mesh` keyword.
  bool parseDefinitions(std::vector<DimDef> &defs, const char *what);
  bool parseMesh(Module &module);
  bool parseGraphHeader(Graph &graph);
  bool parseGraphBody(Graph &graph);
  bool parseOutputs(Graph &graph);
  bool parseBinding(Binding &binding, bool nameRequired);
  bool parseStatement(Stmt &stmt);
  bool parseParam(Stmt &stmt);
  bool parseReturn(Stmt &stmt);
  bool parseAssign(Stmt &stmt);
  bool parseType(TypeExpr &type);
  bool parseAnnotations(std::vector<Annotation> &annotations);
  bool parseArgs(std::vector<ExprPtr> &positional, std::vector<KeywordArg> &keywords);

  ExprPtr parseExpr();
  ExprPtr parseTerm();
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  ExprPtr parseList();

  Diagnoser &diag;
  const char *bufferStart;
  Lexer lexer;
  Token tok, ahead;
  const char *prevEnd = nullptr;
  /// Open `(` and `[` around the current token.
  int nesting = 0;
  /// Where the statement being parsed starts, and its indentation.
  const char *stmtStart = nullptr;
  unsigned stmtIndent = 0;
  /// Expression nesting, bounded to protect the stack.
  int depth = 0;
};

/// Skips the rest of a statement after an error. Inside an unclosed bracket the statement
/// may go on over lines indented deeper than its first; a line indented no deeper starts the
/// next statement, so a missing ')' costs one error, not the rest of the graph.
void Parser::skipStatement() {
  int open = nesting;
  nesting = 0;
  while (!tok.is(Tok::Eof) && !tok.is(Tok::RBrace) && !tok.is(Tok::LBrace)) {
    if (tok.loc.getPointer() > stmtStart && startsLine(tok.loc) && indentOf(tok.loc) <= stmtIndent)
      return;
    if (tok.is(Tok::Newline) &&
        (open <= 0 || (!ahead.is(Tok::Newline) && indentOf(ahead.loc) <= stmtIndent)))
      break;
    if (tok.is(Tok::LParen) || tok.is(Tok::LBracket))
      ++open;
    else if (tok.is(Tok::RParen) || tok.is(Tok::RBracket))
      --open;
    rawAdvance();
  }
  consumeIf(Tok::Newline);
}

Module Parser::parseModule() {
  Module module;
  while (!tok.is(Tok::Eof) && !diag.tooMany()) {
    if (consumeIf(Tok::Newline))
      continue;
    stmtStart = tok.loc.getPointer();
    stmtIndent = indentOf(tok.loc);
    if (tok.is(Tok::KwDim)) {
      if (!parseDefinitions(module.dims, "a dimension name") || !endStatement())
        skipStatement();
      continue;
    }
    // `mesh` is a keyword only where a top-level statement starts, so models may still name
    // values `mesh`.
    if (tok.is(Tok::Ident) && tok.text == "mesh" && ahead.is(Tok::Ident)) {
      if (!parseMesh(module) || !endStatement())
        skipStatement();
      continue;
    }
    if (tok.is(Tok::KwGraph)) {
      Graph graph;
      bool headerOk = parseGraphHeader(graph);
      if (!headerOk) {
        // Find the body, to check it anyway, unless the next definition comes first.
        nesting = 0;
        while (!tok.is(Tok::Eof) && !tok.is(Tok::LBrace) &&
               !((tok.is(Tok::KwGraph) || tok.is(Tok::KwDim)) && indentOf(tok.loc) == 0))
          rawAdvance();
        if (!tok.is(Tok::LBrace))
          continue;
        advance();
      }
      if (parseGraphBody(graph) && headerOk)
        module.graphs.push_back(std::move(graph));
      continue;
    }
    fail("'dim', 'mesh' or 'graph'");
    advance();
    skipStatement();
  }
  return module;
}

bool Parser::parseDefinitions(std::vector<DimDef> &defs, const char *what) {
  advance(); // 'dim' or 'mesh'
  do {
    DimDef def;
    if (!parseName(def.name, def.loc, what) || !expect(Tok::Equal, "'='"))
      return false;
    def.value = parseExpr();
    if (!def.value)
      return false;
    defs.push_back(std::move(def));
  } while (consumeIf(Tok::Comma));
  return true;
}

bool Parser::parseMesh(Module &module) {
  if (!module.mesh.empty()) {
    diag.error(tok.loc) << "the mesh is already declared";
    return false;
  }
  module.meshLoc = tok.loc;
  return parseDefinitions(module.mesh, "a mesh axis name");
}

bool Parser::parseGraphHeader(Graph &graph) {
  advance(); // 'graph'
  if (!parseName(graph.name, graph.loc, "a graph name") || !expect(Tok::LParen))
    return false;
  if (!tok.is(Tok::RParen)) {
    do {
      graph.inputs.emplace_back();
      if (!parseBinding(graph.inputs.back(), /*nameRequired=*/true))
        return false;
    } while (consumeIf(Tok::Comma));
  }
  if (!expect(Tok::RParen, "',' or ')'"))
    return false;
  // A long signature may break its line around the '->'.
  while (consumeIf(Tok::Newline))
    ;
  if (!expect(Tok::Arrow, "'->' and the output types"))
    return false;
  while (consumeIf(Tok::Newline))
    ;
  return parseOutputs(graph) && expect(Tok::LBrace);
}

bool Parser::parseOutputs(Graph &graph) {
  if (!consumeIf(Tok::LParen)) {
    graph.outputs.emplace_back();
    return parseBinding(graph.outputs.back(), /*nameRequired=*/false);
  }
  do {
    graph.outputs.emplace_back();
    if (!parseBinding(graph.outputs.back(), /*nameRequired=*/false))
      return false;
  } while (consumeIf(Tok::Comma));
  return expect(Tok::RParen, "',' or ')'");
}

bool Parser::parseBinding(Binding &binding, bool nameRequired) {
  binding.loc = tok.loc;
  if (nameRequired || (tok.is(Tok::Ident) && ahead.is(Tok::Colon))) {
    if (!parseName(binding.name, binding.loc, "an input name") || !expect(Tok::Colon, "':'"))
      return false;
  }
  binding.type.emplace();
  return parseType(*binding.type) && parseAnnotations(binding.annotations);
}

bool Parser::parseType(TypeExpr &type) {
  if (!parseName(type.dtype, type.loc, "an element type (f32, bf16, i32, ...)") ||
      !expect(Tok::LBracket, "'[' and the shape"))
    return false;
  if (consumeIf(Tok::RBracket))
    return true;
  do {
    ExprPtr dim = parseExpr();
    if (!dim)
      return false;
    type.dims.push_back(std::move(dim));
  } while (consumeIf(Tok::Comma));
  return expect(Tok::RBracket, "',' or ']'");
}

bool Parser::parseAnnotations(std::vector<Annotation> &annotations) {
  while (tok.is(Tok::At)) {
    advance();
    Annotation annotation;
    if (!parseName(annotation.name, annotation.loc, "an annotation name") || !expect(Tok::LParen) ||
        !parseArgs(annotation.args, annotation.keywords))
      return false;
    annotations.push_back(std::move(annotation));
  }
  return true;
}

bool Parser::parseGraphBody(Graph &graph) {
  while (!tok.is(Tok::RBrace)) {
    if (tok.is(Tok::Eof)) {
      diag.error(tok.loc) << "expected '}' to close graph '" << graph.name.str() << "'";
      return false;
    }
    if (diag.tooMany())
      return false;
    if (consumeIf(Tok::Newline))
      continue;
    Stmt stmt;
    const char *start = tok.loc.getPointer();
    if (parseStatement(stmt) && endStatement()) {
      graph.body.push_back(std::move(stmt));
    } else {
      skipStatement();
      if (tok.loc.getPointer() == start)
        advance(); // Always make progress.
      stmt.broken = true;
      if (stmt.kind == Stmt::Return || !stmt.targets.empty())
        graph.body.push_back(std::move(stmt));
    }
    // A stray '{' would otherwise stop skipStatement forever.
    if (tok.is(Tok::LBrace)) {
      fail("a statement");
      advance();
    }
  }
  graph.endLoc = tok.loc;
  advance();
  return true;
}

bool Parser::parseStatement(Stmt &stmt) {
  stmt.loc = tok.loc;
  stmtStart = tok.loc.getPointer();
  stmtIndent = indentOf(tok.loc);
  if (tok.is(Tok::KwParam))
    return parseParam(stmt);
  if (tok.is(Tok::KwReturn))
    return parseReturn(stmt);
  if (tok.is(Tok::Ident))
    return parseAssign(stmt);
  return fail("a statement ('param', 'return' or 'NAME = ...')");
}

bool Parser::parseParam(Stmt &stmt) {
  stmt.kind = Stmt::Param;
  advance();
  stmt.targets.emplace_back();
  Binding &binding = stmt.targets.back();
  if (!parseName(binding.name, binding.loc, "a parameter name") ||
      !expect(Tok::Colon, "':' and the parameter's type"))
    return false;
  binding.type.emplace();
  if (!parseType(*binding.type))
    return false;
  if (consumeIf(Tok::KwAs)) {
    if (!tok.is(Tok::String))
      return fail("a string with the parameter's key");
    stmt.key = tok.text.str();
    advance();
  }
  return parseAnnotations(stmt.annotations);
}

bool Parser::parseReturn(Stmt &stmt) {
  stmt.kind = Stmt::Return;
  advance();
  do {
    Binding name;
    name.loc = tok.loc;
    if (tok.is(Tok::Ident) && ahead.is(Tok::Equal)) {
      name.name = tok.text;
      advance();
      advance();
    }
    stmt.targets.push_back(std::move(name));
    ExprPtr value = parseExpr();
    if (!value)
      return false;
    stmt.values.push_back(std::move(value));
  } while (consumeIf(Tok::Comma));
  return true;
}

bool Parser::parseAssign(Stmt &stmt) {
  stmt.kind = Stmt::Assign;
  do {
    Binding target;
    if (!parseName(target.name, target.loc, "a name to assign"))
      return false;
    if (consumeIf(Tok::Colon)) {
      target.type.emplace();
      if (!parseType(*target.type))
        return false;
    }
    stmt.targets.push_back(std::move(target));
  } while (consumeIf(Tok::Comma));
  if (!expect(Tok::Equal, "'=' or ','"))
    return false;
  if (consumeIf(Tok::KwRepeat)) {
    stmt.repeatCount = parseExpr();
    if (!stmt.repeatCount)
      return false;
    if (!tok.is(Tok::Ident) || !ahead.is(Tok::LParen))
      return fail("a graph application after the repeat count");
  }
  ExprPtr value = parseExpr();
  if (!value)
    return false;
  stmt.values.push_back(std::move(value));
  if (tok.is(Tok::KwPrefix)) {
    stmt.prefixLoc = tok.loc;
    advance();
    if (!tok.is(Tok::String))
      return fail("a string after 'prefix'");
    stmt.prefix = tok.text.str();
    advance();
  }
  return parseAnnotations(stmt.annotations);
}

bool Parser::parseArgs(std::vector<ExprPtr> &positional, std::vector<KeywordArg> &keywords) {
  if (consumeIf(Tok::RParen))
    return true;
  do {
    if (tok.is(Tok::Ident) && ahead.is(Tok::Equal)) {
      KeywordArg keyword{tok.text, tok.loc, nullptr};
      advance();
      advance();
      keyword.value = parseExpr();
      if (!keyword.value)
        return false;
      keywords.push_back(std::move(keyword));
      continue;
    }
    if (!keywords.empty()) {
      diag.error(tok.loc) << "positional argument after keyword arguments";
      return false;
    }
    ExprPtr arg = parseExpr();
    if (!arg)
      return false;
    positional.push_back(std::move(arg));
  } while (consumeIf(Tok::Comma));
  return expect(Tok::RParen, "',' or ')'");
}

ExprPtr Parser::parseExpr() {
  if (depth >= kMaxNesting) {
    diag.error(tok.loc) << "expression nested too deeply";
    return nullptr;
  }
  ++depth;
  ExprPtr lhs = parseTerm();
  int links = 0;
  while (lhs && (tok.is(Tok::Plus) || tok.is(Tok::Minus))) {
    // Each link deepens the tree that evaluation walks recursively.
    if (depth + ++links >= kMaxNesting) {
      diag.error(tok.loc) << "expression too long";
      lhs = nullptr;
      break;
    }
    auto binary = std::make_unique<Expr>(Expr::Binary, tok.loc);
    binary->text = tok.text;
    advance();
    ExprPtr rhs = parseTerm();
    if (!rhs)
      lhs = nullptr;
    else {
      binary->operands.push_back(std::move(lhs));
      binary->operands.push_back(std::move(rhs));
      lhs = std::move(binary);
    }
  }
  --depth;
  return lhs;
}

ExprPtr Parser::parseTerm() {
  ExprPtr lhs = parseUnary();
  int links = 0;
  while (lhs && (tok.is(Tok::Star) || tok.is(Tok::Slash) || tok.is(Tok::Percent))) {
    if (depth + ++links >= kMaxNesting) {
      diag.error(tok.loc) << "expression too long";
      return nullptr;
    }
    auto binary = std::make_unique<Expr>(Expr::Binary, tok.loc);
    binary->text = tok.text;
    advance();
    ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    binary->operands.push_back(std::move(lhs));
    binary->operands.push_back(std::move(rhs));
    lhs = std::move(binary);
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  if (!tok.is(Tok::Minus))
    return parsePrimary();
  auto negate = std::make_unique<Expr>(Expr::Negate, tok.loc);
  advance();
  if (depth >= kMaxNesting) {
    diag.error(tok.loc) << "expression nested too deeply";
    return nullptr;
  }
  ++depth;
  ExprPtr operand = parseUnary();
  --depth;
  if (!operand)
    return nullptr;
  negate->operands.push_back(std::move(operand));
  return negate;
}

ExprPtr Parser::parsePrimary() {
  auto expr = std::make_unique<Expr>(Expr::Int, tok.loc);
  expr->text = tok.text;
  switch (tok.kind) {
  case Tok::Int:
    expr->intValue = tok.intValue;
    break;
  case Tok::Float:
    expr->kind = Expr::Float;
    expr->floatValue = tok.floatValue;
    break;
  case Tok::String:
    expr->kind = Expr::String;
    break;
  case Tok::KwTrue:
  case Tok::KwFalse:
    expr->kind = Expr::Bool;
    expr->intValue = tok.is(Tok::KwTrue);
    break;
  case Tok::LParen: {
    advance();
    ExprPtr inner = parseExpr();
    if (!inner || !expect(Tok::RParen, "')'"))
      return nullptr;
    return inner;
  }
  case Tok::LBracket:
    return parseList();
  case Tok::Ident:
    expr->kind = Expr::Name;
    advance();
    if (consumeIf(Tok::LParen)) {
      expr->kind = Expr::Call;
      if (!parseArgs(expr->operands, expr->keywords))
        return nullptr;
    }
    return expr;
  default:
    fail("an expression");
    return nullptr;
  }
  advance();
  return expr;
}

ExprPtr Parser::parseList() {
  auto list = std::make_unique<Expr>(Expr::List, tok.loc);
  advance(); // '['
  if (consumeIf(Tok::RBracket))
    return list;
  do {
    ExprPtr element = parseExpr();
    if (!element)
      return nullptr;
    list->operands.push_back(std::move(element));
  } while (consumeIf(Tok::Comma));
  if (!expect(Tok::RBracket, "',' or ']'"))
    return nullptr;
  return list;
}

} // namespace

Module dsc::parseModule(llvm::StringRef buffer, Diagnoser &diag) {
  return Parser(buffer, diag).parseModule();
}
