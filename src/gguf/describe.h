// Human and machine descriptions of a GGUF file, as `tessera inspect` prints them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "gguf/file.h"

namespace tessera::gguf {

struct DescribeOptions {
  // Arrays longer than this are elided ("... (N total)" in text; "elided": true in JSON).
  size_t max_array_items = 16;
  bool full = false;  // never elide
};

// JSON object (keys in file order):
// {"file","version","alignment","architecture","parameter_count","tensor_data_bytes",
// "file_size","metadata": {key: {"type","value"[,"element_type","count","elided"]}},
// "tensors": [{"name","type","dims","offset","bytes"}]}.
nlohmann::ordered_json describe_json(const File& file, const DescribeOptions& options);
std::string describe_text(const File& file, const DescribeOptions& options);

// A value as JSON: numbers, bools and strings as themselves, arrays as JSON arrays (first
// `max_items` elements; all if max_items is 0).
nlohmann::ordered_json value_to_json(const Value& value, size_t max_items);

// "1.50 MiB"-style size for humans.
std::string format_bytes(uint64_t bytes);

}  // namespace tessera::gguf
