#include "tokenize/jinja_lexer.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_name_start(c) || is_ascii_digit(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// jinja2 normalizes every line ending to "\n" and drops one trailing newline (keep_trailing_newline
// is off in Hugging Face's environment).
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view source, const LexerOptions& options)
      : src_(normalize_newlines(source)), options_(options) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Result<std::vector<Token>> run() {
    size_t pos = 0;
    bool line_starting = true;
    while (pos < src_.size()) {
      const size_t tag = find_tag(pos);
      if (tag == std::string::npos) {
        emit_data(src_.substr(pos), pos);
        break;
      }
      const char kind = src_[tag + 1];
      size_t open_end = tag + 2;
      char sign = 0;
      if (open_end < src_.size() && (src_[open_end] == '-' || src_[open_end] == '+')) {
        sign = src_[open_end++];
      }
      size_t raw_body = 0;
      const bool raw = kind == '%' && match_raw_begin(open_end, &raw_body);
      emit_data(control_whitespace(src_.substr(pos, tag - pos), sign, kind, line_starting), pos);
      if (raw) {
        TESSERA_RETURN_IF_ERROR(lex_raw(raw_body, tag, &pos));
      } else if (kind == '#') {
        TESSERA_RETURN_IF_ERROR(lex_comment(open_end, tag, &pos));
      } else {
        TESSERA_RETURN_IF_ERROR(lex_tag(kind, tag, open_end, &pos));
      }
      line_starting = pos > 0 && src_[pos - 1] == '\n';
    }
    push(TokenType::kEof, "", src_.size());
    return std::move(tokens_);
  }

 private:
  size_t find_tag(size_t pos) const {
    for (size_t i = src_.find('{', pos); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string::npos;
  }

  // Whitespace control for the text before a tag: "{%-" strips all trailing whitespace; with
  // lstrip_blocks, spaces between the line start and a block or comment tag go unless "{%+".
  std::string control_whitespace(std::string_view text, char sign, char kind,
                                 bool line_starting) const {
    if (sign == '-') return strip(text, nullptr, false, true);
    if (sign != '+' && options_.lstrip_blocks && kind != '{') {
      const size_t newline = text.rfind('\n');
      const size_t line_pos = newline == std::string_view::npos ? 0 : newline + 1;
      if ((line_pos > 0 || line_starting) && line_pos < text.size() &&
          all_space(text.substr(line_pos))) {
        return std::string(text.substr(0, line_pos));
      }
    }
    return std::string(text);
  }

  static bool all_space(std::string_view s) {
    char32_t c = 0;
    for (size_t pos = 0; pos < s.size();) {
      pos += utf8_decode(s, pos, &c);
      if (!is_space(c)) return false;
    }
    return true;
  }

  size_t space_length(size_t pos) const {
    char32_t c = 0;
    const size_t n = utf8_decode(src_, pos, &c);
    return is_space(c) ? n : 0;
  }

  size_t skip_space(size_t pos) const {
    while (pos < src_.size()) {
      const size_t n = space_length(pos);
      if (n == 0) break;
      pos += n;
    }
    return pos;
  }

  bool starts_with(size_t pos, std::string_view s) const {
    return src_.compare(pos, s.size(), s) == 0;
  }

  // "{% raw %}" (the opening "{%" and sign already consumed up to `pos`).
  bool match_raw_begin(size_t pos, size_t* body) const {
    size_t p = skip_space(pos);
    if (!starts_with(p, "raw")) return false;
    p = skip_space(p + 3);
    if (starts_with(p, "-%}")) {
      *body = skip_space(p + 3);
      return true;
    }
    if (starts_with(p, "%}")) {
      *body = p + 2;
      return true;
    }
    return false;
  }

  // Block-end alternatives shared by "%}" of tags and of "{% endraw %}": returns the end or npos.
  size_t match_block_end(size_t p) const {
    if (starts_with(p, "+%}")) return p + 3;
    if (starts_with(p, "-%}")) return skip_space(p + 3);
    if (starts_with(p, "%}")) {
      p += 2;
      if (options_.trim_blocks && p < src_.size() && src_[p] == '\n') ++p;
      return p;
    }
    return std::string::npos;
  }

  Status lex_raw(size_t body, size_t tag, size_t* pos) {
    bool line_starting = body > 0 && src_[body - 1] == '\n';
    for (size_t i = src_.find("{%", body); i != std::string::npos; i = src_.find("{%", i + 1)) {
      size_t p = i + 2;
      char sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
      p = skip_space(p);
      if (!starts_with(p, "endraw")) continue;
      const size_t end = match_block_end(skip_space(p + 6));
      if (end == std::string::npos) continue;
      emit_data(control_whitespace(std::string_view(src_).substr(body, i - body), sign, '%',
                                   line_starting),
                body);
      *pos = end;
      return {};
    }
    return fail(tag, "missing end of raw directive");
  }

  Status lex_comment(size_t body, size_t tag, size_t* pos) {
    const size_t close = src_.find("#}", body);
    if (close == std::string::npos) return fail(tag, "missing end of comment tag");
    if (close > body && src_[close - 1] == '-') {
      *pos = skip_space(close + 2);
    } else if (close > body && src_[close - 1] == '+') {
      *pos = close + 2;
    } else {
      *pos = close + 2;
      if (options_.trim_blocks && *pos < src_.size() && src_[*pos] == '\n') ++*pos;
    }
    return {};
  }

  Status lex_tag(char kind, size_t tag, size_t p, size_t* pos) {
    const bool block = kind == '%';
    push(block ? TokenType::kBlockBegin : TokenType::kVariableBegin, block ? "{%" : "{{", tag);
    std::vector<char> balance;
    while (true) {
      if (p >= src_.size()) {
        return fail(tag, block ? "unexpected end of template: block tag '{%' is never closed"
                               : "unexpected end of template: '{{' is never closed");
      }
      if (balance.empty()) {
        const size_t end = block ? match_block_end(p) : match_variable_end(p);
        if (end != std::string::npos) {
          push(block ? TokenType::kBlockEnd : TokenType::kVariableEnd, block ? "%}" : "}}", p);
          *pos = end;
          return {};
        }
      }
      if (const size_t n = space_length(p); n > 0) {
        p += n;
        continue;
      }
      size_t end = 0;
      if ((end = match_float(p)) != std::string::npos) {
        TESSERA_RETURN_IF_ERROR(push_float(p, end));
      } else if ((end = match_integer(p)) != std::string::npos) {
        TESSERA_RETURN_IF_ERROR(push_integer(p, end));
      } else if (is_name_start(src_[p])) {
        end = p + 1;
        while (end < src_.size() && is_name_char(src_[end])) ++end;
        push(TokenType::kName, src_.substr(p, end - p), p);
      } else if ((end = match_string(p)) != std::string::npos) {
        TESSERA_ASSIGN_OR_RETURN(std::string value, decode_string(p + 1, end - 1));
        push(TokenType::kString, std::move(value), p);
      } else if ((end = match_operator(p)) != std::string::npos) {
        TESSERA_RETURN_IF_ERROR(track_balance(src_[p], p, &balance));
        push(TokenType::kOperator, src_.substr(p, end - p), p);
      } else {
        char32_t c = 0;
        const size_t n = utf8_decode(src_, p, &c);
        return fail(p, "unexpected character '" + src_.substr(p, n) + "'");
      }
      p = end;
    }
  }

  size_t match_variable_end(size_t p) const {
    if (starts_with(p, "-}}")) return skip_space(p + 3);
    if (starts_with(p, "}}")) return p + 2;
    return std::string::npos;
  }

  Status track_balance(char c, size_t p, std::vector<char>* balance) const {
    if (c == '(' || c == '[' || c == '{') {
      balance->push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance->empty()) return fail(p, std::string("unexpected '") + c + "'");
      if (balance->back() != c) {
        return fail(p, std::string("unexpected '") + c + "', expected '" + balance->back() + "'");
      }
      balance->pop_back();
    }
    return {};
  }

  // (\d+_)*\d+ : digits with single underscores between groups.
  size_t match_digits(size_t p) const {
    if (p >= src_.size() || !is_ascii_digit(src_[p])) return std::string::npos;
    while (p < src_.size() && is_ascii_digit(src_[p])) ++p;
    while (p + 1 < src_.size() && src_[p] == '_' && is_ascii_digit(src_[p + 1])) {
      ++p;
      while (p < src_.size() && is_ascii_digit(src_[p])) ++p;
    }
    return p;
  }

  size_t match_float(size_t p) const {
    if (p > 0 && src_[p - 1] == '.') return std::string::npos;
    const size_t whole = match_digits(p);
    if (whole == std::string::npos) return std::string::npos;
    size_t fraction = std::string::npos;
    if (whole < src_.size() && src_[whole] == '.') fraction = match_digits(whole + 1);
    const size_t mantissa = fraction != std::string::npos ? fraction : whole;
    if (mantissa < src_.size() && (src_[mantissa] == 'e' || src_[mantissa] == 'E')) {
      size_t q = mantissa + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      const size_t exponent = match_digits(q);
      if (exponent != std::string::npos) return exponent;
    }
    return fraction;
  }

  size_t match_integer(size_t p) const {
    if (!is_ascii_digit(src_[p])) return std::string::npos;
    if (src_[p] == '0' && p + 1 < src_.size()) {
      const char prefix = static_cast<char>(src_[p + 1] | 0x20);
      const int base = prefix == 'b' ? 2 : (prefix == 'o' ? 8 : (prefix == 'x' ? 16 : 0));
      if (base != 0) {
        size_t q = p + 2;
        size_t last = std::string::npos;
        while (q < src_.size()) {
          size_t d = q;
          if (src_[d] == '_') ++d;
          if (d >= src_.size()) break;
          const int v = hex_value(src_[d]);
          if (v < 0 || v >= base) break;
          last = q = d + 1;
        }
        if (last != std::string::npos) return last;
      }
    }
    if (src_[p] == '0') {
      size_t q = p + 1;
      while (q < src_.size()) {
        size_t d = q;
        if (src_[d] == '_') ++d;
        if (d < src_.size() && src_[d] == '0') {
          q = d + 1;
        } else {
          break;
        }
      }
      return q;
    }
    size_t q = p + 1;
    while (q < src_.size()) {
      size_t d = q;
      if (src_[d] == '_') ++d;
      if (d < src_.size() && is_ascii_digit(src_[d])) {
        q = d + 1;
      } else {
        break;
      }
    }
    return q;
  }

  size_t match_string(size_t p) const {
    const char quote = src_[p];
    if (quote != '\'' && quote != '"') return std::string::npos;
    for (size_t q = p + 1; q < src_.size(); ++q) {
      if (src_[q] == '\\') {
        ++q;
      } else if (src_[q] == quote) {
        return q + 1;
      }
    }
    return std::string::npos;
  }

  size_t match_operator(size_t p) const {
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    for (std::string_view op : kTwo) {
      if (starts_with(p, op)) return p + 2;
    }
    static constexpr std::string_view kOne = "+-/*%~[](){}><=.:|,;";
    return kOne.find(src_[p]) != std::string_view::npos ? p + 1 : std::string::npos;
  }

  Status push_integer(size_t p, size_t end) {
    std::string digits;
    for (size_t i = p; i < end; ++i) {
      if (src_[i] != '_') digits += src_[i];
    }
    int base = 10;
    size_t skip = 0;
    if (digits.size() > 1 && digits[0] == '0') {
      const char prefix = static_cast<char>(digits[1] | 0x20);
      base = prefix == 'b' ? 2 : (prefix == 'o' ? 8 : (prefix == 'x' ? 16 : 10));
      if (base != 10) skip = 2;
    }
    errno = 0;
    char* parse_end = nullptr;
    const unsigned long long value = std::strtoull(digits.c_str() + skip, &parse_end, base);
    if (errno == ERANGE ||
        value > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
      return fail(p, "integer literal " + digits + " does not fit in 64 bits");
    }
    push(TokenType::kInteger, src_.substr(p, end - p), p);
    tokens_.back().int_value = static_cast<int64_t>(value);
    return {};
  }

  Status push_float(size_t p, size_t end) {
    std::string digits;
    for (size_t i = p; i < end; ++i) {
      if (src_[i] != '_') digits += src_[i];
    }
    push(TokenType::kFloat, src_.substr(p, end - p), p);
    tokens_.back().float_value = std::strtod(digits.c_str(), nullptr);
    return {};
  }

  // Python's "unicode-escape" decoding, which jinja2 applies to string literals.
  Result<std::string> decode_string(size_t begin, size_t end) const {
    std::string out;
    char32_t pending_high = 0;  // a \uD800-\uDBFF escape waiting for its low surrogate
    auto flush = [&] {
      if (pending_high != 0) utf8_append(out, 0xFFFD);
      pending_high = 0;
    };
    auto append = [&](char32_t c) {
      if (pending_high != 0) {
        if (c >= 0xDC00 && c <= 0xDFFF) {
          utf8_append(out, 0x10000 + ((pending_high - 0xD800) << 10) + (c - 0xDC00));
          pending_high = 0;
          return;
        }
        utf8_append(out, 0xFFFD);
        pending_high = 0;
      }
      if (c >= 0xD800 && c <= 0xDBFF) {
        pending_high = c;
      } else if (c >= 0xDC00 && c <= 0xDFFF) {
        utf8_append(out, 0xFFFD);
      } else {
        utf8_append(out, c);
      }
    };
    for (size_t i = begin; i < end; ++i) {
      const char c = src_[i];
      if (c != '\\' || i + 1 >= end) {
        flush();
        out += c;
        continue;
      }
      const char e = src_[++i];
      switch (e) {
        case '\n':
          break;
        case '\\':
        case '\'':
        case '"':
          append(static_cast<char32_t>(e));
          break;
        case 'a':
          append(0x07);
          break;
        case 'b':
          append(0x08);
          break;
        case 'f':
          append(0x0C);
          break;
        case 'n':
          append('\n');
          break;
        case 'r':
          append('\r');
          break;
        case 't':
          append('\t');
          break;
        case 'v':
          append(0x0B);
          break;
        case 'x':
        case 'u':
        case 'U': {
          const size_t digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          char32_t value = 0;
          for (size_t k = 1; k <= digits; ++k) {
            const int v = i + k < end ? hex_value(src_[i + k]) : -1;
            if (v < 0) return fail(i - 1, std::string("truncated \\") + e + " escape in string");
            value = value * 16 + static_cast<char32_t>(v);
          }
          if (value > 0x10FFFF) return fail(i - 1, "illegal Unicode character in string");
          append(value);
          i += digits;
          break;
        }
        case 'N':
          return fail(i - 1, "\\N{...} escapes are not supported");
        default:
          if (e >= '0' && e <= '7') {
            char32_t value = static_cast<char32_t>(e - '0');
            for (int k = 0; k < 2 && i + 1 < end && src_[i + 1] >= '0' && src_[i + 1] <= '7'; ++k) {
              value = value * 8 + static_cast<char32_t>(src_[++i] - '0');
            }
            append(value);
          } else {
            append('\\');
            out += e;
          }
      }
    }
    flush();
    return out;
  }

  void emit_data(std::string text, size_t pos) {
    if (text.empty()) return;
    push(TokenType::kData, std::move(text), pos);
  }

  void push(TokenType type, std::string text, size_t pos) {
    Token token;
    token.type = type;
    token.text = std::move(text);
    locate(pos, &token.line, &token.column);
    tokens_.push_back(std::move(token));
  }

  void locate(size_t pos, int* line, int* column) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    const size_t index = static_cast<size_t>(it - line_starts_.begin()) - 1;
    *line = static_cast<int>(index + 1);
    *column = static_cast<int>(pos - line_starts_[index] + 1);
  }

  Status fail(size_t pos, const std::string& message) const {
    int line = 0;
    int column = 0;
    locate(pos, &line, &column);
    return invalid_argument(describe_location(line, column) + ": " + message);
  }

  std::string src_;
  LexerOptions options_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source, const LexerOptions& options) {
  return Lexer(source, options).run();
}

std::string describe_location(int line, int column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace tessera::jinja
