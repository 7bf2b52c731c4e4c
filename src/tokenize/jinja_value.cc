#include "tokenize/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

// Deeper containers print as "..." instead of recursing (a namespace may even contain itself).
constexpr int kMaxReprDepth = 100;

void append_repr(std::string& out, const Value& v, int depth);

void append_str(std::string& out, const Value& v, int depth) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return;
    case Value::Kind::kString:
      out += v.as_string();
      return;
    default:
      append_repr(out, v, depth);
  }
}

void append_repr(std::string& out, const Value& v, int depth) {
  if (depth > kMaxReprDepth) {
    out += "...";
    return;
  }
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      out += "Undefined";
      return;
    case Value::Kind::kNone:
      out += "None";
      return;
    case Value::Kind::kBool:
      out += v.as_bool() ? "True" : "False";
      return;
    case Value::Kind::kInt:
      out += std::to_string(v.as_int());
      return;
    case Value::Kind::kFloat:
      out += repr_float(v.as_float());
      return;
    case Value::Kind::kString:
      out += repr_string(v.as_string());
      return;
    case Value::Kind::kList: {
      const bool tuple = v.is_tuple();
      out += tuple ? '(' : '[';
      bool first = true;
      for (const Value& item : v.as_list()) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, item, depth + 1);
      }
      if (tuple && v.as_list().size() == 1) out += ',';
      out += tuple ? ')' : ']';
      return;
    }
    case Value::Kind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.as_dict().entries) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, key, depth + 1);
        out += ": ";
        append_repr(out, value, depth + 1);
      }
      out += '}';
      return;
    }
    case Value::Kind::kObject: {
      const Object& o = v.as_object();
      if (!o.is_namespace) {
        const std::optional<Value> index = o.attribute("index");
        const std::optional<Value> length = o.attribute("length");
        out += "<" + o.type_name + " ";
        if (index) append_str(out, *index, depth + 1);
        out += "/";
        if (length) append_str(out, *length, depth + 1);
        out += ">";
        return;
      }
      out += "<Namespace {";
      bool first = true;
      for (const auto& [name, value] : o.attrs) {
        if (!first) out += ", ";
        first = false;
        out += repr_string(name) + ": ";
        append_repr(out, value, depth + 1);
      }
      out += "}>";
      return;
    }
    case Value::Kind::kIterator:
      out += "<" + v.as_iterator().type_name + " object>";
      return;
    case Value::Kind::kCallable: {
      const Callable& c = v.as_callable();
      if (c.type_name == "Macro") {
        out += "<Macro " + repr_string(c.name) + ">";
      } else {
        out += "<" + c.type_name + " " + c.name + ">";
      }
      return;
    }
  }
}

// Code points Python's str.isprintable() rejects, approximately: controls, separators other than
// the ASCII space, format characters and private use.
bool repr_escapes(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
         (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF ||
         (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFFF9 && c <= 0xFFFB);
}

}  // namespace

namespace {

int items_depth(const std::vector<Value>& items) {
  int deepest = 0;
  for (const Value& item : items) deepest = std::max(deepest, item.depth());
  return deepest + 1;
}

}  // namespace

Value Value::list(std::vector<Value> items) {
  const int depth = items_depth(items);
  return Value(std::in_place_type<std::shared_ptr<const List>>,
               std::make_shared<const List>(List{std::move(items), /*is_tuple=*/false, depth}));
}

Value Value::tuple(std::vector<Value> items) {
  const int depth = items_depth(items);
  return Value(std::in_place_type<std::shared_ptr<const List>>,
               std::make_shared<const List>(List{std::move(items), /*is_tuple=*/true, depth}));
}

int Value::depth() const {
  if (kind() == Kind::kList) return std::get<std::shared_ptr<const List>>(data_)->depth;
  if (kind() == Kind::kDict) return std::get<std::shared_ptr<const Dict>>(data_)->depth;
  return 0;
}

bool Value::is_tuple() const {
  return is_list() && std::get<std::shared_ptr<const List>>(data_)->is_tuple;
}

Value Value::dict(Dict d) {
  int deepest = 0;
  for (const auto& [key, value] : d.entries)
    deepest = std::max({deepest, key.depth(), value.depth()});
  d.depth = deepest + 1;
  return Value(std::in_place_type<std::shared_ptr<const Dict>>,
               std::make_shared<const Dict>(std::move(d)));
}

Value Value::iterator(std::vector<Value> items, std::string type_name) {
  auto it = std::make_shared<Iterator>();
  it->items = std::move(items);
  it->type_name = std::move(type_name);
  return Value(std::in_place_type<std::shared_ptr<Iterator>>, std::move(it));
}

int64_t Value::as_int() const {
  if (kind() == Kind::kBool) return as_bool() ? 1 : 0;
  return std::get<int64_t>(data_);
}

double Value::as_float() const {
  if (kind() == Kind::kFloat) return std::get<double>(data_);
  return static_cast<double>(as_int());
}

const std::vector<Value>& Value::as_list() const {
  return std::get<std::shared_ptr<const List>>(data_)->items;
}

const void* Value::identity() const {
  switch (kind()) {
    case Kind::kList:
      return std::get<std::shared_ptr<const List>>(data_).get();
    case Kind::kDict:
      return std::get<std::shared_ptr<const Dict>>(data_).get();
    case Kind::kObject:
      return std::get<std::shared_ptr<Object>>(data_).get();
    case Kind::kIterator:
      return std::get<std::shared_ptr<Iterator>>(data_).get();
    case Kind::kCallable:
      return std::get<std::shared_ptr<const Callable>>(data_).get();
    default:
      return nullptr;
  }
}

const Value* Dict::find(const Value& key) const {
  for (const auto& entry : entries) {
    if (equals(entry.first, key)) return &entry.second;
  }
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  for (const auto& entry : entries) {
    if (entry.first.is_string() && entry.first.as_string() == key) return &entry.second;
  }
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& entry : entries) {
    if (equals(entry.first, key)) {
      entry.second = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

std::optional<Value> Object::attribute(std::string_view name) const {
  for (const auto& attr : attrs) {
    if (attr.first == name) return attr.second;
  }
  if (loop_items == nullptr) return std::nullopt;
  const std::vector<Value>& items = *loop_items;
  const auto n = static_cast<int64_t>(items.size());
  const auto i = static_cast<int64_t>(loop_index);
  if (name == "index") return Value::integer(i + 1);
  if (name == "index0") return Value::integer(i);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(1);
  if (name == "depth0") return Value::integer(0);
  if (name == "previtem") {
    if (i > 0) return items[loop_index - 1];
    return Value::undefined("there is no previous item");
  }
  if (name == "nextitem") {
    if (i + 1 < n) return items[loop_index + 1];
    return Value::undefined("there is no next item");
  }
  if (name == "cycle") {
    auto cycle = std::make_shared<Callable>();
    cycle->name = "cycle";
    cycle->type_name = "method";
    const size_t index = loop_index;
    cycle->invoke = [index](Interpreter&, CallArgs& args) -> Result<Value> {
      if (args.positional.empty()) return invalid_argument("no items for cycling given");
      return args.positional[index % args.positional.size()];
    };
    return Value::callable(std::move(cycle));
  }
  return std::nullopt;
}

void Object::set(const std::string& name, Value value) {
  for (auto& attr : attrs) {
    if (attr.first == name) {
      attr.second = std::move(value);
      return;
    }
  }
  attrs.emplace_back(name, std::move(value));
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return false;
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kInt:
      return v.as_int() != 0;
    case Value::Kind::kFloat:
      return v.as_float() != 0.0;
    case Value::Kind::kString:
      return !v.as_string().empty();
    case Value::Kind::kList:
      return !v.as_list().empty();
    case Value::Kind::kDict:
      return !v.as_dict().entries.empty();
    default:
      return true;
  }
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() == b.as_int();
    return a.as_float() == b.as_float();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kList: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size() || a.is_tuple() != b.is_tuple()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equals(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const Dict& x = a.as_dict();
      const Dict& y = b.as_dict();
      if (x.entries.size() != y.entries.size()) return false;
      for (const auto& [key, value] : x.entries) {
        const Value* other = y.find(key);
        if (other == nullptr || !equals(value, *other)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

Result<int> compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) {
      return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    }
    const double x = a.as_float();
    const double y = b.as_float();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equals(x[i], y[i])) continue;
      return compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_undefined()) return invalid_argument(a.undefined_hint());
  if (b.is_undefined()) return invalid_argument(b.undefined_hint());
  return invalid_argument("'<' not supported between instances of '" + type_name(a) + "' and '" +
                          type_name(b) + "'");
}

bool is_hashable(const Value& v) {
  if (v.is_tuple()) {
    for (const Value& item : v.as_list()) {
      if (!is_hashable(item)) return false;
    }
    return true;
  }
  return v.kind() != Value::Kind::kList && v.kind() != Value::Kind::kDict;
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kNone:
      return "NoneType";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "str";
    case Value::Kind::kList:
      return v.is_tuple() ? "tuple" : "list";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kObject:
      return v.as_object().type_name;
    case Value::Kind::kIterator:
      return v.as_iterator().type_name;
    case Value::Kind::kCallable:
      return v.as_callable().type_name;
  }
  return "object";
}

std::string to_str(const Value& v) {
  std::string out;
  append_str(out, v, 0);
  return out;
}

std::string to_repr(const Value& v) {
  std::string out;
  append_repr(out, v, 0);
  return out;
}

std::string repr_string(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size();) {
    const size_t n = utf8_decode(s, pos, &c);
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (repr_escapes(c)) {
      char buf[16];
      if (c < 0x100) {
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      }
      out += buf;
    } else {
      out.append(s.substr(pos, n));
    }
    pos += n;
  }
  out += quote;
  return out;
}

std::string repr_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, then Python's layout: fixed notation for exponents -4..15.
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(result.ptr - buf));
  std::string out;
  if (!sci.empty() && sci[0] == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  int exponent = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exponent >= -4 && exponent < 16) {
    if (exponent >= 0) {
      const auto int_digits = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_digits) {
        out += digits + std::string(int_digits - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_digits) + "." + digits.substr(int_digits);
      }
    } else {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+',
                exponent < 0 ? -exponent : exponent);
  out += exp_buf;
  return out;
}

}  // namespace tessera::jinja
