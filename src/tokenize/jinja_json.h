// JSON in and out of the Jinja value model. Input: nlohmann documents become Values (objects keep
// their key order, so pass nlohmann::ordered_json where the order of tool schemas matters). Output:
// Python's json.dumps, which is what Hugging Face's `tojson` filter calls, byte for byte.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "tokenize/jinja_value.h"

namespace tessera::jinja {

Result<Value> from_json(const nlohmann::json& json);
Result<Value> from_json(const nlohmann::ordered_json& json);

// The arguments of json.dumps that Hugging Face's tojson exposes.
struct JsonStyle {
  std::optional<std::string> indent;  // null: one line; otherwise the per-level indent string
  std::optional<std::string> item_separator;  // default ", " on one line, "," when indented
  std::string key_separator = ": ";
  bool ensure_ascii = false;
  bool sort_keys = false;
};

// json.dumps(value): errors on values JSON cannot hold (Undefined, callables, namespaces).
Result<std::string> dump_json(const Value& value, const JsonStyle& style);

}  // namespace tessera::jinja
