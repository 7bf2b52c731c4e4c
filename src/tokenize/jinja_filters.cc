#include "tokenize/jinja_filters.h"

#include <initializer_list>
#include <span>
#include <string>

#include "tokenize/jinja_filter_kit.h"
#include "tokenize/jinja_interpreter.h"

namespace tessera::jinja {
namespace {

// jinja2 filters this interpreter does not implement: templates using them fail to parse with a
// clear message rather than as "unknown".
constexpr std::string_view kUnsupportedFilters[] = {
    "filesizeformat", "groupby",   "pprint", "random",   "slice",  "striptags",
    "truncate",       "urlencode", "urlize", "wordwrap", "xmlattr"};

const FilterEntry* find_filter(std::string_view name) {
  for (std::span<const FilterEntry> table : {text_filters(), sequence_filters()}) {
    for (const FilterEntry& f : table) {
      if (f.name == name) return &f;
    }
  }
  return nullptr;
}

}  // namespace

Support filter_support(std::string_view name) {
  if (find_filter(name) != nullptr) return Support::kSupported;
  for (std::string_view unsupported : kUnsupportedFilters) {
    if (unsupported == name) return Support::kUnsupported;
  }
  return Support::kUnknown;
}

Result<Value> apply_filter(Interpreter& in, std::string_view name, const Value& subject,
                           CallArgs& args) {
  TESSERA_RETURN_IF_ERROR(in.charge(1));
  if (const FilterEntry* f = find_filter(name)) return f->fn(in, subject, args);
  if (filter_support(name) == Support::kUnsupported) {
    return invalid_argument("the '" + std::string(name) + "' filter is not supported");
  }
  return invalid_argument("No filter named '" + std::string(name) + "'.");
}

}  // namespace tessera::jinja
