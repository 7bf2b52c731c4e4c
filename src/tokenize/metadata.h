// Typed access to the tokenizer.* arrays of a GGUF file. Every error names the file and the key
// (and, for a bad element, its index) and says what was expected, so a broken converter output is
// easy to diagnose. Scalars go through gguf::File's own typed getters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "gguf/file.h"
#include "gguf/value.h"

namespace tessera::tokenize_metadata {

// The array under `key` whose elements are all strings. Missing: NotFound; wrong type: DataLoss.
Result<const gguf::Array*> string_array(const gguf::File& file, std::string_view key);

// The array under `key` whose elements are all numbers (integers or floats); nullptr if absent.
// `expected_size` (the vocabulary size) is enforced so parallel arrays cannot disagree.
Result<const gguf::Array*> optional_number_array(const gguf::File& file, std::string_view key,
                                                 size_t expected_size);

// A bool flag, nullopt if absent; DataLoss if present with another type.
Result<std::optional<bool>> optional_bool(const gguf::File& file, std::string_view key);

// A string, nullopt if absent; DataLoss if present with another type.
Result<std::optional<std::string>> optional_string(const gguf::File& file, std::string_view key);

// "FILE: metadata key 'KEY'" — the prefix of every tokenizer metadata error.
std::string where(const gguf::File& file, std::string_view key);

}  // namespace tessera::tokenize_metadata
