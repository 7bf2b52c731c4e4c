#include "tokenize/jinja_methods.h"

#include <algorithm>
#include <memory>

#include "tokenize/jinja_args.h"
#include "tokenize/jinja_ops.h"
#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

template <size_t N>
bool among(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

// Every method Python's str, dict and list have, so attribute lookup resolves exactly as in Python.
constexpr std::string_view kStrMethods[] = {
    "capitalize",   "casefold",    "center",    "count",      "encode",       "endswith",
    "expandtabs",   "find",        "format",    "format_map", "index",        "isalnum",
    "isalpha",      "isascii",     "isdecimal", "isdigit",    "isidentifier", "islower",
    "isnumeric",    "isprintable", "isspace",   "istitle",    "isupper",      "join",
    "ljust",        "lower",       "lstrip",    "maketrans",  "partition",    "removeprefix",
    "removesuffix", "replace",     "rfind",     "rindex",     "rjust",        "rpartition",
    "rsplit",       "rstrip",      "split",     "splitlines", "startswith",   "strip",
    "swapcase",     "title",       "translate", "upper",      "zfill"};
constexpr std::string_view kDictMethods[] = {"clear",      "copy",   "fromkeys", "get",
                                             "items",      "keys",   "pop",      "popitem",
                                             "setdefault", "update", "values"};
constexpr std::string_view kListMethods[] = {"append", "clear",   "copy",   "count",
                                             "extend", "index",   "insert", "pop",
                                             "remove", "reverse", "sort"};
// Refused by jinja2's ImmutableSandboxedEnvironment (plus list.pop/clear, which it misses).
constexpr std::string_view kMutating[] = {"clear",  "pop",     "popitem", "setdefault",
                                          "update", "append",  "extend",  "insert",
                                          "remove", "reverse", "sort"};

Result<std::string> str_arg(std::string_view method, const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_undefined()) return invalid_argument(v.undefined_hint());
  return invalid_argument(std::string(method) + "() argument must be str, not " + type_name(v));
}

// The code-point range [start, end) selected by optional Python start/end arguments.
void clamp_range(const BoundArgs& a, size_t first_index, int64_t length, int64_t* start,
                 int64_t* end) {
  auto adjust = [&](size_t i, int64_t fallback) {
    if (!a.has(i) || a.get(i).is_none() || !a.get(i).is_integral()) return fallback;
    int64_t v = a.get(i).as_int();
    if (v < 0) v += length;
    return std::clamp<int64_t>(v, 0, length);
  };
  *start = adjust(first_index, 0);
  *end = adjust(first_index + 1, length);
}

std::string substring(const std::string& s, const std::vector<size_t>& at, int64_t start,
                      int64_t end) {
  if (start >= end) return "";
  return s.substr(at[static_cast<size_t>(start)],
                  at[static_cast<size_t>(end)] - at[static_cast<size_t>(start)]);
}

int64_t code_point_index(const std::string& s, size_t byte_offset) {
  return static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, byte_offset)));
}

std::vector<std::string> split_whitespace(const std::string& s, int64_t max_split,
                                          bool from_right) {
  // Words separated by runs of whitespace; max_split counts splits from the chosen end.
  std::vector<std::pair<size_t, size_t>> words;
  const std::vector<size_t> at = utf8_boundaries(s);
  char32_t c = 0;
  size_t i = 0;
  const size_t n = at.size() - 1;
  while (i < n) {
    while (i < n && (utf8_decode(s, at[i], &c), is_space(c))) ++i;
    if (i >= n) break;
    size_t j = i;
    while (j < n && (utf8_decode(s, at[j], &c), !is_space(c))) ++j;
    words.emplace_back(at[i], at[j]);
    i = j;
  }
  std::vector<std::string> out;
  if (max_split < 0 || static_cast<size_t>(max_split) + 1 >= words.size()) {
    for (const auto& [b, e] : words) out.push_back(s.substr(b, e - b));
    return out;
  }
  const auto keep = static_cast<size_t>(max_split);
  if (!from_right) {
    for (size_t k = 0; k < keep; ++k)
      out.push_back(s.substr(words[k].first, words[k].second - words[k].first));
    // The remainder keeps its inner and trailing whitespace (Python strips only the leading run).
    out.push_back(std::string(strip(s.substr(words[keep].first), nullptr, true, false)));
    return out;
  }
  const size_t rest_end = words[words.size() - keep - 1].second;
  out.push_back(std::string(strip(s.substr(0, rest_end), nullptr, false, true)));
  for (size_t k = words.size() - keep; k < words.size(); ++k) {
    out.push_back(s.substr(words[k].first, words[k].second - words[k].first));
  }
  return out;
}

std::vector<std::string> split_on(const std::string& s, const std::string& sep, int64_t max_split,
                                  bool from_right) {
  std::vector<std::string> out;
  if (!from_right) {
    size_t start = 0;
    while (max_split != 0) {
      const size_t hit = s.find(sep, start);
      if (hit == std::string::npos) break;
      out.push_back(s.substr(start, hit - start));
      start = hit + sep.size();
      if (max_split > 0) --max_split;
    }
    out.push_back(s.substr(start));
    return out;
  }
  size_t end = s.size();
  while (max_split != 0 && end >= sep.size()) {
    const size_t hit = s.rfind(sep, end - sep.size());
    if (hit == std::string::npos) break;
    out.push_back(s.substr(hit + sep.size(), end - hit - sep.size()));
    end = hit;
    if (max_split > 0) --max_split;
  }
  out.push_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

Value string_list(std::vector<std::string> parts, bool tuple = false) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (std::string& p : parts) items.push_back(Value::string(std::move(p)));
  return tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

// True when every cased character passes `want` and there is at least one cased character.
template <typename Fn>
bool all_cased(const std::string& s, Fn want) {
  bool any = false;
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size();) {
    pos += utf8_decode(s, pos, &c);
    if (!is_cased(c)) continue;
    if (!want(c)) return false;
    any = true;
  }
  return any;
}

template <typename Fn>
bool all_chars(const std::string& s, Fn want) {
  if (s.empty()) return false;
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size();) {
    pos += utf8_decode(s, pos, &c);
    if (!want(c)) return false;
  }
  return true;
}

Result<std::string> padded(const std::string& s, const BoundArgs& a, std::string_view method) {
  TESSERA_ASSIGN_OR_RETURN(int64_t width, int_arg(method, a.get(0)));
  std::string fill = " ";
  if (a.has(1)) {
    TESSERA_ASSIGN_OR_RETURN(fill, str_arg(method, a.get(1)));
    if (utf8_length(fill) != 1) {
      return invalid_argument("The fill character must be exactly one character long");
    }
  }
  const auto length = static_cast<int64_t>(utf8_length(s));
  if (width <= length) return s;
  const int64_t total = width - length;
  int64_t left = 0;
  if (method == "center") {
    left = total / 2 + (total & width & 1);  // CPython's pad split for str.center
  } else if (method == "rjust") {
    left = total;
  }
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < total - left; ++i) out += fill;
  return out;
}

// str.format with "{}", "{0}", "{name}", "!r"/"!s" conversions and "{{"/"}}" escapes; format
// specs (":>10") are not supported.
Result<Value> format_string(const std::string& s, CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '}') {
      if (i + 1 < s.size() && s[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      return invalid_argument("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = s.find('}', i);
    if (close == std::string::npos)
      return invalid_argument("Single '{' encountered in format string");
    std::string field = s.substr(i + 1, close - i - 1);
    i = close;
    char conversion = 's';
    if (const size_t bang = field.find('!'); bang != std::string::npos) {
      if (bang + 2 != field.size()) return invalid_argument("unsupported format conversion");
      conversion = field[bang + 1];
      field.resize(bang);
    }
    if (field.find(':') != std::string::npos) {
      return invalid_argument("format specs in str.format() are not supported");
    }
    const Value* arg = nullptr;
    if (field.empty() ||
        std::all_of(field.begin(), field.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      size_t index = 0;
      if (field.empty()) {
        index = auto_index++;
      } else {
        for (char d : field)
          index = std::min<size_t>(index * 10 + static_cast<size_t>(d - '0'), 1u << 20);
      }
      if (index >= args.positional.size()) {
        return invalid_argument("Replacement index " + std::to_string(index) + " out of range");
      }
      arg = &args.positional[index];
    } else {
      for (const auto& [key, value] : args.keyword) {
        if (key == field) arg = &value;
      }
      if (arg == nullptr) return invalid_argument("KeyError: '" + field + "'");
    }
    if (conversion != 's' && conversion != 'r')
      return invalid_argument("unsupported format conversion");
    out += conversion == 'r' ? to_repr(*arg) : to_str(*arg);
  }
  return Value::string(std::move(out));
}

Result<Value> call_str_method(const std::string& s, const std::string& name, CallArgs& args) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"chars"}));
    std::string chars;
    const bool custom = a.has(0) && !a.get(0).is_none();
    if (custom) {
      TESSERA_ASSIGN_OR_RETURN(chars, str_arg(name, a.get(0)));
    }
    return Value::string(strip(s, custom ? &chars : nullptr, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"sep", "maxsplit"}));
    int64_t max_split = -1;
    if (a.has(1)) {
      TESSERA_ASSIGN_OR_RETURN(max_split, int_arg(name, a.get(1)));
    }
    if (!a.has(0) || a.get(0).is_none()) {
      return string_list(split_whitespace(s, max_split, name == "rsplit"));
    }
    TESSERA_ASSIGN_OR_RETURN(std::string sep, str_arg(name, a.get(0)));
    if (sep.empty()) return invalid_argument("empty separator");
    return string_list(split_on(s, sep, max_split, name == "rsplit"));
  }
  if (name == "splitlines") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"keepends"}));
    return string_list(split_lines(s, a.has(0) && truthy(a.get(0))));
  }
  if (name == "startswith" || name == "endswith") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a,
                             BoundArgs::bind(name, args, {"prefix", "start", "end"}, 1));
    const std::vector<size_t> at = utf8_boundaries(s);
    int64_t start = 0;
    int64_t end = 0;
    clamp_range(a, 1, static_cast<int64_t>(at.size()) - 1, &start, &end);
    const std::string window = substring(s, at, start, end);
    std::vector<Value> candidates;
    if (a.get(0).is_list()) {
      candidates = a.get(0).as_list();
    } else {
      candidates.push_back(a.get(0));
    }
    for (const Value& candidate : candidates) {
      TESSERA_ASSIGN_OR_RETURN(std::string affix, str_arg(name, candidate));
      if (start > end) continue;
      const bool hit = name == "startswith" ? window.compare(0, affix.size(), affix) == 0
                                            : window.size() >= affix.size() &&
                                                  window.compare(window.size() - affix.size(),
                                                                 affix.size(), affix) == 0;
      if (hit) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "upper") return Value::string(upper(s));
  if (name == "lower" || name == "casefold") return Value::string(lower(s));
  if (name == "title") return Value::string(title(s));
  if (name == "capitalize") return Value::string(capitalize(s));
  if (name == "swapcase") {
    std::string out;
    char32_t c = 0;
    for (size_t pos = 0; pos < s.size();) {
      pos += utf8_decode(s, pos, &c);
      utf8_append(out, to_lower(c) != c ? to_lower(c) : to_upper(c));
    }
    return Value::string(std::move(out));
  }
  if (name == "replace") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"old", "new", "count"}, 2));
    TESSERA_ASSIGN_OR_RETURN(std::string old_text, str_arg(name, a.get(0)));
    TESSERA_ASSIGN_OR_RETURN(std::string new_text, str_arg(name, a.get(1)));
    int64_t count = -1;
    if (a.has(2)) {
      TESSERA_ASSIGN_OR_RETURN(count, int_arg(name, a.get(2)));
    }
    std::string out;
    if (old_text.empty()) {
      // Python inserts the replacement around every character.
      const std::vector<size_t> at = utf8_boundaries(s);
      for (size_t i = 0; i + 1 < at.size(); ++i) {
        if (count < 0 || static_cast<int64_t>(i) < count) out += new_text;
        out.append(s, at[i], at[i + 1] - at[i]);
      }
      if (count < 0 || static_cast<int64_t>(at.size()) - 1 < count) out += new_text;
      return Value::string(std::move(out));
    }
    size_t start = 0;
    while (count != 0) {
      const size_t hit = s.find(old_text, start);
      if (hit == std::string::npos) break;
      out.append(s, start, hit - start);
      out += new_text;
      start = hit + old_text.size();
      if (count > 0) --count;
    }
    out.append(s, start, std::string::npos);
    return Value::string(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"sub", "start", "end"}, 1));
    TESSERA_ASSIGN_OR_RETURN(std::string sub, str_arg(name, a.get(0)));
    const std::vector<size_t> at = utf8_boundaries(s);
    int64_t start = 0;
    int64_t end = 0;
    clamp_range(a, 1, static_cast<int64_t>(at.size()) - 1, &start, &end);
    const std::string window = start <= end ? substring(s, at, start, end) : std::string();
    if (name == "count") {
      if (start > end) return Value::integer(0);
      if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_length(window)) + 1);
      int64_t n = 0;
      for (size_t p = window.find(sub); p != std::string::npos;
           p = window.find(sub, p + sub.size()))
        ++n;
      return Value::integer(n);
    }
    size_t hit = std::string::npos;
    if (start <= end) hit = (name[0] == 'r') ? window.rfind(sub) : window.find(sub);
    if (hit == std::string::npos) {
      if (name == "index" || name == "rindex") return invalid_argument("substring not found");
      return Value::integer(-1);
    }
    return Value::integer(start + code_point_index(window, hit));
  }
  if (name == "join") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"iterable"}, 1));
    TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(a.get(0)));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        return invalid_argument("sequence item " + std::to_string(i) + ": expected str instance, " +
                                type_name(items[i]) + " found");
      }
      if (i > 0) out += s;
      out += items[i].as_string();
    }
    return Value::string(std::move(out));
  }
  if (name == "partition" || name == "rpartition") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"sep"}, 1));
    TESSERA_ASSIGN_OR_RETURN(std::string sep, str_arg(name, a.get(0)));
    if (sep.empty()) return invalid_argument("empty separator");
    const size_t hit = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (hit == std::string::npos) {
      return name == "partition" ? string_list({s, "", ""}, true) : string_list({"", "", s}, true);
    }
    return string_list({s.substr(0, hit), sep, s.substr(hit + sep.size())}, true);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"affix"}, 1));
    TESSERA_ASSIGN_OR_RETURN(std::string affix, str_arg(name, a.get(0)));
    if (name == "removeprefix" && s.compare(0, affix.size(), affix) == 0) {
      return Value::string(s.substr(affix.size()));
    }
    if (name == "removesuffix" && !affix.empty() && s.size() >= affix.size() &&
        s.compare(s.size() - affix.size(), affix.size(), affix) == 0) {
      return Value::string(s.substr(0, s.size() - affix.size()));
    }
    return Value::string(s);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"width", "fillchar"}, 1));
    TESSERA_ASSIGN_OR_RETURN(std::string out, padded(s, a, name));
    return Value::string(std::move(out));
  }
  if (name == "zfill") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"width"}, 1));
    TESSERA_ASSIGN_OR_RETURN(int64_t width, int_arg(name, a.get(0)));
    const auto length = static_cast<int64_t>(utf8_length(s));
    if (width <= length) return Value::string(s);
    const size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    return Value::string(s.substr(0, sign) + std::string(static_cast<size_t>(width - length), '0') +
                         s.substr(sign));
  }
  if (name == "format") return format_string(s, args);
  if (!args.positional.empty() || !args.keyword.empty()) {
    return invalid_argument(name + "() takes no arguments");
  }
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") {
    return Value::boolean(all_chars(s, is_digit));
  }
  if (name == "isalpha") return Value::boolean(all_chars(s, is_alpha));
  if (name == "isalnum") {
    return Value::boolean(all_chars(s, [](char32_t c) { return is_alpha(c) || is_digit(c); }));
  }
  if (name == "isspace") return Value::boolean(all_chars(s, is_space));
  if (name == "isascii") {
    return Value::boolean(std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; }));
  }
  if (name == "islower") {
    return Value::boolean(all_cased(s, [](char32_t c) { return to_lower(c) == c; }));
  }
  if (name == "isupper") {
    return Value::boolean(all_cased(s, [](char32_t c) { return to_upper(c) == c; }));
  }
  return invalid_argument("str." + name + "() is not supported");
}

Result<Value> call_dict_method(const Value& d, const std::string& name, CallArgs& args) {
  const Dict& dict = d.as_dict();
  if (name == "get") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"key", "default"}, 1));
    if (!is_hashable(a.get(0))) {
      return invalid_argument("unhashable type: '" + type_name(a.get(0)) + "'");
    }
    if (const Value* v = dict.find(a.get(0))) return *v;
    return a.get_or(1, Value::none());
  }
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {}));
  std::vector<Value> out;
  if (name == "copy") return d;
  for (const auto& [key, value] : dict.entries) {
    if (name == "items") {
      out.push_back(Value::tuple({key, value}));
    } else {
      out.push_back(name == "keys" ? key : value);
    }
  }
  if (name == "items" || name == "keys" || name == "values") return Value::list(std::move(out));
  return invalid_argument("dict." + name + "() is not supported");
}

Result<Value> call_list_method(const Value& list, const std::string& name, CallArgs& args) {
  const auto& items = list.as_list();
  if (name == "copy") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {}));
    return list;
  }
  if (name == "count" || name == "index") {
    TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"value"}, 1));
    int64_t count = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!equals(items[i], a.get(0))) continue;
      if (name == "index") return Value::integer(static_cast<int64_t>(i));
      ++count;
    }
    if (name == "index") return invalid_argument(to_repr(a.get(0)) + " is not in list");
    return Value::integer(count);
  }
  return invalid_argument("list." + name + "() is not supported");
}

}  // namespace

bool is_method(const Value& receiver, std::string_view name) {
  switch (receiver.kind()) {
    case Value::Kind::kString:
      return among(kStrMethods, name);
    case Value::Kind::kDict:
      return among(kDictMethods, name);
    case Value::Kind::kList:
      return receiver.is_tuple() ? (name == "count" || name == "index") : among(kListMethods, name);
    default:
      return false;
  }
}

Value bind_method(const Value& receiver, const std::string& name) {
  auto method = std::make_shared<Callable>();
  method->name = type_name(receiver) + "." + name;
  method->type_name = "method";
  method->invoke = [receiver, name](Interpreter&, CallArgs& args) -> Result<Value> {
    if (!receiver.is_string() && among(kMutating, name)) {
      return invalid_argument("access to attribute '" + name + "' of '" + type_name(receiver) +
                              "' object is unsafe");
    }
    switch (receiver.kind()) {
      case Value::Kind::kString:
        return call_str_method(receiver.as_string(), name, args);
      case Value::Kind::kDict:
        return call_dict_method(receiver, name, args);
      default:
        return call_list_method(receiver, name, args);
    }
  };
  return Value::callable(std::move(method));
}

}  // namespace tessera::jinja
