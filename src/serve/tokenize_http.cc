// POST /tokenize and POST /detokenize, in the shapes llama.cpp's server and vLLM's take: a model
// (optional when one model is served), the text as `content` (llama.cpp) or `prompt` (vLLM) or chat
// `messages` rendered through the model's template, `add_special` / `add_special_tokens`,
// `parse_special`, `with_pieces`; replies carry both servers' field names.
#include "serve/api_errors.h"
#include "serve/chat_prompt.h"
#include "serve/generation_call.h"
#include "serve/json_fields.h"
#include "serve/serve_context.h"

namespace tessera::serve {
namespace {

void send_json(const std::shared_ptr<Responder>& responder, const Json& body) {
  responder->send(json_response(200, dump_json(body)));
}

Status check_fields(const Json& body, std::initializer_list<const char*> known,
                    const std::string& path) {
  for (const auto& [name, value] : body.items()) {
    bool found = false;
    for (const char* k : known) found = found || name == k;
    if (!found) return invalid_argument(name + ": unrecognized request field for " + path);
  }
  return Status();
}

// The named model, or the only one served when the body names none (llama.cpp's clients do not).
Result<std::shared_ptr<ModelInstance>> model_of(ServeContext& context, const Json& body) {
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> name, optional_string(body, "model"));
  if (name) return context.repository.get(*name);
  std::vector<std::string> ready;
  for (const ModelStatus& s : context.repository.index()) {
    if (s.state == "READY") ready.push_back(s.name);
  }
  if (ready.size() != 1) {
    return invalid_argument("model: required (" + std::to_string(ready.size()) +
                            " models are served)");
  }
  return context.repository.get(ready[0]);
}

// A boolean under either of two names (llama.cpp's and vLLM's).
Result<std::optional<bool>> either_bool(const Json& body, const char* a, const char* b) {
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> first, optional_bool(body, a));
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> second, optional_bool(body, b));
  if (first && second && *first != *second) {
    return invalid_argument(std::string(a) + ": disagrees with " + b + "; send one of them");
  }
  return first ? first : second;
}

Status tokenize(ServeContext& context, const HttpRequest& request,
                const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  TESSERA_RETURN_IF_ERROR(
      check_fields(body,
                   {"model", "content", "prompt", "messages", "add_special", "add_special_tokens",
                    "parse_special", "with_pieces", "add_generation_prompt"},
                   "/tokenize"));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model, model_of(context, body));
  const Tokenizer& tokenizer = *model->tokenizer();
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> add_special,
                           either_bool(body, "add_special", "add_special_tokens"));
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> parse_special, optional_bool(body, "parse_special"));
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> with_pieces, optional_bool(body, "with_pieces"));
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> content, optional_string(body, "content"));
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> prompt, optional_string(body, "prompt"));
  const bool has_messages = body.contains("messages") && !body["messages"].is_null();
  if (static_cast<int>(content.has_value()) + static_cast<int>(prompt.has_value()) +
          static_cast<int>(has_messages) !=
      1) {
    return invalid_argument("content: send exactly one of content, prompt or messages");
  }
  std::vector<int32_t> ids;
  if (has_messages) {
    TESSERA_ASSIGN_OR_RETURN(std::string rendered, render_chat_prompt(*model, body));
    // As for a chat request: BOS only when the template did not write it, unless told.
    ids = add_special ? tokenizer.encode(rendered, *add_special, parse_special.value_or(true))
                      : tokenize_prompt(*model, rendered, /*chat=*/true);
  } else {
    // Both servers parse special tokens written in the text by default.
    ids = tokenizer.encode(content ? *content : *prompt, add_special.value_or(true),
                           parse_special.value_or(true));
  }
  Json tokens = Json::array();
  for (int32_t id : ids) {
    if (with_pieces.value_or(false)) {
      tokens.push_back({{"id", id}, {"piece", std::string(tokenizer.token_to_piece(id, true))}});
    } else {
      tokens.push_back(id);
    }
  }
  send_json(responder, {{"tokens", tokens}, {"count", ids.size()}});
  return Status();
}

Status detokenize(ServeContext& context, const HttpRequest& request,
                  const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  TESSERA_RETURN_IF_ERROR(check_fields(body, {"model", "tokens"}, "/detokenize"));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model, model_of(context, body));
  const Tokenizer& tokenizer = *model->tokenizer();
  auto it = body.find("tokens");
  if (it == body.end() || !it->is_array()) {
    return invalid_argument("tokens: required, a list of token ids");
  }
  TESSERA_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                           token_ids(*it, "tokens", tokenizer.vocab().size()));
  const std::string text = tokenizer.decode(ids);
  send_json(responder, {{"content", text}, {"prompt", text}});
  return Status();
}

}  // namespace

bool handle_tokenize(ServeContext& context, const HttpRequest& request,
                     const std::shared_ptr<Responder>& responder) {
  if (request.path != "/tokenize" && request.path != "/detokenize") return false;
  Status outcome;
  if (request.method != "POST") {
    outcome = not_found(request.method + " " + request.path + ": no such endpoint (use POST)");
  } else if (request.path == "/tokenize") {
    outcome = tokenize(context, request, responder);
  } else {
    outcome = detokenize(context, request, responder);
  }
  if (!outcome.ok()) responder->send(error_response(outcome, ErrorStyle::kOpenAI));
  return true;
}

}  // namespace tessera::serve
