#include "tokenize/metadata.h"

namespace tessera::tokenize_metadata {

std::string where(const gguf::File& file, std::string_view key) {
  return file.name() + ": metadata key '" + std::string(key) + "'";
}

Result<const gguf::Array*> string_array(const gguf::File& file, std::string_view key) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr)
    return not_found(file.name() + ": missing metadata key '" + std::string(key) + "'");
  if (!value->is_array()) {
    return data_loss(where(file, key) + " has type " + gguf::value_type_name(value->type) +
                     ", expected an array of strings");
  }
  const gguf::Array& array = value->as_array();
  for (size_t i = 0; i < array.elements.size(); ++i) {
    if (!array.elements[i].is_string()) {
      return data_loss(where(file, key) + ": element " + std::to_string(i) + " has type " +
                       gguf::value_type_name(array.elements[i].type) + ", expected string");
    }
  }
  return &array;
}

Result<const gguf::Array*> optional_number_array(const gguf::File& file, std::string_view key,
                                                 size_t expected_size) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) return static_cast<const gguf::Array*>(nullptr);
  if (!value->is_array()) {
    return data_loss(where(file, key) + " has type " + gguf::value_type_name(value->type) +
                     ", expected an array of numbers");
  }
  const gguf::Array& array = value->as_array();
  if (array.elements.size() != expected_size) {
    return data_loss(where(file, key) + " has " + std::to_string(array.elements.size()) +
                     " elements, expected " + std::to_string(expected_size) +
                     " (one per entry of tokenizer.ggml.tokens)");
  }
  for (size_t i = 0; i < array.elements.size(); ++i) {
    const gguf::Value& e = array.elements[i];
    if (!e.is_integer() && !e.is_float()) {
      return data_loss(where(file, key) + ": element " + std::to_string(i) + " has type " +
                       gguf::value_type_name(e.type) + ", expected a number");
    }
  }
  return &array;
}

Result<std::optional<bool>> optional_bool(const gguf::File& file, std::string_view key) {
  if (file.find(key) == nullptr) return std::optional<bool>();
  TESSERA_ASSIGN_OR_RETURN(bool flag, file.get_bool(key));
  return std::optional<bool>(flag);
}

Result<std::optional<std::string>> optional_string(const gguf::File& file, std::string_view key) {
  if (file.find(key) == nullptr) return std::optional<std::string>();
  TESSERA_ASSIGN_OR_RETURN(std::string text, file.get_string(key));
  return std::optional<std::string>(std::move(text));
}

}  // namespace tessera::tokenize_metadata
