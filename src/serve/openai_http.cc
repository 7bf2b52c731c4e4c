// The OpenAI-compatible API: /v1/models (and /v1/models/{id}), /v1/completions,
// /v1/chat/completions (with `stream: true` as Server-Sent Events ending in `data: [DONE]`),
// /v1/embeddings (float lists or base64) and /v1/rerank (query + documents -> relevance scores,
// as Cohere and Jina shape it). Protocol translation only; which fields each endpoint takes is
// openai_fields.h; errors use OpenAI's {"error": {"message", "type", "param", "code"}}.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cctype>
#include <chrono>
#include <mutex>

#include "base/base64.h"
#include "serve/api_errors.h"
#include "serve/chat_prompt.h"
#include "serve/encode_call.h"
#include "serve/generation_call.h"
#include "serve/json_fields.h"
#include "serve/openai_fields.h"
#include "serve/refused_requests.h"
#include "serve/serve_context.h"

namespace tessera::serve {
namespace {

constexpr int32_t kDefaultCompletionTokens = 16;  // OpenAI's default for /v1/completions
constexpr int32_t kDefaultChatTokens = 256;

void send_json(const std::shared_ptr<Responder>& responder, const Json& body) {
  responder->send(json_response(200, dump_json(body)));
}

void send_error(const std::shared_ptr<Responder>& responder, const Status& status) {
  responder->send(error_response(status, ErrorStyle::kOpenAI));
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string next_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  return std::string(prefix) + std::to_string(unix_seconds()) + "-" +
         std::to_string(counter.fetch_add(1));
}

std::string sse(const Json& event) { return "data: " + dump_json(event) + "\n\n"; }

Json usage(int64_t prompt, int64_t completion) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion}};
}

Result<std::shared_ptr<ModelInstance>> model_for(ServeContext& context, const Json& body) {
  TESSERA_ASSIGN_OR_RETURN(std::string name, required_string(body, "model"));
  return context.repository.get(name);
}

// /v1/completions' prompt: a string or a list of token ids, alone or as a one-element list.
// Several prompts would each need their own choice; they are refused with the count.
Result<std::vector<int32_t>> completion_prompt(const ModelInstance& model, const Json& body) {
  auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) {
    return invalid_argument("prompt: required, a string or a list of token ids");
  }
  const Json* prompt = &*it;
  std::string path = "prompt";
  if (prompt->is_array() && !prompt->empty() && !(*prompt)[0].is_number_integer()) {
    if (prompt->size() != 1) {
      return invalid_argument("prompt: " + std::to_string(prompt->size()) +
                              " prompts in one request are not supported; send one per request");
    }
    prompt = &(*prompt)[0];
    path = "prompt[0]";
  }
  if (prompt->is_string()) return tokenize_prompt(model, prompt->get<std::string>(), false);
  if (!prompt->is_array()) {
    return invalid_argument(path + ": expected a string or a list of token ids");
  }
  if (prompt->empty()) return invalid_argument(path + ": is an empty list");
  return token_ids(*prompt, path, model.tokenizer()->vocab().size());
}

// Completions and chat completions share everything but the prompt and the shape of a choice.
Status generate(ServeContext& context, const HttpRequest& request,
                const std::shared_ptr<Responder>& responder, bool chat) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  TESSERA_RETURN_IF_ERROR(
      check_openai_fields(body, chat ? OpenAIEndpoint::kChat : OpenAIEndpoint::kCompletions));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model, model_for(context, body));
  if (model->kind() != ModelKind::kGenerate) {
    return invalid_argument("model: '" + model->config().name + "' is a " +
                            model_kind_name(model->kind()) + " model; it does not generate");
  }
  TESSERA_ASSIGN_OR_RETURN(
      GenerateRequest generate,
      generate_request_from_json(body, chat ? kDefaultChatTokens : kDefaultCompletionTokens));
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> limit, completion_token_limit(body));
  if (limit) generate.max_tokens = static_cast<int32_t>(*limit);
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> stream, optional_bool(body, "stream"));
  TESSERA_ASSIGN_OR_RETURN(const bool include_usage,
                           stream_include_usage(body, stream.value_or(false)));
  if (chat) {
    TESSERA_ASSIGN_OR_RETURN(std::string prompt, render_chat_prompt(*model, body));
    generate.prompt = tokenize_prompt(*model, prompt, chat);
  } else {
    TESSERA_ASSIGN_OR_RETURN(generate.prompt, completion_prompt(*model, body));
  }
  const auto prompt_tokens = static_cast<int64_t>(generate.prompt.size());

  const std::string id = next_id(chat ? "chatcmpl-" : "cmpl-");
  const Json head = {
      {"id", id},
      {"object", chat ? (stream.value_or(false) ? "chat.completion.chunk" : "chat.completion")
                      : "text_completion"},
      {"created", unix_seconds()},
      {"model", model->config().name}};
  // One choice: the delta (stream) or the whole text.
  auto choice = [chat](const std::string& text, bool delta, const Json& finish) {
    Json c = {{"index", 0}, {"finish_reason", finish}};
    if (!chat) {
      c["text"] = text;
      c["logprobs"] = nullptr;
    } else if (delta) {
      c["delta"] = text.empty() ? Json::object() : Json{{"content", text}};
    } else {
      c["message"] = {{"role", "assistant"}, {"content", text}};
    }
    return c;
  };

  GenerationHandlers handlers;
  if (stream.value_or(false)) {
    // The stream starts with the first event, on the engine thread, so a request the engine
    // refuses (429, 503) still gets a plain error response with its status.
    auto opening = std::make_shared<std::once_flag>();
    // With stream_options.include_usage, as OpenAI does: every chunk carries "usage": null and
    // one more chunk with no choices carries the counts; without it no chunk has usage.
    Json chunk_head = head;
    if (include_usage) chunk_head["usage"] = nullptr;
    auto write = [responder, opening, chunk_head, chat](const std::string& event) {
      std::call_once(*opening, [&] {
        responder->start_stream(200, "text/event-stream");
        if (!chat) return;
        Json first = chunk_head;
        first["choices"] = {
            {{"index", 0}, {"delta", {{"role", "assistant"}}}, {"finish_reason", nullptr}}};
        responder->write(sse(first));
      });
      responder->write(event);
    };
    handlers.on_text = [write, chunk_head, choice](std::string_view text) {
      Json event = chunk_head;
      event["choices"] = {choice(std::string(text), true, nullptr)};
      write(sse(event));
    };
    handlers.on_done = [responder, write, chunk_head, choice, prompt_tokens,
                        include_usage](const Result<GenerateResult>& r) {
      if (!r.ok()) {
        write(sse({{"error", openai_error(r.status())}}));
      } else {
        Json last = chunk_head;
        last["choices"] = {choice("", true, r->finish_reason)};
        write(sse(last));
        if (include_usage) {
          Json counts = chunk_head;
          counts["choices"] = Json::array();
          counts["usage"] = usage(prompt_tokens, static_cast<int64_t>(r->tokens.size()));
          write(sse(counts));
        }
      }
      write("data: [DONE]\n\n");
      responder->finish();
    };
  } else {
    handlers.on_done = [responder, head, choice, prompt_tokens](const Result<GenerateResult>& r) {
      if (!r.ok()) return send_error(responder, r.status());
      Json reply = head;
      reply["choices"] = {choice(r->text, false, r->finish_reason)};
      reply["usage"] = usage(prompt_tokens, static_cast<int64_t>(r->tokens.size()));
      send_json(responder, reply);
    };
  }
  return start_generation(*model, std::move(generate), on_disconnect_of(responder),
                          request.received_ns, std::move(handlers));
}

// An embedding as OpenAI's base64 form: the float32 values' little-endian bytes.
std::string float32_le_base64(const std::vector<float>& values) {
  std::vector<uint8_t> bytes;
  bytes.reserve(values.size() * 4);
  for (float v : values) {
    const auto bits = std::bit_cast<uint32_t>(v);
    for (int shift = 0; shift < 32; shift += 8)
      bytes.push_back(static_cast<uint8_t>(bits >> shift));
  }
  return base64_encode(bytes.data(), bytes.size());
}

Status embeddings(ServeContext& context, const HttpRequest& request,
                  const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  TESSERA_RETURN_IF_ERROR(check_openai_fields(body, OpenAIEndpoint::kEmbeddings));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model, model_for(context, body));
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> format,
                           optional_string(body, "encoding_format"));
  // OpenAI's SDKs (and LangChain, LlamaIndex) ask for base64 by default and decode it.
  if (format && *format != "float" && *format != "base64") {
    return invalid_argument("encoding_format: '" + *format + "': expected 'float' or 'base64'");
  }
  const bool base64 = format && *format == "base64";
  if (model->kind() == ModelKind::kEmbed) {
    // Shortening (Matryoshka) is only meaningful for models trained for it; none declares that
    // yet, so only the model's own width is accepted.
    TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> dimensions,
                             optional_integer(body, "dimensions", 1, 1 << 20));
    if (dimensions && *dimensions != model->embedding_dim()) {
      return invalid_argument("dimensions: model '" + model->config().name + "' returns " +
                              std::to_string(model->embedding_dim()) +
                              " dimensions and was not trained to be shortened; leave "
                              "dimensions out or send " +
                              std::to_string(model->embedding_dim()));
    }
  }
  EncodeRequest encode;
  TESSERA_ASSIGN_OR_RETURN(encode.texts, string_or_strings(body, "input"));
  if (encode.texts.empty()) return invalid_argument("input: required, a string or strings");
  const std::string name = model->config().name;
  return start_encode(
      *model, std::move(encode), request.received_ns,
      [responder, name, base64](const Result<EncodeOutcome>& outcome) {
        if (!outcome.ok()) return send_error(responder, outcome.status());
        Json data = Json::array();
        for (size_t i = 0; i < outcome->embeddings.size(); ++i) {
          const std::vector<float>& v = outcome->embeddings[i];
          data.push_back({{"object", "embedding"},
                          {"index", i},
                          {"embedding", base64 ? Json(float32_le_base64(v)) : Json(v)}});
        }
        send_json(
            responder,
            {{"object", "list"},
             {"data", data},
             {"model", name},
             {"usage", {{"prompt_tokens", outcome->tokens}, {"total_tokens", outcome->tokens}}}});
      });
}

Status rerank(ServeContext& context, const HttpRequest& request,
              const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  TESSERA_RETURN_IF_ERROR(check_openai_fields(body, OpenAIEndpoint::kRerank));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model, model_for(context, body));
  EncodeRequest encode;
  encode.rerank = true;
  TESSERA_ASSIGN_OR_RETURN(encode.query, required_string(body, "query"));
  if (!body.contains("documents") || !body["documents"].is_array()) {
    return invalid_argument("documents: required, a list of strings");
  }
  TESSERA_ASSIGN_OR_RETURN(encode.texts, string_or_strings(body, "documents"));
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> top_n,
                           optional_integer(body, "top_n", 1, 1 << 24));
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> return_documents,
                           optional_bool(body, "return_documents"));
  const std::string name = model->config().name;
  std::vector<std::string> documents =
      return_documents.value_or(false) ? encode.texts : std::vector<std::string>();
  return start_encode(*model, std::move(encode), request.received_ns,
                      [responder, name, top_n, documents](const Result<EncodeOutcome>& outcome) {
                        if (!outcome.ok()) return send_error(responder, outcome.status());
                        std::vector<size_t> order(outcome->scores.size());
                        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
                        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
                          return outcome->scores[a] > outcome->scores[b];
                        });
                        if (top_n && static_cast<size_t>(*top_n) < order.size())
                          order.resize(*top_n);
                        Json results = Json::array();
                        for (size_t i : order) {
                          Json r = {{"index", i}, {"relevance_score", outcome->scores[i]}};
                          if (!documents.empty()) r["document"] = {{"text", documents[i]}};
                          results.push_back(r);
                        }
                        send_json(responder, {{"model", name},
                                              {"results", results},
                                              {"usage", {{"total_tokens", outcome->tokens}}}});
                      });
}

// The `model` a refused request named, for its count ("" when the body does not say).
std::string requested_model(const HttpRequest& request) {
  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("model") || !body["model"].is_string()) return "";
  return body["model"].get<std::string>();
}

Json model_object(const std::string& name) {
  return {{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "tessera"}};
}

Json model_list(ServeContext& context) {
  Json data = Json::array();
  for (const ModelStatus& s : context.repository.index()) {
    if (s.state == "READY") data.push_back(model_object(s.name));
  }
  return {{"object", "list"}, {"data", data}};
}

// A path segment with its %XY escapes decoded (clients escape '/' in ids such as "org/model").
Result<std::string> percent_decoded(const std::string& segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      out += segment[i];
      continue;
    }
    const auto hex = [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) != 0
                 ? (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10)
                 : -1;
    };
    if (i + 2 >= segment.size() || hex(segment[i + 1]) < 0 || hex(segment[i + 2]) < 0) {
      return invalid_argument("model id '" + segment + "': malformed %-escape at " +
                              std::to_string(i));
    }
    out += static_cast<char>(hex(segment[i + 1]) * 16 + hex(segment[i + 2]));
    i += 2;
  }
  return out;
}

// GET /v1/models/{id}: a model that is listed (ready); 404 otherwise, as OpenAI answers.
Status retrieve_model(ServeContext& context, const std::string& escaped_id,
                      const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(const std::string id, percent_decoded(escaped_id));
  for (const ModelStatus& s : context.repository.index()) {
    if (s.name == id && s.state == "READY") {
      send_json(responder, model_object(s.name));
      return Status();
    }
  }
  return not_found("model: '" + id + "' does not exist or is not ready");
}

}  // namespace

bool handle_openai(ServeContext& context, const HttpRequest& request,
                   const std::shared_ptr<Responder>& responder) {
  const std::string& path = request.path;
  if (path.rfind("/v1/", 0) != 0) return false;
  Status outcome;
  constexpr std::string_view kModelPrefix = "/v1/models/";
  if (path == "/v1/models" && request.method == "GET") {
    send_json(responder, model_list(context));
  } else if (path.rfind(kModelPrefix, 0) == 0 && path.size() > kModelPrefix.size() &&
             request.method == "GET") {
    outcome = retrieve_model(context, path.substr(kModelPrefix.size()), responder);
  } else if (request.method != "POST") {
    outcome = not_found(request.method + " " + path + ": no such endpoint");
  } else if (path == "/v1/completions") {
    outcome = generate(context, request, responder, false);
  } else if (path == "/v1/chat/completions") {
    outcome = generate(context, request, responder, true);
  } else if (path == "/v1/embeddings") {
    outcome = embeddings(context, request, responder);
  } else if (path == "/v1/rerank") {
    outcome = rerank(context, request, responder);
  } else {
    outcome = not_found("POST " + path + ": no such endpoint");
  }
  if (!outcome.ok()) {
    if (request.method == "POST" && (path == "/v1/completions" || path == "/v1/chat/completions" ||
                                     path == "/v1/embeddings" || path == "/v1/rerank")) {
      count_refused(context.repository, context.metrics, requested_model(request), outcome,
                    request.received_ns);
    }
    send_error(responder, outcome);
  }
  return true;
}

}  // namespace tessera::serve
