// Checks a parsed Program before it is accepted: filters and tests must exist where jinja2 checks
// them at compile time, and expression trees must be shallow enough to evaluate recursively.
#pragma once

#include "base/status.h"
#include "tokenize/jinja_ast.h"

namespace tessera::jinja {

// Errors name the line and column of the offending filter, test or expression.
Status check_program(const Program& program);

}  // namespace tessera::jinja
