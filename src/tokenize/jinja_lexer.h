// Splits a Jinja template into tokens the way jinja2's lexer does with Hugging Face's settings
// (trim_blocks, lstrip_blocks): text outside tags becomes data tokens with whitespace control
// already applied, comments vanish, and the inside of `{{ }}` / `{% %}` becomes expression tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera::jinja {

enum class TokenType {
  kData,           // literal template text
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,
  kString,  // text holds the decoded value
  kInteger,
  kFloat,
  kOperator,  // text holds the operator: "+", "//", "==", "(", ...
  kEof,
};

struct Token {
  TokenType type = TokenType::kEof;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0.0;
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

struct LexerOptions {
  bool trim_blocks = true;    // drop the first newline after a block or comment tag
  bool lstrip_blocks = true;  // drop spaces and tabs between a line start and a block tag
};

// Errors (unterminated tags, comments or strings, stray characters) name line and column.
Result<std::vector<Token>> tokenize(std::string_view source, const LexerOptions& options);

// "line 3, column 7" for error messages.
std::string describe_location(int line, int column);

}  // namespace tessera::jinja
