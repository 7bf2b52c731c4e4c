// Reading YAML inputs (slice configs, model.yaml, the hardware catalog, fleet files) with errors
// that name the file, line, column and field:
// "fleet.yaml:12:5: models[2].workload.context: expected a whole number". yaml-cpp throws on
// malformed text and on conversions; everything here turns that into a Status.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera {

class YamlFields {
 public:
  explicit YamlFields(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }

  // Parses `text`; a syntax error becomes "SOURCE:LINE:COLUMN: message".
  Result<YAML::Node> load(const std::string& text) const;

  Status error(const YAML::Node& node, const std::string& message) const;
  Status error_at(const YAML::Mark& mark, const std::string& message) const;

  // `node` must be a map whose keys are all in `allowed`, none repeated.
  Status check_keys(const YAML::Node& node, const std::string& path,
                    std::initializer_list<std::string_view> allowed) const;
  // The map must have `key`; `path` names the map for the message.
  Status require(const YAML::Node& node, const std::string& path, const char* key) const;

  Result<std::string> text(const YAML::Node& node, const std::string& path) const;
  Result<double> number(const YAML::Node& node, const std::string& path, double min,
                        double max) const;
  Result<int64_t> integer(const YAML::Node& node, const std::string& path, int64_t min,
                          int64_t max) const;
  Result<bool> boolean(const YAML::Node& node, const std::string& path) const;
  // "24GiB", "512MiB", a plain number of bytes (base/byte_size.h).
  Result<uint64_t> bytes(const YAML::Node& node, const std::string& path) const;

  // "a map", "a list", "nothing", "'text'": what a node is, for messages.
  static std::string kind(const YAML::Node& node);

 private:
  std::string source_;
};

// Reads a whole file; NotFound / IoError name it.
Result<std::string> read_text_file(const std::string& path);

}  // namespace tessera
