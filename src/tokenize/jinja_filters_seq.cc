// Filters on sequences and mappings. Like jinja2, map/select/reject/unique/items/batch return
// one-shot iterators (Python generators) and reverse returns a reverse iterator.
#include <algorithm>
#include <optional>

#include "tokenize/jinja_args.h"
#include "tokenize/jinja_filter_kit.h"
#include "tokenize/jinja_filters.h"
#include "tokenize/jinja_interpreter.h"
#include "tokenize/jinja_ops.h"

namespace tessera::jinja {
namespace {

Result<Value> f_batch(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a,
                           BoundArgs::bind("batch", args, {"linecount", "fill_with"}, 1));
  TESSERA_ASSIGN_OR_RETURN(int64_t count, int_arg("batch", a.get(0)));
  if (count <= 0) return invalid_argument("batch size must be positive");
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::vector<Value> batches;
  std::vector<Value> current;
  for (Value& item : items) {
    if (static_cast<int64_t>(current.size()) == count) {
      batches.push_back(Value::list(std::move(current)));
      current.clear();
    }
    current.push_back(std::move(item));
  }
  if (!current.empty()) {
    if (a.has(1) && !a.get(1).is_none()) {
      while (static_cast<int64_t>(current.size()) < count) current.push_back(a.get(1));
    }
    batches.push_back(Value::list(std::move(current)));
  }
  return Value::iterator(std::move(batches), "generator");
}

Result<Value> f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a,
                           BoundArgs::bind("dictsort", args, {"case_sensitive", "by", "reverse"}));
  if (v.is_undefined()) return undefined_error(v);
  if (!v.is_dict()) return invalid_argument("dictsort() expects a mapping");
  const bool case_sensitive = a.has(0) && truthy(a.get(0));
  const std::string by = a.has(1) ? to_str(a.get(1)) : "key";
  if (by != "key" && by != "value") {
    return invalid_argument("You can only sort by either \"key\" or \"value\"");
  }
  std::vector<Value> pairs;
  std::vector<Value> keys;
  for (const auto& [key, value] : v.as_dict().entries) {
    pairs.push_back(Value::tuple({key, value}));
    const Value& k = by == "key" ? key : value;
    keys.push_back(case_sensitive ? k : ignore_case(k));
  }
  TESSERA_ASSIGN_OR_RETURN(
      std::vector<Value> sorted,
      sort_by_keys(std::move(pairs), std::move(keys), a.has(2) && truthy(a.get(2))));
  return Value::list(std::move(sorted));
}

Result<Value> f_first(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("first", args, {}));
  if (v.kind() == Value::Kind::kIterator) {
    Iterator& it = v.as_iterator();
    if (it.position < it.items.size()) return it.items[it.position++];
  } else {
    TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
    if (!items.empty()) return items.front();
  }
  return Value::undefined("No first item, sequence was empty.");
}

Result<Value> f_last(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("last", args, {}));
  if (v.kind() == Value::Kind::kIterator) {
    return invalid_argument("'generator' object is not reversible");
  }
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  if (!items.empty()) return items.back();
  return Value::undefined("No last item, sequence was empty.");
}

Result<Value> f_items(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("items", args, {}));
  if (v.is_undefined()) return Value::iterator({}, "generator");
  if (!v.is_dict()) return invalid_argument("Can only get item pairs from a mapping.");
  std::vector<Value> pairs;
  for (const auto& [key, value] : v.as_dict().entries) pairs.push_back(Value::tuple({key, value}));
  return Value::iterator(std::move(pairs), "generator");
}

Result<Value> f_join(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("join", args, {"d", "attribute"}));
  const std::string separator = a.has(0) ? to_str(a.get(0)) : "";
  const AttrPath path = attr_path(a.get_or(1, Value::none()));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(Value item, follow(path, items[i]));
    if (i > 0) out += separator;
    out += to_str(item);
  }
  return Value::string(std::move(out));
}

Result<Value> f_length(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("length", args, {}));
  TESSERA_ASSIGN_OR_RETURN(int64_t n, length(v));
  return Value::integer(n);
}

Result<Value> f_list(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("list", args, {}));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  return Value::list(std::move(items));
}

Result<Value> f_map(Interpreter& in, const Value& v, CallArgs& args) {
  std::vector<Value> out;
  if (!truthy(v)) return Value::iterator(std::move(out), "generator");
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  if (args.positional.empty()) {
    const Value* attribute = nullptr;
    std::optional<Value> fallback;
    for (auto& [key, value] : args.keyword) {
      if (key == "attribute") {
        attribute = &value;
      } else if (key == "default") {
        if (!value.is_none()) fallback = value;
      } else {
        return invalid_argument("Unexpected keyword argument '" + key + "'");
      }
    }
    if (attribute == nullptr) return invalid_argument("map requires a filter argument");
    AttrPath path = attr_path(*attribute);
    path.fallback = fallback;
    for (const Value& item : items) {
      TESSERA_ASSIGN_OR_RETURN(Value mapped, follow(path, item));
      out.push_back(std::move(mapped));
    }
    return Value::iterator(std::move(out), "generator");
  }
  const std::string name = to_str(args.positional[0]);
  if (filter_support(name) != Support::kSupported) {
    return invalid_argument("No filter named '" + name + "'.");
  }
  for (const Value& item : items) {
    CallArgs rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    rest.keyword = args.keyword;
    TESSERA_ASSIGN_OR_RETURN(Value mapped, apply_filter(in, name, item, rest));
    out.push_back(std::move(mapped));
  }
  return Value::iterator(std::move(out), "generator");
}

Result<Value> min_or_max(const Value& v, CallArgs& args, bool want_max) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(want_max ? "max" : "min", args,
                                                        {"case_sensitive", "attribute"}));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  const bool case_sensitive = a.has(0) && truthy(a.get(0));
  const AttrPath path = attr_path(a.get_or(1, Value::none()));
  size_t best = 0;
  TESSERA_ASSIGN_OR_RETURN(Value best_key, attr_key(path, items[0], case_sensitive));
  for (size_t i = 1; i < items.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(Value key, attr_key(path, items[i], case_sensitive));
    TESSERA_ASSIGN_OR_RETURN(int c, compare(key, best_key));
    if (want_max ? c > 0 : c < 0) {
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}

Result<Value> f_max(Interpreter&, const Value& v, CallArgs& args) {
  return min_or_max(v, args, true);
}

Result<Value> f_min(Interpreter&, const Value& v, CallArgs& args) {
  return min_or_max(v, args, false);
}

Result<Value> f_reverse(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("reverse", args, {}));
  if (v.is_string()) {
    TESSERA_ASSIGN_OR_RETURN(std::vector<Value> chars, iterate(v));
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += it->as_string();
    return Value::string(std::move(out));
  }
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::reverse(items.begin(), items.end());
  if (v.kind() == Value::Kind::kIterator) return Value::list(std::move(items));
  return Value::iterator(std::move(items),
                         v.is_dict() ? "dict_reversekeyiterator" : "list_reverseiterator");
}

Result<Value> select_or_reject(Interpreter& in, const Value& v, CallArgs& args, bool select,
                               bool by_attribute) {
  std::vector<Value> out;
  if (!truthy(v)) return Value::iterator(std::move(out), "generator");
  size_t next = 0;
  AttrPath path;
  if (by_attribute) {
    if (args.positional.empty()) return invalid_argument("Missing parameter for attribute name");
    path = attr_path(args.positional[0]);
    next = 1;
  }
  std::optional<std::string> test;
  if (args.positional.size() > next) test = to_str(args.positional[next++]);
  if (test && test_support(*test) != Support::kSupported) {
    return invalid_argument("No test named '" + *test + "'.");
  }
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  for (Value& item : items) {
    TESSERA_ASSIGN_OR_RETURN(Value subject, follow(path, item));
    bool passed = false;
    if (test) {
      CallArgs rest;
      rest.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next),
                             args.positional.end());
      rest.keyword = args.keyword;
      TESSERA_ASSIGN_OR_RETURN(passed, apply_test(in, *test, subject, rest));
    } else {
      passed = truthy(subject);
    }
    if (passed == select) out.push_back(std::move(item));
  }
  return Value::iterator(std::move(out), "generator");
}

Result<Value> f_select(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, true, false);
}

Result<Value> f_reject(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, false, false);
}

Result<Value> f_selectattr(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, true, true);
}

Result<Value> f_rejectattr(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, false, true);
}

Result<Value> f_sort(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(
      BoundArgs a, BoundArgs::bind("sort", args, {"reverse", "case_sensitive", "attribute"}));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  const bool case_sensitive = a.has(1) && truthy(a.get(1));
  // attribute may list several comma-separated paths: the key is then the list of their values.
  std::vector<AttrPath> paths;
  if (a.has(2) && a.get(2).is_string()) {
    const std::string& spec = a.get(2).as_string();
    size_t start = 0;
    while (true) {
      const size_t comma = spec.find(',', start);
      paths.push_back(attr_path(Value::string(
          spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start))));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    paths.push_back(attr_path(a.get_or(2, Value::none())));
  }
  std::vector<Value> keys;
  for (const Value& item : items) {
    std::vector<Value> parts;
    for (const AttrPath& path : paths) {
      TESSERA_ASSIGN_OR_RETURN(Value key, attr_key(path, item, case_sensitive));
      parts.push_back(std::move(key));
    }
    keys.push_back(parts.size() == 1 ? std::move(parts[0]) : Value::list(std::move(parts)));
  }
  TESSERA_ASSIGN_OR_RETURN(
      std::vector<Value> sorted,
      sort_by_keys(std::move(items), std::move(keys), a.has(0) && truthy(a.get(0))));
  return Value::list(std::move(sorted));
}

Result<Value> f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("sum", args, {"attribute", "start"}));
  const AttrPath path = attr_path(a.get_or(0, Value::none()));
  Value total = a.get_or(1, Value::integer(0));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  for (const Value& item : items) {
    TESSERA_ASSIGN_OR_RETURN(Value x, follow(path, item));
    TESSERA_ASSIGN_OR_RETURN(total, binary_op("+", total, x, in.env().limits.max_output_bytes));
  }
  return total;
}

Result<Value> f_unique(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a,
                           BoundArgs::bind("unique", args, {"case_sensitive", "attribute"}));
  const bool case_sensitive = a.has(0) && truthy(a.get(0));
  const AttrPath path = attr_path(a.get_or(1, Value::none()));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  std::vector<Value> out;
  std::vector<Value> seen;
  for (Value& item : items) {
    TESSERA_ASSIGN_OR_RETURN(Value key, attr_key(path, item, case_sensitive));
    if (!is_hashable(key)) return invalid_argument("unhashable type: '" + type_name(key) + "'");
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); }))
      continue;
    seen.push_back(std::move(key));
    out.push_back(std::move(item));
  }
  return Value::iterator(std::move(out), "generator");
}

constexpr FilterEntry kSequenceFilters[] = {
    {"batch", f_batch},
    {"count", f_length},
    {"dictsort", f_dictsort},
    {"first", f_first},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"reverse", f_reverse},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"sort", f_sort},
    {"sum", f_sum},
    {"unique", f_unique},
};

}  // namespace

std::span<const FilterEntry> sequence_filters() { return kSequenceFilters; }

}  // namespace tessera::jinja
