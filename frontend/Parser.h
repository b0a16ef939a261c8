//===- Parser.h - .dsg text to syntax tree ----------------------*- C++ -*-===//
//
// A recursive-descent parser. On a syntax error it reports, skips to the end of the statement
// and goes on, so one run shows several mistakes.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_PARSER_H
#define DSC_FRONTEND_PARSER_H

#include "frontend/Ast.h"
#include "frontend/Diag.h"

namespace dsc {

/// Parses `buffer`; the module holds whatever parsed cleanly. Errors go to `diag`.
ast::Module parseModule(llvm::StringRef buffer, Diagnoser &diag);

} // namespace dsc

#endif // DSC_FRONTEND_PARSER_H
