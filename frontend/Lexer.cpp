//===- Lexer.cpp - tokens of the .dsg language ----------------------------===//

#include "frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

using namespace dsc;

const char *dsc::tokenName(Tok kind) {
  switch (kind) {
  case Tok::Eof:
    return "end of file";
  case Tok::Newline:
    return "end of line";
  case Tok::Ident:
    return "identifier";
  case Tok::Int:
    return "integer";
  case Tok::Float:
    return "number";
  case Tok::String:
    return "string";
  case Tok::LParen:
    return "'('";
  case Tok::RParen:
    return "')'";
  case Tok::LBracket:
    return "'['";
  case Tok::RBracket:
    return "']'";
  case Tok::LBrace:
    return "'{'";
  case Tok::RBrace:
    return "'}'";
  case Tok::Comma:
    return "','";
  case Tok::Colon:
    return "':'";
  case Tok::Equal:
    return "'='";
  case Tok::Arrow:
    return "'->'";
  case Tok::At:
    return "'@'";
  case Tok::Plus:
    return "'+'";
  case Tok::Minus:
    return "'-'";
  case Tok::Star:
    return "'*'";
  case Tok::Slash:
    return "'/'";
  case Tok::Percent:
    return "'%'";
  case Tok::KwDim:
    return "'dim'";
  case Tok::KwGraph:
    return "'graph'";
  case Tok::KwParam:
    return "'param'";
  case Tok::KwReturn:
    return "'return'";
  case Tok::KwRepeat:
    return "'repeat'";
  case Tok::KwPrefix:
    return "'prefix'";
  case Tok::KwAs:
    return "'as'";
  case Tok::KwTrue:
    return "'true'";
  case Tok::KwFalse:
    return "'false'";
  case Tok::Error:
    return "invalid token";
  }
  return "token";
}

Token Lexer::make(Tok kind, const char *start) {
  Token tok;
  tok.kind = kind;
  tok.text = llvm::StringRef(start, cur - start);
  tok.loc = llvm::SMLoc::getFromPointer(start);
  return tok;
}

void Lexer::skipSpaceAndComments() {
  while (cur < buffer.end()) {
    char c = *cur;
    if (c == ' ' || c == '\t' || c == '\r') {
      ++cur;
    } else if (c == '\\' && cur + 1 < buffer.end() && cur[1] == '\n') {
      cur += 2; // An explicit line continuation.
    } else if (c == '#') {
      while (cur < buffer.end() && *cur != '\n')
        ++cur;
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skipSpaceAndComments();
  const char *start = cur;
  if (cur >= buffer.end())
    return make(Tok::Eof, start);
  char c = *cur++;
  switch (c) {
  case '\n':
    return make(Tok::Newline, start);
  case '(':
    return make(Tok::LParen, start);
  case '[':
    return make(Tok::LBracket, start);
  case ')':
    return make(Tok::RParen, start);
  case ']':
    return make(Tok::RBracket, start);
  case '{':
    return make(Tok::LBrace, start);
  case '}':
    return make(Tok::RBrace, start);
  case ',':
    return make(Tok::Comma, start);
  case ':':
    return make(Tok::Colon, start);
  case '=':
    return make(Tok::Equal, start);
  case '@':
    return make(Tok::At, start);
  case '+':
    return make(Tok::Plus, start);
  case '-':
    if (cur < buffer.end() && *cur == '>') {
      ++cur;
      return make(Tok::Arrow, start);
    }
    return make(Tok::Minus, start);
  case '*':
    return make(Tok::Star, start);
  case '/':
    return make(Tok::Slash, start);
  case '%':
    return make(Tok::Percent, start);
  case '"':
    return lexString(start);
  default:
    break;
  }
  if (llvm::isDigit(c) || (c == '.' && cur < buffer.end() && llvm::isDigit(*cur)))
    return lexNumber(start);
  if (llvm::isAlpha(c) || c == '_')
    return lexIdentifier(start);
  if (static_cast<uint8_t>(c) >= 0x80) {
    // One error for a whole run of non-ASCII bytes (a UTF-8 character, say).
    while (cur < buffer.end() && static_cast<uint8_t>(*cur) >= 0x80)
      ++cur;
  }
  if (llvm::isPrint(c))
    onError(llvm::SMLoc::getFromPointer(start),
            llvm::Twine("unexpected character '") + llvm::Twine(c) + "'");
  else
    onError(llvm::SMLoc::getFromPointer(start), "unexpected byte 0x" +
                                                    llvm::utohexstr(static_cast<uint8_t>(c)) +
                                                    " (.dsg files are ASCII text)");
  return make(Tok::Error, start);
}

Token Lexer::lexNumber(const char *start) {
  bool isFloat = *start == '.';
  while (cur < buffer.end() &&
         (llvm::isAlnum(*cur) || *cur == '.' || *cur == '_' ||
          ((*cur == '+' || *cur == '-') && (cur[-1] == 'e' || cur[-1] == 'E'))))
    ++cur;
  Token tok = make(Tok::Int, start);
  std::string text = tok.text.str();
  for (char c : text)
    isFloat |= c == '.' || c == 'e' || c == 'E';
  if (!isFloat) {
    if (tok.text.getAsInteger(10, tok.intValue)) {
      bool digitsOnly = llvm::all_of(tok.text, llvm::isDigit);
      onError(tok.loc, digitsOnly ? llvm::Twine("integer '") + tok.text + "' is too large"
                                  : llvm::Twine("malformed number '") + tok.text + "'");
      tok.kind = Tok::Error;
    }
    return tok;
  }
  char *end = nullptr;
  errno = 0;
  tok.floatValue = std::strtod(text.c_str(), &end);
  tok.kind = Tok::Float;
  if (end != text.c_str() + text.size() || text.find_first_of("xXpP") != std::string::npos) {
    onError(tok.loc, llvm::Twine("malformed number '") + tok.text + "'");
    tok.kind = Tok::Error;
  } else if (errno == ERANGE && std::isinf(tok.floatValue)) {
    onError(tok.loc, llvm::Twine("number '") + tok.text + "' is out of range");
    tok.kind = Tok::Error;
  }
  return tok;
}

Token Lexer::lexString(const char *start) {
  while (cur < buffer.end() && *cur != '"' && *cur != '\n') {
    if (!llvm::isPrint(*cur)) {
      onError(llvm::SMLoc::getFromPointer(cur), "unexpected byte in string literal");
      ++cur;
      return make(Tok::Error, start);
    }
    ++cur;
  }
  if (cur >= buffer.end() || *cur != '"') {
    onError(llvm::SMLoc::getFromPointer(start), "unterminated string literal");
    return make(Tok::Error, start);
  }
  ++cur;
  Token tok = make(Tok::String, start);
  tok.text = tok.text.drop_front().drop_back();
  return tok;
}

Token Lexer::lexIdentifier(const char *start) {
  while (cur < buffer.end() && (llvm::isAlnum(*cur) || *cur == '_'))
    ++cur;
  Token tok = make(Tok::Ident, start);
  tok.kind = llvm::StringSwitch<Tok>(tok.text)
                 .Case("dim", Tok::KwDim)
                 .Case("graph", Tok::KwGraph)
                 .Case("param", Tok::KwParam)
                 .Case("return", Tok::KwReturn)
                 .Case("repeat", Tok::KwRepeat)
                 .Case("prefix", Tok::KwPrefix)
                 .Case("as", Tok::KwAs)
                 .Case("true", Tok::KwTrue)
                 .Case("false", Tok::KwFalse)
                 .Default(Tok::Ident);
  return tok;
}
