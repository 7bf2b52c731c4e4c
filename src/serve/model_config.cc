#include "serve/model_config.h"

#include <filesystem>

#include "base/yaml_fields.h"
#include "runtime/slice_config.h"

namespace tessera::serve {
namespace {

// Bounds that keep a typo from asking for absurd memory or threads; real limits come from the
// slice's arena when the model loads.
constexpr int64_t kMaxContextTokens = 1 << 20;
constexpr int64_t kMaxBatchTokens = 1 << 16;
constexpr int64_t kMaxQueue = 1 << 20;
constexpr int64_t kMaxSequences = 4096;
constexpr int64_t kMaxQueueDelayUs = 10'000'000;  // 10 s
constexpr int64_t kMaxTimeoutUs = 3'600'000'000;  // 1 h

Status parse_fields(const YamlFields& y, const YAML::Node& root, const std::string& folder,
                    ModelConfig& c) {
  TESSERA_RETURN_IF_ERROR(y.check_keys(
      root, "model",
      {"kind", "file", "slice", "context", "max_batch_tokens", "max_queue", "max_sequences",
       "prefill_chunk", "max_batch", "max_queue_delay", "preferred_batch", "timeout"}));
  for (const char* key : {"kind", "file", "slice"}) {
    TESSERA_RETURN_IF_ERROR(y.require(root, "model", key));
  }
  TESSERA_ASSIGN_OR_RETURN(std::string kind, y.text(root["kind"], "kind"));
  Result<ModelKind> parsed_kind = model_kind_from_name(kind);
  if (!parsed_kind.ok()) return y.error(root["kind"], "kind: " + parsed_kind.status().message());
  c.kind = *parsed_kind;
  TESSERA_ASSIGN_OR_RETURN(std::string file, y.text(root["file"], "file"));
  if (file.empty()) return y.error(root["file"], "file: must name the GGUF");
  const std::filesystem::path path(file);
  c.file = path.is_absolute() ? file : (std::filesystem::path(folder) / path).string();
  TESSERA_ASSIGN_OR_RETURN(c.slice, y.text(root["slice"], "slice"));

  const auto integer = [&](const char* key, int64_t min, int64_t max, int64_t& out) -> Status {
    if (!root[key]) return {};
    TESSERA_ASSIGN_OR_RETURN(out, y.integer(root[key], key, min, max));
    return {};
  };
  TESSERA_RETURN_IF_ERROR(integer("context", 0, kMaxContextTokens, c.context));
  TESSERA_RETURN_IF_ERROR(integer("max_batch_tokens", 1, kMaxBatchTokens, c.max_batch_tokens));
  TESSERA_RETURN_IF_ERROR(integer("max_queue", 1, kMaxQueue, c.max_queue));
  const bool generate = c.kind == ModelKind::kGenerate;
  for (const char* key : {"max_sequences", "prefill_chunk"}) {
    if (root[key] && !generate) return y.error(root[key], std::string(key) + ": generate only");
  }
  for (const char* key : {"max_batch", "max_queue_delay", "preferred_batch", "timeout"}) {
    if (root[key] && generate) return y.error(root[key], std::string(key) + ": embed/rerank only");
  }
  TESSERA_RETURN_IF_ERROR(integer("max_sequences", 1, kMaxSequences, c.max_sequences));
  TESSERA_RETURN_IF_ERROR(integer("prefill_chunk", 1, kMaxBatchTokens, c.prefill_chunk_tokens));
  TESSERA_RETURN_IF_ERROR(integer("max_batch", 1, kMaxBatchTokens, c.max_batch));
  const auto microseconds = [&](const char* key, int64_t max_us, const char* range,
                                int64_t& out) -> Status {
    if (!root[key]) return {};
    TESSERA_ASSIGN_OR_RETURN(std::string text, y.text(root[key], key));
    Result<int64_t> ns = parse_duration_ns(text);
    if (!ns.ok()) return y.error(root[key], std::string(key) + ": " + ns.status().message());
    if (*ns < 0 || *ns / 1000 > max_us) {
      return y.error(root[key], std::string(key) + ": must be " + range);
    }
    out = *ns / 1000;
    return {};
  };
  TESSERA_RETURN_IF_ERROR(
      microseconds("max_queue_delay", kMaxQueueDelayUs, "0 to 10s", c.max_queue_delay_us));
  TESSERA_RETURN_IF_ERROR(microseconds("timeout", kMaxTimeoutUs, "0 to 1h", c.timeout_us));
  if (const YAML::Node sizes = root["preferred_batch"]) {
    if (!sizes.IsSequence()) {
      return y.error(sizes, "preferred_batch: expected a list of batch sizes, e.g. [4, 8]");
    }
    for (size_t i = 0; i < sizes.size(); ++i) {
      const std::string path = "preferred_batch[" + std::to_string(i) + "]";
      TESSERA_ASSIGN_OR_RETURN(int64_t size, y.integer(sizes[i], path, 1, c.max_batch));
      c.preferred_batch_sizes.push_back(size);
    }
  }
  if (generate && c.max_sequences > c.max_batch_tokens) {
    return y.error(root["max_sequences"],
                   "max_sequences: " + std::to_string(c.max_sequences) +
                       " sequences cannot all decode in a batch of max_batch_tokens " +
                       std::to_string(c.max_batch_tokens));
  }
  return {};
}

}  // namespace

Result<ModelKind> model_kind_from_name(std::string_view name) {
  for (ModelKind kind : {ModelKind::kGenerate, ModelKind::kEmbed, ModelKind::kRerank}) {
    if (name == model_kind_name(kind)) return kind;
  }
  return invalid_argument("'" + std::string(name) +
                          "' is not a model kind (generate, embed, rerank)");
}

Result<ModelConfig> parse_model_config(std::string_view yaml, const std::string& source,
                                       const std::string& folder, const std::string& name) {
  const YamlFields y(source);
  TESSERA_ASSIGN_OR_RETURN(YAML::Node root, y.load(std::string(yaml)));
  ModelConfig config;
  config.name = name;
  try {
    TESSERA_RETURN_IF_ERROR(parse_fields(y, root, folder, config));
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws from lookups on odd documents (a scalar root); never let that escape.
    return y.error_at(e.mark, "malformed model config: " + e.msg);
  }
  return config;
}

Result<ModelConfig> load_model_config(const std::string& folder) {
  const std::string path = (std::filesystem::path(folder) / kModelConfigFile).string();
  TESSERA_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  const std::string name = std::filesystem::path(folder).filename().string();
  return parse_model_config(text, path, folder, name);
}

}  // namespace tessera::serve
