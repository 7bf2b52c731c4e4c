// The OpenAI-compatible API: /v1/models, /v1/completions, /v1/chat/completions (with
// `stream: true` as Server-Sent Events ending in `data: [DONE]`), /v1/embeddings and /v1/rerank
// (query + documents -> relevance scores, as Cohere and Jina shape it). Protocol translation
// only; errors use OpenAI's {"error": {"message", "type", "code"}}.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "serve/api_errors.h"
#include "serve/chat_prompt.h"
#include "serve/encode_call.h"
#include "serve/generation_call.h"
#include "serve/json_fields.h"
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

// Completions and chat completions share everything but the prompt and the shape of a choice.
Status generate(ServeContext& context, const HttpRequest& request,
                const std::shared_ptr<Responder>& responder, bool chat) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model, model_for(context, body));
  if (model->kind() != ModelKind::kGenerate) {
    return invalid_argument("model: '" + model->config().name + "' is a " +
                            model_kind_name(model->kind()) + " model; it does not generate");
  }
  TESSERA_ASSIGN_OR_RETURN(
      GenerateRequest generate,
      generate_request_from_json(body, chat ? kDefaultChatTokens : kDefaultCompletionTokens));
  std::string prompt;
  if (chat) {
    TESSERA_ASSIGN_OR_RETURN(prompt, render_chat_prompt(*model, body));
  } else {
    TESSERA_ASSIGN_OR_RETURN(std::vector<std::string> prompts, string_or_strings(body, "prompt"));
    if (prompts.size() != 1) {
      return invalid_argument("prompt: expected one prompt, got " + std::to_string(prompts.size()));
    }
    prompt = prompts[0];
  }
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> stream, optional_bool(body, "stream"));
  generate.prompt = tokenize_prompt(*model, prompt, chat);
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
    auto write = [responder, opening, head, chat](const std::string& event) {
      std::call_once(*opening, [&] {
        responder->start_stream(200, "text/event-stream");
        if (!chat) return;
        Json first = head;
        first["choices"] = {
            {{"index", 0}, {"delta", {{"role", "assistant"}}}, {"finish_reason", nullptr}}};
        responder->write(sse(first));
      });
      responder->write(event);
    };
    handlers.on_text = [write, head, choice](std::string_view text) {
      Json event = head;
      event["choices"] = {choice(std::string(text), true, nullptr)};
      write(sse(event));
    };
    handlers.on_done = [responder, write, head, choice,
                        prompt_tokens](const Result<GenerateResult>& r) {
      if (!r.ok()) {
        write(sse({{"error",
                    {{"message", r.status().message()}, {"code", http_status_for(r.status())}}}}));
      } else {
        Json last = head;
        last["choices"] = {choice("", true, r->finish_reason)};
        last["usage"] = usage(prompt_tokens, static_cast<int64_t>(r->tokens.size()));
        write(sse(last));
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

Status embeddings(ServeContext& context, const HttpRequest& request,
                  const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model, model_for(context, body));
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> format,
                           optional_string(body, "encoding_format"));
  if (format && *format != "float") {
    return invalid_argument("encoding_format: only 'float' is supported");
  }
  EncodeRequest encode;
  TESSERA_ASSIGN_OR_RETURN(encode.texts, string_or_strings(body, "input"));
  if (encode.texts.empty()) return invalid_argument("input: required, a string or strings");
  const std::string name = model->config().name;
  return start_encode(
      *model, std::move(encode), request.received_ns,
      [responder, name](const Result<EncodeOutcome>& outcome) {
        if (!outcome.ok()) return send_error(responder, outcome.status());
        Json data = Json::array();
        for (size_t i = 0; i < outcome->embeddings.size(); ++i) {
          data.push_back(
              {{"object", "embedding"}, {"index", i}, {"embedding", outcome->embeddings[i]}});
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

Json model_list(ServeContext& context) {
  Json data = Json::array();
  for (const ModelStatus& s : context.repository.index()) {
    if (s.state != "READY") continue;
    data.push_back({{"id", s.name}, {"object", "model"}, {"created", 0}, {"owned_by", "tessera"}});
  }
  return {{"object", "list"}, {"data", data}};
}

}  // namespace

bool handle_openai(ServeContext& context, const HttpRequest& request,
                   const std::shared_ptr<Responder>& responder) {
  const std::string& path = request.path;
  if (path.rfind("/v1/", 0) != 0) return false;
  Status outcome;
  if (path == "/v1/models" && request.method == "GET") {
    send_json(responder, model_list(context));
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
  if (!outcome.ok()) send_error(responder, outcome);
  return true;
}

}  // namespace tessera::serve
