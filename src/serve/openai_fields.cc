#include "serve/openai_fields.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>

namespace tessera::serve {
namespace {

// OpenAI allows up to four stop sequences.
constexpr size_t kMaxStopSequences = 4;

// A field accepted only at the value(s) that mean "off"; `check` is OK for those.
using ValueCheck = Status (*)(const std::string& field, const Json& value);

Status not_supported(const std::string& field, const std::string& what) {
  return invalid_argument(field + ": " + what + " is not supported by this server");
}

Status only_one(const std::string& field, const Json& value) {
  if (value.is_null() || (value.is_number_integer() && value.get<int64_t>() == 1)) return Status();
  return not_supported(field, "a value other than 1 (" + value.dump() + ")");
}

Status only_false(const std::string& field, const Json& value) {
  if (value.is_null() || (value.is_boolean() && !value.get<bool>())) return Status();
  return not_supported(field, value.dump());
}

Status only_null(const std::string& field, const Json& value) {
  if (value.is_null()) return Status();
  return not_supported(field, value.dump());
}

Status only_zero_or_null(const std::string& field, const Json& value) {
  if (value.is_null() || (value.is_number_integer() && value.get<int64_t>() == 0)) return Status();
  return not_supported(field, value.dump());
}

Status only_empty_string(const std::string& field, const Json& value) {
  if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) return Status();
  return not_supported(field, "a suffix");
}

Status only_empty_object(const std::string& field, const Json& value) {
  if (value.is_null() || (value.is_object() && value.empty())) return Status();
  return not_supported(field, "a non-empty bias map");
}

Status only_text_format(const std::string& field, const Json& value) {
  if (value.is_null()) return Status();
  if (!value.is_object() || !value.contains("type") || !value["type"].is_string()) {
    return invalid_argument(field + ": expected an object {\"type\": \"text\"}");
  }
  const std::string type = value["type"].get<std::string>();
  if (type == "text") return Status();
  return not_supported(field, "type '" + type + "' (constrained JSON output)");
}

Status auto_or_none(const std::string& field, const Json& value) {
  if (value.is_null()) return Status();
  if (value.is_string() && (value == "auto" || value == "none")) return Status();
  return not_supported(field, value.dump() + " (only \"auto\" and \"none\")");
}

Status any_bool(const std::string& field, const Json& value) {
  if (value.is_null() || value.is_boolean()) return Status();
  return invalid_argument(field + ": expected a boolean");
}

Status any_string(const std::string& field, const Json& value) {
  if (value.is_null() || value.is_string()) return Status();
  return invalid_argument(field + ": expected a string");
}

Status list_or_null(const std::string& field, const Json& value) {
  if (value.is_null() || value.is_array()) return Status();
  return invalid_argument(field + ": expected a list");
}

Status at_most_four(const std::string& field, const Json& value) {
  if (value.is_array() && value.size() > kMaxStopSequences) {
    return invalid_argument(field + ": at most " + std::to_string(kMaxStopSequences) +
                            " stop sequences, got " + std::to_string(value.size()));
  }
  return Status();  // types are checked where the stops are read
}

// Read (and type-checked) elsewhere: any value passes here.
Status read_elsewhere(const std::string&, const Json&) { return Status(); }

struct FieldRule {
  std::string_view name;
  ValueCheck check;
};

// Both generation endpoints. top_k, min_p, repeat_penalty and ignore_eos are the extensions
// vLLM's and llama.cpp's servers take too.
constexpr std::array kGenerationFields = {
    FieldRule{"model", read_elsewhere},
    FieldRule{"stream", read_elsewhere},
    FieldRule{"stream_options", read_elsewhere},
    FieldRule{"max_tokens", read_elsewhere},
    FieldRule{"temperature", read_elsewhere},
    FieldRule{"top_p", read_elsewhere},
    FieldRule{"stop", at_most_four},
    FieldRule{"seed", read_elsewhere},
    FieldRule{"presence_penalty", read_elsewhere},
    FieldRule{"frequency_penalty", read_elsewhere},
    FieldRule{"top_k", read_elsewhere},
    FieldRule{"min_p", read_elsewhere},
    FieldRule{"repeat_penalty", read_elsewhere},
    FieldRule{"ignore_eos", read_elsewhere},
    FieldRule{"n", only_one},
    FieldRule{"logit_bias", only_empty_object},
    FieldRule{"user", any_string},
};

constexpr std::array kChatFields = {
    FieldRule{"messages", read_elsewhere},
    FieldRule{"max_completion_tokens", read_elsewhere},
    FieldRule{"tools", list_or_null},
    FieldRule{"tool_choice", auto_or_none},
    FieldRule{"parallel_tool_calls", any_bool},
    FieldRule{"logprobs", only_false},
    FieldRule{"top_logprobs", only_zero_or_null},
    FieldRule{"response_format", only_text_format},
};

constexpr std::array kCompletionFields = {
    FieldRule{"prompt", read_elsewhere},    FieldRule{"logprobs", only_null},
    FieldRule{"echo", only_false},          FieldRule{"best_of", only_one},
    FieldRule{"suffix", only_empty_string},
};

constexpr std::array kEmbeddingFields = {
    FieldRule{"model", read_elsewhere},
    FieldRule{"input", read_elsewhere},
    FieldRule{"encoding_format", read_elsewhere},
    FieldRule{"dimensions", read_elsewhere},
    FieldRule{"user", any_string},
};

constexpr std::array kRerankFields = {
    FieldRule{"model", read_elsewhere},
    FieldRule{"query", read_elsewhere},
    FieldRule{"documents", read_elsewhere},
    FieldRule{"top_n", read_elsewhere},
    FieldRule{"return_documents", read_elsewhere},
};

template <size_t N>
const FieldRule* find_rule(const std::array<FieldRule, N>& rules, const std::string& name) {
  auto it =
      std::find_if(rules.begin(), rules.end(), [&](const FieldRule& r) { return r.name == name; });
  return it == rules.end() ? nullptr : &*it;
}

const FieldRule* rule_for(OpenAIEndpoint endpoint, const std::string& name) {
  switch (endpoint) {
    case OpenAIEndpoint::kChat:
      if (const FieldRule* r = find_rule(kChatFields, name)) return r;
      return find_rule(kGenerationFields, name);
    case OpenAIEndpoint::kCompletions:
      if (const FieldRule* r = find_rule(kCompletionFields, name)) return r;
      return find_rule(kGenerationFields, name);
    case OpenAIEndpoint::kEmbeddings:
      return find_rule(kEmbeddingFields, name);
    case OpenAIEndpoint::kRerank:
      return find_rule(kRerankFields, name);
  }
  return nullptr;
}

}  // namespace

const char* openai_path(OpenAIEndpoint endpoint) {
  switch (endpoint) {
    case OpenAIEndpoint::kCompletions:
      return "/v1/completions";
    case OpenAIEndpoint::kChat:
      return "/v1/chat/completions";
    case OpenAIEndpoint::kEmbeddings:
      return "/v1/embeddings";
    case OpenAIEndpoint::kRerank:
      return "/v1/rerank";
  }
  return "";
}

Status check_openai_fields(const Json& body, OpenAIEndpoint endpoint) {
  for (const auto& [name, value] : body.items()) {
    const FieldRule* rule = rule_for(endpoint, name);
    if (rule == nullptr) {
      return invalid_argument(name + ": unrecognized request field for " +
                              std::string(openai_path(endpoint)));
    }
    TESSERA_RETURN_IF_ERROR(rule->check(name, value));
  }
  return Status();
}

Result<std::optional<int64_t>> completion_token_limit(const Json& body) {
  constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> max_tokens,
                           optional_integer(body, "max_tokens", 0, kMaxInt32));
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> max_completion_tokens,
                           optional_integer(body, "max_completion_tokens", 0, kMaxInt32));
  if (max_tokens && max_completion_tokens && *max_tokens != *max_completion_tokens) {
    return invalid_argument("max_completion_tokens: " + std::to_string(*max_completion_tokens) +
                            " and max_tokens: " + std::to_string(*max_tokens) +
                            " disagree; send one of them");
  }
  return max_completion_tokens ? max_completion_tokens : max_tokens;
}

Result<bool> stream_include_usage(const Json& body, bool stream) {
  auto it = body.find("stream_options");
  if (it == body.end() || it->is_null()) return false;
  if (!stream) return invalid_argument("stream_options: only allowed when stream is true");
  if (!it->is_object()) return invalid_argument("stream_options: expected an object");
  for (const auto& [name, value] : it->items()) {
    if (name != "include_usage") {
      return invalid_argument("stream_options." + name + ": unrecognized field");
    }
  }
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> include, optional_bool(*it, "include_usage"));
  return include.value_or(false);
}

}  // namespace tessera::serve
