#include "serve/json_fields.h"

namespace tessera::serve {
namespace {

std::string type_of(const Json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_array()) return "a list";
  if (value.is_object()) return "an object";
  return "null";
}

Status wrong_type(const std::string& field, const char* expected, const Json& value) {
  return invalid_argument(field + ": expected " + expected + ", got " + type_of(value));
}

const Json* find(const Json& object, const std::string& field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

Result<Json> parse_json_object(const std::string& body) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Parse again for the position: the non-throwing form does not say where it failed.
    try {
      const Json again = Json::parse(body);
      static_cast<void>(again);
    } catch (const Json::parse_error& e) {
      return invalid_argument("body: malformed JSON at byte " + std::to_string(e.byte) + ": " +
                              e.what());
    }
    return invalid_argument("body: malformed JSON");
  }
  if (!parsed.is_object()) return wrong_type("body", "a JSON object", parsed);
  return parsed;
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::optional<std::string>> optional_string(const Json& object, const std::string& field) {
  const Json* v = find(object, field);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return wrong_type(field, "a string", *v);
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<double>> optional_number(const Json& object, const std::string& field) {
  const Json* v = find(object, field);
  if (v == nullptr) return std::optional<double>();
  if (!v->is_number()) return wrong_type(field, "a number", *v);
  return std::optional<double>(v->get<double>());
}

Result<std::optional<int64_t>> optional_integer(const Json& object, const std::string& field,
                                                int64_t min, int64_t max) {
  const Json* v = find(object, field);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->is_number_integer()) return wrong_type(field, "a whole number", *v);
  const bool is_unsigned = v->is_number_unsigned();
  if ((is_unsigned && v->get<uint64_t>() > static_cast<uint64_t>(max)) ||
      (!is_unsigned && (v->get<int64_t>() < min || v->get<int64_t>() > max))) {
    return invalid_argument(field + ": must be " + std::to_string(min) + " to " +
                            std::to_string(max));
  }
  return std::optional<int64_t>(is_unsigned ? static_cast<int64_t>(v->get<uint64_t>())
                                            : v->get<int64_t>());
}

Result<std::optional<bool>> optional_bool(const Json& object, const std::string& field) {
  const Json* v = find(object, field);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return wrong_type(field, "true or false", *v);
  return std::optional<bool>(v->get<bool>());
}

Result<std::string> required_string(const Json& object, const std::string& field,
                                    const std::string& path) {
  const std::string name = path.empty() ? field : path + "." + field;
  const Json* v = find(object, field);
  if (v == nullptr) return invalid_argument(name + ": required");
  if (!v->is_string()) return wrong_type(name, "a string", *v);
  return v->get<std::string>();
}

Result<std::vector<std::string>> string_or_strings(const Json& object, const std::string& field) {
  std::vector<std::string> out;
  const Json* v = find(object, field);
  if (v == nullptr) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array()) return wrong_type(field, "a string or a list of strings", *v);
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_string()) {
      return wrong_type(field + "[" + std::to_string(i) + "]", "a string", item);
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::vector<int32_t>> token_ids(const Json& list, const std::string& path,
                                       int32_t vocab_size) {
  if (!list.is_array()) return wrong_type(path, "a list of token ids", list);
  std::vector<int32_t> ids;
  ids.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& id = list[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!id.is_number_integer()) return wrong_type(at, "a token id", id);
    const int64_t value = id.get<int64_t>();
    if (value < 0 || value >= vocab_size) {
      return invalid_argument(at + ": token id " + std::to_string(value) +
                              " is outside the vocabulary (0.." + std::to_string(vocab_size - 1) +
                              ")");
    }
    ids.push_back(static_cast<int32_t>(value));
  }
  return ids;
}

}  // namespace tessera::serve
