// Shared pieces of the filter implementations (jinja_filters_text.cc, jinja_filters_seq.cc):
// the filter table entry type and jinja2's attribute getter used by map, select, sort and friends.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenize/jinja_value.h"

namespace tessera::jinja {

class Interpreter;

using FilterFn = Result<Value> (*)(Interpreter&, const Value&, CallArgs&);

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

std::span<const FilterEntry> text_filters();      // strings and numbers: trim, int, tojson, ...
std::span<const FilterEntry> sequence_filters();  // collections: map, select, sort, join, ...

inline Status undefined_error(const Value& v) { return invalid_argument(v.undefined_hint()); }

// jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0, with `environment.getitem`.
struct AttrPath {
  std::vector<Value> parts;
  std::optional<Value> fallback;  // map(attribute=..., default=...)
};

AttrPath attr_path(const Value& attribute);  // None or Undefined: the item itself
Result<Value> follow(const AttrPath& path, Value item);
Value ignore_case(Value v);  // lowercases strings, as the filters' case_sensitive=False does
Result<Value> attr_key(const AttrPath& path, const Value& item, bool case_sensitive);
// Stable sort by precomputed keys with Python ordering; the first incomparable pair is an error.
Result<std::vector<Value>> sort_by_keys(std::vector<Value> items, std::vector<Value> keys,
                                        bool reverse);

}  // namespace tessera::jinja
