// Parses Jinja template source into a Program, following jinja2's grammar and operator precedence.
// Syntax errors (and filters or tests the interpreter does not have) are reported with the line and
// column of the offending token, so a template that parses renders without "unknown filter"
// surprises.
#pragma once

#include <string_view>

#include "base/status.h"
#include "tokenize/jinja_ast.h"

namespace tessera::jinja {

Result<Program> parse_program(std::string_view source);

}  // namespace tessera::jinja
