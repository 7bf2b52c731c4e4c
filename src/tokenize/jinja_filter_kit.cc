#include "tokenize/jinja_filter_kit.h"

#include <algorithm>
#include <cstdlib>

#include "tokenize/jinja_ops.h"
#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {

AttrPath attr_path(const Value& attribute) {
  AttrPath path;
  if (attribute.is_none() || attribute.is_undefined()) return path;
  if (!attribute.is_string()) {
    path.parts.push_back(attribute);
    return path;
  }
  const std::string& s = attribute.as_string();
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string part =
        s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    path.parts.push_back(digits ? Value::integer(std::strtoll(part.c_str(), nullptr, 10))
                                : Value::string(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return path;
}

Result<Value> follow(const AttrPath& path, Value item) {
  for (const Value& part : path.parts) {
    TESSERA_ASSIGN_OR_RETURN(item, get_item(item, part));
    if (path.fallback && item.is_undefined()) item = *path.fallback;
  }
  return item;
}

Value ignore_case(Value v) {
  if (v.is_string()) return Value::string(lower(v.as_string()));
  return v;
}

Result<Value> attr_key(const AttrPath& path, const Value& item, bool case_sensitive) {
  TESSERA_ASSIGN_OR_RETURN(Value key, follow(path, item));
  return case_sensitive ? key : ignore_case(std::move(key));
}

Result<std::vector<Value>> sort_by_keys(std::vector<Value> items, std::vector<Value> keys,
                                        bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Status status;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    Result<int> c = reverse ? compare(keys[b], keys[a]) : compare(keys[a], keys[b]);
    if (!c.ok()) {
      if (status.ok()) status = c.status();
      return false;
    }
    return *c < 0;
  });
  TESSERA_RETURN_IF_ERROR(status);
  std::vector<Value> sorted;
  sorted.reserve(items.size());
  for (size_t i : order) sorted.push_back(std::move(items[i]));
  return sorted;
}

}  // namespace tessera::jinja
