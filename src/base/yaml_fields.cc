#include "base/yaml_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "base/byte_size.h"

namespace tessera {

Result<YAML::Node> YamlFields::load(const std::string& text) const {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return error_at(e.mark, "malformed YAML: " + e.msg);
  }
}

Status YamlFields::error_at(const YAML::Mark& mark, const std::string& message) const {
  if (mark.is_null()) return invalid_argument(source_ + ": " + message);
  return invalid_argument(source_ + ":" + std::to_string(mark.line + 1) + ":" +
                          std::to_string(mark.column + 1) + ": " + message);
}

Status YamlFields::error(const YAML::Node& node, const std::string& message) const {
  // An absent key's node is invalid, and yaml-cpp throws when asked for its mark.
  return error_at(node.IsDefined() ? node.Mark() : YAML::Mark::null_mark(), message);
}

std::string YamlFields::kind(const YAML::Node& node) {
  if (!node || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

Status YamlFields::check_keys(const YAML::Node& node, const std::string& path,
                              std::initializer_list<std::string_view> allowed) const {
  if (!node.IsMap()) return error(node, path + ": expected a map of keys, got " + kind(node));
  std::map<std::string, int> seen;  // key -> 1-based line
  for (const auto& entry : node) {
    const YAML::Node key = entry.first;  // a copy: iterator proxies do not outlive the loop body
    const std::string name = key.IsScalar() ? key.Scalar() : "?";
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return error(key, path + ": unknown key '" + name + "' (expected one of: " + list + ")");
    }
    const auto [first, inserted] = seen.emplace(name, key.Mark().line + 1);
    if (!inserted) {
      return error(key, path + ": key '" + name + "' is repeated (first on line " +
                            std::to_string(first->second) + ")");
    }
  }
  return {};
}

Status YamlFields::require(const YAML::Node& node, const std::string& path, const char* key) const {
  if (node[key]) return {};
  return error(node, path + ": missing '" + key + "'");
}

Result<std::string> YamlFields::text(const YAML::Node& node, const std::string& path) const {
  if (!node || node.IsNull()) return error(node, path + ": missing value");
  if (!node.IsScalar()) return error(node, path + ": expected a single value, got " + kind(node));
  return node.Scalar();
}

Result<double> YamlFields::number(const YAML::Node& node, const std::string& path, double min,
                                  double max) const {
  TESSERA_ASSIGN_OR_RETURN(const std::string s, text(node, path));
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
    return error(node, path + ": expected a number, got '" + s + "'");
  }
  if (v < min || v > max) {
    std::ostringstream range;
    range << min << ".." << max;
    return error(node, path + ": " + s + " is outside " + range.str());
  }
  return v;
}

Result<int64_t> YamlFields::integer(const YAML::Node& node, const std::string& path, int64_t min,
                                    int64_t max) const {
  TESSERA_ASSIGN_OR_RETURN(const std::string s, text(node, path));
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return error(node, path + ": expected a whole number, got '" + s + "'");
  }
  if (v < min || v > max) {
    return error(
        node, path + ": " + s + " is outside " + std::to_string(min) + ".." + std::to_string(max));
  }
  return v;
}

Result<bool> YamlFields::boolean(const YAML::Node& node, const std::string& path) const {
  TESSERA_ASSIGN_OR_RETURN(const std::string s, text(node, path));
  if (s == "true" || s == "yes") return true;
  if (s == "false" || s == "no") return false;
  return error(node, path + ": expected true or false, got '" + s + "'");
}

Result<uint64_t> YamlFields::bytes(const YAML::Node& node, const std::string& path) const {
  TESSERA_ASSIGN_OR_RETURN(const std::string s, text(node, path));
  Result<uint64_t> v = parse_byte_size(s);
  if (!v.ok()) return error(node, path + ": " + v.status().message());
  if (*v == 0) return error(node, path + ": must be more than 0 bytes");
  return *v;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open");
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return io_error(path + ": read failed");
  return out.str();
}

}  // namespace tessera
