// Python methods templates call on values: str (strip, split, startswith, replace, ...), dict
// (items, keys, values, get) and list (index, count). Methods that mutate (list.append,
// dict.update) are refused, as in Hugging Face's ImmutableSandboxedEnvironment.
#pragma once

#include <string>
#include <string_view>

#include "tokenize/jinja_value.h"

namespace tessera::jinja {

// True when Python's type of `receiver` has an attribute `name` that is a method, whether or not
// it is supported here (so `d.items` resolves to the method, never to a key named "items").
bool is_method(const Value& receiver, std::string_view name);
// A callable value for `receiver.name`; calling an unsupported or mutating method is an error.
Value bind_method(const Value& receiver, const std::string& name);

}  // namespace tessera::jinja
