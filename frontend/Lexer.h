//===- Lexer.h - tokens of the .dsg language --------------------*- C++ -*-===//
//
// Splits a .dsg buffer into tokens. `#` starts a comment to the end of the line. Newlines are
// tokens: they end statements, except inside `(...)` and `[...]`, which the parser knows.
// Every token keeps its source range so that diagnostics can point at it.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_LEXER_H
#define DSC_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <functional>

namespace dsc {

enum class Tok {
  Eof,
  Newline,
  Ident,
  Int,
  Float,
  String,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Equal,
  Arrow,
  At,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  // Keywords.
  KwDim,
  KwGraph,
  KwParam,
  KwReturn,
  KwRepeat,
  KwPrefix,
  KwAs,
  KwTrue,
  KwFalse,
  // A malformed token, already reported.
  Error,
};

struct Token {
  Tok kind = Tok::Eof;
  /// The token's text; for strings, without the quotes.
  llvm::StringRef text;
  llvm::SMLoc loc;
  int64_t intValue = 0;
  double floatValue = 0;

  bool is(Tok k) const { return kind == k; }
};

/// "')'" or "identifier", for "expected ..." messages.
const char *tokenName(Tok kind);

class Lexer {
public:
  using ErrorFn = std::function<void(llvm::SMLoc, const llvm::Twine &)>;

  Lexer(llvm::StringRef buffer, ErrorFn onError)
      : buffer(buffer), cur(buffer.begin()), onError(std::move(onError)) {}

  Token next();

private:
  Token make(Tok kind, const char *start);
  Token lexNumber(const char *start);
  Token lexString(const char *start);
  Token lexIdentifier(const char *start);
  void skipSpaceAndComments();

  llvm::StringRef buffer;
  const char *cur;
  ErrorFn onError;
};

} // namespace dsc

#endif // DSC_FRONTEND_LEXER_H
