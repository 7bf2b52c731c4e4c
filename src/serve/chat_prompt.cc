#include "serve/chat_prompt.h"

namespace tessera::serve {
namespace {

using OrderedJson = nlohmann::ordered_json;

// A message's content as text: a string, or OpenAI's list of content parts, of which text parts
// are understood (joined with "\n", as vLLM joins them) and any other type is refused by name.
// Null (or absent) only where `null_allowed`: an assistant turn that only calls tools.
Result<std::string> content_text(const Json& message, const std::string& path, bool null_allowed) {
  auto it = message.find("content");
  if (it == message.end() || it->is_null()) {
    if (null_allowed) return std::string();
    return invalid_argument(path + ".content: required, a string or a list of text parts");
  }
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) {
    return invalid_argument(path + ".content: expected a string or a list of content parts");
  }
  std::string text;
  for (size_t j = 0; j < it->size(); ++j) {
    const std::string part_path = path + ".content[" + std::to_string(j) + "]";
    const Json& part = (*it)[j];
    if (!part.is_object()) return invalid_argument(part_path + ": expected an object");
    TESSERA_ASSIGN_OR_RETURN(std::string type, required_string(part, "type", part_path));
    if (type != "text") {
      return invalid_argument(part_path + ".type: '" + type +
                              "' parts are not supported by this server; only 'text'");
    }
    TESSERA_ASSIGN_OR_RETURN(std::string part_text, required_string(part, "text", part_path));
    if (j > 0) text += "\n";
    text += part_text;
  }
  return text;
}

// An assistant turn's tool_calls, checked and shaped as chat templates read them: arguments that
// are a JSON object string are given as that object (templates write them with `tojson`), as
// vLLM does; anything else is passed as the string it is.
Result<OrderedJson> tool_calls_of(const Json& calls, const std::string& path) {
  if (!calls.is_array()) return invalid_argument(path + ": expected a list of tool calls");
  OrderedJson out = OrderedJson::array();
  for (size_t k = 0; k < calls.size(); ++k) {
    const std::string call_path = path + "[" + std::to_string(k) + "]";
    const Json& call = calls[k];
    if (!call.is_object()) return invalid_argument(call_path + ": expected an object");
    auto function = call.find("function");
    if (function == call.end() || !function->is_object()) {
      return invalid_argument(call_path + ".function: required, {name, arguments}");
    }
    TESSERA_ASSIGN_OR_RETURN(std::string name,
                             required_string(*function, "name", call_path + ".function"));
    OrderedJson arguments = OrderedJson::object();
    if (auto a = function->find("arguments"); a != function->end() && !a->is_null()) {
      if (!a->is_string()) {
        return invalid_argument(call_path + ".function.arguments: expected a JSON string");
      }
      OrderedJson parsed = OrderedJson::parse(a->get<std::string>(), nullptr, false);
      arguments = parsed.is_object() ? parsed : OrderedJson(a->get<std::string>());
    }
    OrderedJson shaped = OrderedJson::object();
    if (auto id = call.find("id"); id != call.end() && id->is_string()) shaped["id"] = *id;
    shaped["type"] = "function";
    shaped["function"] = {{"name", name}, {"arguments", arguments}};
    out.push_back(shaped);
  }
  return out;
}

// The request's `tools`: a list of {"type": "function", "function": {"name", ...}}, given to the
// template as transformers gives them.
Result<OrderedJson> tools_of(const Json& body) {
  auto it = body.find("tools");
  if (it == body.end() || it->is_null()) return OrderedJson(nullptr);
  if (!it->is_array()) return invalid_argument("tools: expected a list of tool definitions");
  for (size_t k = 0; k < it->size(); ++k) {
    const std::string path = "tools[" + std::to_string(k) + "]";
    const Json& tool = (*it)[k];
    if (!tool.is_object()) return invalid_argument(path + ": expected an object");
    TESSERA_ASSIGN_OR_RETURN(std::string type, required_string(tool, "type", path));
    if (type != "function") {
      return invalid_argument(path + ".type: '" + type +
                              "' tools are not supported; only 'function'");
    }
    auto function = tool.find("function");
    if (function == tool.end() || !function->is_object()) {
      return invalid_argument(path + ".function: required, {name, description, parameters}");
    }
    TESSERA_RETURN_IF_ERROR(required_string(*function, "name", path + ".function").status());
  }
  return OrderedJson(*it);
}

}  // namespace

Result<std::string> render_chat_prompt(const ModelInstance& model, const Json& body) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    return invalid_argument("messages: required, a non-empty list of {role, content}");
  }
  OrderedJson list = OrderedJson::array();
  std::string transcript;
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string path = "messages[" + std::to_string(i) + "]";
    const Json& message = (*messages)[i];
    if (!message.is_object()) return invalid_argument(path + ": expected an object");
    TESSERA_ASSIGN_OR_RETURN(std::string role, required_string(message, "role", path));
    if (role != "system" && role != "developer" && role != "user" && role != "assistant" &&
        role != "tool") {
      return invalid_argument(path + ".role: '" + role +
                              "' is not one of system, developer, user, assistant, tool");
    }
    // OpenAI's `developer` role is the system prompt under a newer name; chat templates know
    // `system`.
    if (role == "developer") role = "system";
    auto calls = message.find("tool_calls");
    const bool has_calls = calls != message.end() && !calls->is_null();
    if (has_calls && role != "assistant") {
      return invalid_argument(path + ".tool_calls: only an assistant message calls tools");
    }
    TESSERA_ASSIGN_OR_RETURN(std::string content, content_text(message, path, has_calls));
    OrderedJson entry = {{"role", role}, {"content", content}};
    if (has_calls) {
      TESSERA_ASSIGN_OR_RETURN(entry["tool_calls"], tool_calls_of(*calls, path + ".tool_calls"));
    }
    for (const char* passed : {"name", "tool_call_id"}) {
      TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> value, optional_string(message, passed));
      if (value) entry[passed] = *value;
    }
    list.push_back(std::move(entry));
    transcript += role + ": " + content + "\n";
  }
  TESSERA_ASSIGN_OR_RETURN(OrderedJson tools, tools_of(body));
  const ChatTemplate* chat_template = model.chat_template();
  if (chat_template == nullptr) return transcript + "assistant:";
  const Vocabulary& vocab = model.tokenizer()->vocab();
  auto token_text = [&](int32_t id) { return vocab.contains(id) ? vocab.text(id) : std::string(); };
  Result<std::string> rendered = chat_template->render_chat(
      list, true, token_text(vocab.special().bos), token_text(vocab.special().eos), tools);
  if (!rendered.ok()) {
    return invalid_argument("messages: the model's chat template refused them: " +
                            rendered.status().message());
  }
  return rendered;
}

}  // namespace tessera::serve
