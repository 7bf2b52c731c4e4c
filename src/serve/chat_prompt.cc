#include "serve/chat_prompt.h"

namespace tessera::serve {

Result<std::string> render_chat_prompt(const ModelInstance& model, const Json& body) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    return invalid_argument("messages: required, a non-empty list of {role, content}");
  }
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::string transcript;
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string path = "messages[" + std::to_string(i) + "]";
    const Json& message = (*messages)[i];
    if (!message.is_object()) return invalid_argument(path + ": expected an object");
    TESSERA_ASSIGN_OR_RETURN(std::string role, required_string(message, "role", path));
    TESSERA_ASSIGN_OR_RETURN(std::string content, required_string(message, "content", path));
    if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
      return invalid_argument(path + ".role: '" + role +
                              "' is not one of system, user, assistant, tool");
    }
    list.push_back({{"role", role}, {"content", content}});
    transcript += role + ": " + content + "\n";
  }
  const ChatTemplate* chat_template = model.chat_template();
  if (chat_template == nullptr) return transcript + "assistant:";
  const Vocabulary& vocab = model.tokenizer()->vocab();
  auto token_text = [&](int32_t id) { return vocab.contains(id) ? vocab.text(id) : std::string(); };
  Result<std::string> rendered = chat_template->render_chat(
      list, true, token_text(vocab.special().bos), token_text(vocab.special().eos));
  if (!rendered.ok()) {
    return invalid_argument("messages: the model's chat template refused them: " +
                            rendered.status().message());
  }
  return rendered;
}

}  // namespace tessera::serve
