#include "plan/fleet.h"

#include <filesystem>

#include "base/yaml_fields.h"
#include "plan/model_source.h"

namespace tessera::plan {
namespace {

constexpr int64_t kMaxSequences = 1 << 16;
constexpr int64_t kMaxTokens = int64_t{1} << 26;
constexpr double kMaxRate = 1e9;

class FleetParser {
 public:
  FleetParser(const std::string& source, std::string base_dir)
      : y_(source), base_dir_(std::move(base_dir)) {}

  Result<Fleet> parse(const std::string& text) {
    TESSERA_ASSIGN_OR_RETURN(const YAML::Node root, y_.load(text));
    if (!root || root.IsNull()) return y_.error(root, "empty fleet file: expected models:");
    TESSERA_RETURN_IF_ERROR(
        y_.check_keys(root, "fleet", {"gpu", "compare", "sharing", "mig", "defaults", "models"}));
    Fleet f;
    f.source = y_.source();
    if (root["gpu"]) {
      TESSERA_ASSIGN_OR_RETURN(f.gpu, y_.text(root["gpu"], "gpu"));
    }
    if (root["compare"]) {
      const YAML::Node list = root["compare"];
      if (!list.IsSequence()) {
        return y_.error(list,
                        "compare: expected a list of GPU names, got " + YamlFields::kind(list));
      }
      for (size_t i = 0; i < list.size(); ++i) {
        TESSERA_ASSIGN_OR_RETURN(std::string name,
                                 y_.text(list[i], "compare[" + std::to_string(i) + "]"));
        f.compare.push_back(std::move(name));
      }
    }
    if (root["sharing"]) {
      TESSERA_ASSIGN_OR_RETURN(const std::string s, y_.text(root["sharing"], "sharing"));
      Result<Sharing> sharing = parse_sharing(s);
      if (!sharing.ok()) return y_.error(root["sharing"], "sharing: " + sharing.status().message());
      f.sharing = *sharing;
    }
    if (root["mig"]) {
      TESSERA_ASSIGN_OR_RETURN(f.mig, y_.boolean(root["mig"], "mig"));
    }
    ModelRequest defaults;
    defaults.kv = *number_format("f16");
    if (root["defaults"]) {
      TESSERA_RETURN_IF_ERROR(y_.check_keys(
          root["defaults"], "defaults",
          {"weights", "kv", "context", "sequences", "tokens_in", "tokens_out", "batch_tokens",
           "target_tokens_per_s", "target_requests_per_s", "p99_ms"}));
      TESSERA_RETURN_IF_ERROR(apply_workload(root["defaults"], "defaults", defaults));
    }
    const YAML::Node models = root["models"];
    if (!models) return y_.error(root, "fleet: missing 'models': a list of models");
    if (!models.IsSequence() || models.size() == 0) {
      return y_.error(models, "models: expected a non-empty list, got " + YamlFields::kind(models));
    }
    for (size_t i = 0; i < models.size(); ++i) {
      TESSERA_ASSIGN_OR_RETURN(
          ModelRequest m, parse_model(models[i], "models[" + std::to_string(i) + "]", defaults));
      for (const ModelRequest& other : f.models) {
        if (other.name == m.name) {
          return y_.error(models[i],
                          "models[" + std::to_string(i) + "]: name '" + m.name + "' is used twice");
        }
      }
      f.models.push_back(std::move(m));
    }
    return f;
  }

 private:
  Status apply_workload(const YAML::Node& node, const std::string& path, ModelRequest& m) {
    Workload& w = m.workload;
    const auto integer = [&](const char* key, int64_t min, int64_t max, int64_t& out) -> Status {
      if (!node[key]) return {};
      TESSERA_ASSIGN_OR_RETURN(out, y_.integer(node[key], path + "." + key, min, max));
      return {};
    };
    const auto rate = [&](const char* key, double& out) -> Status {
      if (!node[key]) return {};
      TESSERA_ASSIGN_OR_RETURN(out, y_.number(node[key], path + "." + key, 0, kMaxRate));
      return {};
    };
    TESSERA_RETURN_IF_ERROR(integer("context", 1, kMaxTokens, w.context));
    TESSERA_RETURN_IF_ERROR(integer("sequences", 1, kMaxSequences, w.sequences));
    TESSERA_RETURN_IF_ERROR(integer("tokens_in", 1, kMaxTokens, w.tokens_in));
    TESSERA_RETURN_IF_ERROR(integer("tokens_out", 0, kMaxTokens, w.tokens_out));
    TESSERA_RETURN_IF_ERROR(integer("batch_tokens", 1, kMaxTokens, w.batch_tokens));
    TESSERA_RETURN_IF_ERROR(rate("target_tokens_per_s", w.target_tokens_per_s));
    TESSERA_RETURN_IF_ERROR(rate("target_requests_per_s", w.target_requests_per_s));
    TESSERA_RETURN_IF_ERROR(rate("p99_ms", w.p99_ms));
    if (node["weights"]) {
      TESSERA_ASSIGN_OR_RETURN(const std::string text, y_.text(node["weights"], path + ".weights"));
      Status s = set_weights(text, m);
      if (!s.ok()) return y_.error(node["weights"], path + ".weights: " + s.message());
    }
    if (node["kv"]) {
      TESSERA_ASSIGN_OR_RETURN(const std::string text, y_.text(node["kv"], path + ".kv"));
      Result<NumberFormat> kv = number_format(text);
      if (!kv.ok()) return y_.error(node["kv"], path + ".kv: " + kv.status().message());
      m.kv = *kv;
    }
    return {};
  }

  Result<ModelDims> parse_dims_map(const YAML::Node& node, const std::string& path) {
    TESSERA_RETURN_IF_ERROR(y_.check_keys(node, path,
                                          {"layers", "dim", "heads", "kv_heads", "head_dim", "ffn",
                                           "vocab", "context", "tied", "kind", "arch"}));
    // One syntax for dims on the command line and in files: the map becomes "k=v,...".
    std::string text;
    for (const auto& entry : node) {
      const YAML::Node key = entry.first, value = entry.second;
      TESSERA_ASSIGN_OR_RETURN(const std::string v, y_.text(value, path + "." + key.Scalar()));
      text += key.Scalar() + "=" + (v == "true" ? "1" : v == "false" ? "0" : v) + ",";
    }
    Result<ModelDims> d = parse_dims(text);
    if (!d.ok()) return y_.error(node, path + ": " + d.status().message());
    return *d;
  }

  Result<ModelRequest> parse_model(const YAML::Node& node, const std::string& path,
                                   const ModelRequest& defaults) {
    std::initializer_list<std::string_view> keys = {"name",
                                                    "gguf",
                                                    "hf_config",
                                                    "dims",
                                                    "weights",
                                                    "kv",
                                                    "context",
                                                    "sequences",
                                                    "tokens_in",
                                                    "tokens_out",
                                                    "batch_tokens",
                                                    "target_tokens_per_s",
                                                    "target_requests_per_s",
                                                    "p99_ms"};
    TESSERA_RETURN_IF_ERROR(y_.check_keys(node, path, keys));
    TESSERA_RETURN_IF_ERROR(y_.require(node, path, "name"));
    ModelRequest m = defaults;
    TESSERA_ASSIGN_OR_RETURN(m.name, y_.text(node["name"], path + ".name"));
    const std::string at = path + " (" + m.name + ")";
    const int sources =
        (node["gguf"] ? 1 : 0) + (node["hf_config"] ? 1 : 0) + (node["dims"] ? 1 : 0);
    if (sources != 1) {
      return y_.error(node, at + ": give exactly one of gguf, hf_config or dims");
    }
    if (node["dims"]) {
      TESSERA_ASSIGN_OR_RETURN(ModelDims d, parse_dims_map(node["dims"], at + ".dims"));
      d.name = m.name;
      Result<ModelShape> shape = shape_from_dims(d, at + ".dims");
      if (!shape.ok()) return y_.error(node["dims"], shape.status().message());
      m.shape = std::move(*shape);
    } else {
      const char* key = node["gguf"] ? "gguf" : "hf_config";
      TESSERA_ASSIGN_OR_RETURN(const std::string file, y_.text(node[key], at + "." + key));
      const std::filesystem::path p(file);
      const std::string resolved =
          p.is_absolute() ? file
                          : (std::filesystem::path(base_dir_) / p).lexically_normal().string();
      Result<ModelShape> shape = load_model_shape(resolved);
      if (!shape.ok()) {
        return y_.error(node[key], at + "." + key + ": " + shape.status().message());
      }
      m.shape = std::move(*shape);
      if (node["gguf"]) m.file = resolved;
    }
    m.shape.name = m.name;
    TESSERA_RETURN_IF_ERROR(apply_workload(node, at, m));
    // A fleet-wide default context larger than a small model's (an encoder's 512) means "as
    // long as it goes"; one set on the model itself is a mistake worth an error.
    if (!node["context"] && m.workload.context > m.shape.max_context) {
      m.workload.context = m.shape.max_context;
    }
    if (m.workload.context > 0 && m.workload.context > m.shape.max_context) {
      return y_.error(node["context"] ? node["context"] : node,
                      at + ".context: " + std::to_string(m.workload.context) +
                          " is more than the model's " + std::to_string(m.shape.max_context));
    }
    return m;
  }

  YamlFields y_;
  std::string base_dir_;
};

}  // namespace

Result<Sharing> parse_sharing(const std::string& text) {
  if (text == "vgpu") return Sharing::kVgpu;
  if (text == "tessera") return Sharing::kTessera;
  if (text == "none") return Sharing::kNone;
  return invalid_argument("'" + text + "': expected vgpu, tessera or none");
}

Status set_weights(const std::string& text, ModelRequest& request) {
  request.weights.reset();
  request.weights_as_stored = false;
  if (text == "auto") return {};
  if (text == "stored") {
    request.weights_as_stored = true;
    return {};
  }
  Result<NumberFormat> f = number_format(text);
  if (!f.ok()) {
    return invalid_argument("'" + text +
                            "': expected auto, stored, f32, f16, bf16, fp8, q8_0, "
                            "q6_k, q4_k or q4_0");
  }
  request.weights = *f;
  return {};
}

Result<Fleet> parse_fleet(const std::string& yaml, const std::string& source,
                          const std::string& base_dir) {
  try {
    return FleetParser(source, base_dir).parse(yaml);
  } catch (const YAML::Exception& e) {
    return YamlFields(source).error_at(e.mark, e.msg);
  }
}

Result<Fleet> load_fleet(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(const std::string text, read_text_file(path));
  return parse_fleet(text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace tessera::plan
