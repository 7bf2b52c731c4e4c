// Filters on strings and numbers.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

#include "base/html.h"
#include "tokenize/jinja_args.h"
#include "tokenize/jinja_filter_kit.h"
#include "tokenize/jinja_interpreter.h"
#include "tokenize/jinja_json.h"
#include "tokenize/jinja_methods.h"
#include "tokenize/jinja_ops.h"
#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

std::optional<int64_t> parse_python_int(const std::string& text, int base) {
  std::string s = strip(text, nullptr, true, true);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  if (base == 16 && s.size() > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') s.erase(0, 2);
  if (base == 8 && s.size() > 2 && s[0] == '0' && (s[1] | 0x20) == 'o') s.erase(0, 2);
  if (base == 2 && s.size() > 2 && s[0] == '0' && (s[1] | 0x20) == 'b') s.erase(0, 2);
  std::string digits;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i > 0 && i + 1 < s.size() && s[i - 1] != '_') continue;
    digits += s[i];
  }
  if (digits.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(digits.c_str(), &end, base);
  if (errno == ERANGE || *end != '\0' || digits[0] == '-' || digits[0] == '+' || digits[0] == ' ') {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<double> parse_python_float(const std::string& text) {
  std::string s = strip(text, nullptr, true, true);
  std::string body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.erase(0, 1);
  std::string lowered = lower(body);
  if (lowered == "inf" || lowered == "infinity" || lowered == "nan") {
    return std::strtod(s.c_str(), nullptr);
  }
  std::string clean;
  bool digit_seen = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (i == 0 || i + 1 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i - 1])) ||
          !std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        return std::nullopt;
      }
      continue;
    }
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return std::nullopt;
    }
    digit_seen |= std::isdigit(static_cast<unsigned char>(c)) != 0;
    clean += c;
  }
  if (!digit_seen) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(clean.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return value;
}

Result<Value> f_abs(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("abs", args, {}));
  if (v.is_integral()) {
    if (v.as_int() == std::numeric_limits<int64_t>::min())
      return invalid_argument("integer overflow");
    return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (v.is_number()) return Value::number(std::fabs(v.as_float()));
  if (v.is_undefined()) return undefined_error(v);
  return invalid_argument("bad operand type for abs(): '" + type_name(v) + "'");
}

Result<Value> f_attr(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("attr", args, {"name"}, 1));
  if (v.is_undefined()) return undefined_error(v);
  const std::string name = to_str(a.get(0));
  // Python getattr only: dict keys are not attributes.
  if (is_method(v, name)) return bind_method(v, name);
  if (v.kind() == Value::Kind::kObject) {
    if (std::optional<Value> found = v.as_object().attribute(name)) return std::move(*found);
  }
  return Value::undefined("'" + type_name(v) + " object' has no attribute '" + name + "'");
}

Result<Value> f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("capitalize", args, {}));
  return Value::string(capitalize(to_str(v)));
}

Result<Value> f_center(Interpreter& in, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("center", args, {"width"}));
  CallArgs call;
  call.positional.push_back(a.get_or(0, Value::integer(80)));
  const Value method = get_attr(Value::string(to_str(v)), "center").value();
  return in.call(method, call);
}

Result<Value> f_default(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a,
                           BoundArgs::bind("default", args, {"default_value", "boolean"}));
  const bool use_default = v.is_undefined() || (a.has(1) && truthy(a.get(1)) && !truthy(v));
  if (use_default) return a.get_or(0, Value::string(""));
  return v;
}

Result<Value> f_escape(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("escape", args, {}));
  return Value::string(html_escape(to_str(v)));
}

Result<Value> f_float(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("float", args, {"default"}));
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_number()) return Value::number(v.as_float());
  if (v.is_string()) {
    if (std::optional<double> d = parse_python_float(v.as_string())) return Value::number(*d);
  }
  return a.get_or(0, Value::number(0.0));
}

Result<Value> f_format(Interpreter&, const Value& v, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    return invalid_argument("can't handle positional and keyword arguments at the same time");
  }
  Dict mapping;
  for (auto& [key, value] : args.keyword) mapping.set(Value::string(key), value);
  TESSERA_ASSIGN_OR_RETURN(
      std::string s,
      percent_format(to_str(v), args.positional, args.keyword.empty() ? nullptr : &mapping));
  return Value::string(std::move(s));
}

Result<Value> f_indent(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a,
                           BoundArgs::bind("indent", args, {"width", "first", "blank"}));
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_string()) {
    return invalid_argument("unsupported operand type(s) for +=: '" + type_name(v) + "' and 'str'");
  }
  std::string indentation = "    ";
  if (a.has(0)) {
    if (a.get(0).is_string()) {
      indentation = a.get(0).as_string();
    } else {
      TESSERA_ASSIGN_OR_RETURN(int64_t width, int_arg("indent", a.get(0)));
      indentation.assign(static_cast<size_t>(std::max<int64_t>(width, 0)), ' ');
    }
  }
  const bool first = a.has(1) && truthy(a.get(1));
  const bool blank = a.has(2) && truthy(a.get(2));
  std::vector<std::string> lines = split_lines(v.as_string() + "\n", false);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    if (i > 0 && (blank || !lines[i].empty())) out += indentation;
    out += lines[i];
  }
  if (first) out = indentation + out;
  return Value::string(std::move(out));
}

Result<Value> f_int(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("int", args, {"default", "base"}));
  if (v.is_undefined()) return undefined_error(v);
  const Value fallback = a.get_or(0, Value::integer(0));
  if (v.is_integral()) return Value::integer(v.as_int());
  double d = 0.0;
  if (v.kind() == Value::Kind::kFloat) {
    d = v.as_float();
  } else if (v.is_string()) {
    int64_t base = 10;
    if (a.has(1)) {
      TESSERA_ASSIGN_OR_RETURN(base, int_arg("int", a.get(1)));
    }
    if (std::optional<int64_t> i = parse_python_int(v.as_string(), static_cast<int>(base))) {
      return Value::integer(*i);
    }
    std::optional<double> parsed = parse_python_float(v.as_string());
    if (!parsed) return fallback;
    d = *parsed;
  } else {
    return fallback;
  }
  if (std::isnan(d)) return fallback;
  if (std::isinf(d) || std::fabs(d) >= 9.2e18) {
    return invalid_argument("cannot convert float infinity to integer");
  }
  return Value::integer(static_cast<int64_t>(d));
}

Result<Value> f_lower(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("lower", args, {}));
  return Value::string(lower(to_str(v)));
}

Result<Value> f_upper(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("upper", args, {}));
  return Value::string(upper(to_str(v)));
}

Result<Value> f_replace(Interpreter& in, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a,
                           BoundArgs::bind("replace", args, {"old", "new", "count"}, 2));
  CallArgs call;
  call.positional.push_back(Value::string(to_str(a.get(0))));
  call.positional.push_back(Value::string(to_str(a.get(1))));
  if (a.has(2) && !a.get(2).is_none()) call.positional.push_back(a.get(2));
  const Value method = get_attr(Value::string(to_str(v)), "replace").value();
  return in.call(method, call);
}

Result<Value> f_round(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("round", args, {"precision", "method"}));
  int64_t precision = 0;
  if (a.has(0)) {
    TESSERA_ASSIGN_OR_RETURN(precision, int_arg("round", a.get(0)));
  }
  const std::string method = a.has(1) ? to_str(a.get(1)) : "common";
  if (method != "common" && method != "ceil" && method != "floor") {
    return invalid_argument("method must be common, ceil or floor");
  }
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_number())
    return invalid_argument("type " + type_name(v) + " doesn't define __round__ method");
  if (method == "common" && v.is_integral()) {
    if (precision >= 0) return Value::integer(v.as_int());
    const double factor = std::pow(10.0, static_cast<double>(-precision));
    return Value::integer(static_cast<int64_t>(std::nearbyint(v.as_float() / factor) * factor));
  }
  const double x = v.as_float();
  const double factor = std::pow(10.0, static_cast<double>(precision));
  if (method == "ceil") return Value::number(std::ceil(x * factor) / factor);
  if (method == "floor") return Value::number(std::floor(x * factor) / factor);
  if (precision < 0 || !std::isfinite(x)) return Value::number(std::nearbyint(x * factor) / factor);
  // Correctly rounded half-even on the exact binary value, as Python's round() does.
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::min<int64_t>(precision, 300)), x);
  return Value::number(std::strtod(buf, nullptr));
}

Result<Value> f_safe(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("safe", args, {}));
  return Value::string(to_str(v));
}

Result<Value> f_string(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("string", args, {}));
  return Value::string(to_str(v));
}

Result<Value> f_title(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("title", args, {}));
  // jinja2's title: words start after "-", whitespace, "(", "{", "[" or "<".
  const std::string s = to_str(v);
  std::string out;
  bool boundary = true;
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size();) {
    pos += utf8_decode(s, pos, &c);
    const bool separator = is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (separator) {
      utf8_append(out, c);
      boundary = true;
    } else {
      utf8_append(out, boundary ? to_upper(c) : to_lower(c));
      boundary = false;
    }
  }
  return Value::string(std::move(out));
}

// sort_keys=False), not jinja2's HTML-safe variant.
Result<Value> f_tojson(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(
      BoundArgs a,
      BoundArgs::bind("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"}));
  JsonStyle style;
  style.ensure_ascii = a.has(0) && truthy(a.get(0));
  if (a.has(1) && !a.get(1).is_none()) {
    if (a.get(1).is_string()) {
      style.indent = a.get(1).as_string();
    } else {
      TESSERA_ASSIGN_OR_RETURN(int64_t width, int_arg("tojson", a.get(1)));
      style.indent = std::string(static_cast<size_t>(std::max<int64_t>(width, 0)), ' ');
    }
  }
  if (a.has(2) && !a.get(2).is_none()) {
    const Value& separators = a.get(2);
    if (!separators.is_list() || separators.as_list().size() != 2 ||
        !separators.as_list()[0].is_string() || !separators.as_list()[1].is_string()) {
      return invalid_argument("tojson separators must be a pair of strings");
    }
    style.item_separator = separators.as_list()[0].as_string();
    style.key_separator = separators.as_list()[1].as_string();
  }
  style.sort_keys = a.has(3) && truthy(a.get(3));
  TESSERA_ASSIGN_OR_RETURN(std::string text, dump_json(v, style));
  return Value::string(std::move(text));
}

Result<Value> f_trim(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("trim", args, {"chars"}));
  std::string chars;
  const bool custom = a.has(0) && !a.get(0).is_none();
  if (custom) chars = to_str(a.get(0));
  return Value::string(strip(to_str(v), custom ? &chars : nullptr, true, true));
}

Result<Value> f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("wordcount", args, {}));
  const std::string s = to_str(v);
  int64_t words = 0;
  bool in_word = false;
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size();) {
    pos += utf8_decode(s, pos, &c);
    const bool word_char = is_alpha(c) || is_digit(c) || c == '_';
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value::integer(words);
}

constexpr FilterEntry kTextFilters[] = {
    {"abs", f_abs},
    {"attr", f_attr},
    {"capitalize", f_capitalize},
    {"center", f_center},
    {"d", f_default},
    {"default", f_default},
    {"e", f_escape},
    {"escape", f_escape},
    {"float", f_float},
    {"forceescape", f_escape},
    {"format", f_format},
    {"indent", f_indent},
    {"int", f_int},
    {"lower", f_lower},
    {"replace", f_replace},
    {"round", f_round},
    {"safe", f_safe},
    {"string", f_string},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

std::span<const FilterEntry> text_filters() { return kTextFilters; }

}  // namespace tessera::jinja
