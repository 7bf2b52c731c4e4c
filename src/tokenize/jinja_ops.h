// Python semantics of the operations a template applies to values: attribute and item access as
// jinja2's sandboxed environment resolves them, slicing, iteration, `in`, len(), arithmetic and
// %-formatting. Errors carry no location; the interpreter adds the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenize/jinja_value.h"

namespace tessera::jinja {

// `obj.name`: a Python attribute (str/dict/list methods, namespace and loop attributes) first, then
// a dict key; otherwise Undefined. Errors only when obj itself is Undefined.
Result<Value> get_attr(const Value& obj, const std::string& name);
// `obj[key]`: the item first, then (for str keys) an attribute; otherwise Undefined.
Result<Value> get_item(const Value& obj, const Value& key);
// `obj[start:stop:step]` on str and list; missing bounds are None.
Result<Value> slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// The items a `for` loop sees: list items, str characters, dict keys, what an iterator has left.
Result<std::vector<Value>> iterate(const Value& v);
Result<bool> contains(const Value& container, const Value& item);
Result<int64_t> length(const Value& v);

Result<Value> unary_op(std::string_view op, const Value& a);
// + - * / // % ** ; `max_items` bounds repetition ("ab" * n, list * n) so templates cannot exhaust
// memory.
Result<Value> binary_op(std::string_view op, const Value& a, const Value& b, size_t max_items);
// Python's `format % args` for %s %r %d %i %f %F %e %E %x %X %o %c %%.
Result<std::string> percent_format(std::string_view format, const std::vector<Value>& args,
                                   const Dict* mapping);

// The character at code-point index i of s (negative counts from the end); false if out of range.
bool char_at(const std::string& s, int64_t i, std::string* out);

}  // namespace tessera::jinja
