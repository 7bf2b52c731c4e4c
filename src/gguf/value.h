// A GGUF metadata value: a scalar, a string, or an array (arrays may nest). The value types and
// their ids are those of the GGUF specification.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace tessera::gguf {

enum class ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

const char* value_type_name(ValueType type);
bool is_valid_value_type(uint32_t raw);

struct Value;

struct Array {
  ValueType element_type = ValueType::kU8;
  std::vector<Value> elements;
};

struct Value {
  ValueType type = ValueType::kU8;
  // Unsigned integers are held as uint64_t, signed ones as int64_t, f32/f64 as double (f32 values
  // are exactly representable), so one variant serves every width; `type` keeps the on-disk width.
  std::variant<uint64_t, int64_t, double, bool, std::string, Array> data;

  static Value u8(uint8_t v) { return {ValueType::kU8, uint64_t{v}}; }
  static Value i8(int8_t v) { return {ValueType::kI8, int64_t{v}}; }
  static Value u16(uint16_t v) { return {ValueType::kU16, uint64_t{v}}; }
  static Value i16(int16_t v) { return {ValueType::kI16, int64_t{v}}; }
  static Value u32(uint32_t v) { return {ValueType::kU32, uint64_t{v}}; }
  static Value i32(int32_t v) { return {ValueType::kI32, int64_t{v}}; }
  static Value u64(uint64_t v) { return {ValueType::kU64, v}; }
  static Value i64(int64_t v) { return {ValueType::kI64, v}; }
  static Value f32(float v) { return {ValueType::kF32, double{v}}; }
  static Value f64(double v) { return {ValueType::kF64, v}; }
  static Value boolean(bool v) { return {ValueType::kBool, v}; }
  static Value string(std::string v) { return {ValueType::kString, std::move(v)}; }
  static Value array(ValueType element_type, std::vector<Value> elements) {
    return {ValueType::kArray, Array{element_type, std::move(elements)}};
  }
  static Value string_array(const std::vector<std::string>& items);

  bool is_integer() const;  // any of the eight integer types
  bool is_float() const { return type == ValueType::kF32 || type == ValueType::kF64; }
  bool is_string() const { return type == ValueType::kString; }
  bool is_array() const { return type == ValueType::kArray; }

  // Accessors: callers check the type first (or use the typed getters of File, which report
  // errors).
  uint64_t as_u64() const;  // unsigned or non-negative signed integers
  int64_t as_i64() const;   // any integer that fits
  double as_f64() const;    // floats and integers
  bool as_bool() const { return std::get<bool>(data); }
  const std::string& as_string() const { return std::get<std::string>(data); }
  const Array& as_array() const { return std::get<Array>(data); }

  // Short human-readable rendering; arrays longer than max_array_items are elided with "... (N
  // total)".
  std::string to_display(size_t max_array_items = 8) const;
};

bool operator==(const Value& a, const Value& b);
bool operator==(const Array& a, const Array& b);

}  // namespace tessera::gguf
