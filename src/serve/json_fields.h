// Reading request bodies: JSON parse errors and wrong types become InvalidArgument messages that
// name the field ("temperature: expected a number, got a string"), never exceptions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera::serve {

using Json = nlohmann::json;

// The body as a JSON object; "malformed JSON at byte N: ..." or "expected a JSON object".
Result<Json> parse_json_object(const std::string& body);

// Dumps with invalid UTF-8 replaced, so a response never throws.
std::string dump_json(const Json& value);

// Optional fields: nullopt when absent or null; a wrong type names `field`.
Result<std::optional<std::string>> optional_string(const Json& object, const std::string& field);
Result<std::optional<double>> optional_number(const Json& object, const std::string& field);
Result<std::optional<int64_t>> optional_integer(const Json& object, const std::string& field,
                                                int64_t min, int64_t max);
Result<std::optional<bool>> optional_bool(const Json& object, const std::string& field);
// `path` prefixes the field's name in messages ("inputs[0]" -> "inputs[0].name: required").
Result<std::string> required_string(const Json& object, const std::string& field,
                                    const std::string& path = "");
// A list of token ids, each an integer in [0, vocab_size); `path` names the list in messages
// ("prompt[1]: token id 99999 is outside the vocabulary (0..31999)").
Result<std::vector<int32_t>> token_ids(const Json& list, const std::string& path,
                                       int32_t vocab_size);

// A string or a list of strings (OpenAI's `input`, `stop`); empty when absent.
Result<std::vector<std::string>> string_or_strings(const Json& object, const std::string& field);

}  // namespace tessera::serve
