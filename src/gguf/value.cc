#include "gguf/value.h"

#include <cmath>
#include <sstream>

namespace tessera::gguf {

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kU8:
      return "u8";
    case ValueType::kI8:
      return "i8";
    case ValueType::kU16:
      return "u16";
    case ValueType::kI16:
      return "i16";
    case ValueType::kU32:
      return "u32";
    case ValueType::kI32:
      return "i32";
    case ValueType::kF32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kU64:
      return "u64";
    case ValueType::kI64:
      return "i64";
    case ValueType::kF64:
      return "f64";
  }
  return "invalid";
}

bool is_valid_value_type(uint32_t raw) { return raw <= static_cast<uint32_t>(ValueType::kF64); }

Value Value::string_array(const std::vector<std::string>& items) {
  std::vector<Value> elements;
  elements.reserve(items.size());
  for (const auto& item : items) elements.push_back(Value::string(item));
  return Value::array(ValueType::kString, std::move(elements));
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kU16:
    case ValueType::kI16:
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kU64:
    case ValueType::kI64:
      return true;
    default:
      return false;
  }
}

uint64_t Value::as_u64() const {
  if (const auto* u = std::get_if<uint64_t>(&data)) return *u;
  return static_cast<uint64_t>(std::get<int64_t>(data));
}

int64_t Value::as_i64() const {
  if (const auto* i = std::get_if<int64_t>(&data)) return *i;
  return static_cast<int64_t>(std::get<uint64_t>(data));
}

double Value::as_f64() const {
  if (const auto* d = std::get_if<double>(&data)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&data)) return static_cast<double>(*u);
  return static_cast<double>(std::get<int64_t>(data));
}

namespace {

void append_quoted(std::ostringstream& out, const std::string& s) {
  out << '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\r':
        out << "\\r";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* kHex = "0123456789abcdef";
          out << "\\x" << kHex[(c >> 4) & 0xF] << kHex[c & 0xF];
        } else {
          out << c;
        }
    }
  }
  out << '"';
}

}  // namespace

std::string Value::to_display(size_t max_array_items) const {
  std::ostringstream out;
  switch (type) {
    case ValueType::kBool:
      out << (as_bool() ? "true" : "false");
      break;
    case ValueType::kString: {
      // Long strings (chat templates) are cut so one key stays one readable line.
      constexpr size_t kMaxDisplayChars = 120;
      const std::string& s = as_string();
      if (s.size() > kMaxDisplayChars) {
        append_quoted(out, s.substr(0, kMaxDisplayChars));
        out << "... (" << s.size() << " bytes)";
      } else {
        append_quoted(out, s);
      }
      break;
    }
    case ValueType::kF32:
    case ValueType::kF64:
      out << as_f64();
      break;
    case ValueType::kArray: {
      const Array& array = as_array();
      out << '[';
      const size_t shown = std::min(array.elements.size(), max_array_items);
      for (size_t i = 0; i < shown; ++i) {
        if (i) out << ", ";
        out << array.elements[i].to_display(max_array_items);
      }
      if (shown < array.elements.size()) {
        out << ", ... (" << array.elements.size() << " " << value_type_name(array.element_type)
            << " total)";
      }
      out << ']';
      break;
    }
    default:
      if (std::holds_alternative<uint64_t>(data)) {
        out << std::get<uint64_t>(data);
      } else {
        out << std::get<int64_t>(data);
      }
  }
  return out.str();
}

bool operator==(const Array& a, const Array& b) {
  return a.element_type == b.element_type && a.elements == b.elements;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  if (a.is_float()) {
    // NaN metadata compares equal to itself so a file round-trips as equal.
    const double x = a.as_f64(), y = b.as_f64();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return a.data == b.data;
}

}  // namespace tessera::gguf
