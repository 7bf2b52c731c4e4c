#include "tokenize/jinja_ops.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "tokenize/jinja_methods.h"
#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

std::string object_repr(const Value& obj) {
  if (obj.is_none()) return "None";
  return "'" + type_name(obj) + " object'";
}

Value no_attribute(const Value& obj, std::string_view name) {
  return Value::undefined(object_repr(obj) + " has no attribute '" + std::string(name) + "'");
}

Value no_element(const Value& obj, const Value& key) {
  return Value::undefined(object_repr(obj) + " has no element " + to_repr(key));
}

Status undefined_error(const Value& v) { return invalid_argument(v.undefined_hint()); }

Status operand_error(std::string_view op, const Value& a, const Value& b) {
  return invalid_argument("unsupported operand type(s) for " + std::string(op) + ": '" +
                          type_name(a) + "' and '" + type_name(b) + "'");
}

// Python's floor division and modulo for floats (Objects/floatobject.c float_divmod).
void float_divmod(double x, double y, double* div_out, double* mod_out) {
  double mod = std::fmod(x, y);
  double div = (x - mod) / y;
  if (mod != 0.0) {
    if ((y < 0) != (mod < 0)) {
      mod += y;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, y);
  }
  double floordiv = 0.0;
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, x / y);
  }
  *div_out = floordiv;
  *mod_out = mod;
}

Result<Value> repeat(const Value& seq, int64_t times, size_t max_items) {
  if (times < 0) times = 0;
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && static_cast<uint64_t>(times) > max_items / s.size()) {
      return resource_exhausted("string repetition exceeds the template size limit");
    }
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(times));
    for (int64_t i = 0; i < times; ++i) out += s;
    return Value::string(std::move(out));
  }
  const auto& items = seq.as_list();
  if (!items.empty() && static_cast<uint64_t>(times) > max_items / items.size()) {
    return resource_exhausted("list repetition exceeds the template size limit");
  }
  std::vector<Value> out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Result<Value> int_pow(int64_t base, int64_t exponent) {
  int64_t result = 1;
  while (exponent > 0) {
    if ((exponent & 1) && __builtin_mul_overflow(result, base, &result)) {
      return invalid_argument("integer overflow in **");
    }
    exponent >>= 1;
    if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) {
      return invalid_argument("integer overflow in **");
    }
  }
  return Value::integer(result);
}

// Python slice bound adjustment (PySlice_AdjustIndices).
int64_t adjust_bound(const Value& bound, int64_t length, int64_t step, bool is_start) {
  if (bound.is_none()) {
    if (is_start) return step < 0 ? length - 1 : 0;
    return step < 0 ? -1 : length;
  }
  int64_t i = bound.as_int();
  if (i < 0) {
    i += length;
    if (i < 0) i = step < 0 ? -1 : 0;
  } else if (i >= length) {
    i = step < 0 ? length - 1 : length;
  }
  return i;
}

}  // namespace

bool char_at(const std::string& s, int64_t i, std::string* out) {
  const std::vector<size_t> at = utf8_boundaries(s);
  const auto n = static_cast<int64_t>(at.size()) - 1;
  if (i < 0) i += n;
  if (i < 0 || i >= n) return false;
  const auto k = static_cast<size_t>(i);
  *out = s.substr(at[k], at[k + 1] - at[k]);
  return true;
}

Result<Value> get_attr(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined:
      return undefined_error(obj);
    case Value::Kind::kDict:
      if (is_method(obj, name)) return bind_method(obj, name);
      if (const Value* v = obj.as_dict().find(name)) return *v;
      return no_attribute(obj, name);
    case Value::Kind::kObject:
      if (std::optional<Value> v = obj.as_object().attribute(name)) return std::move(*v);
      return no_attribute(obj, name);
    case Value::Kind::kString:
    case Value::Kind::kList:
      if (is_method(obj, name)) return bind_method(obj, name);
      return no_attribute(obj, name);
    default:
      return no_attribute(obj, name);
  }
}

Result<Value> get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined:
      return undefined_error(obj);
    case Value::Kind::kList:
    case Value::Kind::kString:
      if (key.is_integral()) {
        if (obj.is_string()) {
          std::string c;
          if (char_at(obj.as_string(), key.as_int(), &c)) return Value::string(std::move(c));
          return no_element(obj, key);
        }
        const auto& items = obj.as_list();
        int64_t i = key.as_int();
        if (i < 0) i += static_cast<int64_t>(items.size());
        if (i < 0 || i >= static_cast<int64_t>(items.size())) return no_element(obj, key);
        return items[static_cast<size_t>(i)];
      }
      break;
    case Value::Kind::kDict:
      if (is_hashable(key)) {
        if (const Value* v = obj.as_dict().find(key)) return *v;
      }
      break;
    default:
      break;
  }
  if (key.is_string()) return get_attr(obj, key.as_string());
  return no_element(obj, key);
}

Result<Value> slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (!obj.is_string() && !obj.is_list())
    return Value::undefined(object_repr(obj) + " has no slice");
  for (const Value* bound : {&start, &stop, &step}) {
    if (!bound->is_none() && !bound->is_integral()) {
      if (bound->is_undefined()) return undefined_error(*bound);
      return Value::undefined("slice indices must be integers or None");
    }
  }
  const int64_t step_value = step.is_none() ? 1 : step.as_int();
  if (step_value == 0) return invalid_argument("slice step cannot be zero");
  std::vector<size_t> at;
  int64_t length = 0;
  if (obj.is_string()) {
    at = utf8_boundaries(obj.as_string());
    length = static_cast<int64_t>(at.size()) - 1;
  } else {
    length = static_cast<int64_t>(obj.as_list().size());
  }
  const int64_t first = adjust_bound(start, length, step_value, true);
  const int64_t last = adjust_bound(stop, length, step_value, false);
  if (obj.is_string()) {
    const std::string& s = obj.as_string();
    std::string out;
    if (step_value == 1) {
      if (first < last)
        out = s.substr(at[static_cast<size_t>(first)],
                       at[static_cast<size_t>(last)] - at[static_cast<size_t>(first)]);
      return Value::string(std::move(out));
    }
    for (int64_t i = first; step_value > 0 ? i < last : i > last; i += step_value) {
      const auto k = static_cast<size_t>(i);
      out.append(s, at[k], at[k + 1] - at[k]);
    }
    return Value::string(std::move(out));
  }
  const auto& items = obj.as_list();
  std::vector<Value> out;
  for (int64_t i = first; step_value > 0 ? i < last : i > last; i += step_value) {
    out.push_back(items[static_cast<size_t>(i)]);
  }
  return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Result<std::vector<Value>> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return std::vector<Value>();
    case Value::Kind::kList:
      return v.as_list();
    case Value::Kind::kString: {
      const std::string& s = v.as_string();
      const std::vector<size_t> at = utf8_boundaries(s);
      std::vector<Value> chars;
      chars.reserve(at.size() - 1);
      for (size_t i = 0; i + 1 < at.size(); ++i) {
        chars.push_back(Value::string(s.substr(at[i], at[i + 1] - at[i])));
      }
      return chars;
    }
    case Value::Kind::kDict: {
      std::vector<Value> keys;
      for (const auto& entry : v.as_dict().entries) keys.push_back(entry.first);
      return keys;
    }
    case Value::Kind::kIterator: {
      Iterator& it = v.as_iterator();
      std::vector<Value> rest(it.items.begin() + static_cast<std::ptrdiff_t>(it.position),
                              it.items.end());
      it.position = it.items.size();
      return rest;
    }
    default:
      return invalid_argument("'" + type_name(v) + "' object is not iterable");
  }
}

Result<bool> contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kUndefined:
      return false;
    case Value::Kind::kString:
      if (!item.is_string()) {
        if (item.is_undefined()) return undefined_error(item);
        return invalid_argument("'in <string>' requires string as left operand, not " +
                                type_name(item));
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::kList:
      for (const Value& v : container.as_list()) {
        if (equals(v, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      if (!is_hashable(item)) return invalid_argument("unhashable type: '" + type_name(item) + "'");
      return container.as_dict().find(item) != nullptr;
    case Value::Kind::kIterator: {
      Iterator& it = container.as_iterator();
      while (it.position < it.items.size()) {
        if (equals(it.items[it.position++], item)) return true;
      }
      return false;
    }
    default:
      return invalid_argument("argument of type '" + type_name(container) + "' is not iterable");
  }
}

Result<int64_t> length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return 0;
    case Value::Kind::kString:
      return static_cast<int64_t>(utf8_length(v.as_string()));
    case Value::Kind::kList:
      return static_cast<int64_t>(v.as_list().size());
    case Value::Kind::kDict:
      return static_cast<int64_t>(v.as_dict().entries.size());
    default:
      return invalid_argument("object of type '" + type_name(v) + "' has no len()");
  }
}

Result<Value> unary_op(std::string_view op, const Value& a) {
  if (a.is_undefined()) return undefined_error(a);
  if (a.is_integral()) {
    if (op == "+") return Value::integer(a.as_int());
    if (a.as_int() == std::numeric_limits<int64_t>::min()) {
      return invalid_argument("integer overflow in unary -");
    }
    return Value::integer(-a.as_int());
  }
  if (a.kind() == Value::Kind::kFloat)
    return Value::number(op == "+" ? a.as_float() : -a.as_float());
  return invalid_argument("bad operand type for unary " + std::string(op) + ": '" + type_name(a) +
                          "'");
}

Result<Value> binary_op(std::string_view op, const Value& a, const Value& b, size_t max_items) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  const bool ints = a.is_integral() && b.is_integral();
  const bool numbers = a.is_number() && b.is_number();
  if (op == "+") {
    if (ints) {
      int64_t r = 0;
      if (__builtin_add_overflow(a.as_int(), b.as_int(), &r))
        return invalid_argument("integer overflow in +");
      return Value::integer(r);
    }
    if (numbers) return Value::number(a.as_float() + b.as_float());
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > max_items) {
        return resource_exhausted("string concatenation exceeds the template size limit");
      }
      return Value::string(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      std::vector<Value> items = a.as_list();
      items.insert(items.end(), b.as_list().begin(), b.as_list().end());
      return a.is_tuple() ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    if (a.is_string()) {
      return invalid_argument("can only concatenate str (not \"" + type_name(b) + "\") to str");
    }
    return operand_error(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      int64_t r = 0;
      if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r))
        return invalid_argument("integer overflow in -");
      return Value::integer(r);
    }
    if (numbers) return Value::number(a.as_float() - b.as_float());
    return operand_error(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      int64_t r = 0;
      if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r))
        return invalid_argument("integer overflow in *");
      return Value::integer(r);
    }
    if (numbers) return Value::number(a.as_float() * b.as_float());
    if ((a.is_string() || a.is_list()) && b.is_integral()) return repeat(a, b.as_int(), max_items);
    if (a.is_integral() && (b.is_string() || b.is_list())) return repeat(b, a.as_int(), max_items);
    return operand_error(op, a, b);
  }
  if (op == "/") {
    if (!numbers) return operand_error(op, a, b);
    if (b.as_float() == 0.0) return invalid_argument("division by zero");
    return Value::number(a.as_float() / b.as_float());
  }
  if (op == "//" || op == "%") {
    if (op == "%" && a.is_string()) {
      std::vector<Value> args;
      const Dict* mapping = nullptr;
      if (b.is_list()) {
        args = b.as_list();
      } else if (b.is_dict()) {
        mapping = &b.as_dict();
        args.push_back(b);
      } else {
        args.push_back(b);
      }
      TESSERA_ASSIGN_OR_RETURN(std::string s, percent_format(a.as_string(), args, mapping));
      return Value::string(std::move(s));
    }
    if (!numbers) return operand_error(op, a, b);
    if (ints) {
      const int64_t x = a.as_int();
      const int64_t y = b.as_int();
      if (y == 0) return invalid_argument("integer division or modulo by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) {
        return op == "%" ? Value::integer(0)
                         : Result<Value>(invalid_argument("integer overflow in //"));
      }
      int64_t q = x / y;
      int64_t r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) {
        q -= 1;
        r += y;
      }
      return Value::integer(op == "%" ? r : q);
    }
    if (b.as_float() == 0.0) return invalid_argument("float division by zero");
    double div = 0.0;
    double mod = 0.0;
    float_divmod(a.as_float(), b.as_float(), &div, &mod);
    return Value::number(op == "%" ? mod : div);
  }
  if (op == "**") {
    if (!numbers) return operand_error(op, a, b);
    if (ints && b.as_int() >= 0) return int_pow(a.as_int(), b.as_int());
    const double x = a.as_float();
    const double y = b.as_float();
    if (x == 0.0 && y < 0) return invalid_argument("0.0 cannot be raised to a negative power");
    if (x < 0 && y != std::floor(y)) return invalid_argument("complex results are not supported");
    return Value::number(std::pow(x, y));
  }
  return invalid_argument("unknown operator " + std::string(op));
}

Result<std::string> percent_format(std::string_view format, const std::vector<Value>& args,
                                   const Dict* mapping) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (++i >= format.size()) return invalid_argument("incomplete format");
    const Value* arg = nullptr;
    if (format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == std::string_view::npos) return invalid_argument("incomplete format key");
      if (mapping == nullptr) return invalid_argument("format requires a mapping");
      arg = mapping->find(format.substr(i + 1, close - i - 1));
      if (arg == nullptr) return invalid_argument("format key not found");
      i = close + 1;
    }
    std::string spec = "%";
    while (i < format.size() &&
           std::string_view("-+ #0").find(format[i]) != std::string_view::npos) {
      spec += format[i++];
    }
    while (i < format.size() &&
           (std::isdigit(static_cast<unsigned char>(format[i])) || format[i] == '.')) {
      spec += format[i++];
    }
    if (i >= format.size()) return invalid_argument("incomplete format");
    const char conversion = format[i];
    if (conversion == '%') {
      out += '%';
      continue;
    }
    if (arg == nullptr) {
      if (next >= args.size()) return invalid_argument("not enough arguments for format string");
      arg = &args[next++];
    }
    char buf[512];
    switch (conversion) {
      case 's':
      case 'r': {
        const std::string text = conversion == 's' ? to_str(*arg) : to_repr(*arg);
        if (spec == "%") {
          out += text;
        } else {
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), text.c_str());
          out += buf;
        }
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o':
        if (!arg->is_number()) {
          return invalid_argument("%" + std::string(1, conversion) +
                                  " format: a number is required");
        }
        std::snprintf(
            buf, sizeof buf, (spec + "ll" + (conversion == 'i' ? 'd' : conversion)).c_str(),
            static_cast<long long>(arg->is_integral() ? arg->as_int()
                                                      : static_cast<int64_t>(arg->as_float())));
        out += buf;
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (!arg->is_number())
          return invalid_argument("must be real number, not " + type_name(*arg));
        std::snprintf(buf, sizeof buf, (spec + conversion).c_str(), arg->as_float());
        out += buf;
        break;
      case 'c':
        if (arg->is_string()) {
          out += arg->as_string();
        } else if (arg->is_integral()) {
          utf8_append(out, static_cast<char32_t>(arg->as_int()));
        } else {
          return invalid_argument("%c requires int or char");
        }
        break;
      default:
        return invalid_argument(std::string("unsupported format character '") + conversion + "'");
    }
  }
  if (mapping == nullptr && next < args.size()) {
    return invalid_argument("not all arguments converted during string formatting");
  }
  return out;
}

}  // namespace tessera::jinja
