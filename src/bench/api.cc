#include "bench/api.h"

#include <nlohmann/json.hpp>

namespace tessera::bench {
namespace {

using Json = nlohmann::json;

Json bytes_tensor(const std::string& name, const std::vector<std::string>& data) {
  return {{"name", name},
          {"datatype", "BYTES"},
          {"shape", {static_cast<int64_t>(data.size())}},
          {"data", data}};
}

// Text of a streamed chunk: chat's delta.content or completions' text.
std::string chunk_text(const Json& event) {
  if (!event.contains("choices") || !event["choices"].is_array() || event["choices"].empty()) {
    return "";
  }
  const Json& choice = event["choices"][0];
  if (!choice.is_object()) return "";
  if (choice.contains("delta") && choice["delta"].is_object()) {
    const Json& delta = choice["delta"];
    if (delta.contains("content") && delta["content"].is_string()) {
      return delta["content"].get<std::string>();
    }
    return "";
  }
  if (choice.contains("text") && choice["text"].is_string())
    return choice["text"].get<std::string>();
  return "";
}

int64_t usage_completion_tokens(const Json& body) {
  if (body.contains("usage") && body["usage"].is_object() &&
      body["usage"].contains("completion_tokens") &&
      body["usage"]["completion_tokens"].is_number_integer()) {
    return body["usage"]["completion_tokens"].get<int64_t>();
  }
  return -1;
}

bool is_array_of_objects_with(const Json& array, const char* field) {
  if (!array.is_array() || array.empty()) return false;
  for (const Json& e : array) {
    if (!e.is_object() || !e.contains(field)) return false;
  }
  return true;
}

// Checks a complete (non-stream) JSON body; returns output tokens or -2 when malformed.
int64_t check_body(const ApiTarget& target, const Json& body) {
  if (!body.is_object()) return -2;
  if (target.api == Api::kKServe) {
    if (!is_array_of_objects_with(body.value("outputs", Json()), "data")) return -2;
    if (body.contains("parameters") && body["parameters"].is_object() &&
        body["parameters"].contains("completion_tokens") &&
        body["parameters"]["completion_tokens"].is_number_integer()) {
      return body["parameters"]["completion_tokens"].get<int64_t>();
    }
    return 0;
  }
  switch (target.endpoint) {
    case Endpoint::kChat: {
      const Json choices = body.value("choices", Json());
      if (!is_array_of_objects_with(choices, "message")) return -2;
      return std::max<int64_t>(usage_completion_tokens(body), 0);
    }
    case Endpoint::kCompletions: {
      if (!is_array_of_objects_with(body.value("choices", Json()), "text")) return -2;
      return std::max<int64_t>(usage_completion_tokens(body), 0);
    }
    case Endpoint::kEmbeddings:
      return is_array_of_objects_with(body.value("data", Json()), "embedding") ? 0 : -2;
    case Endpoint::kRerank:
      if (is_array_of_objects_with(body.value("results", Json()), "relevance_score")) return 0;
      return body.contains("scores") && body["scores"].is_array() ? 0 : -2;
    case Endpoint::kInfer:
      return -2;
  }
  return -2;
}

// What an HTTP status says about a reply: kNone for 2xx; a reply with another non-error status
// (1xx, 3xx) is not one the client can read, so malformed.
ErrorKind http_status_kind(int64_t http_status) {
  if (http_status == 429) return ErrorKind::kHttp429;
  if (http_status >= 500) return ErrorKind::kHttp5xx;
  if (http_status >= 400) return ErrorKind::kHttp4xx;
  if (http_status < 200 || http_status >= 300) return ErrorKind::kMalformed;
  return ErrorKind::kNone;
}

// An error a server sent inside a stream that had already begun with 200 (llama-server sends
// {"error": {"code": 500, ...}} when its output parser fails; OpenAI-style servers send a string
// code): counted by the status it stands for, not as a malformed reply.
ErrorKind stream_error_kind(const Json& error) {
  if (!error.is_object()) return ErrorKind::kHttp5xx;
  const Json code = error.value("code", Json());
  if (code.is_number_integer()) {
    // An error event is an error whatever its number: only 429 and 4xx keep their kind.
    const ErrorKind kind = http_status_kind(code.get<int64_t>());
    return kind == ErrorKind::kHttp429 || kind == ErrorKind::kHttp4xx ? kind : ErrorKind::kHttp5xx;
  }
  const std::string named =
      (code.is_string() ? code.get<std::string>() : "") + " " + error.value("type", std::string());
  if (named.find("rate_limit") != std::string::npos) return ErrorKind::kHttp429;
  if (named.find("invalid_request") != std::string::npos ||
      named.find("not_found") != std::string::npos) {
    return ErrorKind::kHttp4xx;
  }
  return ErrorKind::kHttp5xx;
}

Interpreted interpret_stream(const std::string& body, const std::vector<double>& event_times_s) {
  Interpreted out;
  size_t offset = 0;
  const std::vector<std::string> events = take_sse_events(body, offset);
  int64_t usage_tokens = -1;
  bool done = false;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i] == "[DONE]") {
      done = true;
      continue;
    }
    const Json event = Json::parse(events[i], nullptr, false);
    if (!event.is_object()) {
      out.error = ErrorKind::kMalformed;
      return out;
    }
    if (event.contains("error")) {
      out.error = stream_error_kind(event["error"]);
      return out;
    }
    if (const int64_t tokens = usage_completion_tokens(event); tokens >= 0) usage_tokens = tokens;
    if (!chunk_text(event).empty() && i < event_times_s.size()) {
      out.token_times_s.push_back(event_times_s[i]);
    }
  }
  // A stream that never said [DONE] was cut short.
  if (!done) out.error = ErrorKind::kMalformed;
  out.output_tokens =
      usage_tokens >= 0 ? usage_tokens : static_cast<int64_t>(out.token_times_s.size());
  return out;
}

// The value named `name` in `table`, or a usage error listing the names.
template <typename T>
Result<T> lookup(const std::vector<std::pair<std::string, T>>& table, const std::string& name,
                 const char* flag) {
  std::string names;
  for (const auto& [key, value] : table) {
    if (key == name) return value;
    names += (names.empty() ? "" : ", ") + key;
  }
  return invalid_argument(std::string(flag) + ": '" + name + "': expected one of " + names);
}

}  // namespace

Result<ApiTarget> make_target(const std::string& api, const std::string& endpoint,
                              const std::string& kind, bool stream) {
  static const std::vector<std::pair<std::string, Api>> kApis = {{"openai", Api::kOpenAI},
                                                                 {"kserve", Api::kKServe}};
  static const std::vector<std::pair<std::string, Endpoint>> kEndpoints = {
      {"chat", Endpoint::kChat},
      {"completions", Endpoint::kCompletions},
      {"embeddings", Endpoint::kEmbeddings},
      {"rerank", Endpoint::kRerank},
      {"infer", Endpoint::kInfer}};
  static const std::vector<std::pair<std::string, Shape>> kKinds = {
      {"generate", Shape::kGenerate}, {"embed", Shape::kEmbed}, {"rerank", Shape::kRerank}};
  ApiTarget t;
  TESSERA_ASSIGN_OR_RETURN(t.api, lookup(kApis, api, "--api"));
  const std::string endpoint_name =
      !endpoint.empty() ? endpoint : (t.api == Api::kKServe ? "infer" : "chat");
  TESSERA_ASSIGN_OR_RETURN(t.endpoint, lookup(kEndpoints, endpoint_name, "--endpoint"));
  if ((t.api == Api::kKServe) != (t.endpoint == Endpoint::kInfer)) {
    return invalid_argument("--endpoint: '" + endpoint + "' does not belong to --api " + api +
                            " (openai: chat|completions|embeddings|rerank; kserve: infer)");
  }
  TESSERA_ASSIGN_OR_RETURN(t.infer_shape, lookup(kKinds, kind, "--kind"));
  if (stream && t.endpoint != Endpoint::kChat && t.endpoint != Endpoint::kCompletions) {
    return invalid_argument("--stream: only for --endpoint chat or completions");
  }
  t.stream = stream;
  return t;
}

Shape target_shape(const ApiTarget& target) {
  switch (target.endpoint) {
    case Endpoint::kChat:
    case Endpoint::kCompletions:
      return Shape::kGenerate;
    case Endpoint::kEmbeddings:
      return Shape::kEmbed;
    case Endpoint::kRerank:
      return Shape::kRerank;
    case Endpoint::kInfer:
      return target.infer_shape;
  }
  return Shape::kGenerate;
}

HttpCall build_call(const ApiTarget& target, const WorkItem& item) {
  HttpCall call;
  Json body;
  if (target.api == Api::kKServe) {
    call.path = target.base_path + "/v2/models/" + target.model + "/infer";
    switch (target.infer_shape) {
      case Shape::kGenerate:
        body["inputs"] = {bytes_tensor("text_input", {item.prompt})};
        if (item.max_tokens) body["parameters"] = {{"max_tokens", *item.max_tokens}};
        break;
      case Shape::kEmbed:
        body["inputs"] = {bytes_tensor("text", {item.prompt})};
        break;
      case Shape::kRerank:
        body["inputs"] = {bytes_tensor("query", {item.prompt}),
                          bytes_tensor("documents", item.documents)};
        break;
    }
    call.body = body.dump();
    return call;
  }
  body["model"] = target.model;
  switch (target.endpoint) {
    case Endpoint::kChat:
      call.path = target.base_path + "/v1/chat/completions";
      body["messages"] = {{{"role", "user"}, {"content", item.prompt}}};
      break;
    case Endpoint::kCompletions:
      call.path = target.base_path + "/v1/completions";
      body["prompt"] = item.prompt;
      break;
    case Endpoint::kEmbeddings:
      call.path = target.base_path + "/v1/embeddings";
      body["input"] = item.prompt;
      break;
    case Endpoint::kRerank:
    case Endpoint::kInfer:
      call.path = target.base_path + "/v1/rerank";
      body["query"] = item.prompt;
      body["documents"] = item.documents;
      break;
  }
  if (target.endpoint == Endpoint::kChat || target.endpoint == Endpoint::kCompletions) {
    if (item.max_tokens) body["max_tokens"] = *item.max_tokens;
    if (target.stream) {
      body["stream"] = true;
      // Standard OpenAI option for a final usage chunk; servers without it count chunks.
      body["stream_options"] = {{"include_usage", true}};
    }
  }
  call.body = body.dump();
  return call;
}

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kHttp429:
      return "http_429";
    case ErrorKind::kHttp4xx:
      return "http_4xx";
    case ErrorKind::kHttp5xx:
      return "http_5xx";
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kMalformed:
      return "malformed";
  }
  return "unknown";
}

Interpreted interpret_response(const ApiTarget& target, int http_status, const std::string& body,
                               const std::vector<double>& event_times_s) {
  Interpreted out;
  out.error = http_status_kind(http_status);
  if (out.error != ErrorKind::kNone) return out;
  if (target.stream) return interpret_stream(body, event_times_s);
  const Json parsed = Json::parse(body, nullptr, false);
  const int64_t tokens = parsed.is_discarded() ? -2 : check_body(target, parsed);
  if (tokens < 0) {
    out.error = ErrorKind::kMalformed;
  } else {
    out.output_tokens = tokens;
  }
  return out;
}

std::vector<std::string> take_sse_events(const std::string& body, size_t& offset) {
  std::vector<std::string> events;
  for (;;) {
    size_t end = body.find("\n\n", offset);
    size_t skip = 2;
    const size_t crlf = body.find("\r\n\r\n", offset);
    if (crlf != std::string::npos && (end == std::string::npos || crlf < end)) {
      end = crlf;
      skip = 4;
    }
    if (end == std::string::npos) break;
    // An event may have several lines; the data lines are joined by newlines (SSE spec).
    std::string data;
    bool has_data = false;
    size_t line_start = offset;
    while (line_start < end) {
      size_t line_end = body.find('\n', line_start);
      if (line_end == std::string::npos || line_end > end) line_end = end;
      std::string line = body.substr(line_start, line_end - line_start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("data:", 0) == 0) {
        std::string value = line.substr(5);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (has_data) data += '\n';
        data += value;
        has_data = true;
      }
      line_start = line_end + 1;
    }
    if (has_data) events.push_back(std::move(data));
    offset = end + skip;
  }
  return events;
}

}  // namespace tessera::bench
