// Jinja filters (`x | trim`) and tests (`x is defined`): the jinja2 built-ins that chat templates
// use, plus Hugging Face's `tojson` (json.dumps with ensure_ascii=False, indent, separators,
// sort_keys). Filters that jinja2 has but this interpreter lacks are rejected at parse time.
#pragma once

#include <string_view>

#include "base/status.h"
#include "tokenize/jinja_value.h"

namespace tessera::jinja {

class Interpreter;

enum class Support { kUnknown, kUnsupported, kSupported };
Support filter_support(std::string_view name);
Support test_support(std::string_view name);

// `args` holds the arguments after the subject; errors carry no location (the caller adds it).
Result<Value> apply_filter(Interpreter& in, std::string_view name, const Value& subject,
                           CallArgs& args);
Result<bool> apply_test(Interpreter& in, std::string_view name, const Value& subject,
                        CallArgs& args);

}  // namespace tessera::jinja
