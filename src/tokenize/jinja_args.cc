#include "tokenize/jinja_args.h"

#include <string>

namespace tessera::jinja {

Result<BoundArgs> BoundArgs::bind(std::string_view function, CallArgs& args,
                                  std::initializer_list<std::string_view> names, size_t required) {
  BoundArgs bound;
  bound.values_.resize(names.size());
  const std::string fn(function);
  if (args.positional.size() > names.size()) {
    return invalid_argument(fn + "() takes at most " + std::to_string(names.size()) +
                            " argument(s) (" + std::to_string(args.positional.size()) + " given)");
  }
  for (size_t i = 0; i < args.positional.size(); ++i) bound.values_[i] = args.positional[i];
  for (auto& [key, value] : args.keyword) {
    size_t index = 0;
    for (std::string_view name : names) {
      if (name == key) break;
      ++index;
    }
    if (index == names.size()) {
      return invalid_argument(fn + "() got an unexpected keyword argument '" + key + "'");
    }
    if (bound.values_[index].has_value()) {
      return invalid_argument(fn + "() got multiple values for argument '" + key + "'");
    }
    bound.values_[index] = value;
  }
  for (size_t i = 0; i < required; ++i) {
    if (!bound.values_[i].has_value()) {
      return invalid_argument(fn + "() missing required argument '" +
                              std::string(*(names.begin() + i)) + "'");
    }
  }
  return bound;
}

Result<int64_t> int_arg(std::string_view function, const Value& v) {
  if (v.is_integral()) return v.as_int();
  if (v.is_undefined()) return invalid_argument(v.undefined_hint());
  return invalid_argument(std::string(function) + "(): '" + type_name(v) +
                          "' object cannot be interpreted as an integer");
}

}  // namespace tessera::jinja
