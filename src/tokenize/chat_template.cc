#include "tokenize/chat_template.h"

#include "tokenize/jinja_ast.h"
#include "tokenize/jinja_json.h"
#include "tokenize/jinja_parser.h"

namespace tessera {

Result<ChatTemplate> ChatTemplate::parse(std::string source) {
  Result<jinja::Program> program = jinja::parse_program(source);
  if (!program.ok()) {
    return Status(program.status().code(), "chat template: " + program.status().message());
  }
  return ChatTemplate(std::move(source),
                      std::make_shared<const jinja::Program>(std::move(program).value()));
}

Result<std::string> ChatTemplate::render_value(Result<jinja::Value> context) const {
  if (!context.ok()) {
    return Status(context.status().code(), "chat template context: " + context.status().message());
  }
  jinja::Interpreter interpreter(env_);
  Result<std::string> text = interpreter.render(*program_, *context);
  if (!text.ok()) return Status(text.status().code(), "chat template: " + text.status().message());
  return text;
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& context) const {
  return render_value(jinja::from_json(context));
}

Result<std::string> ChatTemplate::render(const nlohmann::json& context) const {
  return render_value(jinja::from_json(context));
}

Result<std::string> ChatTemplate::render_chat(const nlohmann::ordered_json& messages,
                                              bool add_generation_prompt,
                                              std::string_view bos_token,
                                              std::string_view eos_token,
                                              const nlohmann::ordered_json& tools) const {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = messages;
  context["tools"] = tools;
  context["documents"] = nullptr;
  context["add_generation_prompt"] = add_generation_prompt;
  context["bos_token"] = std::string(bos_token);
  context["eos_token"] = std::string(eos_token);
  return render(context);
}

}  // namespace tessera
