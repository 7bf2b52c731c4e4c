// Python-style binding of call arguments (positional, then keyword) to a builtin's named
// parameters.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenize/jinja_value.h"

namespace tessera::jinja {

class BoundArgs {
 public:
  // Errors like Python's TypeError: too many arguments, unknown or repeated keywords, missing
  // required ones (the first `required` names).
  static Result<BoundArgs> bind(std::string_view function, CallArgs& args,
                                std::initializer_list<std::string_view> names, size_t required = 0);

  bool has(size_t i) const { return values_[i].has_value(); }
  const Value& get(size_t i) const { return *values_[i]; }
  Value get_or(size_t i, Value fallback) const { return has(i) ? get(i) : std::move(fallback); }

 private:
  std::vector<std::optional<Value>> values_;
};

// Reads an integer argument (Python int or bool).
Result<int64_t> int_arg(std::string_view function, const Value& v);

}  // namespace tessera::jinja
