#include "gguf/describe.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tessera::gguf {

nlohmann::ordered_json value_to_json(const Value& value, size_t max_items) {
  switch (value.type) {
    case ValueType::kBool:
      return value.as_bool();
    case ValueType::kString:
      return value.as_string();
    case ValueType::kF32:
    case ValueType::kF64: {
      const double v = value.as_f64();
      if (std::isfinite(v)) return v;
      return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");  // JSON has no NaN/Inf literals
    }
    case ValueType::kArray: {
      const Array& array = value.as_array();
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      const size_t n =
          max_items == 0 ? array.elements.size() : std::min(max_items, array.elements.size());
      for (size_t i = 0; i < n; ++i) out.push_back(value_to_json(array.elements[i], max_items));
      return out;
    }
    default:
      if (std::holds_alternative<uint64_t>(value.data)) return value.as_u64();
      return value.as_i64();
  }
}

nlohmann::ordered_json describe_json(const File& file, const DescribeOptions& options) {
  const size_t max_items = options.full ? 0 : options.max_array_items;
  nlohmann::ordered_json out;
  out["file"] = file.name();
  out["version"] = file.version();
  out["alignment"] = file.alignment();
  Result<std::string> arch = file.architecture();
  out["architecture"] = arch.ok() ? nlohmann::ordered_json(*arch) : nlohmann::ordered_json(nullptr);
  out["parameter_count"] = file.parameter_count();
  out["tensor_data_bytes"] = file.tensor_data_bytes();
  out["file_size"] = file.file_size();
  nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
  for (const auto& kv : file.metadata()) {
    nlohmann::ordered_json entry;
    entry["type"] = value_type_name(kv.value.type);
    entry["value"] = value_to_json(kv.value, max_items);
    if (kv.value.is_array()) {
      const Array& array = kv.value.as_array();
      entry["element_type"] = value_type_name(array.element_type);
      entry["count"] = array.elements.size();
      entry["elided"] = max_items != 0 && array.elements.size() > max_items;
    }
    metadata[kv.key] = std::move(entry);
  }
  out["metadata"] = std::move(metadata);
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const auto& t : file.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"type", dtype_name(t.type)},
                       {"dims", t.dims},
                       {"offset", t.offset},
                       {"bytes", t.size_bytes}});
  }
  out["tensors"] = std::move(tensors);
  return out;
}

std::string format_bytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  if (unit == 0) {
    std::snprintf(buffer, sizeof(buffer), "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.2f %s", value, kUnits[unit]);
  }
  return buffer;
}

namespace {

std::string format_count(uint64_t n) {
  char buffer[32];
  if (n >= 1000000000ull) {
    std::snprintf(buffer, sizeof(buffer), "%.2fB", static_cast<double>(n) / 1e9);
  } else if (n >= 1000000ull) {
    std::snprintf(buffer, sizeof(buffer), "%.2fM", static_cast<double>(n) / 1e6);
  } else if (n >= 1000ull) {
    std::snprintf(buffer, sizeof(buffer), "%.2fK", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%llu", static_cast<unsigned long long>(n));
  }
  return buffer;
}

std::string format_dims(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

}  // namespace

std::string describe_text(const File& file, const DescribeOptions& options) {
  const size_t max_items = options.full ? SIZE_MAX : options.max_array_items;
  std::ostringstream out;
  Result<std::string> arch = file.architecture();
  out << "file:          " << file.name() << "\n";
  out << "gguf version:  " << file.version() << ", alignment " << file.alignment() << "\n";
  out << "architecture:  " << (arch.ok() ? *arch : "(none)") << "\n";
  out << "parameters:    " << format_count(file.parameter_count()) << " (" << file.parameter_count()
      << ")\n";
  out << "tensor data:   " << format_bytes(file.tensor_data_bytes()) << " in "
      << file.tensors().size() << " tensors\n";
  out << "file size:     " << format_bytes(file.file_size()) << "\n";

  out << "\nmetadata (" << file.metadata().size() << " keys):\n";
  size_t key_width = 0;
  for (const auto& kv : file.metadata()) key_width = std::max(key_width, kv.key.size());
  for (const auto& kv : file.metadata()) {
    std::string type = value_type_name(kv.value.type);
    if (kv.value.is_array()) {
      type += std::string("[") + value_type_name(kv.value.as_array().element_type) + "]";
    }
    out << "  " << kv.key << std::string(key_width - kv.key.size() + 2, ' ') << type
        << std::string(type.size() < 14 ? 14 - type.size() : 1, ' ')
        << kv.value.to_display(max_items) << "\n";
  }

  out << "\ntensors (" << file.tensors().size() << "):\n";
  size_t name_width = 4;
  for (const auto& t : file.tensors()) name_width = std::max(name_width, t.name.size());
  char line[512];
  std::snprintf(line, sizeof(line), "  %-*s  %-5s  %-22s  %12s\n", static_cast<int>(name_width),
                "name", "type", "shape", "bytes");
  out << line;
  for (const auto& t : file.tensors()) {
    std::snprintf(line, sizeof(line), "  %-*s  %-5s  %-22s  %12llu\n", static_cast<int>(name_width),
                  t.name.c_str(), dtype_name(t.type), format_dims(t.dims).c_str(),
                  static_cast<unsigned long long>(t.size_bytes));
    out << line;
  }
  out << "\ntotal: " << format_bytes(file.tensor_data_bytes()) << " of tensor data, "
      << format_count(file.parameter_count()) << " parameters\n";
  return out.str();
}

}  // namespace tessera::gguf
